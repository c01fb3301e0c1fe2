"""Tests for the bundle rule kind (N元任选): any ``size`` eligible units for a fixed price."""

from __future__ import annotations

from typing import Any

from support import campaign, cny, line, price

from promokit import Reason


def bundle(size: int, total: object, **fields: Any) -> dict[str, Any]:
    """A bundle rule in the item stage."""
    return {"id": "n", "kind": "bundle", "stage": "item", "size": size, "price": total, **fields}


ANY3_99 = bundle(3, 99)  # 99元任选3件


def test_any_three_for_99() -> None:
    """50.00 + 40.00 + 30.00 for 99 saves 21.00, spread by each unit's value."""
    r = price(campaign(ANY3_99), line("a", "50.00"), line("b", "40.00"), line("c", "30.00"))
    # 120.00 - 99.00 = 21.00; shares 2100 x 50/120 = 875, x 40/120 = 700, x 30/120 = 525
    assert r.payable == cny("99.00")
    assert r.line("a").net == cny("41.25")
    assert r.line("b").net == cny("33.00")
    assert r.line("c").net == cny("24.75")
    assert r.applied[0].times == 1


def test_saving_that_does_not_divide_evenly() -> None:
    """3 x 40.00 for 100 saves 20.00: 6.67 + 6.67 + 6.66 by largest remainder and id."""
    r = price(campaign(bundle(3, 100)), line("a", "40.00"), line("b", "40.00"),
              line("c", "40.00"))
    # 2000 / 3 = 666 r 2 each; 1998, 2 fen left -> a, b (equal remainders and weights: ids)
    assert [ln.net for ln in r.lines] == [cny("33.33"), cny("33.33"), cny("33.34")]
    assert r.payable == cny("100.00")


def test_most_expensive_units_are_grouped() -> None:
    """Of 50, 40, 30 and 20 the three dearest form the bundle; 20.00 pays full price."""
    r = price(campaign(ANY3_99), line("a", "50.00"), line("b", "40.00"), line("c", "30.00"),
              line("d", "20.00"))
    # (50 + 40 + 30) - 99 = 21.00 saved; 140.00 - 21.00 = 119.00
    assert r.payable == cny("119.00")
    assert r.line("d").net == cny("20.00")


def test_units_of_one_line_bundle_together() -> None:
    """Three units of one 40.00 line for 100 leave that line at 100.00."""
    r = price(campaign(bundle(3, 100)), line("a", "40.00", qty=3))
    assert r.line("a").net == cny("100.00")  # 120.00 - 20.00


def test_group_that_would_not_save_is_skipped() -> None:
    """The second group (20 + 10 + 5 = 35 <= 99) is not bundled; only the first saves."""
    prices = ["50.00", "40.00", "30.00", "20.00", "10.00", "5.00"]
    r = price(campaign(ANY3_99), *[line(k, p) for k, p in zip("abcdef", prices, strict=True)])
    # 155.00 - (120.00 - 99.00) = 134.00; d, e, f untouched
    assert r.payable == cny("134.00")
    assert r.applied[0].times == 1
    assert [r.line(k).net for k in "def"] == [cny("20.00"), cny("10.00"), cny("5.00")]


def test_no_group_saves() -> None:
    """Three 10.00 units cost 30.00, below 99: reason no_saving, nothing changes."""
    r = price(campaign(ANY3_99), line("a", "10.00", qty=3))
    assert r.payable == cny("30.00")
    assert [(n.rule, n.reason) for n in r.not_applied] == [("n", Reason.NO_SAVING)]


def test_not_enough_units() -> None:
    """Two units cannot make a bundle of three: reason not_enough_units."""
    r = price(campaign(ANY3_99), line("a", "50.00", qty=2))
    assert r.payable == cny("100.00")
    assert [(n.rule, n.reason) for n in r.not_applied] == [("n", Reason.NOT_ENOUGH_UNITS)]


def test_limit() -> None:
    """limit 1 bundles three of six 50.00 units; without it two bundles form."""
    lines = (line("a", "50.00", qty=6),)
    assert price(campaign(ANY3_99), *lines).payable == cny("198.00")  # 2 x 99
    limited = price(campaign({**ANY3_99, "limit": 1}), *lines)
    assert limited.payable == cny("249.00")  # 99 + 3 x 50.00
    assert limited.applied[0].times == 1


def test_only_selected_units_count() -> None:
    """Units outside the selection neither join a bundle nor count towards one."""
    rule = {**ANY3_99, "select": {"tags": ["n3"]}}
    r = price(campaign(rule), line("a", "50.00", qty=2, tags=["n3"]), line("b", "60.00"))
    assert [(n.rule, n.reason) for n in r.not_applied] == [("n", Reason.NOT_ENOUGH_UNITS)]
    assert r.payable == cny("160.00")
