"""Tests for the multibuy rule kind: 第二件半价, 3 for 2, buy N get M with a different reward."""

from __future__ import annotations

from typing import Any

import pytest
from support import campaign, cny, line, price

from promokit import Reason


def multibuy(buy: int, get: int = 1, **fields: Any) -> dict[str, Any]:
    """A multibuy rule in the item stage."""
    return {"id": "m", "kind": "multibuy", "stage": "item", "buy": buy, "get": get, **fields}


HALF_2ND = multibuy(1, 1, percent_off=50)        # 第二件半价
THREE_FOR_TWO = multibuy(2, 1, percent_off=100)  # buy 2, get the cheapest free


def test_second_item_half_price() -> None:
    """Two units at 39.90, the second half price: 19.95 off, 59.85 to pay."""
    r = price(campaign(HALF_2ND), line("a", "39.90", qty=2))
    # one application (2 units); reward unit 39.90 x 50% = 19.95; 79.80 - 19.95 = 59.85
    assert r.payable == cny("59.85")
    assert r.applied[0].times == 1


@pytest.mark.parametrize(("qty", "payable"), [
    (1, "39.90"),    # no pair
    (3, "99.75"),    # 1 pair: 119.70 - 19.95
    (4, "119.70"),   # 2 pairs: 159.60 - 2 x 19.95
])
def test_second_item_half_price_counts_pairs(qty: int, payable: str) -> None:
    """Every full pair gives one half-price unit; an odd unit pays full price."""
    assert price(campaign(HALF_2ND), line("a", "39.90", qty=qty)).payable == cny(payable)


def test_half_of_an_odd_fen_rounds_half_up() -> None:
    """Half of 33.33 is 16.665, so the half-price unit saves 16.67 (half up)."""
    r = price(campaign(HALF_2ND), line("a", "33.33", qty=2))
    # 3333 x 50% = 1666.5 fen -> 1667; 6666 - 1667 = 4999
    assert r.payable == cny("49.99")


def test_three_for_two_mixed_prices_cheapest_free() -> None:
    """3 for 2 over 30.00, 20.00 and 10.00 makes the 10.00 unit free."""
    r = price(campaign(THREE_FOR_TWO), line("a", "30.00"), line("b", "20.00"),
              line("c", "10.00"))
    assert r.line("c").net == cny("0.00")
    assert r.line("a").net == cny("30.00")
    assert r.payable == cny("50.00")  # 60.00 - 10.00


def test_three_for_two_six_units_frees_the_two_cheapest() -> None:
    """Two applications over six units free the two cheapest units (module rule: cheapest first)."""
    units = [line(k, p) for k, p in zip("abcdef", ["60.00", "50.00", "40.00", "30.00", "20.00",
                                                     "10.00"], strict=True)]
    r = price(campaign(THREE_FOR_TWO), *units)
    # 6 // 3 = 2 applications -> 2 reward units, cheapest: 10.00 and 20.00; 210.00 - 30.00
    assert r.payable == cny("180.00")
    assert {ln.id for ln in r.lines if ln.discount} == {"e", "f"}


def test_pick_most_expensive() -> None:
    """pick most_expensive discounts the dearer unit: half of 100.00 rather than of 60.00."""
    lines = (line("a", "100.00"), line("b", "60.00"))
    cheap = price(campaign(HALF_2ND), *lines)
    dear = price(campaign({**HALF_2ND, "pick": "most_expensive"}), *lines)
    assert cheap.payable == cny("130.00")  # 160.00 - 30.00
    assert dear.payable == cny("110.00")   # 160.00 - 50.00
    assert dear.line("a").net == cny("50.00")


def test_limit_caps_applications() -> None:
    """limit 1 allows one half-price unit although 4 units make two pairs."""
    r = price(campaign({**HALF_2ND, "limit": 1}), line("a", "20.00", qty=4))
    # 80.00 - 10.00 (one unit at half) = 70.00
    assert r.payable == cny("70.00")
    assert r.applied[0].times == 1


def test_max_units_caps_reward_units() -> None:
    """max_units 1 frees a single unit although 6 units make two 3-for-2 applications."""
    r = price(campaign({**THREE_FOR_TWO, "max_units": 1}), line("a", "10.00", qty=6))
    # 60.00 - 10.00 = 50.00
    assert r.payable == cny("50.00")


def test_reward_selection_differs_from_condition() -> None:
    """Buy 2 teas, get 5.00 off a cup: the cup is discounted, the teas are not."""
    rule = multibuy(2, 1, amount_off=5, select={"categories": ["tea"]},
                    reward={"categories": ["cup"]})
    r = price(campaign(rule), line("t", "50.00", qty=2, category="tea"),
              line("c", "30.00", category="cup"))
    assert r.line("t").net == cny("100.00")
    assert r.line("c").net == cny("25.00")  # 30.00 - 5.00
    assert r.payable == cny("125.00")


def test_reward_selection_two_applications_cheapest_cups() -> None:
    """Four teas earn two cup rewards, taken from the cheapest cups first."""
    rule = multibuy(2, 1, amount_off=5, select={"categories": ["tea"]},
                    reward={"categories": ["cup"]})
    r = price(campaign(rule), line("t", "50.00", qty=4, category="tea"),
              line("c1", "30.00", category="cup"), line("c2", "20.00", category="cup"),
              line("c3", "40.00", category="cup"))
    # min(4 // 2, 3 // 1) = 2 rewards: cups 20.00 and 30.00, 5.00 each
    assert r.line("c1").net == cny("25.00")
    assert r.line("c2").net == cny("15.00")
    assert r.line("c3").net == cny("40.00")


@pytest.mark.parametrize("lines", [
    [line("t", "50.00", category="tea"), line("c", "30.00", category="cup")],  # 1 tea
    [line("t", "50.00", qty=2, category="tea")],                               # no cup
])
def test_reward_selection_not_enough_units(lines: list[dict[str, Any]]) -> None:
    """One tea, or two teas and no cup, is not enough: reason not_enough_units."""
    rule = multibuy(2, 1, amount_off=5, select={"categories": ["tea"]},
                    reward={"categories": ["cup"]})
    r = price(campaign(rule), *lines)
    assert r.applied == ()
    assert [(n.rule, n.reason) for n in r.not_applied] == [("m", Reason.NOT_ENOUGH_UNITS)]


def test_not_enough_units() -> None:
    """Two units cannot make a 3 for 2: reason not_enough_units and full price."""
    r = price(campaign(THREE_FOR_TWO), line("a", "10.00", qty=2))
    assert r.payable == cny("20.00")
    assert [(n.rule, n.reason) for n in r.not_applied] == [("m", Reason.NOT_ENOUGH_UNITS)]


def test_reward_at_a_fixed_price() -> None:
    """Buy 1, get the second for 1.00: a pair at 10.00 costs 11.00."""
    r = price(campaign(multibuy(1, 1, price=1)), line("a", "10.00", qty=2))
    # reward unit 10.00 -> 1.00: 9.00 off; 20.00 - 9.00 = 11.00
    assert r.payable == cny("11.00")


def test_reward_amount_off_stops_at_the_unit_value() -> None:
    """50.00 off a 20.00 reward unit makes it free and no more."""
    r = price(campaign(multibuy(1, 1, amount_off=50)), line("a", "20.00", qty=2))
    assert r.payable == cny("20.00")  # 40.00 - min(20.00, 50.00)
