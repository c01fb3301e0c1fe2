"""Tests for the threshold rule kind: 满减, 每满减, ladders, 满件折, scopes, groups and windows.

DOMAIN.md "Mechanisms and their usual order" (shop threshold, cross-store 每满300减50) and
"Explanations" (below threshold, and by how much: "add 37.00 more to save 50.00").
"""

from __future__ import annotations

from typing import Any

import pytest
from support import campaign, cny, line, price

from promokit import Campaign, PriceResult, PricingError, Reason


def th(rid: str = "t", **fields: Any) -> dict[str, Any]:
    """A threshold rule, by default pool-scoped in the cross_store stage."""
    return {"id": rid, "kind": "threshold", "stage": "cross_store", **fields}


def reasons(r: PriceResult) -> list[tuple[str, str, str | None]]:
    """(rule, reason, shop) of every rule that did not apply."""
    return [(n.rule, n.reason, n.shop) for n in r.not_applied]


S300_50 = th(min_spend=300, discount=50)  # 满300减50
E300_50 = th(every=300, discount=50)      # 每满300减50, 上不封顶


# --- single, repeating, ladder ------------------------------------------------------------------


def test_just_below_the_threshold() -> None:
    """263.00 against 满300减50 is below threshold by 37.00, and would save 50.00."""
    r = price(campaign(S300_50), line("a", "263.00"))
    assert r.payable == cny("263.00")
    (miss,) = r.not_applied
    assert (miss.reason, miss.shortfall, miss.would_save) == (
        Reason.BELOW_THRESHOLD, cny("37.00"), cny("50.00"))  # 300.00 - 263.00
    assert [n.message for n in r.nudges] == ["add 37.00 more to save 50.00"]


def test_one_fen_below_and_just_at() -> None:
    """299.99 misses 满300减50 by 0.01; exactly 300.00 reaches it."""
    below = price(campaign(S300_50), line("a", "299.99"))
    assert reasons(below) == [("t", Reason.BELOW_THRESHOLD, None)]
    assert below.not_applied[0].shortfall == cny("0.01")
    at = price(campaign(S300_50), line("a", "300.00"))
    assert at.payable == cny("250.00")
    assert at.not_applied == ()


def test_single_threshold_spread_over_three_lines() -> None:
    """50.00 over three 100.00 lines is 16.67 + 16.67 + 16.66 (extra fen to ids a, b)."""
    r = price(campaign(S300_50), line("a", "100.00"), line("b", "100.00"), line("c", "100.00"))
    # 5000 / 3 = 1666 r 2 each; 4998, 2 fen left -> a, b
    assert [ln.discount for ln in r.lines] == [cny("16.67"), cny("16.67"), cny("16.66")]
    assert [ln.net for ln in r.lines] == [cny("83.33"), cny("83.33"), cny("83.34")]


def test_every_300_save_50_uncapped() -> None:
    """每满300减50 on 950.00 saves 3 x 50 = 150.00 and nudges 250.00 more for another 50.00."""
    r = price(campaign(E300_50), line("a", "950.00"))
    # 950 // 300 = 3; next step 1200 - 950 = 250
    assert r.payable == cny("800.00")
    assert r.applied[0].times == 3
    assert [n.message for n in r.nudges] == ["add 250.00 more to save 50.00"]


def test_every_300_save_50_capped() -> None:
    """With cap 100, 每满300减50 on 950.00 saves 100.00, not 150.00."""
    r = price(campaign({**E300_50, "cap": 100}), line("a", "950.00"))
    assert r.payable == cny("850.00")
    assert r.applied[0].amount == cny("100.00")


LADDER = th(ladder=[{"min_spend": 200, "discount": 20}, {"min_spend": 300, "discount": 50},
                    {"min_spend": 500, "discount": 100}])


@pytest.mark.parametrize(("spend", "payable"), [
    ("199.99", "199.99"),   # below the first rung
    ("200.00", "180.00"),   # 满200减20
    ("350.00", "300.00"),   # 满300减50 (not 20 + 50)
    ("600.00", "500.00"),   # 满500减100, the top rung
])
def test_ladder_picks_the_highest_rung(spend: str, payable: str) -> None:
    """A ladder gives only the highest rung reached."""
    assert price(campaign(LADDER), line("a", spend)).payable == cny(payable)


def test_ladder_nudges_to_the_next_rung() -> None:
    """At 350.00 the ladder nudges: 150.00 more reaches 500 and saves 50.00 more (100 - 50)."""
    r = price(campaign(LADDER), line("a", "350.00"))
    assert [(n.shortfall, n.would_save) for n in r.nudges] == [(cny("150.00"), cny("50.00"))]
    assert price(campaign(LADDER), line("a", "600.00")).nudges == ()  # top rung: no nudge


