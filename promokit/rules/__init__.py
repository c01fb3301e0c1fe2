"""Rule kinds: one module per mechanism, joined here into a union discriminated on ``kind``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from promokit.rules._base import Reason, Rule, RuleSpec
from promokit.rules.amount_off import AmountOff
from promokit.rules.bundle import Bundle
from promokit.rules.multibuy import Multibuy
from promokit.rules.percent_off import PercentOff
from promokit.rules.presale import Presale
from promokit.rules.shipping import FreeShipping
from promokit.rules.special_price import SpecialPrice
from promokit.rules.threshold import Threshold

#: Every rule kind's spec class, by its ``kind`` tag.
RULE_KINDS: dict[str, type[RuleSpec]] = {
    "percent_off": PercentOff,
    "amount_off": AmountOff,
    "special_price": SpecialPrice,
    "multibuy": Multibuy,
    "bundle": Bundle,
    "threshold": Threshold,
    "presale": Presale,
    "free_shipping": FreeShipping,
}

AnyRule = Annotated[
    PercentOff | AmountOff | SpecialPrice | Multibuy | Bundle | Threshold | Presale | FreeShipping,
    Field(discriminator="kind"),
]

__all__ = ["RULE_KINDS", "AnyRule", "Reason", "Rule", "RuleSpec"]
