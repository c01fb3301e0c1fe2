"""Re-pricing a stored result reproduces it: the result records the campaign's time zone, the
order id, the coupon mode and the coupons chosen (in the order chosen), and
``Campaign.reprice`` prices exactly those again."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st
from mechanisms.test_best_coupons import KINDS, POLICIES  # per-kind limits, combines_with, caps

import promokit
from promokit import Campaign, CampaignError, InputError, PriceResult, PricingError
from promokit._campaign import plan_of
from promokit.pricing.checkout import price as engine_price
from promokit.refunds import verify
from promokit.testing import campaign_dicts, carts, wallets

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AT = "2026-11-11T10:00:00+08:00"
STAGES = ("item", "shop", "cross_store", "platform", "cash")


def stored(result: PriceResult) -> dict[str, Any]:
    """The stored form, through JSON text as a database would keep it."""
    return json.loads(json.dumps(result.to_dict(), ensure_ascii=False))


@st.composite
def priced_orders(draw: st.DrawFn) -> tuple[Campaign, dict[str, Any], bool, str | None]:
    """A random campaign (promokit.testing) with a coupon policy, a random cart with a random
    wallet, coupons selected at random, a coupon mode and maybe an order id."""
    doc = draw(campaign_dicts(stages=STAGES, max_rules=4))
    doc["stages"] = list(STAGES)  # the drawn rules' stages are among them, in this order
    doc["coupon_policy"] = draw(st.sampled_from(POLICIES))
    doc["timezone"] = draw(st.sampled_from(["Asia/Shanghai", "UTC", "America/New_York"]))
    try:
        campaign = Campaign.from_dict(doc)
    except CampaignError:  # e.g. a threshold base naming a stage a coupon kind sits in
        reject()
    cart = draw(carts(currency=campaign.spec.currency, max_lines=4, shops=("A", "B"),
                      min_price="60.00", max_price="400.00"))  # above any pre-sale's terms
    wallet = draw(wallets(currency=campaign.spec.currency, shops=("A", "B", "C"),
                          kinds=tuple(KINDS), max_coupons=6, max_value="60",
                          at=datetime.fromisoformat(AT)))
    data = cart.model_dump(mode="json", exclude_none=True)
    data["at"] = AT
    data["wallet"] = [c.model_dump(mode="json", exclude_none=True) for c in wallet]
    data["coupons"] = draw(st.lists(st.sampled_from([c.id for c in wallet]), unique=True))
    best = draw(st.sampled_from([True, True, True, False]))  # mostly the best-coupon search
    order = draw(st.one_of(st.none(), st.text(min_size=1, max_size=12).filter(str.strip)))
    return campaign, data, best, order


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(priced_orders())
def test_a_stored_result_re_prices_to_the_same_document(
        order: tuple[Campaign, dict[str, Any], bool, str | None]) -> None:
    """price (best-coupon or selected mode) -> to_dict -> from_dict -> reprice: the same
    document, key for key; from the stored dict directly too."""
    campaign, cart, best, order_id = order
    try:
        result = campaign.price(cart, best_coupons=best, order_id=order_id)
    except PricingError:
        return  # e.g. a pre-sale line priced at or below its terms: not what this is about
    doc = stored(result)
    assert (doc["format"], doc["timezone"], doc["order_id"]) == (
        2, campaign.spec.timezone, order_id)
    assert doc["coupon_mode"] == ("best" if best else "selected")
    applied = [c["id"] for c in doc["coupons"] if c["applied"]]
    assert set(applied) <= set(doc["chosen_coupons"])   # every applied coupon was chosen
    event(f"mode={doc['coupon_mode']}, chosen={min(len(doc['chosen_coupons']), 3)}")
    back = PriceResult.from_dict(doc)
    assert back.to_dict() == doc
    assert stored(campaign.reprice(back)) == doc
    assert stored(campaign.reprice(doc)) == doc


def test_the_wallet_example_records_its_best_combination() -> None:
    """examples/wallet in best-coupon mode: the combination the search chose (README of the
    example: shop A 30, shop B 25, the 50 allowance, both red envelopes and B's shipping coupon)
    is recorded in the order chosen, and re-pricing prices exactly it."""
    campaign = promokit.load_campaign(EXAMPLES / "wallet" / "campaign.yaml")
    result = campaign.price(promokit.load_cart(EXAMPLES / "wallet" / "cart.json"),
                            best_coupons=True, order_id="2026-A-0001")
    doc = stored(result)
    # the red envelopes come from the search's closed-form tail, the larger face first
    assert doc["chosen_coupons"] == ["shopA-30", "shopB-25", "allow-50", "red-5", "red-3",
                                     "ship-B"]
    assert doc["order_id"] == "2026-A-0001" and doc["timezone"] == "Asia/Shanghai"
    assert stored(campaign.reprice(doc)) == doc


def test_re_pricing_does_not_search_again() -> None:
    """A result priced with a ledger that had not issued one coupon (reason not_issued):
    searching again without the ledger would pick that coupon and charge less; re-pricing from
    the record prices the recorded combination and keeps the not_issued reason."""
    campaign = Campaign.from_dict({
        "campaign": "t", "currency": "CNY", "timezone": "Asia/Shanghai",
        "stages": ["item", "platform", "cash"],
        "coupon_policy": {"kinds": {"platform": {"stage": "platform"},
                                    "red_envelope": {"stage": "cash", "limit": None}}}})
    cart = promokit.Cart.model_validate({
        "currency": "CNY", "at": AT, "customer": {"id": "alice"},
        "lines": [{"id": "l1", "sku": "S", "shop": "A", "unit_price": "100.00", "quantity": 1}],
        "wallet": [{"id": "p10", "kind": "platform", "value": "10"},
                   {"id": "r5", "kind": "red_envelope", "value": "5"}]})
    # as Campaign.price(cart, ledger=...) prices when the ledger knows only r5 as issued
    with_ledger = engine_price(plan_of(campaign), cart, best_coupons=True,
                               issued=frozenset({"r5"}))
    doc = stored(with_ledger)
    # 100.00 - 5.00 (r5); p10 is not honoured
    assert (doc["payable"], doc["chosen_coupons"]) == ("95.00", ["r5"])
    assert doc["coupons"][0]["reason"] == "not_issued"
    searched = campaign.price(cart, best_coupons=True)          # a fresh search, no ledger
    assert searched.payable.to_json() == "85.00"                # 100 - 10 - 5: not the order
    assert stored(campaign.reprice(doc)) == doc
    verify(doc, campaign=campaign)                               # so a refund accepts it


def test_a_result_of_another_campaign_is_not_re_priced() -> None:
    double11 = promokit.load_campaign(EXAMPLES / "double11" / "campaign.yaml")
    wallet = promokit.load_campaign(EXAMPLES / "wallet" / "campaign.yaml")
    doc = stored(double11.price(promokit.load_cart(EXAMPLES / "double11" / "cart.json")))
    with pytest.raises(InputError, match="another campaign"):
        wallet.reprice(doc)


@pytest.mark.parametrize("order_id", ["", "   ", "x" * 1001, 7])
def test_a_bad_order_id_is_refused(order_id: object) -> None:
    campaign = promokit.load_campaign(EXAMPLES / "double11" / "campaign.yaml")
    cart = promokit.load_cart(EXAMPLES / "double11" / "cart.json")
    with pytest.raises(InputError, match="order_id"):
        campaign.price(cart, order_id=order_id)  # type: ignore[arg-type]