def test_ladder_below_first_rung_names_the_first_rung() -> None:
    """Below 200 the miss asks for the distance to 200 and promises its 20.00."""
    (miss,) = price(campaign(LADDER), line("a", "150.00")).not_applied
    assert (miss.shortfall, miss.would_save) == (cny("50.00"), cny("20.00"))


# --- quantity thresholds and percent off --------------------------------------------------------


def test_two_items_ten_percent_off() -> None:
    """满2件9折: 99.99 + 33.33 loses 13.33, allocated 10.00 and 3.33."""
    c = campaign(th(min_qty=2, percent=10))
    one = price(c, line("a", "99.99"))
    assert reasons(one) == [("t", Reason.BELOW_QUANTITY, None)]
    r = price(c, line("a", "99.99"), line("b", "33.33"))
    # 13332 x 10% = 1333.2 -> 1333; x 9999/13332 = 999.75 -> 1000, x 3333/13332 = 333.25 -> 333
    assert r.applied[0].amount == cny("13.33")
    assert [ln.net for ln in r.lines] == [cny("89.99"), cny("30.00")]


def test_three_items_save_30() -> None:
    """满3件减30 counts units across lines: 2 x 25.00 + 50.00 loses 30.00, 15.00 per line."""
    c = campaign(th(min_qty=3, discount=30))
    r = price(c, line("a", "25.00", qty=2), line("b", "50.00"))
    # 3 units reached; 30.00 over 50.00 : 50.00 = 15.00 + 15.00
    assert [ln.net for ln in r.lines] == [cny("35.00"), cny("35.00")]
    short = price(c, line("a", "25.00", qty=2))
    assert reasons(short) == [("t", Reason.BELOW_QUANTITY, None)]


@pytest.mark.parametrize(("spend", "payable"), [
    ("99.99", "99.99"), ("100.00", "80.00"),
    ("123.45", "98.76"),   # 12345 x 20% = 2469 fen off
    ("123.47", "98.78"),   # 2469.4 fen -> 2469 off
])
def test_percent_off_above_a_spend(spend: str, payable: str) -> None:
    """20% off an order of at least 100.00 (the western example's shape)."""
    c = campaign(th(scope="order", min_spend=100, percent=20))
    assert price(c, line("a", spend)).payable == cny(payable)


# --- scope: shop, pool, order -------------------------------------------------------------------

THREE_SHOPS = (line("a", "200.00", shop="A"), line("b", "150.00", shop="B"),
               line("c", "100.00", shop="C"))


def test_pool_over_three_shops_is_allocated_back() -> None:
    """每满300减50 pooled over 450.00 in three shops saves 50.00: 22.22 + 16.67 + 11.11."""
    r = price(campaign({**E300_50, "scope": "pool"}), *THREE_SHOPS)
    # 5000 x 200/450 = 2222.22, x 150/450 = 1666.67, x 100/450 = 1111.11; 1 fen left -> b (.67)
    assert [ln.discount for ln in r.lines] == [cny("22.22"), cny("16.67"), cny("11.11")]
    assert {s.shop: s.discount for s in r.shops} == {
        "A": cny("22.22"), "B": cny("16.67"), "C": cny("11.11")}
    assert r.payable == cny("400.00")
    assert [a.shop for a in r.applied] == [None]


def test_order_scope_is_one_group() -> None:
    """scope order judges the whole order once, like a pool over every line."""
    r = price(campaign({**E300_50, "scope": "order"}), *THREE_SHOPS)
    assert r.payable == cny("400.00")


def test_shop_scope_judges_each_shop_alone() -> None:
    """满150减20 per shop: A (200) and B (150) save 20.00 each, C (100) is 50.00 short."""
    r = price(campaign(th(scope="shop", stage="shop", min_spend=150, discount=20)), *THREE_SHOPS)
    assert [(a.shop, a.amount) for a in r.applied] == [("A", cny("20.00")), ("B", cny("20.00"))]
    assert reasons(r) == [("t", Reason.BELOW_THRESHOLD, "C")]
    assert r.not_applied[0].shortfall == cny("50.00")
    assert r.payable == cny("410.00")  # 450.00 - 40.00


def test_shop_scope_does_not_pool() -> None:
    """每满300减50 per shop gives nothing when no single shop reaches 300, though 450 in all."""
    r = price(campaign({**E300_50, "scope": "shop"}), *THREE_SHOPS)
    assert r.payable == cny("450.00")
    assert reasons(r) == [("t", Reason.BELOW_THRESHOLD, s) for s in "ABC"]


# --- exclusive groups and priority --------------------------------------------------------------


def grouped(pick: str, *rules: dict[str, Any]) -> Campaign:
    """A campaign whose rules share exclusive group g with this pick."""
    return campaign(*({**r, "exclusive": "g"} for r in rules),
                    exclusive_groups={"g": {"pick": pick}})


