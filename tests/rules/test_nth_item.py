"""Tests for the nth_item rule kind: 第二件半价, 第二件0元, 第3件1折, counted per SKU.

The per-SKU counting (a red and a green widget are not a pair; 3 units give one discounted unit;
9 units of "every 2nd free" give 4) is DOMAIN.md, "Nth item of the same SKU".
"""

from __future__ import annotations

from typing import Any

import pytest
from support import applied, campaign, cny, line, missed, price

from promokit import Reason
from promokit.testing import check_invariants


def nth(n: int, **fields: Any) -> dict[str, Any]:
    """An nth_item rule in the item stage."""
    return {"id": "n", "kind": "nth_item", "stage": "item", "nth": n, **fields}


HALF_2ND = nth(2, percent_off=50)    # 同款第二件半价
FREE_2ND = nth(2, price=0)           # 第二件0元
TENTH_3RD = nth(3, percent_off=90)   # 第3件1折


def test_second_unit_half_price() -> None:
    """Two units of 39.90: the second is half price, 19.95 off, 59.85 to pay."""
    r = price(campaign(HALF_2ND), line("a", "39.90", qty=2))
    # 3990 x 50% = 1995; 7980 - 1995 = 5985
    assert r.payable == cny("59.85")
    assert applied(r, "n").times == 1
    check_invariants(r)


@pytest.mark.parametrize(("qty", "payable"), [
    (1, "39.90"),     # no second unit
    (3, "99.75"),     # one discounted unit: 119.70 - 19.95 (DOMAIN: 3 units give one)
    (4, "119.70"),    # two: 159.60 - 39.90
])
def test_every_second_unit_counts(qty: int, payable: str) -> None:
    """Every full N gives one discounted unit; the odd unit pays full price."""
    assert price(campaign(HALF_2ND), line("a", "39.90", qty=qty)).payable == cny(payable)


def test_nine_units_of_every_second_free_give_four() -> None:
    """DOMAIN.md: 9 units of "2 for 1" give 4 free units: 9 x 12.00 - 4 x 12.00 = 60.00."""
    r = price(campaign(FREE_2ND), line("a", "12.00", qty=9))
    assert r.payable == cny("60.00")
    assert applied(r, "n").times == 4


def test_two_skus_are_not_a_pair() -> None:
    """DOMAIN.md: a red and a green widget are not a pair, so nothing is discounted."""
    r = price(campaign(HALF_2ND), line("red", "20.00"), line("green", "20.00"))
    assert r.payable == cny("40.00")
    m = missed(r, "n")
    assert m.reason == Reason.NOT_ENOUGH_UNITS


def test_two_lines_of_one_sku_count_together() -> None:
    """Two lines carrying the same SKU make a pair; the discount lands on one of them."""
    r = price(campaign(HALF_2ND), line("a1", "20.00", sku="W"), line("a2", "20.00", sku="W"))
    # one pair of W: 2000 x 50% = 1000 off; ties by line id: a1 takes it
    assert r.payable == cny("30.00")
    assert r.line("a1").net == cny("10.00")
    assert r.line("a2").net == cny("20.00")
    check_invariants(r)


def test_third_unit_at_ten_percent_rounds_half_up() -> None:
    """第3件1折 on 33.33: 90% off is 29.997, rounded half up to 30.00; 99.99 - 30.00 = 69.99."""
    r = price(campaign(TENTH_3RD), line("a", "33.33", qty=3))
    # 3333 x 90 / 100 = 2999.7 fen -> 3000
    assert r.payable == cny("69.99")
    assert r.line("a").discount == cny("30.00")
    check_invariants(r)


def test_half_of_an_odd_fen_two_units_on_one_line() -> None:
    """Four units of 0.33, every 2nd half price: the two discounted units are rounded together
    (half of 0.66 is 0.33), not one by one (half of 0.33 is 0.165 -> 0.17, twice 0.34)."""
    r = price(campaign(HALF_2ND), line("a", "0.33", qty=4))
    # discounted: 2 units worth 66 fen, 50% = 33 fen (one rounding per line, not 17 + 17)
    assert r.payable == cny("0.99")  # 132 - 33


def test_fixed_price_for_the_second_unit() -> None:
    """第二件9.90: two units of 25.00 cost 25.00 + 9.90 = 34.90."""
    r = price(campaign(nth(2, price="9.90")), line("a", "25.00", qty=2))
    assert r.payable == cny("34.90")


