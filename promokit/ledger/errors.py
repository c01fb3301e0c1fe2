"""Errors of the ledger (to move into ``promokit._errors`` later; import them from
``promokit.ledger``).

    PromokitError
    └── LedgerError
        ├── LimitReachedError (RuntimeError)       a reservation would exceed a limit
        │   └── InsufficientPointsError            ... a points balance would go negative
        ├── UnknownOrderError (LookupError)        no reservation with that order id
        ├── OrderStateError (RuntimeError)         commit after release, refund of a reservation...
        ├── RefundTooLargeError (ValueError)       a refund gives back more than was consumed
        ├── LedgerURLError (ValueError)            a ledger URL that names no store we know
        ├── NotALedgerError (ValueError)           the file or database is not a promokit ledger
        └── LedgerUnavailableError (OSError)       the database is down or cannot be reached
            └── LedgerReadOnlyError                ... or refuses writes

Every error leaves the ledger as it was: each operation is one transaction. Errors pickle (they
cross process boundaries in worker pools).
"""

from __future__ import annotations

from promokit._errors import PromokitError

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


class LedgerError(PromokitError):
    """Root of the ledger's errors."""


class LimitReachedError(LedgerError, RuntimeError):
    """Taking a consumption would exceed a limit; nothing was reserved.

    ``key`` is the limit key (rule or coupon id, a coupon code, or a customer for points),
    ``limit`` which limit (``uses``, ``per_customer``, ``budget``, ``units``,
    ``per_customer_units``, ``code`` or ``points``), ``left`` what is left of it (minor units for a
    budget; ``None`` when nothing can be said, e.g. a per-customer limit for a guest) and
    ``requested`` what the order asked for.
    """

    def __init__(
        self, key: str, limit: str, left: int | None, requested: int, detail: str = ""
    ) -> None:
        self.key = key
        self.limit = limit
        self.left = left
        self.requested = requested
        self.detail = detail
        text = f"limit reached: {key!r} {limit}"
        if left is not None:
            text += f": {left} left, {requested} asked"
        if detail:
            text += f" ({detail})"
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.key, self.limit, self.left, self.requested, self.detail))


class InsufficientPointsError(LimitReachedError):
    """A points balance would go negative (``key`` is the customer)."""


class UnknownOrderError(LedgerError, LookupError):
    """No reservation is known under this order id."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"unknown order id {order_id!r}: it was never reserved in this ledger")

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.order_id,))


class OrderStateError(LedgerError, RuntimeError):
    """The order is in a state that does not allow the operation (commit after release...)."""

    def __init__(self, order_id: str, state: str, operation: str, detail: str = "") -> None:
        self.order_id = order_id
        self.state = state
        self.operation = operation
        self.detail = detail
        text = f"cannot {operation} order {order_id!r}: it is {state}"
        super().__init__(f"{text} ({detail})" if detail else text)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.order_id, self.state, self.operation, self.detail))


class RefundTooLargeError(LedgerError, ValueError):
    """A refund would give back more than the order consumed (less what earlier refunds gave)."""


class LedgerURLError(LedgerError, ValueError):
    """A ledger URL that is not ``sqlite:///path`` or ``postgresql://...``."""


class NotALedgerError(LedgerError, ValueError):
    """The file or database exists but is not a promokit ledger (or not initialised)."""


class LedgerUnavailableError(LedgerError, OSError):
    """The ledger's database is down, missing or cannot be reached."""


class LedgerReadOnlyError(LedgerUnavailableError):
    """The ledger's database refuses writes."""
