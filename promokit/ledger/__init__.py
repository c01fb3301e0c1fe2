"""The ledger: limits, budgets, single-use coupon codes, wallets and points, race-safe.

Pricing stays pure: it reads a :meth:`Ledger.snapshot`; checkout :meth:`Ledger.reserve`\\ s what a
priced order consumes (all or nothing), payment :meth:`Ledger.commit`\\ s it, cancellation
:meth:`Ledger.release`\\ s it, an unpaid reservation expires after its TTL, and
:meth:`Ledger.refund` gives back exactly. Two stores behind one interface, named by URL:

>>> ledger = open_ledger("sqlite:///ledger.db")            # doctest: +SKIP
>>> ledger = open_ledger("postgresql://app@db:5432/shop")  # doctest: +SKIP

See docs/ledger.md. Pricing reads it (``Campaign.price(cart, ledger=...)``) and
``promokit.checkout`` reserves what a priced order consumes.
"""

from .base import DEFAULT_TTL, Ledger, open_ledger
from .errors import (
    InsufficientPointsError,
    LedgerError,
    LedgerReadOnlyError,
    LedgerUnavailableError,
    LedgerURLError,
    LimitReachedError,
    NotALedgerError,
    OrderStateError,
    RefundTooLargeError,
    UnknownOrderError,
)
from .limits import Limits, period_key
from .records import (
    Consumption,
    Count,
    IssuedCoupon,
    LedgerView,
    LimitSnapshot,
    LimitUse,
    OrderRecord,
    ReportRow,
    VerifyResult,
    WalletCoupon,
)

__all__ = [
    "DEFAULT_TTL",
    "Consumption",
    "Count",
    "InsufficientPointsError",
    "IssuedCoupon",
    "Ledger",
    "LedgerError",
    "LedgerReadOnlyError",
    "LedgerURLError",
    "LedgerUnavailableError",
    "LedgerView",
    "LimitReachedError",
    "LimitSnapshot",
    "LimitUse",
    "Limits",
    "NotALedgerError",
    "OrderRecord",
    "OrderStateError",
    "RefundTooLargeError",
    "ReportRow",
    "UnknownOrderError",
    "VerifyResult",
    "WalletCoupon",
    "open_ledger",
    "period_key",
]
