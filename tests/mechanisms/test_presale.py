"""Pre-sale (预售): deposit, boost (定金膨胀), 付定金立减 and balance, per DOMAIN.md
"Pre-sale: deposit, boost, balance"; every number below is worked by hand in its comment.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promokit import CampaignError, PricingError
from promokit.rules import Reason

from ._support import ZERO, applied, campaign, cart, cny, core, line, missed, taken

STAGES = ["item", "presale", "shop", "member", "cross_store", "platform"]
DEPOSIT_AT = "2026-10-25T12:00:00+08:00"
BALANCE_AT = "2026-11-11T10:00:00+08:00"
WINDOWS = {"deposit_window": {"start": "2026-10-20T20:00:00", "end": "2026-11-01T00:00:00"},
           "balance_window": {"start": "2026-11-10T20:00:00", "end": "2026-11-12T00:00:00"}}


def presale(rid: str = "ps", deposit: str = "100", counts_as: str = "200", **more: Any
            ) -> dict[str, Any]:
    """A pre-sale rule on sku TV (the DOMAIN.md example by default), with Double 11 windows."""
    return {"id": rid, "kind": "presale", "stage": "presale", "select": {"skus": ["TV"]},
            "deposit": deposit, "counts_as": counts_as, **WINDOWS, **more}


def threshold(rid: str, **fields: Any) -> dict[str, Any]:
    """A threshold at the cross-store stage over every line."""
    return {"id": rid, "kind": "threshold", "stage": "cross_store", "scope": "pool", **fields}


TV = line("tv", "800.00")


# --- DOMAIN.md: "price 800, deposit 100 counting as 200 -> balance 600; pays 700 in all" ------

def test_deposit_100_counts_as_200_on_800_gives_balance_600_and_700_in_all() -> None:
    """The DOMAIN.md example, per line and for the order, in both phases."""
    c = campaign(presale(), stages=STAGES)
    deposit = core(c.price(cart(TV, at=DEPOSIT_AT), phase="deposit"))
    balance = core(c.price(cart(TV, at=BALANCE_AT), phase="balance"))
    # deposit phase: exactly the deposit, 100
    assert (deposit.phase, deposit.total, deposit.payable) == ("deposit", cny("100"), cny("100"))
    # balance phase: 800 - boost (200 - 100) = 700 is the line's net; 100 prepaid; 600 due
    tv = balance.line("tv")
    assert tv.presale is not None
    assert (tv.presale["deposit"], tv.presale["counts_as"], tv.presale["boost"]) == (
        cny("100"), cny("200"), cny("100"))
    assert tv.presale["forfeited"] is False
    assert (tv.net, tv.prepaid, tv.due) == (cny("700"), cny("100"), cny("600"))
    assert (balance.total, balance.prepaid_total, balance.payable) == (
        cny("700"), cny("100"), cny("600"))
    # the whole paid over both phases: 100 + 600 = 700 = total
    assert deposit.payable + balance.payable == balance.total == cny("700")


def test_balance_phase_is_the_default() -> None:
    """Without a phase the cart is priced as the balance payment."""
    r = campaign(presale(), stages=STAGES).price(cart(TV, at=BALANCE_AT))
    assert (r.phase, r.payable) == ("balance", cny("600"))


def test_boost_and_deposit_scale_with_quantity() -> None:
    """Terms are per unit: 3 units pay 300 deposit, boost 300, net 3 x 700 = 2100, due 1800."""
    r = core(campaign(presale(), stages=STAGES).price(
        cart(line("tv", "800.00", 3), at=BALANCE_AT)))
    tv = r.line("tv")
    assert tv.presale is not None
    assert (tv.presale["deposit"], tv.presale["boost"]) == (cny("300"), cny("300"))
    assert (tv.net, tv.prepaid, tv.due) == (cny("2100"), cny("300"), cny("1800"))


# --- "Thresholds of later stages are judged on deposit + balance" -----------------------------

def test_later_thresholds_are_judged_on_deposit_plus_balance() -> None:
    """Base 700 (deposit 100 + balance 600): 满650减30 applies, 满750减40 misses by 50.

    Judged on the balance alone (600) the first would miss; on the price (800) the second would
    apply: both outcomes pin the base to 700.
    """
    c = campaign(presale(), threshold("m650", min_spend=650, discount=30),
                 threshold("m750", min_spend=750, discount=40), stages=STAGES)
    r = core(c.price(cart(TV, at=BALANCE_AT)))
    m650 = applied(r, "m650")
    assert (m650.base, m650.amount) == (cny("700"), cny("30"))
    m750 = missed(r, "m750")
    # running base after m650 is still 700 at the start of the stage: 750 - 700 = 50 short
    assert (m750.reason, m750.shortfall, m750.would_save) == (
        Reason.BELOW_THRESHOLD, cny("50"), cny("40"))
    # 700 - 30 = 670 net, 100 prepaid, 570 due
    assert (r.total, r.payable) == (cny("670"), cny("570"))


def test_every_300_save_50_on_a_pre_sale_line() -> None:
    """每满300减50 on deposit + balance 700: twice, 100 off; 600 total, 500 due."""
    c = campaign(presale(), threshold("x300", every=300, discount=50), stages=STAGES)
    r = core(c.price(cart(TV, at=BALANCE_AT)))
    x = applied(r, "x300")
    assert (x.base, x.times, x.amount) == (cny("700"), 2, cny("100"))
    assert (r.total, r.prepaid_total, r.payable) == (cny("600"), cny("100"), cny("500"))


def test_instant_reduction_lowers_the_price_and_the_threshold_base() -> None:
    """付定金立减 50: balance = 800 - 50 - 200 = 550, 650 in all; thresholds judged on 650."""
    c = campaign(presale(instant_reduction="50"), threshold("m650", min_spend=650, discount=20),
                 threshold("m660", min_spend=660, discount=30, priority=1), stages=STAGES)
    r = core(c.price(cart(TV, at=BALANCE_AT)))
    tv = r.line("tv")
    assert tv.presale is not None
    assert tv.presale["instant_reduction"] == cny("50")
    # 立减 50 comes off the price before any stage, then the boost 100 at the pre-sale stage
    assert taken(r, "tv")["ps.instant_reduction"] == cny("50")
    assert taken(r, "tv")["ps"] == cny("100")
    assert applied(r, "m650").base == cny("650")
    assert missed(r, "m660").shortfall == cny("10")   # 660 - 650
    # 650 - 20 = 630 net; 630 - 100 prepaid = 530 due
    assert (tv.net, tv.due, r.payable) == (cny("630"), cny("530"), cny("530"))


# --- the balance window: boost only when paid in time, else the deposit is forfeit -----------

@pytest.mark.parametrize("at", ["2026-11-10T20:00:00+08:00", "2026-11-11T23:59:59+08:00",
                                "2026-11-10T12:00:00Z"])  # = 20:00 Shanghai
def test_boost_applies_inside_the_balance_window(at: str) -> None:
    """The window is [start, end) in the campaign's time zone."""
    r = core(campaign(presale(), stages=STAGES).price(cart(TV, at=at)))
    assert (r.payable, r.prepaid_total) == (cny("600"), cny("100"))


