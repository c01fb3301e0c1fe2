"""promokit: exact, explainable pricing of big-sale promotion campaigns."""

from promokit._campaign import Campaign, load_campaign, load_cart, parse_campaign
from promokit._cart.cart import Cart, Customer, Line
from promokit._errors import (
    CampaignError,
    CartError,
    CurrencyMismatchError,
    InputError,
    MoneyError,
    PricingError,
    Problem,
    PromokitError,
    SearchBoundError,
)
from promokit._money import Money, Rounding
from promokit._result.types import Applied, LineResult, NotApplied, Nudge, PriceResult, ShopResult
from promokit._spec.campaign import CampaignSpec
from promokit.refunds import Refund, RefundError, RefundPolicy, Settlement, refund, settle
from promokit.rules import Reason

__all__ = [
    "Applied",
    "Campaign",
    "CampaignError",
    "CampaignSpec",
    "Cart",
    "CartError",
    "CurrencyMismatchError",
    "Customer",
    "InputError",
    "Line",
    "LineResult",
    "Money",
    "MoneyError",
    "NotApplied",
    "Nudge",
    "PriceResult",
    "PricingError",
    "Problem",
    "PromokitError",
    "Reason",
    "Refund",
    "RefundError",
    "RefundPolicy",
    "Rounding",
    "SearchBoundError",
    "Settlement",
    "ShopResult",
    "load_campaign",
    "load_cart",
    "parse_campaign",
    "refund",
    "settle",
]
