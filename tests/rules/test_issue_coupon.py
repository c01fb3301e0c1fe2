"""issue_coupon (复购券): spend 200, receive a 20-off coupon valid 30 days for the next order.

Hand-checked: the rule gives nothing off this order (amount 0.00, no allocations), names the
coupon in its detail, and checkout + commit put the coupon in the customer's wallet, where it
takes 20.00 off a later cart of 120.00 (above its 100.00 threshold).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit.checkout import checkout, consumption
from promokit.ledger import open_ledger
from promokit.testing import check_invariants

AT = "2026-11-11T10:00:00+08:00"
RULE = {"id": "fugou", "kind": "issue_coupon", "stage": "platform", "min_spend": 200,
        "coupon": {"kind": "platform", "value": 20, "min_spend": 100, "valid_days": 30}}


def _campaign(**extra: Any) -> promokit.Campaign:
    return promokit.Campaign.from_dict({
        "campaign": "fugou", "currency": "CNY", "rules": [{**RULE, **extra}],
        "coupon_policy": {"kinds": {"platform": {"stage": "platform"}}}})


def _cart(unit: str, qty: int = 1, customer: str | None = "u1",
          wallet: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    cart: dict[str, Any] = {"currency": "CNY", "at": AT, "lines": [
        {"id": "l1", "sku": "A", "shop": "S", "unit_price": unit, "quantity": qty}]}
    if customer is not None:
        cart["customer"] = {"id": customer}
    if wallet is not None:
        cart["wallet"] = wallet
    return cart


def test_below_the_spend_it_is_not_applied_and_says_how_far() -> None:
    r = _campaign().price(_cart("66.33", 3))             # 198.99: 1.01 short
    assert not r.applied
    (miss,) = r.not_applied
    assert (miss.reason, miss.shortfall.to_json()) == ("below_threshold", "1.01")
    assert not r.nudges                                   # no money to save: no nudge
    check_invariants(r)


def test_at_the_spend_it_applies_with_nothing_off() -> None:
    r = _campaign(count=2).price(_cart("66.67", 3))      # 200.01
    check_invariants(r)
    (a,) = r.applied
    assert (a.amount.to_json(), a.base.to_json(), a.times, a.allocations) == \
        ("0.00", "200.01", 2, ())
    assert a.detail == "issues 2 coupons for 20 off on a spend of 100 (valid 30 days)"
    assert r.payable.to_json() == "200.01" and r.discount_total.to_json() == "0.00"


def test_consumption_issues_the_coupons_with_codes_from_the_order_id() -> None:
    c = _campaign(count=2)
    r = c.price(_cart("250.00"))
    used = consumption(r, c, order_id="o-7")
    at = datetime.fromisoformat(AT)
    assert [x.code for x in used.issued] == ["o-7:fugou:1", "o-7:fugou:2"]
    first = used.issued[0]
    assert (first.customer, first.face, first.min_spend, first.kind, first.rule) == \
        ("u1", 2000, 10000, "platform", "fugou")
    assert (first.valid_from, first.valid_until) == (at, at + timedelta(days=30))
    again = consumption(c.price(_cart("250.00")), c)      # no order id: the cart's fingerprint
    assert again.issued[0].code == consumption(r, c).issued[0].code
    assert again.issued[0].code.startswith("fugou:")
    # a result priced for an order: its recorded order id gives the codes
    recorded = consumption(c.price(_cart("250.00"), order_id="o-8"), c)
    assert [x.code for x in recorded.issued] == ["o-8:fugou:1", "o-8:fugou:2"]


def test_a_guest_receives_none_and_the_detail_says_why() -> None:
    c = _campaign()
    r = c.price(_cart("250.00", customer=None))
    (a,) = r.applied
    assert "none issued: the cart has no customer id" in a.detail
    assert consumption(r, c, order_id="o-1").issued == ()


def test_descriptions() -> None:
    spec = _campaign().spec.rules[0]
    assert spec.describe("en") == ("spend 200 and receive a coupon for 20 off on a spend of 100 "
                                   "(valid 30 days) for a later order")
    assert spec.describe("zh") == "满200送下单可用的满100减20券1张（30天内有效）"


def test_a_shop_coupon_needs_its_shop() -> None:
    with pytest.raises(Exception, match="needs the shop"):
        _campaign(coupon={"kind": "shop", "value": 20, "valid_days": 30})


def test_end_to_end_checkout_commit_wallet_next_order(tmp_path: Path) -> None:
    c = _campaign()
    ledger = open_ledger(f"sqlite:///{tmp_path}/ledger.db")
    ledger.init()
    first = checkout(c, _cart("250.00"), ledger, "order-1")
    assert first.payable.to_json() == "250.00"
    paid = datetime.fromisoformat(AT) + timedelta(minutes=1)
    assert not ledger.wallet("u1", paid)               # reserved, not paid: not yet
    ledger.commit("order-1", at=paid)
    (coupon,) = ledger.wallet("u1", paid)
    assert coupon.code == "order-1:fugou:1" and coupon.face == 2000
    nxt = {**_cart("120.00", wallet=[coupon.to_cart()]),
           "at": (datetime.fromisoformat(AT) + timedelta(days=3)).isoformat()}
    # 120.00 < 200: this order issues nothing more
    second = c.price(nxt, ledger=ledger, best_coupons=True)
    check_invariants(second)
    assert second.payable.to_json() == "100.00"                # 120.00 - 20.00
    assert [x.id for x in second.coupons if x.applied] == ["order-1:fugou:1"]
    late = {**nxt, "at": (datetime.fromisoformat(AT) + timedelta(days=31)).isoformat()}
    # expired after 30 days
    assert c.price(late, ledger=ledger, best_coupons=True).payable.to_json() == "120.00"
