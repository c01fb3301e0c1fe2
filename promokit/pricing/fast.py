"""The fast engine path: the general engine's run, specialised for the common rule shapes.

:func:`run_fast` does what :func:`promokit.pricing.engine.run` does for a run without wallet
coupons, and records the same trace. The engine's generic steps (a gate check, a limits check,
``rule.evaluate``, a scope-group dispatch, an allocation that sorts line-id strings) are replaced,
for the rule shapes that need none of them, by one plain function per shape:

- ``percent_off`` without a gate or limits: the per-line discount in one loop;
- spend and quantity thresholds (single, repeating, ladders) without a gate or limits: judged
  per scope group as the kind judges them (its own ``earn``), allocated by largest remainder in
  one pass, with the tie-break on line ranks (the line ids' sort order, computed once per cart)
  instead of the ids themselves, which orders exactly alike (line ids are unique in a cart).

Anything else -- another kind, a gate, limits, an exclusive group, a rule class whose fields are
not the ones this module was written for -- takes the general engine's own code for that entry,
so a new kind or option is priced correctly without this module knowing it. The general engine
stays the reference: ``tests/pricing/test_fast.py`` holds both paths to the same results on
every random campaign and cart, and :data:`ENABLED` switches this path off.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, cast

from promokit._allocation import spread
from promokit._money import round_div
from promokit.pricing.engine import (
    Trace,
    _best_single_used,
    _commit,
    _group,
    _try,
    end_stage,
    run,
)
from promokit.pricing.plan import Group
from promokit.rules._base import Ctx, Effect, Miss, Outcome, Reason, Rule, gift_extra
from promokit.rules._item import capped
from promokit.rules.percent_off import PercentOffRule
from promokit.rules.threshold import LadderRule, RepeatingRule, _ThresholdRule

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from promokit.pricing.engine import Setup

#: False: every run takes the general engine (the reference the tests compare against).
ENABLED = True

_COMMON = ("id", "kind", "stage", "priority", "group", "funded_by", "matcher", "gate", "spec",
           "benefit", "from_wallet", "overflow")
_THRESHOLD = (*_COMMON, "scope", "base", "cap", "spill", "qty")
#: the fields each specialised class had when its fast form was written: a class that gains or
#: loses one (a new option) is left to its own ``evaluate`` until this module learns it
_FIELDS: dict[type[Rule], tuple[str, ...]] = {
    PercentOffRule: (*_COMMON, "num", "den", "cap"),
    RepeatingRule: (*_THRESHOLD, "size", "each"),
    LadderRule: (*_THRESHOLD, "rungs"),
}

def _percent_off(rule: Rule, ctx: Ctx, idxs: list[int], ranks: Sequence[int]) -> list[Outcome]:
    """``PercentOffRule.evaluate`` (through ``item_outcome`` and ``capped``) in one loop."""
    rule = cast(PercentOffRule, rule)  # by _SHAPES
    num, den, mode = rule.num, rule.den, ctx.env.rounding
    amounts, floors, lines = ctx.amounts, ctx.floors, ctx.lines
    alloc: dict[int, int] = {}
    base = units = lost = room = 0
    for i in idxs:
        current = amounts[i]
        base += current
        free = current - floors[i]
        room += free
        want = round_div(current * num, den, mode)
        take = want if want < free else free
        lost += want - take
        if take > 0:
            alloc[i] = take
            units += lines[i].qty
    if not alloc:
        if room == 0:
            return [Miss(Reason.NOTHING_LEFT, "every eligible line is already at its floor")]
        return [Miss(Reason.NO_SAVING, "the promotion price is not below the current price")]
    out: list[Outcome] = [Effect(amount=sum(alloc.values()), base=base, times=units,
                                 alloc=alloc, lost=lost)]
    return out if rule.cap is None else capped(ctx, out, rule.cap)


def _threshold(rule: Rule, ctx: Ctx, idxs: list[int], ranks: Sequence[int]) -> list[Outcome]:
    """``_ThresholdRule.evaluate``: each scope group (shops in id order) judged on its own, the
    allocation ties broken on line ranks."""
    rule = cast(_ThresholdRule, rule)  # by _SHAPES (isinstance on an ABC is dear here)
    judge = _plain_group if _plain(rule, ctx) else _kind_group
    if rule.scope != "shop":
        return [judge(rule, ctx, idxs, None, ranks)]
    lines = ctx.lines
    groups: dict[str, list[int]] = {}
    for i in idxs:
        shop = lines[i].shop
        found = groups.get(shop)
        if found is None:
            groups[shop] = [i]
        else:
            found.append(i)
    if len(groups) == 1:
        return [judge(rule, ctx, idxs, shop, ranks)]
    return [judge(rule, ctx, groups[s], s, ranks) for s in sorted(groups)]


def _plain(rule: _ThresholdRule, ctx: Ctx) -> bool:
    """满X减Y or 每满X减Y by spend, without a cap, a spill or a customer multiplier."""
    if rule.qty or rule.cap is not None or rule.spill or ctx.multipliers:
        return False
    if type(rule) is RepeatingRule:
        return True
    rungs = cast(LadderRule, rule).rungs
    return len(rungs) == 1 and rungs[0][2] == "amount"


def _kind_group(rule: _ThresholdRule, ctx: Ctx, idxs: list[int], shop: str | None,
                ranks: Sequence[int]) -> Outcome:
    """The kind's own judgement of one scope group."""
    return rule._group(ctx, idxs, shop, ranks)


