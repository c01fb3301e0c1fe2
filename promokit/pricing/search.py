"""Best-coupon selection: the wallet combination that minimises what is due, exactly, bounded.

The search walks the stages in order. At each stage it extends every partial combination with each
valid subset of that stage's coupons (per-kind limits, ``combines_with``, stack groups), runs just
that stage from the saved state, and merges partial combinations that reach the same state (same
line amounts, shipping, referenced snapshots and stacking slots used): their futures are identical,
so only the one that wins the tie-break survives. Every interaction between thresholds (a coupon
lowering another's base) is priced by the engine itself, never estimated.

Tie-break, stated: the lowest amount due; then the fewest coupons; then the combination whose
coupons expire soonest (sorted expiry times compared in order, no expiry last); then coupon ids.
More than ``search_limit`` stage evaluations raises :class:`~promokit.SearchBoundError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .._coupon import Coupon
from .._errors import SearchBoundError
from ..rules._base import Ctx, Rule
from .coupons import CouponPolicy, conflict
from .engine import Setup, Trace, run, run_stage
from .result import payable_minor

_NEVER = (1, 0.0)
#: Why a coupon was left out: (reason code, message, shortfall, would_save) in minor units.
Why = tuple[str, str, int | None, int | None]


def expiry_key(coupon: Coupon, setup: Setup) -> tuple[int, float]:
    """Sort key of a coupon's expiry: sooner first, no expiry last."""
    end = coupon.end
    if end is None:
        return _NEVER
    if end.tzinfo is None:
        end = end.replace(tzinfo=setup.env.tz)
    return (0, end.timestamp())


def tie_key(combo: Sequence[Coupon], setup: Setup) -> tuple[object, ...]:
    """The stated tie-break among combinations that pay the same."""
    return (len(combo), sorted(expiry_key(c, setup) for c in combo), sorted(c.id for c in combo))


def _extensions(coupons: Sequence[Coupon], chosen: tuple[Coupon, ...],
                policy: CouponPolicy) -> Iterator[tuple[Coupon, ...]]:
    """Every subset of ``coupons`` that may join ``chosen`` (the empty one first)."""
    def walk(k: int, picked: tuple[Coupon, ...]) -> Iterator[tuple[Coupon, ...]]:
        if k == len(coupons):
            yield picked
            return
        yield from walk(k + 1, picked)
        if conflict(coupons[k], (*chosen, *picked), policy) is None:
            yield from walk(k + 1, (*picked, coupons[k]))
    yield from walk(0, ())


def _slots(combo: Sequence[Coupon], policy: CouponPolicy) -> tuple[object, ...]:
    """What a partial combination has used up of the stacking limits."""
    used = sorted((c.kind, c.shop if policy.kinds[c.kind].per == "shop" else "")
                  for c in combo)
    groups = sorted(c.stack_group for c in combo if c.stack_group is not None)
    return (tuple(used), tuple(groups), len(combo) if policy.max_coupons else 0)


def _clone(ctx: Ctx) -> Ctx:
    return Ctx(ctx.lines, list(ctx.amounts), dict(ctx.snapshots), ctx.stage_start, ctx.env,
               floors=ctx.floors, shipping=dict(ctx.shipping), multipliers=ctx.multipliers,
               at=ctx.at, phase=ctx.phase)


def best_combination(setup: Setup, candidates: Sequence[Coupon], rules: dict[str, Rule],
                     policy: CouponPolicy) -> tuple[tuple[Coupon, ...], int]:
    """(the best valid combination of ``candidates``, stage evaluations it took)."""
    stages = setup.plan.stages
    ordered = sorted(candidates, key=lambda c: c.id)
    by_stage = {s: [c for c in ordered if rules[c.id].stage == s] for s in stages}
    bases = {getattr(r, "base", None) for r in (*setup.plan.rules, *rules.values())}
    watched = sorted(b for b in bases if isinstance(b, str) and b not in ("running", "list"))
    frontier: list[tuple[Ctx, tuple[Coupon, ...]]] = [(setup.new_ctx(), ())]
    steps = 0
    for stage in stages:
        here = by_stage[stage]
        merged: dict[tuple[object, ...], tuple[Ctx, tuple[Coupon, ...]]] = {}
        for ctx, chosen in frontier:
            for subset in _extensions(here, chosen, policy) if here else [()]:
                steps += 1
                if steps > policy.search_limit:
                    raise SearchBoundError(
                        f"best-coupon search passed its bound of {policy.search_limit} stage "
                        f"evaluations ({len(candidates)} usable coupons); raise "
                        "coupon_policy.search_limit or choose coupons in selected mode")
                child = _clone(ctx)
                run_stage(setup, child, stage, [rules[c.id] for c in subset], None)
                combo = (*chosen, *subset)
                key = (tuple(child.amounts), tuple(sorted(child.shipping.items())),
                       tuple(child.snapshots.get(b) for b in watched), _slots(combo, policy))
                kept = merged.get(key)
                if kept is None or tie_key(combo, setup) < tie_key(kept[1], setup):
                    merged[key] = (child, combo)
        frontier = list(merged.values())

    def final(item: tuple[Ctx, tuple[Coupon, ...]]) -> tuple[object, ...]:
        ctx, combo = item
        return (payable_minor(setup, ctx), *tie_key(combo, setup))

    return min(frontier, key=final)[1], steps


def _unused_reason(setup: Setup, coupon: Coupon, chosen: Sequence[Coupon],
                   rules: dict[str, Rule], policy: CouponPolicy) -> Why:
    """Why a usable coupon is not in the chosen combination: a stacking conflict, its own miss
    when tried on top of the combination (below its threshold by how much), or the tie-break."""
    clash = conflict(coupon, chosen, policy)
    if clash is not None:
        return clash.reason, clash.message, None, None
    trace = Trace([[] for _ in setup.lines])
    run(setup, [rules[c.id] for c in (*chosen, coupon)], trace)
    rid = rules[coupon.id].id
    misses = [m for r, m in trace.missed if r.id == rid]
    if misses and not any(r.id == rid for r, _ in trace.applied):
        miss = misses[0]
        return str(miss.reason), miss.message, miss.shortfall, miss.would_save
    return "not_chosen", "a combination without it pays no more (see the tie-break)", None, None


def explain_unused(setup: Setup, coupons: Sequence[Coupon], chosen: Sequence[Coupon],
                   rules: dict[str, Rule], policy: CouponPolicy) -> dict[str, Why]:
    """coupon id -> (reason, message) for every coupon left out of ``chosen``."""
    ids = {c.id for c in chosen}
    return {c.id: _unused_reason(setup, c, chosen, rules, policy)
            for c in coupons if c.id not in ids}