def test_fixed_price_above_the_unit_saves_nothing() -> None:
    """A second unit at 30.00 when the unit is 25.00 saves nothing (no_saving)."""
    r = price(campaign(nth(2, price=30)), line("a", "25.00", qty=2))
    assert r.payable == cny("50.00")
    assert missed(r, "n").reason == Reason.NO_SAVING


def test_limit_per_order_takes_the_largest_saving_first() -> None:
    """limit 1 over two SKUs: only the dearer pair's unit is half price (50.00 off, not 10.00)."""
    r = price(campaign({**HALF_2ND, "limit": 1}), line("a", "100.00", qty=2),
              line("b", "20.00", qty=2))
    # 240.00 - 50.00
    assert r.payable == cny("190.00")
    assert applied(r, "n").times == 1
    assert r.line("b").discount == cny("0.00")


def test_selection_bounds_the_units() -> None:
    """Only selected lines count: a pair of an unselected SKU gets nothing."""
    rule = {**HALF_2ND, "select": {"skus": ["A"]}}
    r = price(campaign(rule), line("a", "10.00", qty=2), line("b", "10.00", qty=2))
    assert r.payable == cny("35.00")  # 40.00 - 5.00


def test_line_already_at_zero() -> None:
    """A line an earlier rule made free has nothing left to take off."""
    free = {"id": "free", "kind": "special_price", "stage": "item", "price": 0, "priority": -1}
    r = price(campaign(free, HALF_2ND), line("a", "10.00", qty=2))
    assert r.payable == cny("0.00")
    assert missed(r, "n").reason in (Reason.NOTHING_LEFT, Reason.NO_SAVING)


def test_later_threshold_is_judged_after_the_nth_item_discount() -> None:
    """DOMAIN.md: thresholds later in the stages see the price after the Nth-item discount.

    Two units of 100.00, second half price: 150.00 is below 满200减20, which does not apply.
    """
    spend = {"id": "t", "kind": "threshold", "stage": "shop", "min_spend": 200, "discount": 20}
    r = price(campaign(HALF_2ND, spend), line("a", "100.00", qty=2))
    assert r.payable == cny("150.00")
    assert missed(r, "t").reason == Reason.BELOW_THRESHOLD


def test_describes_itself() -> None:
    """第二件半价 and 第3件1折 read as merchants write them."""
    from promokit.rules.nth_item import NthItem
    half = NthItem.model_validate(HALF_2ND)
    assert half.describe("zh") == "同款第2件半价"
    assert half.describe("en") == "every 2nd unit of the same item half price"
    assert NthItem.model_validate(TENTH_3RD).describe("zh") == "同款第3件1折"
    assert NthItem.model_validate({**FREE_2ND, "limit": 2}).describe("zh") == \
        "同款第2件0元，每单限2件"


@pytest.mark.parametrize(("fields", "message"), [
    ({"nth": 2}, "give exactly one of percent_off, price"),
    ({"nth": 2, "percent_off": 50, "price": 1}, "give exactly one of percent_off, price"),
    ({"nth": 1, "percent_off": 50}, "must be at least 2"),
])
def test_refuses_a_bad_rule(fields: dict[str, Any], message: str) -> None:
    """One benefit, N of at least 2."""
    from promokit import CampaignError
    with pytest.raises(CampaignError, match=message):
        campaign({"id": "n", "kind": "nth_item", "stage": "item", **fields})


def test_the_worked_example_of_the_docs() -> None:
    """docs/campaign-format.md: 3 TEE-W and 1 TEE-B at 39.90 give one half-price unit
    (159.60 - 19.95 = 139.65); 3 units of one sock at 33.33, the 3rd 1折: 99.99 - 30.00 = 69.99."""
    tee = {**HALF_2ND, "id": "tee", "select": {"categories": ["tee"]}}
    sock = {**TENTH_3RD, "id": "sock", "select": {"categories": ["sock"]}, "limit": 2}
    c = campaign(tee, sock)
    r = price(c, line("w", "39.90", qty=3, sku="TEE-W", category="tee"),
              line("b", "39.90", sku="TEE-B", category="tee"))
    assert r.payable == cny("139.65")
    r = price(c, line("s", "33.33", qty=3, category="sock"))
    assert r.payable == cny("69.99")
    check_invariants(r)
