"""Spend or quantity thresholds: 满300减50, 每满300减50 (capped or 上不封顶), ladders, 满2件9折.

Every threshold has a scope: ``shop`` judges each shop's eligible lines on their own, ``pool`` one
pool over the eligible lines of all shops (跨店), ``order`` the whole order. It is judged on a
declared base (``running``: after every earlier stage; ``list``: list prices; or the name of a
stage: after that stage) and its discount is allocated back to lines in proportion to that base.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

from promokit._allocation import spread
from promokit._types import Amount, Count, Percent
from promokit.rules._base import (
    Ctx,
    Effect,
    Env,
    Miss,
    Outcome,
    Overflow,
    Reason,
    Rule,
    RuleSpec,
    gift_extra,
    ratio,
    rule_fields,
)
from promokit.rules._kind import BaseFact, Case, Draws, Fact, Reach, WordFact, Worked
from promokit.rules._threshold_text import describe_threshold

Scope = Literal["shop", "pool", "order"]
#: (discount earned, times reached, next: (add this much, to earn this in all) or None), before
#: the multiplier and the cap; or, below the lowest step, (short by, would earn at the step).
Earned = tuple[int, int, tuple[int, int] | None]
Short = tuple[int, int]


class Step(BaseModel):
    """One rung: a spend or quantity to reach, and a fixed discount or a percent off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_spend: Amount | None = None
    min_qty: Count | None = None
    discount: Amount | None = None
    percent: Percent | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if (self.min_spend is None) == (self.min_qty is None):
            raise ValueError("give exactly one of min_spend, min_qty")
        if (self.discount is None) == (self.percent is None):
            raise ValueError("give exactly one of discount, percent")
        return self

    @property
    def reach(self) -> object:
        """The threshold value of this step."""
        return self.min_spend if self.min_spend is not None else self.min_qty


class Threshold(RuleSpec):
    """A single threshold, a repeating one (``every``), or a ladder of steps."""

    kind: Literal["threshold"]
    scope: Scope = "pool"
    base: str | None = None
    min_spend: Amount | None = None
    min_qty: Count | None = None
    every: Amount | None = None
    every_qty: Count | None = None
    ladder: tuple[Step, ...] | None = None
    discount: Amount | None = None
    percent: Percent | None = None
    cap: Amount | None = None
    max_discount: Amount | None = None
    overflow: Overflow | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        forms = [f for f in ("min_spend", "min_qty", "every", "every_qty", "ladder")
                 if getattr(self, f) is not None]
        if len(forms) != 1:
            raise ValueError(
                "give exactly one of min_spend, min_qty, every, every_qty, ladder "
                f"(is: {forms or 'none'})"
            )
        if self.ladder is not None:
            if self.discount is not None or self.percent is not None:
                raise ValueError("a ladder gives discount or percent inside each step, not beside")
            _check_ladder(self.ladder)
        elif (self.discount is None) == (self.percent is None):
            raise ValueError("give exactly one of discount, percent")
        elif forms[0] in ("every", "every_qty") and self.percent is not None:
            raise ValueError(f"{forms[0]} repeats a fixed discount; use discount, not percent")
        if forms[0] == "every" and self.every == 0:
            raise ValueError("every must be above 0")
        if self.cap is not None and self.max_discount is not None:
            raise ValueError("cap and max_discount are the same limit; give one of them")
        return self

    @property
    def max_off(self) -> Decimal | None:
        """The most this rule gives in one scope group: ``max_discount`` (the name percent rules
        and coupons share, 最高减) or its older name ``cap``."""
        return self.max_discount if self.max_discount is not None else self.cap

    def steps(self) -> tuple[Step, ...]:
        """The rungs, a single threshold being a ladder of one."""
        if self.ladder is not None:
            return self.ladder
        return (Step(min_spend=self.min_spend, min_qty=self.min_qty,
                     discount=self.discount, percent=self.percent),)

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        fields = rule_fields(self, env)
        cap = env.minor(self.max_off) if self.max_off is not None else None
        base = self.base or env.default_base
        spill = (self.overflow or env.overflow) == "spill"
        benefit = f"rule:{self.id}"
        if self.every_qty is not None:
            size, qty = self.every_qty, True
        elif self.every is not None:
            size, qty = env.minor(self.every), False
        else:
            # a single threshold is its own rung: no Step model built (and validated) for it
            rungs = tuple(_compile_step(s, env) for s in self.ladder) \
                if self.ladder is not None else (_compile_step(self, env),)
            return LadderRule(**fields, benefit=benefit, overflow=self.overflow,
                              scope=self.scope, base=base, cap=cap,
                              spill=spill, qty=rungs[0][0], rungs=rungs)
        assert self.discount is not None  # a repeating threshold gives a fixed discount (validated)
        return RepeatingRule(**fields, benefit=benefit, overflow=self.overflow,
                             scope=self.scope, base=base, cap=cap,
                             spill=spill, qty=qty, size=size, each=env.minor(self.discount))

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        return describe_threshold(self, lang)

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "满减" if lang == "zh" else "spend threshold"

    def reach(self) -> Reach:
        """The lowest step (or the first multiple of a repeating threshold)."""
        if self.ladder is None:
            return Reach(spend=self.min_spend if self.min_spend is not None else self.every,
                         units=self.min_qty if self.min_qty is not None else self.every_qty)
        return Reach(spend=self.ladder[0].min_spend, units=self.ladder[0].min_qty)

    def worked(self, env: Env, unit: int) -> Worked:
        """Every rung (just below and at); the first and second multiple of 每满."""
        if self.every is not None:
            return Worked(unit, (Case(spend=self.every), Case(spend=self.every * 2, below=False)),
                          first=self.every)
        if self.every_qty is not None:
            n = self.every_qty
            return Worked(unit, (Case(units=n), Case(units=2 * n, below=False)))
        steps = [s for s in self.steps() if s.reach]
        if not steps:
            return Worked(unit)
        if steps[0].min_qty is not None:
            return Worked(unit, tuple(Case(units=s.min_qty) for s in steps))
        return Worked(unit, tuple(Case(spend=s.min_spend) for s in steps),
                      first=self.steps()[0].min_spend)

    def facts(self) -> tuple[Fact, ...]:
        """Base, scope and overflow."""
        out: list[Fact] = [BaseFact("f_base", self.base),
                           WordFact("f_scope", f"scope_{self.scope}")]
        if self.overflow is not None:
            out.append(WordFact("f_overflow", f"overflow_{self.overflow}"))
        return tuple(out)

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """Any scope and form (single, repeating, ladder), maybe a cap and an overflow."""
        out: dict[str, object] = {"scope": d.pick("pool", "shop", "order")}
        form = d.pick("min_spend", "min_qty", "every", "every_qty", "ladder")
        if form == "ladder":
            out["ladder"] = _draw_ladder(d)
        else:
            out[form] = d.money(1 if form == "every" else 0) if form in ("min_spend", "every") \
                else d.integer(1, 6)
            percent = form in ("min_spend", "min_qty") and d.flag()
            out["percent" if percent else "discount"] = d.percent() if percent else d.money()
        if d.flag():
            out[d.pick("cap", "max_discount")] = d.money()
        overflow = d.maybe_pick("lose", "spill", "best_single")
        if overflow is not None:
            out["overflow"] = overflow
        return out

    judged = True
    repeats = True