def _plain_group(rule: _ThresholdRule, ctx: Ctx, idxs: list[int], shop: str | None,
                 ranks: Sequence[int]) -> Outcome:
    """``_ThresholdRule._group`` for a :func:`_plain` rule that applies; anything else (below
    the threshold, nothing off, no room, nothing to weigh by) is the kind's own judgement."""
    base = ctx.base(rule.base)
    weights = [base[i] for i in idxs]
    spend = sum(weights)
    if ctx.credits:  # gifts of earlier stages whose value counts (as judged_spend adds them)
        spend += gift_extra(ctx, rule.base, base, idxs)
    nudge = None
    if type(rule) is RepeatingRule:
        times = spend // rule.size
        want = times * rule.each
        if times and rule.each:  # the next multiple earns one more discount
            nudge = (rule.size * (times + 1) - spend, rule.each)
    else:
        _qty, reach, _kind, want, _one = cast(LadderRule, rule).rungs[0]
        times = 1 if spend >= reach else 0
    if not times or not want or spend <= 0:
        return rule._group(ctx, idxs, shop, ranks)
    amounts, floors = ctx.amounts, ctx.floors
    room = [amounts[i] - floors[i] for i in idxs]
    if not any(room):
        return rule._group(ctx, idxs, shop, ranks)
    alloc, lost = spread(want, idxs, weights, room, [ranks[i] for i in idxs], False)
    return Effect(amount=want - lost, base=spend, times=times, alloc=alloc, shop=shop,
                  lost=lost, nudge=nudge)


_SHAPES: dict[type[Rule], Callable[[Rule, Ctx, list[int], Sequence[int]], list[Outcome]]] = {
    PercentOffRule: _percent_off, RepeatingRule: _threshold, LadderRule: _threshold}
#: the specialised classes whose fields are still the ones written for
_FAST: dict[type[Rule], Callable[[Rule, Ctx, list[int], Sequence[int]], list[Outcome]]] = {
    cls: fn for cls, fn in _SHAPES.items()
    if tuple(f.name for f in fields(cls)) == _FIELDS[cls]}


def ranks_of(setup: Setup) -> list[int]:
    """Each line's place in the order of line ids: the allocation tie-break, as integers."""
    lines = setup.lines
    ranks = [0] * len(lines)
    for rank, i in enumerate(sorted(range(len(lines)), key=lambda k: lines[k].id)):
        ranks[i] = rank
    return ranks


def run_fast(setup: Setup, trace: Trace) -> Ctx:
    """``engine.run(setup, (), trace)``, with the specialised shapes (``overflow: best_single``,
    which re-runs without dropped combinations, takes the general engine)."""
    if _best_single_used(setup, ()):
        return run(setup, (), trace)
    ctx = setup.new_ctx()
    for rule, effect in setup.cuts:
        trace.applied.append((rule, effect))
        for i, d in effect.alloc.items():
            trace.taken[i].append((rule, d))
    eligible, visit, fast = setup.eligible, setup.visit, _FAST
    ranks: list[int] | None = None
    for stage in setup.plan.stages:
        entries = visit.get(stage, ())
        for entry in entries:
            if isinstance(entry, Group):
                _group(setup, ctx, entry, trace)
                continue
            idxs = eligible.get(entry.id)
            if idxs is None:
                continue
            shape = fast.get(type(entry))
            if shape is None or entry.gate is not None or entry.spec.limits is not None:
                _commit(ctx, entry, _try(setup, ctx, entry), trace)
                continue
            if ranks is None:
                ranks = ranks_of(setup)
            _commit(ctx, entry, shape(entry, ctx, idxs, ranks), trace)
        end_stage(ctx, stage, bool(entries))
    return ctx
