"""A tier's perks, and the ordinary rules they compile to (so the engine has no tier special case).

- ``discount``: an extra percent off at a declared stage and scope, optionally sparing pre-sale
  lines (some platforms exclude pre-sale lines from member discounts);
- ``free_shipping``: every shop's fee waived, at the campaign's ``shipping_stage``;
- ``multipliers``: factors on other rules' benefits: ``presale_boost`` (diamond: boosts x1.5),
  ``coupon`` or ``coupon:<kind>`` (gold: coupon face value x1.2), ``rule:<id>`` for any threshold;
- ``points_multiplier``: points earned at this multiple of the base rate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from promokit._cart.selection import Selection
from promokit._types import Amount, Percent
from promokit.rules._base import Funder
from promokit.rules.shipping import FreeShipping
from promokit.rules.threshold import Threshold

if TYPE_CHECKING:
    from promokit.rules._base import RuleSpec
    from promokit.tiers.ladder import Tier


def _positive(value: Decimal) -> Decimal:
    if not value > 0:
        raise ValueError(f"{value} is not above 0; expected a factor such as 1.5")
    return value


Factor = Annotated[Decimal, AfterValidator(_positive)]


class TierDiscount(BaseModel):
    """An extra percent off for members of the tier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    percent: Percent
    max_discount: Amount | None = None  # 9折 最高减50: the most the perk gives per scope group
    stage: str
    scope: Literal["shop", "pool", "order"] = "order"
    select: Selection = Field(default_factory=Selection)
    presale_eligible: bool = False
    funded_by: Funder = "merchant"


class Perks(BaseModel):
    """What a tier gets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    discount: TierDiscount | None = None
    free_shipping: bool = False
    multipliers: dict[str, Factor] = Field(default_factory=dict)
    points_multiplier: Factor = Decimal(1)


def perk_rules(tier: Tier, shipping_stage: str | None, cumulative: bool = False
               ) -> list[RuleSpec]:
    """The ordinary rule specs that carry a tier's discount and free shipping (for this tier, or
    with ``cumulative`` for this tier and every tier above it)."""
    perks = tier.perks
    only = {"min_tier": tier.name} if cumulative else {"tiers": [tier.name]}
    out: list[RuleSpec] = []
    if perks.discount is not None:
        d = perks.discount
        select = d.select if d.presale_eligible else d.select.model_copy(update={"presale": False})
        out.append(Threshold(
            id=f"tier-{tier.name}-discount", kind="threshold", stage=d.stage, scope=d.scope,
            select=select, min_spend=Decimal(0), percent=d.percent, max_discount=d.max_discount,
            funded_by=d.funded_by, customers=only,
            name=f"{tier.name} member {d.percent}% off"))
    if perks.free_shipping and shipping_stage is not None:
        out.append(FreeShipping(
            id=f"tier-{tier.name}-free-shipping", kind="free_shipping", stage=shipping_stage,
            customers=only, name=f"{tier.name} free shipping"))
    return out
