"""Regression tests for the big-sale mechanisms, each named after what broke."""

from __future__ import annotations

from pathlib import Path

import pytest

import promokit
from promokit import CampaignError, PricingError
from promokit.rules import Reason

from ._support import applied, campaign, cart, cny, coupon, line, missed

SNACK = Path(__file__).resolve().parents[2] / "examples" / "snack-tiers" / "campaign.yaml"


# 1. A tier perk free_shipping: true in a campaign without shipping_stage is dropped silently
#    (perk_rules skips it): the diamond customer pays the fee and no explanation says why.
def test_free_shipping_perk_without_shipping_stage_is_not_silently_dropped() -> None:
    """Expected CampaignError naming shipping_stage; got a campaign whose diamond members pay
    8.00 shipping with nothing in applied or not_applied."""
    tiers = {"levels": [{"name": "diamond", "rank": 1, "perks": {"free_shipping": True}}]}
    with pytest.raises(CampaignError, match="shipping_stage"):
        campaign(tiers=tiers).price(cart(line("a", "10.00"), shipping={"A": "8.00"},
                                         customer={"tier": "diamond"}))


# 2. A pre-sale rule with a balance window, priced in the balance phase without a time: the
#    deposit is silently forfeit (800 due, nothing prepaid). Every other timed rule raises
#    PricingError "... has a validity window or schedule but the cart has no 'at' time".
def test_balance_phase_without_a_time_is_refused_not_forfeit() -> None:
    """Expected PricingError asking for 'at'; got payable 800.00 with reason
    balance_window_missed (a lost deposit of 100 because the caller forgot a timestamp)."""
    ps = {"id": "ps", "kind": "presale", "stage": "item", "select": {"skus": ["TV"]},
          "deposit": 100, "counts_as": 200,
          "balance_window": {"start": "2026-11-10T20:00:00", "end": "2026-11-12T00:00:00"}}
    with pytest.raises(PricingError, match="'at'"):
        campaign(ps).price(cart(line("tv", "800.00")))


# 3. DOMAIN.md "Pre-sale": "付定金立减 lowers the price itself, and with it every threshold
#    base." A threshold on base 'list' (or 'item', the parallel base) is still judged on 800.
@pytest.mark.parametrize("base", ["list", "item"])
def test_instant_reduction_lowers_every_threshold_base(base: str) -> None:
    """Price 800, 立减 50 (and deposit 100 counting as 200): the price is now 750 (650 after the
    boost), so 满760减30 must miss whatever the base; got: applied on base 800.00."""
    rules = [{"id": "ps", "kind": "presale", "stage": "presale", "select": {"skus": ["TV"]},
              "deposit": 100, "counts_as": 200, "instant_reduction": 50},
             {"id": "m760", "kind": "threshold", "stage": "cross_store", "scope": "pool",
              "min_spend": 760, "discount": 30, "base": base}]
    c = campaign(*rules, stages=["item", "presale", "shop", "cross_store"])
    r = c.price(cart(line("tv", "800.00")))
    assert missed(r, "m760").reason == Reason.BELOW_THRESHOLD
    assert r.payable == cny("550")   # 800 - 50 - 100 boost = 650 net, 100 prepaid


# 4. DOMAIN.md seed example: "gold (300-1000), diamond (> 1000)". The example campaign gives
#    diamond min_spend 1000 (lower bounds are inclusive), so a customer with exactly 1000.00 is
#    diamond. Fix the example (min_spend 1000.01) or DOMAIN.md; the engine is consistent.
def test_seed_tiers_spend_of_exactly_1000_is_gold() -> None:
    """Expected gold (1000 is not > 1000); got diamond."""
    snack = promokit.load_campaign(SNACK)
    r = snack.price(cart(line("nuts", "128.00", shop="SNACK"), at="2026-11-10T10:00:00+08:00",
                         customer={"spend": "1000.00"}))
    assert r.tier == "gold"


