"""Percent off the item price (限时折扣): ``percent: 15`` takes 15% off each eligible line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from promokit._types import Percent
from promokit.rules._base import Ctx, Env, Outcome, Rule, RuleSpec, ratio, rule_fields
from promokit.rules._item import item_outcome
from promokit.rules._kind import Case, Draws, Fact, Reach, Worked
from promokit.rules._threshold_text import num, zhe


class PercentOff(RuleSpec):
    """Take ``percent`` off every eligible line, rounded once per line."""

    kind: Literal["percent_off"]
    percent: Percent

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        num, den = ratio(self.percent)
        return PercentOffRule(**rule_fields(self, env), num=num, den=den * 100)

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        if lang == "zh":
            return f"单品{zhe(self.percent)}（立减{num(self.percent)}%）"
        return f"{num(self.percent)}% off the item price"

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "限时折扣" if lang == "zh" else "percent off"

    def reach(self) -> Reach:
        """No threshold: any selected line."""
        return Reach()

    def worked(self, env: Env, unit: int) -> Worked:
        """One unit at the plain example price."""
        return Worked(unit, (Case(),))

    def facts(self) -> tuple[Fact, ...]:
        """Nothing beyond the common terms."""
        return ()

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """Any percent."""
        return {"percent": d.percent()}


@dataclass(slots=True)
class PercentOffRule(Rule):
    """Compiled percent_off."""

    num: int = 0
    den: int = 1

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Each eligible line loses ``percent`` of its current amount."""
        num, den = self.num, self.den
        return item_outcome(ctx, eligible, lambda amount, _qty: ctx.round(amount * num, den))
