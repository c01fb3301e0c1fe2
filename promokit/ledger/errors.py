"""Errors of the ledger: defined in ``promokit._errors`` (the one tree), named here too.

Every error leaves the ledger as it was: each operation is one transaction. Errors pickle (they
cross process boundaries in worker pools).
"""

from __future__ import annotations

from promokit._errors import (
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

__all__ = [
    "InsufficientPointsError",
    "LedgerError",
    "LedgerReadOnlyError",
    "LedgerURLError",
    "LedgerUnavailableError",
    "LimitReachedError",
    "NotALedgerError",
    "OrderStateError",
    "RefundTooLargeError",
    "UnknownOrderError",
]
