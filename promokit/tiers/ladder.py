"""Membership tiers: a ladder of named ranks, and how a customer qualifies (cumulative spend).

The usual ladder: silver below 300 spent, gold from 300 to 1000, diamond above 1000. A
customer's tier comes from the cart (``customer.tier``) or is computed from ``customer.spend``:
the highest tier whose ``min_spend`` the spend reaches (lower bounds are inclusive).
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from promokit._errors import CartPricingError
from promokit._types import Amount, Ident
from promokit.tiers.perks import Perks


class Tier(BaseModel):
    """One rung of the ladder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Ident
    rank: int = Field(ge=0, description="higher is better")
    min_spend: Amount | None = Field(default=None, description="cumulative spend to qualify")
    perks: Perks = Field(default_factory=Perks)


class Tiers(BaseModel):
    """The campaign's tier ladder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: tuple[Tier, ...] = Field(min_length=1)
    cumulative: bool = Field(
        default=False, description="higher tiers also get the discount and free shipping of "
        "lower tiers (multipliers and points always come from the customer's own tier)")

    @model_validator(mode="after")
    def _ladder(self) -> Self:
        names = [t.name for t in self.levels]
        ranks = [t.rank for t in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"tier names repeat: {names}")
        if len(set(ranks)) != len(ranks):
            raise ValueError(f"tier ranks repeat: {ranks}; expected one rank per tier")
        by_rank = sorted(self.levels, key=lambda t: t.rank)
        spends = [t.min_spend for t in by_rank if t.min_spend is not None]
        if spends and len(spends) != len(by_rank):
            raise ValueError("give min_spend for every tier or for none")
        if any(b <= a for a, b in itertools.pairwise(spends)):
            raise ValueError(f"min_spend does not increase with rank: {[str(s) for s in spends]}")
        return self

    @property
    def ranks(self) -> dict[str, int]:
        """Tier name -> rank."""
        return {t.name: t.rank for t in self.levels}

    def get(self, name: str) -> Tier:
        """The tier called ``name``."""
        for tier in self.levels:
            if tier.name == name:
                return tier
        raise KeyError(name)

    def resolve(self, tier: str | None, spend: Decimal | None) -> str | None:
        """The customer's tier: the one named, or the highest whose min_spend ``spend`` reaches."""
        if tier is not None:
            if tier not in self.ranks:
                raise CartPricingError(
                    "unknown_tier", f"customer tier {tier!r} is not in the campaign's tiers",
                    path="customer.tier", value=tier,
                    expected="one of " + ", ".join(self.ranks))
            return tier
        if spend is None:
            return None
        reached = [t for t in self.levels if t.min_spend is not None and spend >= t.min_spend]
        return max(reached, key=lambda t: t.rank).name if reached else None
