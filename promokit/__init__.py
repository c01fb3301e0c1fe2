"""promokit: exact, explainable pricing of big-sale promotion campaigns."""

# imported for its effect: PriceResult.explain() renders through it (see promokit._result.types)
import promokit.explain  # noqa: F401
from promokit._campaign import (
    Campaign,
    LedgerReading,
    load_campaign,
    load_cart,
    parse_campaign,
)
from promokit._cart.cart import Cart, Customer, Line
from promokit._cart.wallet import Coupon
from promokit._errors import (
    AuditInputError,
    CampaignError,
    CartError,
    CartPricingError,
    ContentionError,
    CurrencyMismatchError,
    ExplainError,
    InputError,
    MoneyError,
    PricingError,
    Problem,
    PromokitError,
    RefundError,
    SearchBoundError,
)
from promokit._money import Money, Rounding
from promokit._result.types import (
    Applied,
    CouponUse,
    LimitEffect,
    LineDiscount,
    LineResult,
    NotApplied,
    Nudge,
    PointsUse,
    PriceResult,
    ShopResult,
)
from promokit._spec.campaign import CampaignSpec
from promokit.checkout import checkout
from promokit.refunds import Refund, RefundPolicy, Settlement, refund, settle
from promokit.rules import Reason

__all__ = [
    "Applied",
    "AuditInputError",
    "Campaign",
    "CampaignError",
    "CampaignSpec",
    "Cart",
    "CartError",
    "CartPricingError",
    "ContentionError",
    "Coupon",
    "CouponUse",
    "CurrencyMismatchError",
    "Customer",
    "ExplainError",
    "InputError",
    "LedgerReading",
    "LimitEffect",
    "Line",
    "LineDiscount",
    "LineResult",
    "Money",
    "MoneyError",
    "NotApplied",
    "Nudge",
    "PointsUse",
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
    "checkout",
    "load_campaign",
    "load_cart",
    "parse_campaign",
    "refund",
    "settle",
]