def _draw_ladder(d: Draws) -> list[dict[str, object]]:
    """1 to 4 strictly increasing rungs; a benefit never drops below the rung before of its kind."""
    by_qty = d.flag()
    reaches = d.distinct(1 if by_qty else 0, 8 if by_qty else d.top, 4)
    steps: list[dict[str, object]] = []
    for value in reaches:
        step: dict[str, object] = {"min_qty": value} if by_qty else {"min_spend": d.amount(value)}
        kind = d.pick("discount", "percent")
        benefit = Decimal(d.percent() if kind == "percent" else d.money())
        if steps and kind in steps[-1]:
            benefit = max(benefit, Decimal(str(steps[-1][kind])))
        step[kind] = str(benefit)
        steps.append(step)
    return steps


def _check_ladder(ladder: tuple[Step, ...]) -> None:
    if not ladder:
        raise ValueError("a ladder needs at least one step")
    if len({s.min_qty is None for s in ladder}) > 1:
        raise ValueError("a ladder's steps must all use min_spend or all use min_qty")
    reaches = [s.reach for s in ladder]
    for a, b in pairwise(reaches):
        if not b > a:  # type: ignore[operator]
            raise ValueError(f"ladder does not increase: step {b} follows {a}; "
                             "expected strictly increasing thresholds")
    for a, b in pairwise(ladder):
        gain_a = a.discount if a.discount is not None else a.percent
        gain_b = b.discount if b.discount is not None else b.percent
        same = (a.discount is None) == (b.discount is None)
        if same and gain_b < gain_a:  # type: ignore[operator]
            raise ValueError(f"ladder benefit drops from {gain_a} to {gain_b}; "
                             "expected a higher step to give more")


def _compile_step(step: Step | Threshold, env: Env) -> tuple[bool, int, str, int, int]:
    qty = step.min_qty is not None
    reach = step.min_qty if qty else env.minor(step.min_spend)  # type: ignore[arg-type]
    if step.discount is not None:
        return (qty, reach, "amount", env.minor(step.discount), 1)  # type: ignore[return-value]
    num, den = ratio(step.percent)  # type: ignore[arg-type]
    return (qty, reach, "percent", num, den * 100)  # type: ignore[return-value]


