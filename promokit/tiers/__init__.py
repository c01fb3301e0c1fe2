"""Membership tiers: the ladder, each tier's perks, and points."""

from .ladder import Tier, Tiers
from .perks import Perks, TierDiscount, perk_rules
from .points import Points, earned, redeemable, value_minor

__all__ = ["Perks", "Points", "Tier", "TierDiscount", "Tiers", "earned", "perk_rules",
           "redeemable", "value_minor"]