@pytest.mark.parametrize("at", ["2026-11-10T19:59:59+08:00", "2026-11-12T00:00:00+08:00",
                                "2026-11-20T10:00:00+08:00"])
def test_outside_the_balance_window_the_deposit_is_forfeit_and_no_boost(at: str) -> None:
    """Late (or early) balance: reason balance_window_missed, no boost, no credit for the deposit.

    The line is priced at its full 800, nothing is prepaid, so 800 is due.
    """
    r = core(campaign(presale(), stages=STAGES).price(cart(TV, at=at)))
    miss = missed(r, "ps")
    assert miss.reason == Reason.BALANCE_WINDOW_MISSED == "balance_window_missed"
    assert "forfeit" in miss.message
    tv = r.line("tv")
    assert tv.presale is not None and tv.presale["forfeited"] is True
    assert "ps" not in taken(r, "tv")
    assert (tv.net, tv.prepaid, tv.due) == (cny("800"), ZERO, cny("800"))
    assert (r.total, r.prepaid_total, r.payable) == (cny("800"), ZERO, cny("800"))


def test_deposit_phase_outside_its_window_is_refused() -> None:
    """No deposit can be taken before the deposit window opens."""
    c = campaign(presale(), stages=STAGES)
    with pytest.raises(PricingError, match="deposit window"):
        c.price(cart(TV, at="2026-10-20T19:59:59+08:00"), phase="deposit")


# --- campaign errors: counts_as <= deposit, counts_as >= price, deposit limits -------------------

@pytest.mark.parametrize("counts_as", ["99.99", "50"])
def test_counts_as_not_above_the_deposit_is_a_campaign_error(counts_as: str) -> None:
    """counts_as below the deposit is rejected at load, naming the field (counts_as equal to the
    deposit is a plain deposit since issue 15: tests/mechanisms/test_presale_plain.py)."""
    with pytest.raises(CampaignError, match="counts_as") as err:
        campaign(presale(counts_as=counts_as), stages=STAGES)
    assert err.value.problems[0].rule == "ps"


