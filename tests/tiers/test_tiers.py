"""Member tiers: DOMAIN.md's seed scenario ("Mechanisms and their usual order", the paragraph on
member-tier perks), the tier ladder, multipliers and tier-only rules. Numbers hand-checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mechanisms._support import (
    ZERO,
    applied,
    campaign,
    cart,
    cny,
    core,
    coupon,
    line,
    missed,
    taken,
)

import promokit
from promokit import CampaignError, PricingError
from promokit.rules import Reason

SNACK = Path(__file__).resolve().parents[2] / "examples" / "snack-tiers" / "campaign.yaml"
OFF_DAY = "2026-11-10T10:00:00+08:00"   # not the 8th: the member day is closed


@pytest.fixture(scope="module")
def snack() -> promokit.Campaign:
    """The seed campaign: 满300减50 (shop), gold 5% off (member stage), diamond free shipping."""
    return promokit.load_campaign(SNACK)


def seed_cart(customer: dict[str, Any], at: str = OFF_DAY) -> dict[str, Any]:
    """2 x nuts 128.00 + jerky 69.90 = 325.90 from the snack shop, 12.00 shipping."""
    return cart(line("nuts", "128.00", 2, shop="SNACK"), line("jerky", "69.90", shop="SNACK"),
                at=at, customer=customer, shipping={"SNACK": "12.00"})


# --- the seed scenario, one customer of each tier ---------------------------------------------

def test_seed_scenario_silver(snack: promokit.Campaign) -> None:
    """Silver: 满300减50 only. 325.90 >= 300: 50.00 split 256.00:69.90 = 39.2758..:10.7241..
    -> 39.28 + 10.72; goods 275.90 + shipping 12.00 = 287.90."""
    r = core(snack.price(seed_cart({"spend": "120.00"})))
    assert r.tier == "silver"
    assert taken(r, "nuts") == {"spend-300-save-50": cny("39.28")}
    assert taken(r, "jerky") == {"spend-300-save-50": cny("10.72")}
    assert missed(r, "tier-gold-discount").reason == Reason.TIER_NOT_ELIGIBLE
    assert (r.discount_total, r.shipping_total, r.total, r.payable) == (
        cny("50.00"), cny("12.00"), cny("287.90"), cny("287.90"))


def test_seed_scenario_gold(snack: promokit.Campaign) -> None:
    """Gold: 满300减50 then 5% of 275.90 = 13.795 -> 13.80 (half up), split 216.72:59.18
    (1084.03 : 295.96 fen -> 10.84 + 2.96); goods 262.10 + shipping 12.00 = 274.10."""
    r = core(snack.price(seed_cart({"spend": "450.00"})))
    assert r.tier == "gold"
    gold = applied(r, "tier-gold-discount")
    assert (gold.stage, gold.base, gold.amount) == ("member", cny("275.90"), cny("13.80"))
    assert dict(gold.allocations) == {"nuts": cny("10.84"), "jerky": cny("2.96")}
    assert (r.line("nuts").net, r.line("jerky").net) == (cny("205.88"), cny("56.22"))
    assert (r.discount_total, r.shipping_total, r.total, r.payable) == (
        cny("63.80"), cny("12.00"), cny("274.10"), cny("274.10"))


def test_seed_scenario_diamond(snack: promokit.Campaign) -> None:
    """Diamond: 满300减50 and free shipping (12.00 waived); no gold 5%: 275.90 + 0 = 275.90."""
    r = core(snack.price(seed_cart({"spend": "2400.00"})))
    assert r.tier == "diamond"
    free = applied(r, "tier-diamond-free-shipping")
    assert (free.stage, free.amount, free.shipping) == (
        "shipping", cny("12.00"), (("SNACK", cny("12.00")),))
    # perks do not climb the ladder: gold's extra 5% is for gold only (see the report)
    assert missed(r, "tier-gold-discount").reason == Reason.TIER_NOT_ELIGIBLE
    assert (r.discount_total, r.shipping_fee_total, r.shipping_total, r.payable) == (
        cny("50.00"), cny("12.00"), ZERO, cny("275.90"))


# --- the ladder: a tier from cumulative spend -------------------------------------------------

@pytest.mark.parametrize(("spend", "tier"), [
    ("0", "silver"), ("299.99", "silver"), ("300", "gold"), ("300.00", "gold"),
    ("999.99", "gold"), ("1000.01", "diamond"), ("25000", "diamond")])
def test_tier_from_spend(snack: promokit.Campaign, spend: str, tier: str) -> None:
    """Lower bounds are inclusive: silver < 300 <= gold < 1000 < diamond (1000 itself: see
    _pending_bugs.py, DOMAIN.md says diamond is "> 1000")."""
    assert snack.price(seed_cart({"spend": spend})).tier == tier


def test_named_tier_wins_over_spend(snack: promokit.Campaign) -> None:
    """A tier the backend names is used as given, whatever the spend."""
    assert snack.price(seed_cart({"tier": "silver", "spend": "5000"})).tier == "silver"


def test_no_tier_and_no_spend_gets_no_perks(snack: promokit.Campaign) -> None:
    """An anonymous customer has no tier: tier rules miss with 'a customer with no tier'."""
    r = snack.price(seed_cart({}))
    assert r.tier is None
    miss = missed(r, "tier-gold-discount")
    assert (miss.reason, "no tier" in miss.message) == (Reason.TIER_NOT_ELIGIBLE, True)
    assert r.payable == cny("287.90")


def test_unknown_tier_is_an_error(snack: promokit.Campaign) -> None:
    """A tier the campaign does not know is refused, listing the ones it does."""
    with pytest.raises(PricingError, match=r"'platinum'.*silver, gold, diamond"):
        snack.price(seed_cart({"tier": "platinum"}))


# --- multipliers ------------------------------------------------------------------------------

LADDER = {"levels": [
    {"name": "silver", "rank": 1},
    {"name": "gold", "rank": 2, "perks": {"multipliers": {"coupon": "1.2"}}},
    {"name": "diamond", "rank": 3, "perks": {"multipliers": {"presale_boost": "1.5"}}}]}
POLICY = {"kinds": {"shop": {"stage": "shop", "per": "shop"}, "platform": {"stage": "platform"}}}
STAGES = ["item", "presale", "shop", "cross_store", "platform"]
PRESALE = {"id": "ps", "kind": "presale", "stage": "presale", "select": {"skus": ["TV"]},
           "deposit": 100, "counts_as": 200}


def test_diamond_deposit_boost_times_one_and_a_half() -> None:
    """multipliers {presale_boost: 1.5}: the boost 100 becomes 150, so the 800 TV nets 650 and
    550 is due; silver keeps the plain boost (700 net, 600 due)."""
    c = campaign(PRESALE, stages=STAGES, tiers=LADDER)
    diamond = core(c.price(cart(line("tv", "800.00"), customer={"tier": "diamond"})))
    tv = diamond.line("tv")
    assert tv.presale is not None and tv.presale["boost"] == cny("150")
    assert (tv.net, tv.prepaid, tv.due) == (cny("650"), cny("100"), cny("550"))
    silver = core(c.price(cart(line("tv", "800.00"), customer={"tier": "silver"})))
    assert (silver.line("tv").net, silver.payable) == (cny("700"), cny("600"))


def test_gold_coupon_face_value_times_one_point_two() -> None:
    """multipliers {coupon: 1.2}: a 20.00 shop coupon is worth 24.00 to gold (250 -> 226),
    20.00 to silver (250 -> 230)."""
    c = campaign(stages=STAGES, tiers=LADDER, coupon_policy=POLICY)
    wallet = [{"id": "s20", "kind": "shop", "shop": "A", "value": "20", "min_spend": "100"}]
    for tier, amount, payable in [("gold", "24", "226"), ("silver", "20", "230")]:
        r = core(c.price(cart(line("a", "250.00"), customer={"tier": tier}, wallet=wallet,
                              coupons=["s20"])))
        assert coupon(r, "s20").amount == cny(amount)
        assert r.payable == cny(payable)


def test_coupon_multiplier_by_kind() -> None:
    """{coupon:platform: 1.5} scales platform coupons only: 10 -> 15; the shop coupon stays 10."""
    ladder = {"levels": [{"name": "vip", "rank": 1,
                          "perks": {"multipliers": {"coupon:platform": "1.5"}}}]}
    c = campaign(stages=STAGES, tiers=ladder, coupon_policy=POLICY)
    wallet = [{"id": "s10", "kind": "shop", "shop": "A", "value": "10"},
              {"id": "p10", "kind": "platform", "value": "10"}]
    r = core(c.price(cart(line("a", "100.00"), customer={"tier": "vip"}, wallet=wallet,
                          coupons=["s10", "p10"])))
    assert (coupon(r, "s10").amount, coupon(r, "p10").amount) == (cny("10"), cny("15"))
    assert r.payable == cny("75")


def test_rule_multiplier_scales_one_threshold() -> None:
    """{rule:x300: 2}: 每满300减50 on 650 gives 2 x 50 = 100, doubled to 200 for the vip."""
    ladder = {"levels": [{"name": "vip", "rank": 1, "perks": {"multipliers": {"rule:x300": 2}}}]}
    x300 = {"id": "x300", "kind": "threshold", "stage": "cross_store", "every": 300,
            "discount": 50}
    c = campaign(x300, stages=STAGES, tiers=ladder)
    assert applied(c.price(cart(line("a", "650.00"), customer={"tier": "vip"})), "x300"
                   ).amount == cny("200")
    assert applied(c.price(cart(line("a", "650.00"))), "x300").amount == cny("100")


# --- tier-only rules --------------------------------------------------------------------------

GOLD_ONLY = {"id": "gold-10", "kind": "threshold", "stage": "shop", "scope": "order",
             "min_spend": 100, "discount": 10, "customers": {"min_tier": "gold"}}


@pytest.mark.parametrize(("tier", "payable"), [("silver", "150"), ("gold", "140"),
                                               ("diamond", "140")])
def test_min_tier_rule(tier: str, payable: str) -> None:
    """customers {min_tier: gold}: gold and every higher rank; silver gets tier_not_eligible."""
    c = campaign(GOLD_ONLY, stages=STAGES, tiers=LADDER)
    r = core(c.price(cart(line("a", "150.00"), customer={"tier": tier})))
    assert r.payable == cny(payable)
    if tier == "silver":
        miss = missed(r, "gold-10")
        assert miss.reason == Reason.TIER_NOT_ELIGIBLE == "tier_not_eligible"
        assert "silver" in miss.message and "gold" in miss.message


def test_tiers_list_rule_is_for_the_named_tiers_only() -> None:
    """customers {tiers: [gold]} excludes diamond, unlike min_tier."""
    rule = {**GOLD_ONLY, "customers": {"tiers": ["gold"]}}
    c = campaign(rule, stages=STAGES, tiers=LADDER)
    r = c.price(cart(line("a", "150.00"), customer={"tier": "diamond"}))
    assert (missed(r, "gold-10").reason, r.payable) == (Reason.TIER_NOT_ELIGIBLE, cny("150"))


@pytest.mark.parametrize(("customers", "top"), [
    ({"min_tier": "platinum"}, {"tiers": LADDER}), ({"tiers": ["glod"]}, {"tiers": LADDER}),
    ({"min_tier": "gold"}, {})], ids=["unknown min_tier", "unknown tier", "no ladder"])
def test_customers_must_name_declared_tiers(customers: dict[str, Any],
                                            top: dict[str, Any]) -> None:
    """A tier condition naming a tier the campaign lacks is a campaign error, not a KeyError."""
    rule = {**GOLD_ONLY, "customers": customers}
    with pytest.raises(CampaignError, match="is not declared in tiers"):
        campaign(rule, stages=STAGES, **top)
