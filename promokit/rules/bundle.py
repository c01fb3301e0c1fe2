"""Any N for a fixed price (N元任选): ``size: 3, price: 99`` sells any 3 eligible units for 99.00.

Units are grouped most-expensive-first by default (the customer's best deal); a group that would
cost more than the bundle price bought separately is not bundled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from promokit._allocation import spread
from promokit._types import Amount, Count
from promokit.rules._base import (
    Ctx,
    Effect,
    Env,
    Miss,
    Outcome,
    Reason,
    Rule,
    RuleSpec,
    rule_fields,
    unit_values,
)
from promokit.rules._kind import Case, Draws, Fact, Reach, TextFact, Worked
from promokit.rules._threshold_text import num


class Bundle(RuleSpec):
    """Any ``size`` eligible units for ``price`` together, up to ``limit`` bundles."""

    kind: Literal["bundle"]
    size: Count
    price: Amount
    pick: Literal["most_expensive", "cheapest"] = "most_expensive"
    limit: Count | None = None

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        return BundleRule(**rule_fields(self, env), size=self.size,
                          price=env.minor(self.price), expensive=self.pick == "most_expensive",
                          limit=self.limit)

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        if lang == "zh":
            return f"{num(self.price)}元任选{self.size}件"
        return f"any {self.size} for {num(self.price)}"

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "N元任选" if lang == "zh" else "any N for a price"

    def reach(self) -> Reach:
        """One bundle's units."""
        return Reach(units=self.size)

    def worked(self, env: Env, unit: int) -> Worked:
        """Carts of one bundle's units, less one, each unit worth twice its share of the price."""
        share = max(1, -(-2 * env.minor(self.price) // self.size))
        return Worked(share, (Case(units=self.size),))

    def facts(self) -> tuple[Fact, ...]:
        """The bundle limit, when there is one."""
        return (TextFact("f_limit", str(self.limit)),) if self.limit else ()

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """Any size, price and pick; a limit or none."""
        out: dict[str, object] = {"size": d.integer(1, 4), "price": d.money(),
                                  "pick": d.pick("most_expensive", "cheapest")}
        limit = d.maybe_integer(1, 3)
        if limit is not None:
            out["limit"] = limit
        return out


@dataclass(slots=True)
class BundleRule(Rule):
    """Compiled bundle."""

    size: int = 2
    price: int = 0
    expensive: bool = True
    limit: int | None = None

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Group units, keep the groups that save, spread each saving over its units' lines."""
        units = unit_values(ctx, eligible)
        times = len(units) // self.size
        if times == 0:
            return [Miss(Reason.NOT_ENOUGH_UNITS,
                         f"needs {self.size} eligible units for one bundle, has {len(units)}",
                         need=self.size, has=len(units))]
        units.sort(key=lambda u: (-u[0] if self.expensive else u[0], u[1]))
        per_line: dict[int, int] = {}
        bundles = 0
        for g in range(times):
            if self.limit is not None and bundles == self.limit:
                break
            group = units[g * self.size:(g + 1) * self.size]
            if sum(u[0] for u in group) <= self.price:
                continue
            bundles += 1
            for value, _id, i in group:
                per_line[i] = per_line.get(i, 0) + value
        if not bundles:
            return [Miss(Reason.NO_SAVING, "the units already cost no more than the bundle price")]
        idxs = sorted(per_line, key=lambda i: ctx.lines[i].id)
        weights = [per_line[i] for i in idxs]
        saving = sum(weights) - bundles * self.price
        caps = [min(w, ctx.room(i)) for w, i in zip(weights, idxs, strict=True)]
        alloc, lost = spread(saving, idxs, weights, caps, [ctx.lines[i].id for i in idxs],
                             spill=False)
        base = sum(ctx.amounts[i] for i in eligible)
        return [Effect(amount=saving - lost, base=base, times=bundles, alloc=alloc, lost=lost)]