@dataclass(slots=True)
class _ThresholdRule(Rule):
    """What single, repeating and ladder thresholds share: scope groups, base, cap, allocation."""

    scope: str = "pool"
    base: str = "running"
    cap: int | None = None
    spill: bool = False
    qty: bool = False

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Judge each scope group on its base and allocate what it earns."""
        if self.scope != "shop":
            return [self._group(ctx, eligible, None)]
        groups: dict[str, list[int]] = {}
        for i in eligible:
            groups.setdefault(ctx.lines[i].shop, []).append(i)
        return [self._group(ctx, groups[s], s) for s in sorted(groups)]

    def _group(self, ctx: Ctx, idxs: list[int], shop: str | None,
               ranks: Sequence[int] | None = None) -> Outcome:
        """One scope group; ``ranks`` (each line's place in line-id order, which the fast
        engine path computes once per cart) breaks allocation ties as the line ids do."""
        base_amounts, amounts, lines = ctx.base(self.base), ctx.amounts, ctx.lines
        weights = [base_amounts[i] for i in idxs]
        spend = sum(weights)
        if ctx.credits:  # earlier gifts that count toward thresholds: in the spend, not weights
            spend += gift_extra(ctx, self.base, base_amounts, idxs)
        measure = sum(lines[i].qty for i in idxs) if self.qty else spend
        current = sum(amounts[i] for i in idxs)
        earned = self.earn(ctx, measure, current)
        if len(earned) == 2:
            short, save = earned
            return self._miss(ctx, short, self._final(ctx, save), shop, measure)
        want, times, nxt = earned
        want = self._final(ctx, want)
        if want == 0:
            return Miss(Reason.NO_SAVING, "the step reached gives nothing off", shop=shop)
        nudge = None
        if nxt is not None and not self.qty:
            more = self._final(ctx, nxt[1]) - want
            nudge = (nxt[0], more) if more > 0 else None
        floors = ctx.floors
        room = [amounts[i] - floors[i] for i in idxs]
        if not any(room):
            return Miss(Reason.NOTHING_LEFT, "every eligible line is already at its floor",
                        shop=shop)
        keys = [lines[i].id for i in idxs] if ranks is None else [ranks[i] for i in idxs]
        alloc, lost = spread(want, idxs, weights, room, keys, self.spill)
        return Effect(amount=want - lost, base=spend, times=times, alloc=alloc, shop=shop,
                      lost=lost, nudge=nudge)

    @abstractmethod
    def earn(self, ctx: Ctx, measure: int, current: int) -> Earned | Short:
        """What a group whose base measures ``measure`` earns, or how far it is from earning."""

    def _final(self, ctx: Ctx, amount: int) -> int:
        """An earned amount after the customer's multiplier and the rule's cap."""
        if ctx.multipliers and self.benefit is not None:
            amount = ctx.scaled(self.benefit, amount)
        return amount if self.cap is None else min(amount, self.cap)

    def _miss(self, ctx: Ctx, short: int, save: int, shop: str | None, measure: int) -> Miss:
        if self.qty:
            return Miss(Reason.BELOW_QUANTITY,
                        f"add {short} more item(s) to save {ctx.env.show(save)}",
                        shop=shop, would_save=save, need=measure + short, has=measure)
        return Miss(Reason.BELOW_THRESHOLD,
                    f"add {ctx.env.show(short)} more to save {ctx.env.show(save)}",
                    shop=shop, shortfall=short, would_save=save)


@dataclass(slots=True)
class RepeatingRule(_ThresholdRule):
    """每满 X 减 Y: the discount repeats for every full ``size`` reached, up to ``cap``."""

    size: int = 1
    each: int = 0

    def earn(self, ctx: Ctx, measure: int, current: int) -> Earned | Short:
        """Times the size fits, times the discount."""
        times = measure // self.size
        if times == 0:
            return self.size - measure, self.each
        return times * self.each, times, (self.size * (times + 1) - measure,
                                          (times + 1) * self.each)


@dataclass(slots=True)
class LadderRule(_ThresholdRule):
    """满 X 减 Y ladders (a single threshold is a ladder of one): the highest rung reached wins."""

    rungs: tuple[tuple[bool, int, str, int, int], ...] = ()

    def _benefit(self, ctx: Ctx, rung: tuple[bool, int, str, int, int], amount: int) -> int:
        _qty, _reach, kind, a, b = rung
        return a if kind == "amount" else ctx.round(amount * a, b)

    def earn(self, ctx: Ctx, measure: int, current: int) -> Earned | Short:
        """The highest rung reached, and what the next would earn."""
        reached = [r for r in self.rungs if measure >= r[1]]
        if not reached:
            first = self.rungs[0]
            short = first[1] - measure
            return short, self._benefit(ctx, first, current if self.qty else current + short)
        want = self._benefit(ctx, reached[-1], current)
        if len(reached) == len(self.rungs):
            return want, 1, None
        nxt = self.rungs[len(reached)]
        short = nxt[1] - measure
        return want, 1, (short, self._benefit(ctx, nxt, current + short))
