"""The shared shape of item-price rules: a discount computed per line, capped at what is left."""

from __future__ import annotations

from collections.abc import Callable

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
