"""Percent off the item price (限时折扣): ``percent: 15`` takes 15% off each eligible line.

``max_discount`` caps the whole rule's discount in an order (9折 最高减50); the capped amount is
allocated back over the discounted lines by what each would have lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from promokit._types import Amount, Percent
from promokit.rules._base import Ctx, Env, Outcome, Rule, RuleSpec, ratio, rule_fields
from promokit.rules._item import capped, item_outcome
from promokit.rules._kind import Case, Draws, Fact, Reach, Worked
from promokit.rules._threshold_text import num, zhe


class PercentOff(RuleSpec):
    """Take ``percent`` off every eligible line, rounded once per line."""

    kind: Literal["percent_off"]
    percent: Percent
    max_discount: Amount | None = None

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        num, den = ratio(self.percent)
        cap = env.minor(self.max_discount) if self.max_discount is not None else None
        return PercentOffRule(**rule_fields(self, env), num=num, den=den * 100, cap=cap)

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        cap = self.max_discount
        if lang == "zh":
            text = f"单品{zhe(self.percent)}（立减{num(self.percent)}%）"
            return text + (f"，最高减{num(cap)}" if cap is not None else "")
        text = f"{num(self.percent)}% off the item price"
        return text + (f", at most {num(cap)} off in all" if cap is not None else "")

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "限时折扣" if lang == "zh" else "percent off"

    def reach(self) -> Reach:
        """No threshold: any selected line."""
        return Reach()

    def worked(self, env: Env, unit: int) -> Worked:
        """One unit at the plain example price; with a cap, also a cart whose discount it bounds."""
        if self.max_discount is None or not self.percent:
            return Worked(unit, (Case(),))
        # the smallest cart of example units whose uncapped discount is above the cap
        over = int(env.minor(self.max_discount) * 100 // (unit * self.percent)) + 1
        if over > 10:  # a cap no small cart reaches: one unit shows the percent
            return Worked(unit, (Case(),))
        return Worked(unit, (Case(), Case(units=over, below=False)))

    def facts(self) -> tuple[Fact, ...]:
        """Nothing beyond the common terms (the cap is in the description)."""
        return ()

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """Any percent, maybe a cap."""
        out: dict[str, object] = {"percent": d.percent()}
        if d.flag():
            out["max_discount"] = d.money()
        return out


@dataclass(slots=True)
class PercentOffRule(Rule):
    """Compiled percent_off."""

    num: int = 0
    den: int = 1
    cap: int | None = None

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Each eligible line loses ``percent`` of its current amount; the total at most ``cap``."""
        num, den = self.num, self.den
        return capped(ctx, item_outcome(ctx, eligible,
                                        lambda amount, _qty: ctx.round(amount * num, den)),
                      self.cap)