@pytest.mark.parametrize(("counts_as", "reduction"), [("800", "0"), ("900", "0"), ("700", "100")])
def test_boosted_value_at_or_above_a_declared_price_is_a_campaign_error(
        counts_as: str, reduction: str) -> None:
    """With the rule's price declared (800), counts_as (+ 立减) >= 800 is rejected at load."""
    with pytest.raises(CampaignError, match="not below the price"):
        campaign(presale(counts_as=counts_as, instant_reduction=reduction, price="800"),
                 stages=STAGES)


def test_boosted_value_at_or_above_the_line_price_is_refused_when_priced() -> None:
    """Without a declared price the line's price is checked: counts_as 800 on an 800 TV."""
    c = campaign(presale(counts_as="800"), stages=STAGES)
    with pytest.raises(PricingError, match=r"'ps'.*not below the price 800.00 of line 'tv'"):
        c.price(cart(TV, at=BALANCE_AT))
    # 799.99 is below 800: fine, and the line costs its deposit, 100 (800 - 700 boost)
    ok = core(campaign(presale(counts_as="799.99"), stages=STAGES).price(cart(TV, at=BALANCE_AT)))
    assert (ok.line("tv").net, ok.payable) == (cny("100.01"), cny("0.01"))


def test_max_deposit_percent_is_checked() -> None:
    """presale_limits.max_deposit_percent 20: 160 on 800 is 20% exactly (ok); 160.01 is not."""
    limits = {"max_deposit_percent": 20}
    ok = campaign(presale(deposit="160", counts_as="300"), stages=STAGES, presale_limits=limits)
    r = core(ok.price(cart(TV, at=BALANCE_AT)))
    assert (r.total, r.payable) == (cny("660"), cny("500"))   # 800 - 140 boost; 660 - 160
    over = campaign(presale(deposit="160.01", counts_as="300"), stages=STAGES,
                    presale_limits=limits)
    with pytest.raises(PricingError, match=r"deposit 160.01 is above 20% of the price 800.00"):
        over.price(cart(TV, at=BALANCE_AT))


# --- the deposit phase: exactly the deposits; other lines priced normally ---------------------

def test_deposit_phase_charges_deposits_and_prices_other_lines_normally() -> None:
    """A TV on pre-sale and a 150 pen in shop A with 满100减10 (shop) and 每满300减50 (pool).

    Deposit phase: the TV costs 100 and nothing touches it; the pen alone is judged: 150 >= 100
    gives 10 off (140); 140 < 300 misses the cross-store. Shipping of shop B (pre-sale only) is
    not charged now. Payable 100 + 100 (two TVs) + 140 + shop A's 6.00 shipping = 346.00.
    """
    c = campaign(presale(),
                 {"id": "a100", "kind": "threshold", "stage": "shop", "scope": "shop",
                  "min_spend": 100, "discount": 10},
                 threshold("x300", every=300, discount=50), stages=STAGES)
    items = (line("tv", "800.00"), line("pen", "150.00"), line("tv2", "800.00", shop="B",
                                                               sku="TV"))
    r = core(c.price(cart(*items, at=DEPOSIT_AT, shipping={"A": "6.00", "B": "9.00"}),
                     phase="deposit"))
    assert (r.line("tv").net, r.line("tv2").net) == (cny("100"), cny("100"))
    assert r.line("tv").discounts == r.line("tv2").discounts == ()
    assert applied(r, "a100").base == cny("150")
    assert r.line("pen").net == cny("140")
    assert missed(r, "x300").shortfall == cny("160")     # 300 - 140
    assert (r.shipping_fee_total, r.shipping_total) == (cny("6.00"), cny("6.00"))
    assert (r.total, r.prepaid_total, r.payable) == (cny("346"), ZERO, cny("346"))


