"""Regression tests for engine bugs the property tests found, each named after what broke."""

from __future__ import annotations

from typing import Any

import pytest

from promokit import Campaign, CampaignError, PricingError
from promokit.testing import check_invariants

CART = {"currency": "CNY", "shipping": {"A": "6.00"}, "lines": [
    {"id": "l1", "sku": "S1", "shop": "A", "unit_price": "100.00", "quantity": 1}]}


def campaign(*rules: dict[str, Any], **fields: Any) -> Campaign:
    """A CNY campaign of these rules."""
    return Campaign.from_dict({"campaign": "bug", "currency": "CNY", **fields,
                               "rules": list(rules)})


def test_ladder_step_with_zero_discount_validates() -> None:
    """Bug 1: a ladder step with ``discount: 0`` crashes validation with TypeError.

    ``_check_ladder`` compares ``(b.discount or b.percent)``; a zero discount is falsy, so the
    percent (None) is compared. Expected: 0 then 10 is accepted; 5 then 0 is a CampaignError
    ("benefit drops"). Got: TypeError for both.
    """
    rising = {"id": "t", "kind": "threshold", "stage": "shop",
              "ladder": [{"min_spend": 100, "discount": 0}, {"min_spend": 200, "discount": 10}]}
    campaign(rising)
    falling = {**rising, "ladder": [{"min_spend": 100, "discount": 5},
                                    {"min_spend": 200, "discount": 0}]}
    with pytest.raises(CampaignError):
        campaign(falling)


def test_free_shipping_inheriting_a_later_base_is_refused() -> None:
    """Bug 2: free_shipping without ``base`` inherits threshold_base even when that stage has not
    run yet; validation accepts it and pricing raises KeyError('shop').

    Expected: a CampaignError, as for a threshold in the same place. Got: KeyError at pricing.
    """
    with pytest.raises(CampaignError):
        campaign({"id": "fs", "kind": "free_shipping", "stage": "item", "min_spend": "10"},
                 stages=["item", "shop"], threshold_base="shop").price(CART)


def test_two_presales_on_one_line_are_refused() -> None:
    """Two pre-sale rules selecting one line used to add both deposits to ``prepaid`` but floor
    the line at one deposit, so a later 100% off left payable at -10.00; a line has one set of
    deposit terms: such a campaign is refused at load, and where a schedule decides whether the
    two meet, pricing the line is a PricingError naming both rules."""
    p1 = {"id": "p1", "kind": "presale", "stage": "item", "deposit": "10", "counts_as": "20"}
    p2 = {"id": "p2", "kind": "presale", "stage": "item", "deposit": "10", "counts_as": "20"}
    off = {"id": "off", "kind": "percent_off", "stage": "shop", "percent": "100"}
    with pytest.raises(CampaignError, match="pre-sale rule 'p1'"):
        campaign(p1, p2, off)
    c = campaign(p1, {**p2, "schedule": {"rrule": "FREQ=DAILY", "hours": 24}}, off)
    with pytest.raises(PricingError, match="'p1' and 'p2'"):
        c.price({**CART, "shipping": {}, "at": "2026-11-11T00:05:00+08:00"})


def test_presale_with_no_room_left_is_not_applied() -> None:
    """Bug 4: a pre-sale whose line is already at its deposit floor is reported as applied with
    amount 0.00 and times 0 (lost 10.00).

    Expected: not_applied (nothing_left), as every other kind reports it. Got: applied, times 0.
    """
    result = campaign(
        {"id": "a-off", "kind": "percent_off", "stage": "item", "percent": "100"},
        {"id": "p1", "kind": "presale", "stage": "item", "deposit": "10", "counts_as": "20"},
    ).price(CART)
    check_invariants(result)
    assert "p1" not in {a.rule for a in result.applied}


def test_free_shipping_that_waives_nothing_is_not_applied() -> None:
    """Bug 5: free_shipping with ``max_waived: 0`` is reported as applied with a 0.00 shipping
    reduction for shop A.

    Expected: not_applied (no_saving), like item rules that save nothing, and no zero entries.
    Got: applied, amount 0.00, shipping {A: 0.00}. (A threshold with ``discount: 0`` is likewise
    reported as applied with 0.00, though with no zero entry: same question, which outcome a
    rule that saves nothing should have.)
    """
    result = campaign({"id": "fs", "kind": "free_shipping", "stage": "item",
                       "max_waived": "0"}).price(CART)
    check_invariants(result)


@pytest.mark.parametrize("gate", [{"window": {"start": "2026-11-10T00:00:00"}},
                                  {"customers": {"tiers": ["gold"]}}])
def test_a_closed_presale_takes_nothing_off(gate: dict[str, Any]) -> None:
    """Bug 6: a pre-sale closed by its window or customer condition still applies its 付定金立减.

    Line 100.00 at 2026-11-01 for a silver customer; presale deposit 10 counts as 20, instant
    reduction 5, with a window opening 2026-11-10 (or for gold only). Expected: nothing applied
    (the rule reports not_started / tier_not_eligible). Got: ``p.instant_reduction`` applied
    (5.00 off) next to ``p`` not applied, and the deposit still a floor and prepaid (payable
    85.00). ``prepare`` runs before and regardless of the rule's gate.
    """
    result = campaign({"id": "p", "kind": "presale", "stage": "item", "deposit": "10",
                       "counts_as": "20", "instant_reduction": "5", **gate}).price(
        {**CART, "at": "2026-11-01T00:00:00", "customer": {"tier": "silver"}})
    assert {a.rule for a in result.applied} == set()


def test_a_presale_in_an_exclusive_group_is_refused() -> None:
    """A pre-sale losing its exclusive group still cut its 立减 and kept its deposit terms (they
    are fixed before the stages run, where groups are decided): such a campaign is an error."""
    with pytest.raises(CampaignError, match="exclusive group"):
        campaign({"id": "p", "kind": "presale", "stage": "item", "deposit": "10",
                  "counts_as": "20", "instant_reduction": "1", "exclusive": "g"},
                 {"id": "off", "kind": "percent_off", "stage": "item", "percent": "1",
                  "exclusive": "g"}, exclusive_groups={"g": {"pick": "best"}})
