"""The shared shape of item-price rules: a discount computed per line, capped at what is left."""

from __future__ import annotations

from collections.abc import Callable

from promokit._allocation import spread
from promokit.rules._base import Ctx, Effect, Miss, Outcome, Reason


def item_outcome(ctx: Ctx, eligible: list[int], discount: Callable[[int, int], int],
                 ) -> list[Outcome]:
    """Apply ``discount(current line amount, quantity)`` to each eligible line, capped at zero."""
    amounts = ctx.amounts
    alloc: dict[int, int] = {}
    base = units = lost = room = 0
    for i in eligible:
        current = amounts[i]
        base += current
        room += ctx.room(i)
        want = discount(current, ctx.lines[i].qty)
        take = min(want, ctx.room(i))
        lost += want - take
        if take > 0:
            alloc[i] = take
            units += ctx.lines[i].qty
    if not alloc:
        if room == 0:
            return [Miss(Reason.NOTHING_LEFT, "every eligible line is already at its floor")]
        return [Miss(Reason.NO_SAVING, "the promotion price is not below the current price")]
    return [Effect(amount=sum(alloc.values()), base=base, times=units, alloc=alloc, lost=lost)]


def capped(ctx: Ctx, outcomes: list[Outcome], cap: int | None) -> list[Outcome]:
    """``outcomes`` with the discount of each effect bounded by ``cap`` (最高减, max_discount).

    As platforms publish caps: the cap bounds the whole rule's discount, not each line; the capped
    amount is allocated back over the lines the rule discounted, in proportion to what each would
    have lost, exactly (largest remainder), so the allocations still sum to the amount.
    """
    if cap is None:
        return outcomes
    out: list[Outcome] = []
    for o in outcomes:
        if isinstance(o, Effect) and o.amount > cap:
            idxs = sorted(o.alloc)
            weights = [o.alloc[i] for i in idxs]
            alloc, _lost = spread(cap, idxs, weights, weights,
                                  [ctx.lines[i].id for i in idxs], False)
            detail = f"capped at {ctx.env.show(cap)} (of {ctx.env.show(o.amount)})"
            o = Effect(amount=cap, base=o.base, times=o.times, alloc=alloc, shop=o.shop,
                       lost=o.lost, detail="; ".join(filter(None, (o.detail, detail))),
                       nudge=o.nudge, ship=o.ship)
        out.append(o)
    return out
