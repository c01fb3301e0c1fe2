"""The best-coupon search is bounded in work (issue 11): every subset it enumerates, every state
it visits and every stage it runs counts against ``coupon_policy.search_limit``, so any wallet
gets an answer or a :class:`SearchBoundError` after a bounded amount of work.

Nothing here is timed: the tests count what the search does (units, subsets enumerated, stage
runs) and assert on those counts and on the exception.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import Campaign, SearchBoundError
from promokit._spec.coupons import conflict
from promokit.pricing import search, search_moves
from promokit.pricing.engine import run_stage
from promokit.testing import check_invariants

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed; import it from this checkout
    sys.path.insert(0, str(ROOT))

from benchmarks import wallets  # noqa: E402
from benchmarks.generate import campaign_data, cart_data  # noqa: E402


class Counts:
    """What one search did: units counted by the search, conflict checks, stage runs."""

    def __init__(self) -> None:
        self.units = 0
        self.conflicts = 0
        self.stages = 0


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counts]:
    """Counters wrapped around the search's own counter and the work it calls out to."""
    seen = Counts()
    tick = search._Search.tick

    def counted_tick(self: Any, units: int = 1) -> None:
        seen.units = max(seen.units, self.steps + units)
        tick(self, units)

    def counted_conflict(*args: Any) -> Any:
        seen.conflicts += 1
        return conflict(*args)

    def counted_run_stage(*args: Any) -> None:
        seen.stages += 1
        run_stage(*args)

    monkeypatch.setattr(search._Search, "tick", counted_tick)
    monkeypatch.setattr("promokit.pricing.search.conflict", counted_conflict)
    monkeypatch.setattr("promokit.pricing.search.run_stage", counted_run_stage)
    yield seen


def _campaign(limit: int | None) -> Campaign:
    data = campaign_data(8)
    policy = dict(wallets.POLICY)
    if limit is None:
        del policy["search_limit"]   # the default
    else:
        policy["search_limit"] = limit
    data["coupon_policy"] = policy
    return Campaign.from_dict(data)


def _cart(wallet: list[dict[str, Any]]) -> dict[str, Any]:
    data = cart_data(10)
    data["wallet"] = wallet
    return data


