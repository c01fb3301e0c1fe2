"""Rule kinds: one module per mechanism, joined here into a union discriminated on ``kind``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ._base import Reason, Rule, RuleSpec
from .amount_off import AmountOff
from .bundle import Bundle
from .multibuy import Multibuy
from .percent_off import PercentOff
from .presale import Presale
from .shipping import FreeShipping
from .special_price import SpecialPrice
from .threshold import Threshold

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
