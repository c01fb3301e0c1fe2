"""gift (满赠, 今日下单送延保): above a spend or per N units, a gift SKU, nothing off the order.

Hand-checked: the gift rule applies with amount 0.00 and no allocations, ``times`` = gifts
given, a detail naming the gift and its reference value; a ``limits: {units: N}`` stock counts
the gifts (not the qualifying items).
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
GIFT = {"sku": "EXT-WARRANTY", "name": "延保1年", "value": "99.00"}


def _campaign(**rule: Any) -> promokit.Campaign:
    return promokit.Campaign.from_dict({"campaign": "gift", "currency": "CNY", "rules": [
        {"id": "yanbao", "kind": "gift", "stage": "platform", "gift": GIFT, **rule}]})


def _cart(unit: str, qty: int = 1, customer: str | None = "u1") -> dict[str, Any]:
    cart: dict[str, Any] = {"currency": "CNY", "at": AT, "lines": [
        {"id": "l1", "sku": "TV", "shop": "S", "unit_price": unit, "quantity": qty}]}
    if customer:
        cart["customer"] = {"id": customer}
    return cart


def test_above_the_spend_one_gift_nothing_off() -> None:
    r = _campaign(min_spend=200).price(_cart("66.67", 3))   # 200.01
    check_invariants(r)
    (a,) = r.applied
    assert (a.amount.to_json(), a.base.to_json(), a.times, a.allocations) == \
        ("0.00", "200.01", 1, ())
    assert a.detail == "gives 1 x 延保1年 (EXT-WARRANTY, value 99.00)"
    assert r.payable.to_json() == "200.01"


def test_below_the_spend_none() -> None:
    r = _campaign(min_spend=200).price(_cart("66.33", 3))   # 198.99: 1.01 short
    assert not r.applied
    assert (r.not_applied[0].reason, r.not_applied[0].shortfall.to_json()) == ("below_threshold",
                                                                          "1.01")


def test_per_every_qty_units_with_quantity_and_limit() -> None:
    c = _campaign(every_qty=2, quantity=2, limit=5)
    assert c.price(_cart("10.00", 1)).not_applied[0].reason == "below_quantity"
    assert c.price(_cart("10.00", 3)).applied[0].times == 2     # 3 // 2 = 1 reach x 2
    r = c.price(_cart("10.00", 7))                              # 3 reaches x 2 = 6, limit 5
    check_invariants(r)
    assert (r.applied[0].times, r.applied[0].detail) == \
        (5, "gives 5 x 延保1年 (EXT-WARRANTY, value 99.00)")


def test_the_units_stock_counts_gifts_not_items(tmp_path: Path) -> None:
    c = _campaign(every_qty=1, limits={"units": 3})
    assert consumption(c.price(_cart("10.00", 2)), c).limits["yanbao"].units == 2
    ledger = open_ledger(f"sqlite:///{tmp_path}/ledger.db")
    ledger.init()
    assert checkout(c, _cart("10.00", 2), ledger, "o1").applied[0].times == 2
    r = checkout(c, _cart("10.00", 2), ledger, "o2")         # 2 gifts asked, 1 left: none
    assert not r.applied and r.not_applied[0].reason == "limit_reached"
    assert checkout(c, _cart("10.00", 1), ledger, "o3").applied[0].times == 1
    ledger.commit("o1", at=datetime.fromisoformat(AT) + timedelta(minutes=1))


def test_descriptions_and_shape() -> None:
    spec = _campaign(min_spend=200, limit=1).spec.rules[0]
    assert spec.describe("en") == ("spend 200 and receive 延保1年 free (worth 99), "
                                   "at most 1 per order")
    assert spec.describe("zh") == "满200赠延保1年1件（价值99元），每单限1件"
    per = _campaign(every_qty=2, quantity=2).spec.rules[0]
    assert per.describe("en") == "receive 2 x 延保1年 free (worth 99) for every 2 items"
    assert per.describe("zh") == "每买2件赠延保1年2件（价值99元）"
    with pytest.raises(Exception, match="exactly one of min_spend, every_qty"):
        _campaign()


def test_an_amount_zero_benefit_passes_the_invariants_with_other_discounts() -> None:
    c = promokit.Campaign.from_dict({"campaign": "g", "currency": "CNY", "rules": [
        {"id": "pct", "kind": "percent_off", "stage": "item", "percent": 10},
        {"id": "yanbao", "kind": "gift", "stage": "platform", "min_spend": 100, "gift": GIFT}]})
    r = c.price(_cart("33.33", 4))                  # 133.32, 10% off = 13.33 -> 119.99
    check_invariants(r)
    assert r.payable.to_json() == "119.99" and [a.rule for a in r.applied] == ["pct", "yanbao"]


def test_the_stored_result_format_is_unchanged_and_the_receipt_names_the_gift() -> None:
    import json

    from promokit._result.document import ResultDocument
    from promokit._result.receipt import render_text
    r = _campaign(min_spend=200).price(_cart("250.00"))
    ResultDocument.model_validate(json.loads(json.dumps(r.to_dict())))   # the published schema
    assert "    yanbao: gives 1 x 延保1年 (EXT-WARRANTY, value 99.00), on base 250.00" \
        in render_text(r)
