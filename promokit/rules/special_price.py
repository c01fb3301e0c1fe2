"""A special (fixed) unit price (特价): ``price: 99`` sells each eligible unit at 99.00."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from promokit._types import Amount
from promokit.rules._base import Ctx, Env, Outcome, Rule, RuleSpec, rule_fields
from promokit.rules._item import item_outcome
from promokit.rules._kind import Case, Draws, Fact, Reach, Worked
from promokit.rules._threshold_text import num


class SpecialPrice(RuleSpec):
    """Sell each eligible unit at ``price``; a line already cheaper is left alone."""

    kind: Literal["special_price"]
    price: Amount

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        return SpecialPriceRule(**rule_fields(self, env), unit_price=env.minor(self.price))

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        if lang == "zh":
            return f"特价每件{num(self.price)}元"
        return f"special price {num(self.price)} each"

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "特价" if lang == "zh" else "special price"

    def reach(self) -> Reach:
        """No threshold: any selected line."""
        return Reach()

    def worked(self, env: Env, unit: int) -> Worked:
        """One unit priced well above the special price."""
        return Worked(max(unit, 2 * env.minor(self.price)), (Case(),))

    def facts(self) -> tuple[Fact, ...]:
        """Nothing beyond the common terms."""
        return ()

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """Any price."""
        return {"price": d.money()}


@dataclass(slots=True)
class SpecialPriceRule(Rule):
    """Compiled special_price."""

    unit_price: int = 0

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Each eligible line drops to ``price`` x quantity when that is lower."""
        price = self.unit_price
        return item_outcome(ctx, eligible, lambda amount, qty: max(0, amount - price * qty))
