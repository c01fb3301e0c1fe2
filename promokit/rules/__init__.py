"""Rule kinds: one module per mechanism, registered here into the one kind list.

``RULE_KINDS`` and the discriminated union ``AnyRule`` both come from the registry
(:mod:`promokit.rules._registry`); a kind defined elsewhere joins with :func:`register`. See
docs/adding-a-rule-kind.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from promokit.rules._base import HOOKS, Reason, Rule, RuleSpec
from promokit.rules._registry import RULE_KINDS, on_change, register, rule_union, unregister
from promokit.rules.amount_off import AmountOff
from promokit.rules.bundle import Bundle
from promokit.rules.donation import Donation
from promokit.rules.gift import Gift
from promokit.rules.issue_coupon import IssueCoupon
from promokit.rules.multibuy import Multibuy
from promokit.rules.nth_item import NthItem
from promokit.rules.percent_off import PercentOff
from promokit.rules.presale import Presale
from promokit.rules.shipping import FreeShipping
from promokit.rules.special_price import SpecialPrice
from promokit.rules.threshold import Threshold

# The built-in kinds, in the order error messages, schemas and strategies list them.
for _kind in (PercentOff, AmountOff, SpecialPrice, Multibuy, NthItem, Bundle, Threshold, Presale,
              FreeShipping, Gift, IssueCoupon, Donation):
    register(_kind)

if TYPE_CHECKING:
    AnyRule: TypeAlias = RuleSpec
else:
    #: The built-in kinds as a pydantic discriminated union (the registry's union when imported;
    #: ``rule_union()`` gives the current one).
    AnyRule = rule_union()

__all__ = ["HOOKS", "RULE_KINDS", "AnyRule", "Reason", "Rule", "RuleSpec", "on_change",
           "register", "rule_union", "unregister"]
