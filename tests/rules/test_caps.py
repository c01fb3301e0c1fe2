"""Caps (最高减X元, ``max_discount``) on percent rules: percent_off, percent thresholds and tier
percent perks (9折 最高减50).

DOMAIN.md ("Caps"): a cap bounds the whole rule's discount in an order, not each line; the capped
amount is then allocated back by weight like any other.
"""

from __future__ import annotations

from typing import Any

import pytest
from support import applied, campaign, cny, line, price

from promokit import CampaignError
from promokit.testing import check_invariants

NINE_ZHE_50 = {"id": "p", "kind": "percent_off", "stage": "item", "percent": 10,
               "max_discount": 50}


def test_percent_off_below_the_cap_is_untouched() -> None:
    """9折 最高减50 on 300.00: 30.00 off, under the cap."""
    r = price(campaign(NINE_ZHE_50), line("a", "300.00"))
    assert r.payable == cny("270.00")


def test_percent_off_capped_and_allocated_back_exactly() -> None:
    """9折 最高减50 on 300.00 + 200.00 + 100.00: 60.00 capped at 50.00, split 25.00/16.67/8.33.

    5000 x 30000/60000 = 2500; x 20000/60000 = 1666.67; x 10000/60000 = 833.33 -> floors sum to
    4999, the odd fen goes to the largest remainder (b, .67).
    """
    r = price(campaign(NINE_ZHE_50), line("a", "300.00"), line("b", "200.00"),
              line("c", "100.00"))
    assert r.payable == cny("550.00")
    assert applied(r, "p").amount == cny("50.00")
    assert [r.line(k).discount for k in "abc"] == [cny("25.00"), cny("16.67"), cny("8.33")]
    check_invariants(r)


def test_percent_off_cap_uneven_three_way() -> None:
    """10% off three lines of 333.33 would give 3 x 33.33 = 99.99; capped at 10.00 it splits
    1000 fen in thirds: 333.33 each -> 333, 333, 333 + 1 to the smallest line id (all ties)."""
    rule = {**NINE_ZHE_50, "max_discount": 10}
    r = price(campaign(rule), line("a", "333.33"), line("b", "333.33"), line("c", "333.33"))
    assert applied(r, "p").amount == cny("10.00")
    assert [r.line(k).discount for k in "abc"] == [cny("3.34"), cny("3.33"), cny("3.33")]
    assert r.payable == cny("989.99")  # 999.99 - 10.00
    check_invariants(r)


def test_percent_threshold_max_discount() -> None:
    """满2件9折 最高减50 on two units of 400.00: 80.00 capped at 50.00; 800.00 - 50.00."""
    rule = {"id": "t", "kind": "threshold", "stage": "shop", "min_qty": 2, "percent": 10,
            "max_discount": 50}
    r = price(campaign(rule), line("a", "400.00", qty=2))
    assert r.payable == cny("750.00")
    check_invariants(r)


def test_threshold_cap_and_max_discount_are_one_limit() -> None:
    """A threshold takes ``cap`` or ``max_discount``, not both."""
    rule = {"id": "t", "kind": "threshold", "stage": "shop", "min_spend": 0, "percent": 10,
            "cap": 50, "max_discount": 50}
    with pytest.raises(CampaignError, match="give one of them"):
        campaign(rule)


def _gold(max_discount: Any) -> dict[str, Any]:
    discount: dict[str, Any] = {"percent": 10, "stage": "shop"}
    if max_discount is not None:
        discount["max_discount"] = max_discount
    return {"levels": [{"name": "silver", "rank": 1},
                       {"name": "gold", "rank": 2, "perks": {"discount": discount}}]}


@pytest.mark.parametrize(("cap", "payable"), [
    (None, "540.00"),    # 600.00 - 60.00
    ("50", "550.00"),    # 9折 最高减50: 60.00 capped at 50.00
    ("99", "540.00"),    # a cap above the discount changes nothing
])
def test_tier_percent_perk_max_discount(cap: Any, payable: str) -> None:
    """Gold members get 9折, at most 50 off: two lines worth 600.00."""
    c = campaign(tiers=_gold(cap))
    r = c.price({"currency": "CNY", "customer": {"tier": "gold"},
                 "lines": [line("a", "350.00"), line("b", "250.00")]})
    assert r.payable == cny(payable)
    check_invariants(r)


def test_cap_is_described_in_both_languages() -> None:
    """The cap is part of the sentence: 最高减50 / at most 50 off."""
    from promokit.rules.percent_off import PercentOff
    spec = PercentOff.model_validate(NINE_ZHE_50)
    assert spec.describe("zh") == "单品9折（立减10%），最高减50"
    assert spec.describe("en") == "10% off the item price, at most 50 off in all"
