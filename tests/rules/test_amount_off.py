"""Tests for the amount_off rule kind (直降): a fixed amount off each eligible unit."""

from __future__ import annotations

from typing import Any

from support import campaign, cny, line, price

from promokit import Campaign, Money, Reason


def off(amount: object, **fields: Any) -> dict[str, Any]:
    """An amount_off rule in the item stage."""
    return {"id": "d", "kind": "amount_off", "stage": "item", "amount": amount, **fields}


def test_amount_off_each_unit() -> None:
    """10.00 off each of 2 units at 59.90 takes 20.00 off the line."""
    r = price(campaign(off(10)), line("a", "59.90", qty=2))
    # 2 x 59.90 = 119.80; 119.80 - 2 x 10.00 = 99.80
    assert r.line("a").net == cny("99.80")
    assert r.applied[0].amount == cny("20.00")
    assert r.applied[0].times == 2  # units discounted


def test_uneven_amount_over_three_units() -> None:
    """3.33 off each of 3 units at 10.00 leaves 20.01 (no rounding is involved)."""
    r = price(campaign(off("3.33")), line("a", "10.00", qty=3))
    # 30.00 - 3 x 3.33 = 30.00 - 9.99 = 20.01
    assert r.line("a").net == cny("20.01")


def test_amount_larger_than_price_stops_at_zero() -> None:
    """10.00 off a 5.00 unit makes it free; the other 5.00 per unit is reported as lost."""
    r = price(campaign(off(10)), line("a", "5.00", qty=2), line("b", "30.00"))
    # a: wants 2 x 10.00 = 20.00, holds 10.00 -> 0.00, lost 10.00; b: 30.00 - 10.00 = 20.00
    assert r.line("a").net == cny("0.00")
    assert r.line("b").net == cny("20.00")
    applied = r.applied[0]
    assert applied.amount == cny("20.00")   # 10.00 from a + 10.00 from b
    assert applied.lost == cny("10.00")
    assert r.payable == cny("20.00")


def test_only_selected_lines() -> None:
    """The discount reaches only lines the selection matches (here by category)."""
    c = campaign(off(5, select={"categories": ["tea"]}))
    r = price(c, line("a", "20.00", category="tea"), line("b", "20.00", category="cup"))
    assert r.line("a").net == cny("15.00")
    assert r.line("b").net == cny("20.00")


def test_exclusion_inside_a_selection() -> None:
    """An excluded sku is left out even though its shop is selected."""
    c = campaign(off(5, select={"shops": ["A"], "exclude": {"skus": ["B"]}}))
    r = price(c, line("a", "20.00"), line("b", "20.00"))
    assert r.line("a").net == cny("15.00")
    assert r.line("b").net == cny("20.00")


def test_zero_amount_is_no_saving() -> None:
    """An amount of 0 takes nothing and is reported as no_saving."""
    r = price(campaign(off(0)), line("a", "20.00"))
    assert r.applied == ()
    assert [n.reason for n in r.not_applied] == [Reason.NO_SAVING]


def test_line_already_at_zero_is_nothing_left() -> None:
    """After an earlier stage made the line free, amount_off reports nothing_left."""
    free = {"id": "free", "kind": "percent_off", "stage": "item", "percent": 100}
    r = price(campaign(free, off(5, stage="shop")), line("a", "20.00"))
    assert r.payable == cny("0.00")
    assert [(n.rule, n.reason) for n in r.not_applied] == [("d", Reason.NOTHING_LEFT)]


def test_jpy_amount_off() -> None:
    """In JPY (no minor unit) 300 yen off each of 2 units at 1980 leaves 3360."""
    c = Campaign.from_dict({"campaign": "t", "currency": "JPY", "rules": [off(300)]})
    r = c.price({"currency": "JPY", "lines": [line("a", "1980", qty=2)]})
    # 2 x 1980 = 3960; 3960 - 600 = 3360
    assert r.payable == Money.of("3360", "JPY")