# 5. promokit/tiers/points.py documents "Earning: floor(paid / per) x points x multiplier", but
#    earned() computes floor(paid x points x multiplier / per): the multiplier also multiplies
#    the part of an earning unit that was not reached.
def test_points_are_rounded_once_after_the_multiplier() -> None:
    """1 point per 10 yuan, x2 member, 19.99 paid: 19.99 / 10 x 1 x 2 = 3.998, rounded down once
    = 3 points (the documented formula; rounding per earning unit first would give 2)."""
    tiers = {"levels": [{"name": "m", "rank": 1, "perks": {"points_multiplier": 2}}]}
    r = campaign(points={"per": 10, "points": 1}, tiers=tiers).price(
        cart(line("a", "19.99"), customer={"tier": "m"}))
    assert r.points is not None and r.points.earned == 3


# 6. Deposit phase: the shop coupons of shops whose lines are all on pre-sale are explained as
#    "wrong shop: the cart has no eligible line from shop 'A'" although the cart has shop A's
#    line; it is a deposit, which no promotion touches in this phase.
def test_deposit_phase_coupon_reason_is_not_wrong_shop() -> None:
    """examples/presale in the deposit phase: expected a reason about the deposit phase / pre-sale
    lines; got no_eligible_lines 'wrong shop ... shop 'A''."""
    path = SNACK.parents[1] / "presale"
    c = promokit.load_campaign(path / "campaign.yaml")
    r = c.price(promokit.load_cart(path / "cart.json"), phase="deposit",
                at=promokit.load_cart(path / "cart.json").at.replace(month=10, day=25))
    use = coupon(r, "shopA-30")
    assert "wrong shop" not in use.message
    assert "deposit" in use.message or "pre-sale" in use.message


# 7. Best mode minimises total (goods + shipping), not payable. With points capped at a
#    percentage of the amount due, two totals can give one payable; the stated tie-break
#    (lowest payable, then fewest coupons) then picks the single coupon, the search picks two.
def test_best_mode_tie_break_is_on_payable() -> None:
    """10.00 cart, points pay at most 50%: platform 8.98 alone -> total 1.02, points 0.51,
    payable 0.51; shop 8.00 + red envelope 0.99 -> total 1.01, points 0.50, payable 0.51.
    Same payable: fewest coupons wins -> {P}; got {S, R}."""
    policy = {"kinds": {"shop": {"stage": "shop", "per": "shop"},
                        "platform": {"stage": "platform", "combines_with": []},
                        "red_envelope": {"stage": "cash", "limit": None}}}
    c = campaign(points={"max_percent": 50}, coupon_policy=policy)
    wallet = [{"id": "P", "kind": "platform", "value": "8.98"},
              {"id": "S", "kind": "shop", "shop": "A", "value": "8.00"},
              {"id": "R", "kind": "red_envelope", "value": "0.99"}]
    r = c.price(cart(line("a", "10.00"), wallet=wallet,
                     customer={"points": 100000, "use_points": 100000}), best_coupons=True)
    assert r.payable == cny("0.51")
    assert {u.id for u in r.coupons if u.applied} == {"P"}


# 8. Best mode explains a coupon that is below its threshold as not_chosen ("a combination
#    without it pays no more"), not as below_threshold with the shortfall (DOMAIN.md
#    "Explanations": "below threshold (and by how much)"); selected mode does say it.
def test_best_mode_says_a_coupon_is_below_its_threshold() -> None:
    """A platform coupon 'min 500' on a 370 cart, alone in the wallet: expected below_threshold,
    'add 130.00 more to save 30.00'; got not_chosen."""
    c = campaign(coupon_policy={"kinds": {"platform": {"stage": "platform"}}})
    wallet = [{"id": "p500", "kind": "platform", "value": "30", "min_spend": "500"}]
    r = c.price(cart(line("a", "370.00"), wallet=wallet), best_coupons=True)
    use = coupon(r, "p500")
    assert (use.reason, use.message) == ("below_threshold", "add 130.00 more to save 30.00")


