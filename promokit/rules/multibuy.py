"""Buy N get M (第二件半价, 买二送一, 3 for 2): reward units picked cheapest-first by default.

Condition units come from ``select``; reward units from ``reward`` (default: the same selection),
so "buy 2 teas, get 5.00 off a cup" is ``select: {categories: [tea]}, reward: {categories: [cup]},
buy: 2, get: 1, amount_off: 5``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Self

from pydantic import model_validator

from promokit._cart.selection import Matcher, Selection
from promokit._types import Amount, Count, Percent
from promokit.rules._base import (
    Ctx,
    Effect,
    Env,
    Miss,
    Outcome,
    Reason,
    Rule,
    RuleSpec,
    ratio,
    rule_fields,
)
from promokit.rules._base import unit_values as _units
from promokit.rules._kind import Case, Draws, Fact, Reach, TextFact, Worked
from promokit.rules._threshold_text import num, zhe

Pick = Literal["cheapest", "most_expensive"]


class Multibuy(RuleSpec):
    """For every ``buy`` units bought, ``get`` more units at a reduced price."""

    kind: Literal["multibuy"]
    buy: Count
    get: Count = 1
    percent_off: Percent | None = None
    amount_off: Amount | None = None
    price: Amount | None = None
    reward: Selection | None = None
    pick: Pick = "cheapest"
    limit: Count | None = None
    max_units: Count | None = None

    @model_validator(mode="after")
    def _one_benefit(self) -> Self:
        given = [n for n in ("percent_off", "amount_off", "price") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of percent_off, amount_off, price (is: {given or 'none'})"
            )
        return self

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        if self.percent_off is not None:
            num, den = ratio(self.percent_off)
            gain: tuple[str, int, int] = ("percent", num, den * 100)
        elif self.amount_off is not None:
            gain = ("amount", env.minor(self.amount_off), 1)
        else:
            assert self.price is not None  # guaranteed by _one_benefit
            gain = ("price", env.minor(self.price), 1)
        reward = Matcher.of(self.reward) if self.reward is not None else None
        return MultibuyRule(**rule_fields(self, env), buy=self.buy, get=self.get,
                            gain=gain, reward=reward, cheapest=self.pick == "cheapest",
                            limit=self.limit, max_units=self.max_units)

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        if lang == "zh":
            if self.percent_off is not None:
                what = "免费" if self.percent_off == 100 else zhe(self.percent_off)
            elif self.amount_off is not None:
                what = f"减{num(self.amount_off)}元"
            else:
                what = f"{num(self.price)}元"
            return f"买{self.buy}件，再买{self.get}件{what}"
        if self.percent_off is not None:
            what = "free" if self.percent_off == 100 else f"at {num(self.percent_off)}% off"
        elif self.amount_off is not None:
            what = f"at {num(self.amount_off)} off"
        else:
            what = f"for {num(self.price)}"
        target = "the cheapest" if self.pick == "cheapest" else "the most expensive"
        return f"buy {self.buy}, get {self.get} more {what} ({target} first)"

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "多件优惠" if lang == "zh" else "multi-buy"

    def reach(self) -> Reach:
        """One application's units: ``buy``, plus ``get`` when the reward units are the same."""
        return Reach(units=self.buy if self.reward is not None else self.buy + self.get)

    def worked(self, env: Env, unit: int) -> Worked:
        """Carts around one application (with the reward units, when they are other items)."""
        if self.price is not None:
            unit = max(unit, 2 * env.minor(self.price))
        if self.reward is None:
            return Worked(unit, (Case(units=self.buy + self.get),))
        return Worked(unit, (Case(units=self.buy),), reward=(self.reward, self.get))

    def facts(self) -> tuple[Fact, ...]:
        """The limits, when there are any."""
        limits = [str(n) for n in (self.limit, self.max_units) if n]
        return (TextFact("f_limit", " / ".join(limits)),) if limits else ()

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """Any buy/get, one benefit, a pick, maybe another reward selection and limits."""
        out: dict[str, object] = {"buy": d.integer(1, 3), "get": d.integer(1, 2)}
        benefit = d.pick("percent_off", "amount_off", "price")
        out[benefit] = d.percent() if benefit == "percent_off" else d.money()
        out["pick"] = d.pick("cheapest", "most_expensive")
        if d.flag():
            out["reward"] = d.selection()
        for name, high in (("limit", 3), ("max_units", 4)):
            value = d.maybe_integer(1, high)
            if value is not None:
                out[name] = value
        return out


@dataclass(slots=True)
class MultibuyRule(Rule):
    """Compiled multibuy."""

    buy: int = 1
    get: int = 1
    gain: tuple[str, int, int] = ("percent", 100, 100)  # what a reward unit gets
    reward: Matcher | None = None
    cheapest: bool = True
    limit: int | None = None
    max_units: int | None = None

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Pick the reward units, then discount them line by line."""
        cond = _units(ctx, eligible)
        if self.reward is None:
            pool, same = cond, True
        else:
            m = self.reward
            idxs = [ln.index for ln in ctx.lines
                    if m.matches(ln)]
            pool, same = _units(ctx, idxs), False
        pool.sort(key=lambda u: (u[0] if self.cheapest else -u[0], u[1]))
        chosen, times = self._choose(cond, pool, same)
        if times == 0:
            need = self.buy + self.get if same else self.buy
            return [Miss(Reason.NOT_ENOUGH_UNITS,
                         f"needs {need} eligible units for one application, has {len(cond)}",
                         need=need, has=len(cond))]
        per_line: dict[int, list[int]] = {}  # line index -> [value of its reward units, count]
        for value, _id, i in chosen:
            acc = per_line.setdefault(i, [0, 0])
            acc[0] += value
            acc[1] += 1
        kind, a, b = self.gain
        alloc: dict[int, int] = {}
        for i, (value, units) in per_line.items():
            if kind == "percent":
                d = ctx.round(value * a, b)
            elif kind == "amount":
                d = min(value, a * units)
            else:
                d = max(0, value - a * units)
            d = min(d, ctx.room(i))
            if d:
                alloc[i] = d
        if not alloc:
            return [Miss(Reason.NO_SAVING, "the reward units are already at or below the price")]
        base = sum(ctx.amounts[i] for i in set(eligible) | set(per_line))
        return [Effect(amount=sum(alloc.values()), base=base, times=times, alloc=alloc,
                       detail=f"{len(chosen)} reward unit(s)")]

    def _choose(self, cond: list[tuple[int, str, int]], pool: list[tuple[int, str, int]],
                same: bool) -> tuple[list[tuple[int, str, int]], int]:
        """The reward units and the number of applications, bounded by limit and max_units."""
        n, m = self.buy, self.get
        times = len(cond) // (n + m) if same else min(len(cond) // n, len(pool) // m)
        if self.limit is not None:
            times = min(times, self.limit)
        while times > 0:
            count = times * m
            if self.max_units is not None:
                count = min(count, self.max_units)
            chosen = pool[:count]
            if same:
                return chosen, times
            if len(cond) - _count_overlap(chosen, cond) >= times * n:
                return chosen, times
            times -= 1
        return [], 0


def _count_overlap(chosen: list[tuple[int, str, int]], cond: list[tuple[int, str, int]]) -> int:
    """How many chosen reward units are also condition units (by line)."""
    cond_per_line: dict[int, int] = {}
    for u in cond:
        cond_per_line[u[2]] = cond_per_line.get(u[2], 0) + 1
    taken = 0
    for u in chosen:
        if cond_per_line.get(u[2], 0) > 0:
            cond_per_line[u[2]] -= 1
            taken += 1
    return taken