SMALL = th("small", priority=1, min_spend=100, discount=10)
BIG = th("big", priority=2, min_spend=100, discount=30)


def test_exclusive_first_by_priority() -> None:
    """pick first applies the lower-priority-number rule and excludes the other."""
    r = price(grouped("first", SMALL, BIG), line("a", "200.00"))
    assert [a.rule for a in r.applied] == ["small"]
    assert reasons(r) == [("big", Reason.EXCLUDED, None)]
    assert r.payable == cny("190.00")


def test_exclusive_first_skips_a_rule_that_does_not_apply() -> None:
    """A first rule that misses keeps its own reason and the next rule applies."""
    far = th("far", priority=0, min_spend=500, discount=100)
    r = price(grouped("first", far, SMALL, BIG), line("a", "200.00"))
    assert [a.rule for a in r.applied] == ["small"]
    assert sorted(reasons(r)) == [("big", Reason.EXCLUDED, None),
                                  ("far", Reason.BELOW_THRESHOLD, None)]


def test_exclusive_best_takes_the_largest_saving() -> None:
    """pick best applies the 30.00 rule over the 10.00 one, whatever their priority."""
    r = price(grouped("best", SMALL, BIG), line("a", "200.00"))
    assert [a.rule for a in r.applied] == ["big"]
    assert reasons(r) == [("small", Reason.EXCLUDED, None)]
    assert r.payable == cny("170.00")


def test_exclusive_best_tie_goes_to_the_first_by_priority() -> None:
    """Two equal savings in a best group: the one first by priority applies."""
    r = price(grouped("best", {**SMALL, "id": "z", "priority": 0}, SMALL), line("a", "200.00"))
    assert [a.rule for a in r.applied] == ["z"]  # both save 10.00; z has priority 0
    assert reasons(r) == [("small", Reason.EXCLUDED, None)]


def test_priority_orders_rules_within_a_stage() -> None:
    """10% then 10.00 off 100.00 leaves 80.00; 10.00 then 10% leaves 81.00."""
    pct = {"id": "pct", "kind": "percent_off", "stage": "item", "percent": 10}
    amt = {"id": "amt", "kind": "amount_off", "stage": "item", "amount": 10}
    first = price(campaign({**pct, "priority": 1}, {**amt, "priority": 2}), line("a", "100.00"))
    assert first.payable == cny("80.00")   # 100 - 10% = 90; 90 - 10 = 80
    second = price(campaign({**pct, "priority": 2}, {**amt, "priority": 1}), line("a", "100.00"))
    assert second.payable == cny("81.00")  # 100 - 10 = 90; 90 - 10% = 81
    tied = price(campaign(pct, amt), line("a", "100.00"))
    assert tied.payable == cny("81.00")    # equal priority: by id, "amt" < "pct"


# --- time windows ---------------------------------------------------------------------------


def windowed() -> Campaign:
    """满300减50 on 11 November, naive times read in Asia/Shanghai (UTC+8)."""
    rule = {**S300_50, "window": {"start": "2026-11-11T00:00:00", "end": "2026-11-12T00:00:00"}}
    return campaign(rule, timezone="Asia/Shanghai")


@pytest.mark.parametrize(("at", "reason"), [
    ("2026-11-10T15:59:59+00:00", Reason.NOT_STARTED),  # 23:59:59 on the 10th in Shanghai
    ("2026-11-10T16:00:00+00:00", None),                # 00:00 on the 11th: start is inclusive
    ("2026-11-11T23:59:59", None),                      # naive cart time: campaign zone
    ("2026-11-11T16:00:00+00:00", Reason.ENDED),        # 00:00 on the 12th: end is exclusive
])
def test_window_reasons(at: str, reason: str | None) -> None:
    """Outside its window a rule reports not_started or ended; inside it applies."""
    r = windowed().price({"currency": "CNY", "at": at, "lines": [line("a", "300.00")]})
    if reason is None:
        assert r.payable == cny("250.00")
    else:
        assert reasons(r) == [("t", reason, None)]
        assert r.payable == cny("300.00")


def test_price_at_overrides_the_cart_time() -> None:
    """campaign.price(at=...) prices at that moment rather than the cart's own time."""
    from datetime import datetime

    cart = {"currency": "CNY", "at": "2026-11-11T12:00:00", "lines": [line("a", "300.00")]}
    assert windowed().price(cart).payable == cny("250.00")
    later = windowed().price(cart, at=datetime(2026, 11, 12, 0, 0, 0))  # naive: Shanghai
    assert reasons(later) == [("t", Reason.ENDED, None)]


def test_window_without_a_time_is_an_error() -> None:
    """A windowed rule cannot be judged without a time: PricingError, not a silent guess."""
    with pytest.raises(PricingError, match="'at'"):
        windowed().price({"currency": "CNY", "lines": [line("a", "300.00")]})