# 9. presale_limits.max_deposit_percent is checked only when a cart is priced, even when the
#     rule declares its price; counts_as against that price is checked at load. `promokit check`
#     therefore passes a campaign every cart of which fails.
def test_max_deposit_percent_checked_at_load_when_the_price_is_declared() -> None:
    """price 800, deposit 200 (25%), limit 20%: expected CampaignError at load; got a campaign
    that loads and raises PricingError on every cart."""
    ps = {"id": "ps", "kind": "presale", "stage": "item", "select": {"skus": ["TV"]},
          "price": 800, "deposit": 200, "counts_as": 400}
    with pytest.raises(CampaignError, match="20"):
        campaign(ps, presale_limits={"max_deposit_percent": 20})


def test_shipping_coupon_is_not_spent_where_free_shipping_applies() -> None:
    """A 满99包邮 rule and a chosen 8.00 shipping coupon in one stage: the campaign's rule runs
    first (coupons come after a stage's campaign rules), so the coupon is left unused instead
    of being consumed for nothing; the customer pays 120.00 either way."""
    c = campaign({"id": "z-free", "kind": "free_shipping", "stage": "shipping", "min_spend": 99},
                 stages=["item", "shipping"],
                 coupon_policy={"kinds": {"shipping": {"stage": "shipping", "per": "shop"}}})
    wallet = [{"id": "a-ship", "kind": "shipping", "shop": "A", "value": "8.00"}]
    r = c.price(cart(line("a", "120.00"), shipping={"A": "8.00"}, wallet=wallet,
                     coupons=["a-ship"]))
    assert r.payable == cny("120.00")
    assert applied(r, "z-free").amount == cny("8.00")
    assert not coupon(r, "a-ship").applied


def test_cumulative_tiers_give_higher_tiers_the_perks_below() -> None:
    """tiers.cumulative: gold's extra 5% off also applies to diamond, who keeps free shipping:
    200.00 - 5% = 190.00 and no fee; without cumulative diamond pays 200.00."""
    levels = [{"name": "gold", "rank": 2,
               "perks": {"discount": {"percent": 5, "stage": "member"}}},
              {"name": "diamond", "rank": 3, "perks": {"free_shipping": True}}]
    for cumulative, want in [(True, "190.00"), (False, "200.00")]:
        c = campaign(stages=["item", "member", "shipping"], shipping_stage="shipping",
                     tiers={"levels": levels, "cumulative": cumulative})
        r = c.price(cart(line("a", "200.00"), shipping={"A": "8.00"},
                         customer={"tier": "diamond"}))
        assert r.payable == cny(want)


def test_best_mode_is_exact_with_a_ladder_mixing_fixed_and_percent_steps() -> None:
    """A ladder 满300减50 / 满400打9折 gives more on 390 (50) than on 450 (45): campaign rules
    are then not monotone and the search may not use its bound; its answer still equals the
    best of every valid subset priced one by one."""
    from itertools import combinations

    from promokit._cart.wallet import Coupon
    from promokit._spec.coupons import CouponPolicy, valid_together

    policy = {"kinds": {"shop": {"stage": "shop", "per": "shop"},
                        "red_envelope": {"stage": "cash"}}}
    ladder = {"id": "mix", "kind": "threshold", "stage": "platform", "scope": "order",
              "ladder": [{"min_spend": 300, "discount": 50}, {"min_spend": 400, "percent": 10}]}
    c = campaign(ladder, coupon_policy=policy)
    wallet = [{"id": "a60", "kind": "shop", "shop": "A", "value": "60"},
              {"id": "a5", "kind": "shop", "shop": "A", "value": "5"},
              {"id": "r3", "kind": "red_envelope", "value": "3"},
              {"id": "r7", "kind": "red_envelope", "value": "7"}]
    base = cart(line("a", "450.00"), wallet=wallet)
    coupons = [Coupon.model_validate(w) for w in wallet]
    rules = CouponPolicy.model_validate(policy)
    pays = []
    for n in range(len(coupons) + 1):
        for combo in combinations(coupons, n):
            if valid_together(combo, rules):
                pays.append(c.price({**base, "coupons": [x.id for x in combo]}).payable)
    # 450 - 60 = 390 -> 50 off (not 10% = 39) -> 340, then 10 of red envelopes: 330.00
    assert min(pays) == cny("330.00") == c.price(base, best_coupons=True).payable