def _seeded(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` coupons of every kind, values and thresholds from ``seed``."""
    rng = random.Random(seed)
    return [wallets.coupon(j, rng) for j in range(n)]


@pytest.mark.parametrize("n", [60, 100, 200])
@pytest.mark.parametrize("seed", [7, 11])
def test_large_wallets_answer_or_raise_within_the_bound(n: int, seed: int,
                                                        counts: Counts) -> None:
    """Seeded wallets of 60, 100 and 200 coupons under the default bound (20000 units): an
    answer or a SearchBoundError, never more work than the bound (the old search enumerated
    every subset of the red envelopes before counting anything and never returned)."""
    c = _campaign(None)
    limit = 20_000
    try:
        result = c.price(_cart(_seeded(n, seed)), best_coupons=True)
    except SearchBoundError as err:
        assert counts.units == limit + 1
        assert f"bound of {limit} stage evaluations" in str(err)
        assert "coupon_policy.search_limit" in str(err)
        assert "selected mode" in str(err)
        assert f"{n} usable coupons" in str(err)
    else:
        assert counts.units <= limit
        check_invariants(result)
    # every call out of the search is behind a counted unit
    assert counts.stages <= counts.units
    assert counts.conflicts <= counts.units * (n + 1)


@pytest.mark.parametrize("n", [30, 60])
def test_enumeration_alone_is_counted(n: int, counts: Counts,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``n`` red envelopes that all combine have 2**n subsets at the cash stage: the general
    search (the closed-form tail switched off) stops after ``search_limit`` units of
    enumeration, not after 2**n subsets."""
    monkeypatch.setattr(search, "tail_stage", lambda *_args: None)
    c = _campaign(1_000)
    envelopes = [{"id": f"r{j:03d}", "kind": "red_envelope", "value": str(1 + j % 7)}
                 for j in range(n)]
    with pytest.raises(SearchBoundError, match="bound of 1000 stage evaluations"):
        c.price(_cart(envelopes), best_coupons=True)
    assert counts.units == 1_001
    assert counts.conflicts <= 1_001


@pytest.mark.parametrize("n", [30, 60])
def test_envelopes_in_closed_form_answer_within_a_small_bound(n: int, counts: Counts) -> None:
    """The same ``n`` envelopes decided in closed form (issue 14): an answer within 1000
    units -- about three per envelope -- where enumeration needed 2**n subsets; the cart's
    goods (well above the envelopes' faces) take every envelope, so all are used."""
    c = _campaign(1_000)
    envelopes = [{"id": f"r{j:03d}", "kind": "red_envelope", "value": str(1 + j % 7)}
                 for j in range(n)]
    result = c.price(_cart(envelopes), best_coupons=True)
    assert counts.units <= 1_000
    assert {u.id for u in result.coupons if u.applied} == {e["id"] for e in envelopes}
    check_invariants(result)


def test_clashing_coupons_are_counted_too(counts: Counts) -> None:
    """Platform coupons that exclude one another yield few subsets but many enumeration nodes;
    the nodes are counted, so the work is bounded by the limit either way."""
    c = _campaign(500)
    wallet = [{"id": f"p{j:03d}", "kind": "platform", "value": "5", "min_spend": "10"}
              for j in range(300)]
    with pytest.raises(SearchBoundError):
        c.price(_cart(wallet), best_coupons=True)
    assert counts.units == 501


def test_small_wallet_answers_as_selected_mode_prices_it() -> None:
    """Under the bound the search answers; its choice, selected by hand, pays the same."""
    c = _campaign(None)
    cart = promokit.Cart.model_validate(_cart(_seeded(10, 7)))
    from_campaign = c.price(cart, best_coupons=True)
    assert [u.id for u in from_campaign.coupons if u.applied]
    assert from_campaign.payable == c.price(cart.model_copy(update={"coupons": tuple(
        u.id for u in from_campaign.coupons if u.applied)})).payable


@pytest.mark.parametrize("n", [20, 40])
def test_rich_subsets_are_the_enumerated_ones_above_the_face(n: int) -> None:
    """The search enumerates only the subsets rich enough to pass the bound; at every stage of
    the seeded wallet and for several needed faces, those are exactly the valid subsets (as
    the full enumeration lists them) whose faces sum to the need or more."""
    c = _campaign(10**7)
    setup, usable, rules, policy = wallets.search_setup(
        c, promokit.Cart.model_validate(_cart(_seeded(n, 7))))
    s = search._Search(setup, usable, rules, policy)
    ctx = setup.new_ctx()
    goods = sum(ctx.amounts)
    for here in s.by_stage:
        if not here:
            continue
        each = {w.id: s.face(w, ctx, goods) for w in here}
        every = list(search_moves._extensions(here, (), policy, lambda: None))
        top = max(sum(each[w.id] for w in sub) for sub in every)
        for need in (0, 1, top // 3, top // 2, top, top + 1):
            got = sorted((face, tuple(sorted(w.id for w in sub)))
                         for face, sub in s.rich(here, (), each, need))
            want = sorted((sum(each[w.id] for w in sub), tuple(sorted(w.id for w in sub)))
                          for sub in every if sum(each[w.id] for w in sub) >= need)
            assert got == want


@pytest.mark.parametrize("seed", [7, 11])
def test_fits_answers_as_conflict_does(seed: int) -> None:
    """The search's quick yes/no agrees with ``conflict`` on growing combinations drawn from a
    seeded 60-coupon wallet, under the benchmark's policy and under tighter ones (max_coupons,
    per-order limits, stack groups)."""
    from promokit._cart.wallet import Coupon
    from promokit._spec.coupons import CouponPolicy

    rng = random.Random(seed)
    wallet = []
    for w in _seeded(60, seed):
        if rng.random() < 0.3:
            w = {**w, "stack_group": rng.choice(["g1", "g2"])}
        wallet.append(Coupon.model_validate(w))
    policies = [CouponPolicy.model_validate(wallets.POLICY),
                CouponPolicy.model_validate({**wallets.POLICY, "max_coupons": 4}),
                CouponPolicy.model_validate({"kinds": {
                    **wallets.POLICY["kinds"], "shop": {"stage": "shop", "limit": 2},
                    "red_envelope": {"stage": "cash", "limit": 3}}})]
    for policy in policies:
        fits = search.Fits(policy)
        checked = 0
        for _ in range(40):
            chosen: list[Coupon] = []
            for c in rng.sample(wallet, len(wallet)):
                assert fits(c, chosen) == (conflict(c, chosen, policy) is None)
                checked += 1
                if fits(c, chosen):
                    chosen.append(c)
        assert checked == 40 * len(wallet)


@pytest.mark.parametrize("bounded", [True, False])
def test_thousands_of_coupons_at_one_stage_reach_the_bound_not_the_recursion_limit(
        bounded: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """1500 platform coupons, all at one stage: both ways of listing subsets (richest first
    under the bound, and every subset where the bound is off) walk a stack of their own, so
    the search stops with SearchBoundError, never a RecursionError traceback (both did)."""
    if not bounded:
        monkeypatch.setattr(search, "_non_monotone", lambda _entry: True)
    c = _campaign(None)
    wallet = [{"id": f"p{j:04d}", "kind": "platform", "value": "5", "min_spend": "10"}
              for j in range(1500)]
    with pytest.raises(SearchBoundError, match="1500 usable coupons"):
        c.price(_cart(wallet), best_coupons=True)
