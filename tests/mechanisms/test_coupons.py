"""Wallet coupons in selected mode: every stacking limit, and a reason for every coupon not used
(DOMAIN.md "Mechanisms and their usual order", stages 4-7, and "Explanations")."""

from __future__ import annotations

from typing import Any

import pytest

from promokit import PricingError

from ._support import ZERO, campaign, cart, cny, core, coupon, line

AT = "2026-11-11T10:00:00+08:00"
POLICY: dict[str, Any] = {"kinds": {
    "shop": {"stage": "shop", "per": "shop"},                       # one per shop
    "allowance": {"stage": "cross_store", "combines_with": ["shop", "red_envelope"]},
    "platform": {"stage": "platform"},                              # one per order
    "red_envelope": {"stage": "cash", "limit": None}}}              # unlimited
WALLET: list[dict[str, Any]] = [
    {"id": "sA20", "kind": "shop", "shop": "A", "value": "20", "min_spend": "200"},
    {"id": "sA10", "kind": "shop", "shop": "A", "value": "10", "min_spend": "100"},
    {"id": "sB15", "kind": "shop", "shop": "B", "value": "15", "min_spend": "100"},
    {"id": "sC5", "kind": "shop", "shop": "C", "value": "5"},
    {"id": "p30", "kind": "platform", "value": "30", "min_spend": "300"},
    {"id": "p25", "kind": "platform", "value": "25", "min_spend": "250"},
    {"id": "p500", "kind": "platform", "value": "30", "min_spend": "500"},
    {"id": "al40", "kind": "allowance", "value": "40", "min_spend": "300"},
    {"id": "r3", "kind": "red_envelope", "value": "3"},
    {"id": "r2", "kind": "red_envelope", "value": "2"},
    {"id": "r1", "kind": "red_envelope", "value": "1"},
    {"id": "old", "kind": "platform", "value": "50", "end": "2026-11-01T00:00:00"},
    {"id": "soon", "kind": "platform", "value": "50", "start": "2026-11-12T00:00:00"},
    {"id": "prod", "kind": "product", "value": "5"},
    {"id": "cups", "kind": "platform", "value": "8", "select": {"categories": ["cup"]}}]


def price(chosen: list[str], policy: dict[str, Any] | None = None,
          wallet: list[dict[str, Any]] | None = None) -> Any:
    """Shop A 250.00 and shop B 120.00 (370 in all), with these wallet coupons chosen."""
    c = campaign(coupon_policy=policy or POLICY)
    return core(c.price(cart(line("a", "250.00"), line("b", "120.00", shop="B"), at=AT,
                             wallet=wallet or WALLET, coupons=chosen)))


def reason(result: Any, cid: str) -> tuple[Any, str]:
    """(reason code, message) of a coupon."""
    use = coupon(result, cid)
    return use.reason, use.message


# --- per-kind limits --------------------------------------------------------------------------

def test_one_shop_coupon_per_shop() -> None:
    """sA20 and sA10 are both for shop A: the better (20) is used, sA10 hits the kind limit;
    sB15 is another shop's and applies too. 370 - 20 - 15 = 335."""
    r = price(["sA20", "sA10", "sB15"])
    assert (coupon(r, "sA20").amount, coupon(r, "sB15").amount) == (cny("20"), cny("15"))
    assert reason(r, "sA10") == ("kind_limit",
                                 "at most 1 shop coupon(s) per shop A; 'sA20' is used")
    assert r.payable == cny("335")


def test_one_platform_coupon_per_order() -> None:
    """p30 (min 300) beats p25 (min 250) on 370: 340; p25 hits the limit."""
    r = price(["p30", "p25"])
    assert coupon(r, "p30").amount == cny("30")
    assert reason(r, "p25") == ("kind_limit",
                                "at most 1 platform coupon(s) per order; 'p30' is used")
    assert r.payable == cny("340")


def test_red_envelopes_are_unlimited() -> None:
    """3 + 2 + 1 all apply, last (cash stage): 364."""
    r = price(["r3", "r2", "r1"])
    assert all(coupon(r, c).applied for c in ("r3", "r2", "r1"))
    assert r.payable == cny("364")


def test_combines_with_rules_out_other_kinds() -> None:
    """The allowance combines with shop coupons and red envelopes only: with p30 chosen too,
    the better of the two (al40 on 370) is kept and p30 is 'incompatible with al40'."""
    r = price(["al40", "p30", "sA20"])
    assert coupon(r, "al40").amount == cny("40")
    assert reason(r, "p30") == ("incompatible",
                                "a platform coupon does not combine with allowance coupon 'al40'")
    assert r.payable == cny("310")   # 370 - 20 - 40


