"""Refund verification re-prices a stored result from what it records: the coupons chosen (no
new search), the order id, the mode; a stored result of the previous format (1) still refunds."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import RefundError
from promokit.refunds import refund, sign, verify

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WALLET = EXAMPLES / "wallet"


def _best() -> tuple[promokit.Campaign, dict[str, Any]]:
    campaign = promokit.load_campaign(WALLET / "campaign.yaml")
    result = campaign.price(promokit.load_cart(WALLET / "cart.json"), best_coupons=True,
                            order_id="2026-A-0001")
    return campaign, json.loads(json.dumps(result.to_dict(), ensure_ascii=False))


def as_format_1(doc: dict[str, Any]) -> dict[str, Any]:
    """The same result as the previous format stored it (no time zone, order id or choice)."""
    old = {k: v for k, v in doc.items()
           if k not in ("timezone", "order_id", "coupon_mode", "chosen_coupons")}
    old["format"] = 1
    old["coupons"] = [{k: v for k, v in c.items() if k != "left_out_by"} for c in doc["coupons"]]
    return old


def test_a_best_mode_result_verifies_against_its_campaign() -> None:
    campaign, doc = _best()
    verify(doc, campaign=campaign)


def test_another_recorded_combination_is_refused() -> None:
    """Dropping a chosen coupon from the record (the red envelope red-5) makes re-pricing charge
    5.00 more than the stored payable: refused, naming the payable."""
    campaign, doc = _best()
    doc["chosen_coupons"] = [c for c in doc["chosen_coupons"] if c != "red-5"]
    with pytest.raises(RefundError, match="payable"):
        verify(doc, campaign=campaign)


def test_an_edited_coupon_mode_is_refused() -> None:
    """The wallet cart selects no coupon, so in selected mode the order re-prices at the
    price without coupons (655.00), not the stored 534.00."""
    campaign, doc = _best()
    no_coupons = campaign.price(promokit.load_cart(WALLET / "cart.json")).payable.to_json()
    assert (doc["payable"], no_coupons) == ("534.00", "655.00")
    with pytest.raises(RefundError, match=re.escape("payable is '534.00', re-priced '655.00'")):
        verify({**doc, "coupon_mode": "selected"}, campaign=campaign)


def test_the_order_id_is_recorded_not_re_derived() -> None:
    """Re-pricing keeps whatever order id the result records (pricing does not depend on it);
    a signature is what proves it unchanged."""
    campaign, doc = _best()
    key = b"order-id-test-key-0123456789"
    verify({**doc, "order_id": "2026-A-0002"}, campaign=campaign)
    signed = sign(doc, key)
    with pytest.raises(RefundError, match="signature"):
        verify({**signed, "order_id": "2026-A-0002"}, key=key)


def test_a_format_1_result_still_refunds_the_same() -> None:
    """A stored result of format 1 is verified against its campaign as before (selected mode,
    then the search) and refunds what the format 2 result refunds."""
    campaign, doc = _best()
    old = as_format_1(doc)
    verify(old, campaign=campaign)
    line = doc["lines"][0]["id"]
    new_r = refund(doc, {line: 1}, campaign=campaign)
    old_r = refund(old, {line: 1}, campaign=campaign)
    assert (old_r.amount, [x.refund for x in old_r.lines]) == (
        new_r.amount, [x.refund for x in new_r.lines])
    old["payable"] = "1.00"
    with pytest.raises(RefundError, match="payable"):
        verify(old, campaign=campaign)


def test_an_unknown_format_is_refused_naming_the_known_ones() -> None:
    _, doc = _best()
    with pytest.raises(RefundError, match="1 or 2"):
        refund({**doc, "format": 3}, {doc["lines"][0]["id"]: 1})


def test_a_recorded_combination_the_policy_forbids_is_refused() -> None:
    """The wallet example's platform coupon does not combine with shop coupons: a record that
    claims both were chosen is not priced (whatever the rest of the document says)."""
    campaign, doc = _best()
    doc["chosen_coupons"] = ["plat-80", *doc["chosen_coupons"]]
    with pytest.raises(RefundError, match="cannot be used together"):
        verify(doc, campaign=campaign)
    with pytest.raises(promokit.InputError, match="chosen_coupons"):
        campaign.reprice(doc)
