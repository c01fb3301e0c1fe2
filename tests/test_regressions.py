"""Regression tests, each named after what broke: nudges past a cap, bundle limits, fingerprints."""

from __future__ import annotations

from typing import Any

import pytest
from support import campaign, cny, line, price

from promokit import Money, PriceResult, Reason


def th(**fields: Any) -> dict[str, Any]:
    """A pool threshold rule ``x`` in the cross_store stage."""
    return {"id": "x", "kind": "threshold", "stage": "cross_store", **fields}


def nudges(r: PriceResult) -> list[tuple[Money, Money]]:
    """(shortfall, would_save) of every nudge."""
    return [(n.shortfall, n.would_save) for n in r.nudges]


# --- bug 1: nudges and would_save ignore the rule's cap (tests/rules/test_threshold.py) ----------


def test_nudge_at_the_cap_promises_nothing_more() -> None:
    """每满300减50 capped at 100 on 600.00 is already at the cap: no "save 50.00 more" nudge."""
    r = price(campaign(th(every=300, discount=50, cap=100)), line("a", "600.00"))
    # 600 // 300 = 2 -> 100 = cap; at 900: 3 x 50 = 150, capped at 100 -> 0 more
    assert r.payable == cny("500.00")
    assert nudges(r) == []  # got [(300.00, 50.00)]


def test_nudge_below_the_cap_promises_only_up_to_the_cap() -> None:
    """每满300减50 capped at 120 on 600.00: the next 300 saves 20.00 more, not 50.00."""
    r = price(campaign(th(every=300, discount=50, cap=120)), line("a", "600.00"))
    # now 2 x 50 = 100; at 900: min(150, 120) = 120 -> 120 - 100 = 20 more
    assert nudges(r) == [(cny("300.00"), cny("20.00"))]  # got [(300.00, 50.00)]


def test_ladder_nudge_respects_the_cap() -> None:
    """满100 10% / 满200 20% capped at 25 on 150.00: reaching 200 saves 10.00 more, not 25.00."""
    ladder = [{"min_spend": 100, "percent": 10}, {"min_spend": 200, "percent": 20}]
    r = price(campaign(th(ladder=ladder, cap=25)), line("a", "150.00"))
    # now 10% of 150 = 15; at 200: 20% = 40, capped at 25 -> 25 - 15 = 10 more
    assert r.payable == cny("135.00")
    assert nudges(r) == [(cny("50.00"), cny("10.00"))]  # got [(50.00, 25.00)]


@pytest.mark.parametrize(("rule", "spend", "save"), [
    (th(every=300, discount=50, cap=30), "200.00", "30.00"),    # at 300: min(50, 30) = 30
    (th(min_spend=100, percent=20, cap=15), "90.00", "15.00"),  # at 100: min(20, 15) = 15
])
def test_below_threshold_would_save_respects_the_cap(rule: dict[str, Any], spend: str,
                                                     save: str) -> None:
    """A miss's would_save is what reaching the threshold really saves, after the cap."""
    r = price(campaign(rule), line("a", spend))
    (miss,) = r.not_applied
    assert miss.reason == Reason.BELOW_THRESHOLD
    assert miss.would_save == cny(save)  # got 50.00 and 20.00 (the uncapped amounts)


# --- bug 2: bundle limit counts groups tried, not bundles formed (tests/rules/test_bundle.py) ----


def test_bundle_limit_counts_bundles_formed() -> None:
    """Any 2 for 50, cheapest first, limit 1: (10 + 10) does not save, so (40 + 40) is bundled."""
    rule = {"id": "n", "kind": "bundle", "stage": "item", "size": 2, "price": 50,
            "pick": "cheapest", "limit": 1}
    r = price(campaign(rule), line("a", "10.00"), line("b", "10.00"), line("c", "40.00"),
              line("d", "40.00"))
    # group 1 = 20.00 <= 50 -> skipped; group 2 = 80.00 -> 50.00, saves 30.00 (15.00 each)
    # 10 + 10 + 50 = 70.00; without "limit" the engine gives 70.00, with limit 1 it gives 100.00
    assert r.payable == cny("70.00")
    assert (r.line("c").net, r.line("d").net) == (cny("25.00"), cny("25.00"))


# --- bug 3: the campaign fingerprint depends on rule listing order (tests/pricing/test_stacking.py)


def test_listing_order_gives_identical_to_dict() -> None:
    """The same rules listed in another order give an identical to_dict(), fingerprint included."""
    rules = [{"id": "p", "kind": "percent_off", "stage": "item", "percent": 10},
             th(every=300, discount=50)]
    cart = (line("a", "400.00"),)
    first = price(campaign(*rules), *cart).to_dict()
    second = price(campaign(*rules[::-1]), *cart).to_dict()
    # prices agree (400 - 40 = 360; 360 // 300 = 1 -> 310.00); only "fingerprint" differs
    assert first["payable"] == second["payable"] == "310.00"
    assert first == second


def test_a_campaign_built_from_a_hand_made_spec_gets_the_whole_campaign_checks() -> None:
    """Campaign(CampaignSpec.model_validate(...)) used to skip the cross-rule checks and fail
    later with a KeyError; an undeclared stage is now a CampaignError at construction."""
    from promokit import Campaign, CampaignError, CampaignSpec

    spec = CampaignSpec.model_validate({"campaign": "x", "currency": "CNY", "rules": [
        {"id": "a", "kind": "percent_off", "stage": "nope", "percent": 5}]})
    with pytest.raises(CampaignError, match="stage 'nope' is not declared"):
        Campaign(spec)
