"""Every Nth unit of the same SKU at M% off or at a fixed price: 第二件半价, 第二件0元, 第3件1折.

As the platforms publish it: units are counted **per SKU** among the selected
lines, so a red and a green widget are not a pair; 3 units give one discounted unit and 9 units
of "every 2nd free" give 4. Several lines of one SKU count together. Within a SKU the discounted
units are its cheapest (by running amount, then line id); a discount is computed once per line
over that line's discounted units and rounded with the campaign's rounding. ``limit`` bounds the
discounted units of the whole order, dearest saving first. A discount over any N units of a
collection is ``multibuy``, not this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Self

from pydantic import model_validator

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
    unit_values,
)
from promokit.rules._kind import Case, Draws, Fact, Reach, TextFact, Worked
from promokit.rules._threshold_text import num, zhe


class NthItem(RuleSpec):
    """Every ``nth`` unit of one SKU at ``percent_off`` or at ``price``."""

    kind: Literal["nth_item"]
    nth: Count
    percent_off: Percent | None = None
    price: Amount | None = None
    limit: Count | None = None

    @model_validator(mode="after")
    def _one_benefit(self) -> Self:
        if (self.percent_off is None) == (self.price is None):
            raise ValueError("give exactly one of percent_off, price")
        if self.nth < 2:
            raise ValueError(f"nth {self.nth} must be at least 2 (every 2nd unit, 第二件); "
                             "for every unit use percent_off or special_price")
        return self

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        if self.percent_off is not None:
            a, b = ratio(self.percent_off)
            gain: tuple[str, int, int] = ("percent", a, b * 100)
        else:
            assert self.price is not None  # guaranteed by _one_benefit
            gain = ("price", env.minor(self.price), 1)
        return NthItemRule(**rule_fields(self, env), nth=self.nth, gain=gain, limit=self.limit)

    def _what(self, lang: str) -> str:
        p = self.percent_off
        if lang == "zh":
            if p is None:
                return f"{num(self.price)}元"
            return "0元" if p == 100 else "半价" if p == 50 else zhe(p)
        if p is None:
            return f"for {num(self.price)}"
        return "free" if p == 100 else "half price" if p == 50 else f"at {num(p)}% off"

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        n = self.nth
        if lang == "zh":
            limit = f"，每单限{self.limit}件" if self.limit else ""
            return f"同款第{n}件{self._what('zh')}{limit}"
        nth = {2: "2nd", 3: "3rd"}.get(n, f"{n}th")
        limit = f", at most {self.limit} per order" if self.limit else ""
        return f"every {nth} unit of the same item {self._what('en')}{limit}"

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "同款第N件优惠" if lang == "zh" else "Nth item of the same SKU"

    def reach(self) -> Reach:
        """``nth`` units of one SKU."""
        return Reach(units=self.nth)

    def worked(self, env: Env, unit: int) -> Worked:
        """Carts of N-1 and N units of one item (priced above a fixed price)."""
        if self.price is not None:
            unit = max(unit, 2 * env.minor(self.price))
        return Worked(unit, (Case(units=self.nth), Case(units=2 * self.nth, below=False)))

    def facts(self) -> tuple[Fact, ...]:
        """The per-order limit, when there is one."""
        return (TextFact("f_limit", str(self.limit)),) if self.limit else ()

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """Any N from 2, one benefit, maybe a limit."""
        out: dict[str, object] = {"nth": d.integer(2, 4)}
        benefit = d.pick("percent_off", "price")
        out[benefit] = d.percent() if benefit == "percent_off" else d.money()
        limit = d.maybe_integer(1, 3)
        if limit is not None:
            out["limit"] = limit
        return out


@dataclass(slots=True)
class NthItemRule(Rule):
    """Compiled nth_item."""

    nth: int = 2
    gain: tuple[str, int, int] = ("percent", 50, 100)
    limit: int | None = None

    def _saving(self, ctx: Ctx, value: int, units: int) -> int:
        kind, a, b = self.gain
        if kind == "percent":
            return ctx.round(value * a, b)
        return max(0, value - a * units)

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Group the eligible units by SKU, discount every nth of each, then apply the limit."""
        by_sku: dict[str, list[int]] = {}
        for i in eligible:
            by_sku.setdefault(ctx.lines[i].sku, []).append(i)
        chosen: list[tuple[int, str, int]] = []
        most = 0
        for sku in sorted(by_sku):
            units = unit_values(ctx, by_sku[sku])
            most = max(most, len(units))
            units.sort(key=lambda u: (u[0], u[1]))
            chosen += units[:len(units) // self.nth]
        if not chosen:
            return [Miss(Reason.NOT_ENOUGH_UNITS,
                         f"needs {self.nth} units of one item (same SKU), has {most}",
                         need=self.nth, has=most)]
        if self.limit is not None and len(chosen) > self.limit:
            chosen.sort(key=lambda u: (-self._saving(ctx, u[0], 1), u[1]))
            chosen = chosen[:self.limit]
        per_line: dict[int, list[int]] = {}  # line index -> [value of its chosen units, count]
        for value, _id, i in chosen:
            acc = per_line.setdefault(i, [0, 0])
            acc[0] += value
            acc[1] += 1
        alloc: dict[int, int] = {}
        lost = room = 0
        for i, (value, count) in sorted(per_line.items()):
            want = self._saving(ctx, value, count)
            take = min(want, ctx.room(i))
            room += ctx.room(i)
            lost += want - take
            if take > 0:
                alloc[i] = take
        if not alloc:
            if room == 0:
                return [Miss(Reason.NOTHING_LEFT, "every eligible line is already at its floor")]
            return [Miss(Reason.NO_SAVING, "the discounted units are at or below the price")]
        base = sum(ctx.amounts[i] for i in eligible)
        return [Effect(amount=sum(alloc.values()), base=base, times=len(chosen), alloc=alloc,
                       lost=lost, detail=f"{len(chosen)} discounted unit(s)")]
