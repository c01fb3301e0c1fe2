"""The moves every best-coupon search makes (the general one and the one by shops): list the
coupon subsets that may join a partial combination, key what it has used of the stacking
limits, and copy a run's state to branch from it. Kept apart so that both searches import them
from below, with no cycle between them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from promokit._cart.wallet import Coupon
from promokit._spec.coupons import CouponPolicy, conflict
from promokit.rules._base import Ctx


def _extensions(coupons: Sequence[Coupon], chosen: tuple[Coupon, ...],
                policy: CouponPolicy, tick: Callable[[], None]) -> Iterator[tuple[Coupon, ...]]:
    """Every subset of ``coupons`` that may join ``chosen`` (the empty one first); ``tick``
    is called at every node of the enumeration, so its work is counted as it is done. Depth
    first with a stack of its own, not recursion: a wallet of thousands of coupons at one
    stage reaches the bound, not Python's recursion limit."""
    stack: list[tuple[int, tuple[Coupon, ...]]] = [(0, ())]
    while stack:
        k, picked = stack.pop()
        tick()
        if k == len(coupons):
            yield picked
            continue
        if conflict(coupons[k], (*chosen, *picked), policy) is None:
            stack.append((k + 1, (*picked, coupons[k])))
        stack.append((k + 1, picked))  # without it first


def _slots(combo: Sequence[Coupon], policy: CouponPolicy) -> tuple[object, ...]:
    """What a partial combination has used up of the stacking limits."""
    used = sorted((c.kind, c.shop if policy.kinds[c.kind].per == "shop" else "")
                  for c in combo)
    groups = sorted(c.stack_group for c in combo if c.stack_group is not None)
    return (tuple(used), tuple(groups), len(combo) if policy.max_coupons else 0)


def _clone(ctx: Ctx) -> Ctx:
    return Ctx(ctx.lines, list(ctx.amounts), dict(ctx.snapshots), ctx.stage_start, ctx.env,
               floors=ctx.floors, shipping=dict(ctx.shipping), multipliers=ctx.multipliers,
               at=ctx.at, phase=ctx.phase, customer=ctx.customer, credits=ctx.credits)