def test_stack_group_allows_one_of_its_coupons() -> None:
    """A shop coupon and a platform coupon in one stack group never stack."""
    wallet = [{**WALLET[0], "stack_group": "d11"}, {**WALLET[4], "stack_group": "d11"}]
    r = price(["sA20", "p30"], wallet=wallet)
    assert coupon(r, "p30").amount == cny("30")
    assert reason(r, "sA20") == ("incompatible",
                                 "stack group 'd11' allows one coupon; 'p30' is used")
    assert r.payable == cny("340")


def test_max_coupons_per_order() -> None:
    """max_coupons 2: of sA20, sB15 and r3 the two worth most stay (20 + 15): 335."""
    r = price(["sA20", "sB15", "r3"], policy={**POLICY, "max_coupons": 2})
    assert reason(r, "r3") == ("coupon_limit", "at most 2 coupons per order")
    assert r.payable == cny("335")


# --- a reason for every coupon not used -------------------------------------------------------

def test_every_unusable_coupon_is_explained() -> None:
    """One selection touching every reason; applied: sA20 (20), sB15 (15), al40 (40), r3 (3):
    370 - 35 = 335 >= 300 for the allowance, 295 - 3 = 292."""
    chosen = ["sA20", "sA10", "sB15", "sC5", "p30", "al40", "r3", "old", "soon", "prod", "cups"]
    r = price(chosen)
    assert {c.id for c in r.coupons if c.applied} == {"sA20", "sB15", "al40", "r3"}
    assert reason(r, "sA10")[0] == "kind_limit"
    assert reason(r, "sC5") == ("no_eligible_lines",
                                "wrong shop: the cart has no eligible line from shop 'C'")
    assert reason(r, "p30")[0] == "incompatible" and "'al40'" in reason(r, "p30")[1]
    assert reason(r, "old") == ("expired", "expired: ended at 2026-11-01T00:00:00+08:00")
    assert reason(r, "soon") == ("not_started", "opens at 2026-11-12T00:00:00+08:00")
    assert reason(r, "prod") == ("not_accepted", "this campaign accepts no product coupons")
    assert reason(r, "cups") == ("no_eligible_lines", "no line in the cart matches this coupon")
    for cid in ("p25", "p500", "r2", "r1"):
        assert reason(r, cid) == ("not_chosen", "not selected")
    assert r.payable == cny("292")


def test_below_its_threshold_by_how_much() -> None:
    """p500 on 370: add 130.00 more to save 30.00."""
    r = price(["p500"])
    use = coupon(r, "p500")
    assert (use.applied, use.amount, use.reason) == (False, ZERO, "below_threshold")
    assert use.message == "add 130.00 more to save 30.00"
    assert r.payable == cny("370")


def test_a_shop_coupon_lowers_the_base_of_a_later_coupon() -> None:
    """Sequential base (the campaign default, DOMAIN.md "parallel or sequential"): sA20 + sB15
    take 370 to 335, so a platform coupon 'min 350' misses by 15 though the cart was 370."""
    p350 = {"id": "p350", "kind": "platform", "value": "30", "min_spend": "350"}
    r = price(["sA20", "sB15", "p350"], wallet=[WALLET[0], WALLET[2], p350])
    assert reason(r, "p350") == ("below_threshold", "add 15.00 more to save 30.00")
    assert r.payable == cny("335")   # 370 - 20 - 15


def test_parallel_base_for_platform_coupons() -> None:
    """With platform coupons judged on the 'item' base (平行满减), a 90 shop coupon that takes
    shop A from 250 to 160 (cart 280) does not stop p30 (min 300) judged on 370."""
    big = {"id": "sA90", "kind": "shop", "shop": "A", "value": "90"}
    sequential = price(["sA90", "p30"], wallet=[big, WALLET[4]])
    assert reason(sequential, "p30") == ("below_threshold", "add 20.00 more to save 30.00")
    parallel_policy = {"kinds": {**POLICY["kinds"],
                                 "platform": {"stage": "platform", "base": "item"}}}
    parallel = price(["sA90", "p30"], policy=parallel_policy, wallet=[big, WALLET[4]])
    assert coupon(parallel, "p30").amount == cny("30")
    assert parallel.payable == cny("250")   # 370 - 90 - 30


def test_percent_coupon_with_a_cap_and_funders() -> None:
    """A 10% platform coupon capped at 25 on 370 gives 25 (not 37), funded by the platform."""
    pct = {"id": "p10pct", "kind": "platform", "percent": 10, "max_discount": "25"}
    r = price(["p10pct"], wallet=[pct])
    assert coupon(r, "p10pct").amount == cny("25")
    assert {s.shop: s.platform_funded for s in r.shops} == {"A": cny("16.89"), "B": cny("8.11")}
    assert r.payable == cny("345")


def test_timed_coupons_need_a_time() -> None:
    """A coupon with an expiry cannot be judged without the cart's 'at'."""
    c = campaign(coupon_policy=POLICY)
    with pytest.raises(PricingError, match="no 'at' time"):
        c.price(cart(line("a", "250.00"), wallet=[WALLET[11]], coupons=["old"]))
