"""Best-coupon mode: the exact search equals brute force, a wallet where greedy loses, the bound
(DOMAIN.md "Mechanisms and their usual order", stages 4-7; promokit/pricing/search.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import brute_force

import promokit
from promokit import Campaign, SearchBoundError
from promokit.testing import wallets

from ._support import campaign, cart, cny, core, coupon, line

AT = "2026-11-11T10:00:00+08:00"
TZ = ZoneInfo("Asia/Shanghai")


KINDS = {"shop": {"stage": "shop", "per": "shop"},
         "allowance": {"stage": "cross_store",
                       "combines_with": ["shop", "red_envelope", "shipping"]},
         "platform": {"stage": "platform"},
         "red_envelope": {"stage": "cash", "limit": None},
         "shipping": {"stage": "cash", "per": "shop"}}
POLICIES = [
    {"kinds": KINDS},
    {"kinds": {**KINDS, "platform": {"stage": "platform", "base": "item"},
               "red_envelope": {"stage": "cash", "limit": 2}}, "max_coupons": 3},
    {"kinds": {**KINDS, "shop": {"stage": "shop", "per": "order", "limit": 2},
               "allowance": {"stage": "cross_store"}}},
]
RULES = [{"id": "x300", "kind": "threshold", "stage": "cross_store", "scope": "pool",
          "every": 300, "discount": 30},
         {"id": "a150", "kind": "threshold", "stage": "shop", "scope": "shop",
          "select": {"shops": ["A"]}, "min_spend": 150, "discount": 15}]
WALLET_KINDS = ("shop", "platform", "allowance", "red_envelope", "shipping")


@st.composite
def wallet_carts(draw: st.DrawFn) -> dict[str, Any]:
    """A small cart (shops A and B) at AT with a wallet of up to 7 coupons of every kind the
    policies know (:func:`promokit.testing.wallets`: shop coupons also for shop C, percent
    coupons capped or not, stack groups, ends around AT, some expired); some ends are rewritten
    as naive Asia/Shanghai wall-clock times, which the campaign reads in its zone."""
    cents = st.sampled_from(["00", "50", "99"])
    lines = [line(f"l{i}", f"{draw(st.integers(20, 400))}.{draw(cents)}",
                  shop=draw(st.sampled_from("AB")))
             for i in range(draw(st.integers(1, 3)))]
    fees = {s: f"{draw(st.integers(1, 15))}.00" for s in draw(st.sets(st.sampled_from("AB")))}
    coupons = draw(wallets(kinds=WALLET_KINDS, max_coupons=7, max_value="60",
                           at=datetime.fromisoformat(AT)))
    wallet = []
    for c in coupons:
        w = c.model_dump(mode="json", exclude_none=True)
        if c.end is not None and draw(st.booleans()):
            w["end"] = c.end.astimezone(TZ).replace(tzinfo=None).isoformat()
        wallet.append(w)
    return cart(*lines, shipping=fees, wallet=wallet, at=AT)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wallet_carts(), st.sampled_from(POLICIES), st.sets(st.sampled_from([0, 1])))
def test_best_mode_equals_brute_force(the_cart: dict[str, Any], policy: dict[str, Any],
                                      rules: set[int]) -> None:
    """The exact search and brute force agree on the payable and on the combination."""
    c = campaign(*[RULES[i] for i in sorted(rules)], coupon_policy=policy)
    chosen, expected = brute_force(c, the_cart)
    best = core(c.price(the_cart, best_coupons=True))
    assert best.payable == expected.payable
    assert tuple(sorted(u.id for u in best.coupons if u.applied)) == chosen


# --- the stated tie-break ---------------------------------------------------------------------

POLICY = {"kinds": {"platform": {"stage": "platform"}, "red_envelope": {"stage": "cash",
                                                                        "limit": None}}}


def _best(wallet: list[dict[str, Any]], policy: dict[str, Any] | None = None) -> Any:
    c = campaign(coupon_policy=policy or POLICY)
    return core(c.price(cart(line("a", "100.00"), at=AT, wallet=wallet), best_coupons=True))


def test_tie_break_fewest_coupons() -> None:
    """A platform coupon that combines with nothing: 10 alone, or red envelopes 6 + 4, both pay
    90 on 100; the combination with fewer coupons wins and the envelopes are 'incompatible'."""
    alone = {"kinds": {"platform": {"stage": "platform", "combines_with": []},
                       "red_envelope": {"stage": "cash", "limit": None}}}
    r = _best([{"id": "r6", "kind": "red_envelope", "value": "6"},
               {"id": "r4", "kind": "red_envelope", "value": "4"},
               {"id": "p10", "kind": "platform", "value": "10"}], alone)
    assert ({u.id for u in r.coupons if u.applied}, r.payable) == ({"p10"}, cny("90"))
    assert coupon(r, "r6").reason == coupon(r, "r4").reason == "incompatible"


def test_tie_break_soonest_expiry_then_id() -> None:
    """Two equal platform coupons: the one expiring sooner is used; with equal expiries, the
    smaller id."""
    r = _best([{"id": "late", "kind": "platform", "value": "10", "end": "2026-11-20T00:00:00"},
               {"id": "soon", "kind": "platform", "value": "10", "end": "2026-11-12T00:00:00"},
               {"id": "never", "kind": "platform", "value": "10"}])
    assert [u.id for u in r.coupons if u.applied] == ["soon"]
    r = _best([{"id": "b", "kind": "platform", "value": "10"},
               {"id": "a", "kind": "platform", "value": "10"}])
    assert [u.id for u in r.coupons if u.applied] == ["a"]
    assert (coupon(r, "b").reason, "'a' is used" in coupon(r, "b").message) == ("kind_limit",
                                                                               True)


def test_a_shop_coupon_that_breaks_a_later_threshold_is_left_out() -> None:
    """Sequential base: shop A 30 (min 500) takes 520 to 490, below the platform 50's 500.
    Largest face first (platform 50, then the compatible shop 30) pays 490; the search keeps
    the platform coupon alone: 520 - 50 = 470."""
    policy = {"kinds": {"shop": {"stage": "shop", "per": "shop"},
                        "platform": {"stage": "platform"}}}
    c = campaign(coupon_policy=policy)
    wallet = [{"id": "p50", "kind": "platform", "value": "50", "min_spend": "500"},
              {"id": "s30", "kind": "shop", "shop": "A", "value": "30", "min_spend": "500"}]
    both = core(c.price(cart(line("a", "520.00"), wallet=wallet, coupons=["p50", "s30"])))
    assert coupon(both, "p50").message == "add 10.00 more to save 50.00"
    assert both.payable == cny("490")
    best = core(c.price(cart(line("a", "520.00"), wallet=wallet), best_coupons=True))
    assert ([u.id for u in best.coupons if u.applied], best.payable) == (["p50"], cny("470"))
    assert coupon(best, "s30").reason == "not_chosen"


def test_best_mode_ignores_cart_coupons() -> None:
    """In best mode the wallet is searched whatever cart.coupons says."""
    c = campaign(coupon_policy=POLICY)
    wallet = [{"id": "p5", "kind": "platform", "value": "5"},
              {"id": "p9", "kind": "platform", "value": "9"}]
    r = c.price(cart(line("a", "100.00"), wallet=wallet, coupons=["p5"]), best_coupons=True)
    assert [u.id for u in r.coupons if u.applied] == ["p9"]


def test_search_bound_raises_search_bound_error() -> None:
    """search_limit 3 cannot cover the example wallet: SearchBoundError (a PricingError) names
    the bound and how to lift it."""
    path = Path(__file__).resolve().parents[2] / "examples" / "wallet"
    data = json.loads((path / "cart.json").read_text("utf-8"))
    spec = promokit.load_campaign(path / "campaign.yaml").spec.model_dump(mode="json")
    spec["coupon_policy"]["search_limit"] = 3
    tight = Campaign.from_dict(spec)
    with pytest.raises(SearchBoundError, match=r"bound of 3 stage evaluations") as err:
        tight.price(data, best_coupons=True)
    assert isinstance(err.value, promokit.PricingError)
    assert "coupon_policy.search_limit" in str(err.value)
    assert "selected mode" in str(err.value)
    # the default bound prices it
    assert Campaign.from_dict({**spec, "coupon_policy": {**spec["coupon_policy"],
                                                         "search_limit": 20_000}}).price(
        data, best_coupons=True).payable == cny("534")
