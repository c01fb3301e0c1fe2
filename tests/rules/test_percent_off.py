"""Tests for the percent_off rule kind (限时折扣): a percent off each eligible line."""

from __future__ import annotations

from typing import Any

import pytest
from support import campaign, cny, line, price

from promokit import Reason


def off(percent: object, **fields: Any) -> dict[str, Any]:
    """A percent_off rule in the item stage."""
    return {"id": "p", "kind": "percent_off", "stage": "item", "percent": percent, **fields}


def test_fifteen_percent_of_an_uneven_price() -> None:
    """15% off 33.33 is 5.00 (4.9995 rounded half up), leaving 28.33."""
    r = price(campaign(off(15)), line("a", "33.33"))
    # 3333 fen x 15 / 100 = 499.95 fen -> 500 fen (half up); 3333 - 500 = 2833
    assert r.line("a").net == cny("28.33")
    assert r.applied[0].amount == cny("5.00")
    assert r.payable == cny("28.33")


@pytest.mark.parametrize(("mode", "net"), [
    ("half_up", "16.66"),    # 3333 x 50% = 1666.5 fen -> 1667 off
    ("half_even", "16.67"),  # 1666.5 -> 1666 (even) off
    ("down", "16.67"),       # 1666 off
    ("up", "16.66"),         # 1667 off
])
def test_campaign_rounding_mode_decides_the_half_fen(mode: str, net: str) -> None:
    """The campaign's rounding mode rounds a discount that falls on half a fen."""
    r = price(campaign(off(50), rounding=mode), line("a", "33.33"))
    assert r.line("a").net == cny(net)


def test_rounded_once_per_line_not_per_unit() -> None:
    """10% off a line of 3 x 0.05 is 0.02 (1.5 fen rounded once), not 3 x 0.01."""
    r = price(campaign(off(10)), line("a", "0.05", qty=3))
    # line 15 fen x 10% = 1.5 fen -> 2 fen; per unit would be 0.5 -> 1 fen each = 3 fen
    assert r.line("a").discount == cny("0.02")
    assert r.line("a").net == cny("0.13")


def test_fractional_percent() -> None:
    """12.5% off 99.99 is 12.50 (1249.875 fen rounded), leaving 87.49."""
    r = price(campaign(off("12.5")), line("a", "99.99"))
    # 9999 x 12.5 / 100 = 1249.875 -> 1250 fen; 9999 - 1250 = 8749
    assert r.line("a").net == cny("87.49")


def test_each_line_is_discounted_on_its_own() -> None:
    """Two selected lines each lose 15%; an unselected line keeps its price."""
    c = campaign(off(15, select={"skus": ["A", "B"]}))
    r = price(c, line("a", "33.33"), line("b", "10.00", qty=3), line("c", "50.00"))
    # a: 499.95 -> 500 fen; b: 3000 x 15% = 450 fen; c untouched
    assert r.line("a").net == cny("28.33")
    assert r.line("b").net == cny("25.50")
    assert r.line("c").net == cny("50.00")
    assert r.line("c").discounts == ()
    applied = r.applied[0]
    assert applied.amount == cny("9.50")  # 5.00 + 4.50
    assert dict(applied.allocations) == {"a": cny("5.00"), "b": cny("4.50")}
    assert r.payable == cny("103.83")  # 28.33 + 25.50 + 50.00


def test_hundred_percent_is_free_and_zero_percent_saves_nothing() -> None:
    """100% off makes the line free; 0% off is reported as no_saving."""
    assert price(campaign(off(100)), line("a", "12.34")).payable == cny("0.00")
    r = price(campaign(off(0)), line("a", "12.34"))
    assert r.payable == cny("12.34")
    assert [(n.rule, n.reason) for n in r.not_applied] == [("p", Reason.NO_SAVING)]


def test_a_rule_matching_no_line_is_not_reported() -> None:
    """A rule whose selection matches no cart line appears in neither applied nor not_applied."""
    r = price(campaign(off(15, select={"skus": ["ZZZ"]})), line("a", "10.00"))
    assert r.applied == ()
    assert r.not_applied == ()
    assert r.payable == cny("10.00")


def test_line_discount_records_rule_and_stage() -> None:
    """The line's discount entry names the rule, its stage and who funds it."""
    r = price(campaign(off(15, funded_by="platform")), line("a", "20.00"))
    (d,) = r.line("a").discounts
    assert (d.rule, d.stage, d.amount, d.funded_by) == ("p", "item", cny("3.00"), "platform")
    # 2000 x 15% = 300 fen
