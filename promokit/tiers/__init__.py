"""Membership tiers: the ladder, each tier's perks, and points."""

from promokit.tiers.ladder import Tier, Tiers
from promokit.tiers.perks import Perks, TierDiscount, perk_rules
from promokit.tiers.points import Points, earned, redeemable, value_minor

__all__ = ["Perks", "Points", "Tier", "TierDiscount", "Tiers", "earned", "perk_rules",
           "redeemable", "value_minor"]