@st.composite
def _presale_carts(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Pre-sale rules on skus P1..P3 with random terms, and a cart mixing them with other lines."""
    rules = []
    for k in range(1, 4):
        deposit = draw(st.integers(1, 200))
        boost = draw(st.integers(1, 200))
        rules.append({"id": f"ps{k}", "kind": "presale", "stage": "presale",
                      "select": {"skus": [f"P{k}"]}, "deposit": str(deposit),
                      "counts_as": str(deposit + boost),
                      "instant_reduction": str(draw(st.integers(0, 50)))})
    lines = []
    for i in range(draw(st.integers(1, 5))):
        sku = draw(st.sampled_from(["P1", "P2", "P3", "N1", "N2"]))
        lines.append({"id": f"l{i}", "sku": sku, "shop": draw(st.sampled_from("AB")),
                      "unit_price": f"{draw(st.integers(500, 2000))}.{draw(st.integers(0, 99))}",
                      "quantity": draw(st.integers(1, 3))})
    fees = {s: "8.00" for s in draw(st.sets(st.sampled_from("AB")))}
    return rules, cart(*lines, shipping=fees)


PROMOS = [{"id": "sh100", "kind": "threshold", "stage": "shop", "scope": "shop",
           "min_spend": 100, "discount": 15},
          {"id": "x300", "kind": "threshold", "stage": "cross_store", "scope": "pool",
           "every": 300, "discount": 50},
          {"id": "big", "kind": "threshold", "stage": "platform", "scope": "order",
           "min_spend": 1, "percent": 90}]


@settings(max_examples=60, deadline=None)
@given(_presale_carts())
def test_deposit_phase_never_charges_more_than_the_deposits(data: tuple[list[Any], Any]) -> None:
    """Property: in the deposit phase every pre-sale line costs exactly deposit x quantity, and
    the pre-sale lines together never more than the deposits, whatever else the campaign holds."""
    rules, the_cart = data
    c = campaign(*rules, *PROMOS, stages=STAGES)
    r = core(c.price(the_cart, phase="deposit"))
    deposits = {f"P{k}": int(rules[k - 1]["deposit"]) for k in (1, 2, 3)}
    charged = ZERO
    for src, res in zip(the_cart["lines"], r.lines, strict=True):
        if src["sku"] in deposits:
            want = cny(str(deposits[src["sku"]] * src["quantity"]))
            assert (res.net, res.discounts) == (want, ())
            charged += res.net
    assert charged == sum((cny(str(deposits[x["sku"]] * x["quantity"])) for x in the_cart["lines"]
                           if x["sku"] in deposits), ZERO)
    # and in the balance phase no pre-sale line goes below its deposit (the floor)
    b = core(c.price(the_cart, phase="balance"))
    for src, res in zip(the_cart["lines"], b.lines, strict=True):
        if src["sku"] in deposits:
            assert res.prepaid == cny(str(deposits[src["sku"]] * src["quantity"])) <= res.net


# --- floors, and the tier discount with presale_eligible false/true ---------------------------

def test_no_discount_takes_a_pre_sale_line_below_its_deposit() -> None:
    """满500减690 on 700 (after the boost) can take only 600: net 100 = the deposit; 90 lost."""
    c = campaign(presale(), threshold("huge", min_spend=500, discount=690), stages=STAGES)
    r = core(c.price(cart(TV, at=BALANCE_AT)))
    huge = applied(r, "huge")
    assert (huge.amount, huge.lost) == (cny("600"), cny("90"))
    assert (r.line("tv").net, r.line("tv").due, r.payable) == (cny("100"), ZERO, ZERO)


def _member_campaign(presale_eligible: bool) -> Any:
    gold = {"name": "gold", "rank": 2, "perks": {"discount": {
        "percent": 5, "stage": "member", "scope": "order", "presale_eligible": presale_eligible}}}
    return campaign(presale(), stages=STAGES,
                    tiers={"levels": [{"name": "silver", "rank": 1}, gold]})


def test_tier_discount_spares_pre_sale_lines_by_default() -> None:
    """presale_eligible false (the default): gold's 5% off touches the 200 cup only (10.00)."""
    c = _member_campaign(presale_eligible=False)
    r = core(c.price(cart(TV, line("cup", "200.00"), at=BALANCE_AT,
                          customer={"tier": "gold"})))
    assert "tier-gold-discount" not in taken(r, "tv")
    assert taken(r, "cup")["tier-gold-discount"] == cny("10")
    # 700 + 190 = 890 total; 790 due
    assert (r.total, r.payable) == (cny("890"), cny("790"))


def test_tier_discount_on_pre_sale_lines_when_eligible() -> None:
    """presale_eligible true: 5% of (700 + 200) = 45.00, split 700:200 -> 35.00 and 10.00."""
    c = _member_campaign(presale_eligible=True)
    r = core(c.price(cart(TV, line("cup", "200.00"), at=BALANCE_AT,
                          customer={"tier": "gold"})))
    assert taken(r, "tv")["tier-gold-discount"] == cny("35")
    assert taken(r, "cup")["tier-gold-discount"] == cny("10")
    assert (r.line("tv").net, r.line("tv").due) == (cny("665"), cny("565"))
    assert (r.total, r.prepaid_total, r.payable) == (cny("855"), cny("100"), cny("755"))
