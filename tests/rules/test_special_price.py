"""Tests for the special_price rule kind (特价): each eligible unit sells at a fixed price."""

from __future__ import annotations

from typing import Any

from support import campaign, cny, line, price

from promokit import Reason


def special(unit: object, **fields: Any) -> dict[str, Any]:
    """A special_price rule in the item stage."""
    return {"id": "s", "kind": "special_price", "stage": "item", "price": unit, **fields}


def test_special_price_per_unit() -> None:
    """2 units at 128.00 with a special price of 99.00 cost 198.00, a 58.00 discount."""
    r = price(campaign(special(99)), line("a", "128.00", qty=2))
    # 2 x 128.00 = 256.00; 2 x 99.00 = 198.00; 256.00 - 198.00 = 58.00
    assert r.line("a").net == cny("198.00")
    assert r.line("a").discount == cny("58.00")
    assert r.applied[0].amount == cny("58.00")


def test_uneven_special_price() -> None:
    """3 units at 50.00 with special price 33.33 cost 99.99 (a 50.01 discount)."""
    r = price(campaign(special("33.33")), line("a", "50.00", qty=3))
    # 3 x 33.33 = 99.99; 150.00 - 99.99 = 50.01
    assert r.line("a").net == cny("99.99")
    assert r.applied[0].amount == cny("50.01")


def test_line_already_cheaper_is_left_alone() -> None:
    """A line already at or below the special price is untouched; the others drop to it."""
    r = price(campaign(special(99)), line("a", "89.00"), line("b", "99.00"), line("c", "120.00"))
    assert r.line("a").net == cny("89.00")
    assert r.line("b").net == cny("99.00")
    assert r.line("c").net == cny("99.00")   # 120.00 - 21.00
    assert dict(r.applied[0].allocations) == {"c": cny("21.00")}


def test_all_lines_cheaper_is_no_saving() -> None:
    """When no line is above the special price the rule is reported as no_saving."""
    r = price(campaign(special(99)), line("a", "89.00"))
    assert r.applied == ()
    assert [(n.rule, n.reason) for n in r.not_applied] == [("s", Reason.NO_SAVING)]


def test_special_price_after_an_earlier_discount() -> None:
    """Special price compares with the running amount: 20% off 120.00 is 96.00, below 99."""
    pct = {"id": "p", "kind": "percent_off", "stage": "item", "percent": 20}
    r = price(campaign(pct, special(99, stage="shop")), line("a", "120.00"))
    # 120.00 x 80% = 96.00 < 99.00
    assert r.payable == cny("96.00")
    assert [(n.rule, n.reason) for n in r.not_applied] == [("s", Reason.NO_SAVING)]


def test_special_price_zero_is_free() -> None:
    """A special price of 0 makes every eligible unit free."""
    r = price(campaign(special(0, select={"skus": ["A"]})), line("a", "9.90", qty=4),
              line("b", "5.00"))
    assert r.line("a").net == cny("0.00")
    assert r.payable == cny("5.00")
