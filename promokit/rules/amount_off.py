"""A fixed amount off each unit (直降): ``amount: 10`` takes 10.00 off every eligible unit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from promokit._types import Amount
from promokit.rules._base import Ctx, Env, Outcome, Rule, RuleSpec, rule_fields
from promokit.rules._item import item_outcome
from promokit.rules._kind import Case, Draws, Fact, Reach, Worked
from promokit.rules._threshold_text import num


class AmountOff(RuleSpec):
    """Take ``amount`` off each eligible unit, never below zero."""

    kind: Literal["amount_off"]
    amount: Amount

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        return AmountOffRule(**rule_fields(self, env), per_unit=env.minor(self.amount))

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        if lang == "zh":
            return f"每件直降{num(self.amount)}元"
        return f"{num(self.amount)} off each item"

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "直降" if lang == "zh" else "amount off"

    def reach(self) -> Reach:
        """No threshold: any selected line."""
        return Reach()

    def worked(self, env: Env, unit: int) -> Worked:
        """One unit priced well above the amount taken off."""
        return Worked(max(unit, 2 * env.minor(self.amount)), (Case(),))

    def facts(self) -> tuple[Fact, ...]:
        """Nothing beyond the common terms."""
        return ()

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """Any amount."""
        return {"amount": d.money()}


@dataclass(slots=True)
class AmountOffRule(Rule):
    """Compiled amount_off."""

    per_unit: int = 0

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Each eligible line loses ``amount`` per unit."""
        per_unit = self.per_unit
        return item_outcome(ctx, eligible, lambda _amount, qty: per_unit * qty)
