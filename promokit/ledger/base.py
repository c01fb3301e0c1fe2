"""The :class:`Ledger` interface and :func:`open_ledger`.

Lifecycle of an order: ``reserve`` (at checkout: takes everything atomically, all or nothing,
or refuses with :class:`LimitReachedError`) → ``commit`` (payment) or ``release`` (cancel) or
expiry after its TTL (counted as released) → ``refund`` (gives back, per refund id, never more
than was consumed). Every step is appended to a journal that :meth:`Ledger.verify` replays.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from types import TracebackType
from urllib.parse import urlsplit

from .errors import LedgerURLError
from .limits import Limits
from .records import (
    Consumption,
    LedgerView,
    LimitSnapshot,
    OrderRecord,
    ReportRow,
    VerifyResult,
    WalletCoupon,
)

__all__ = ["DEFAULT_TTL", "Ledger", "open_ledger"]

#: How long an unpaid reservation holds what it took, unless ``reserve`` says otherwise.
DEFAULT_TTL = timedelta(minutes=15)


class Ledger(ABC):
    """Counters of limits, budgets and units; single-use coupon codes; wallets; points.

    ``at`` arguments default to now; ``zone`` is the campaign's time zone, in which periods
    (``day``, ``week``, ``month``) are counted. A ledger object is for one thread; open one per
    thread or process (they may share the store).
    """

    url: str

    @abstractmethod
    def init(self) -> int:
        """Create the schema or migrate it to the newest version; returns that version.
        Idempotent; refuses a file or database that holds something other than a ledger."""

    @abstractmethod
    def snapshot(
        self, limits: Mapping[str, Limits], customer: str | None = None,
        at: datetime | None = None, zone: str | tzinfo = "UTC", currency: str = "CNY",
    ) -> dict[str, LimitSnapshot]:
        """Used, reserved and left of each limit key in ``limits``, in the period of ``at``
        (per-customer counters for ``customer``; budgets in minor units of ``currency``).
        Expired reservations count as released."""

    def view(
        self, limits: Mapping[str, Limits], customer: str | None = None,
        at: datetime | None = None, zone: str | tzinfo = "UTC", currency: str = "CNY",
        wallet: bool = False,
    ) -> LedgerView:
        """What pricing reads, in one read: :meth:`snapshot` of ``limits``, the customer's
        points balance and (``wallet=True``) :meth:`wallet`; a guest has no points or wallet.
        (This default reads three times; the SQL stores read once.)"""
        return LedgerView(
            self.snapshot(limits, customer=customer, at=at, zone=zone, currency=currency)
            if limits else {},
            self.points(customer) if customer else 0,
            (tuple(self.wallet(customer, at)) if customer else ()) if wallet else None)

    @abstractmethod
    def reserve(
        self, order_id: str, consumption: Consumption, limits: Mapping[str, Limits],
        at: datetime | None = None, ttl: timedelta = DEFAULT_TTL, zone: str | tzinfo = "UTC",
    ) -> OrderRecord:
        """Take everything ``consumption`` needs, atomically, or raise
        :class:`LimitReachedError` (taking nothing). The same order id with the same
        consumption returns the existing reservation (counted once)."""

    @abstractmethod
    def commit(self, order_id: str, at: datetime | None = None) -> OrderRecord:
        """Make a reservation final (payment): credit earned points, issue coupons.
        Idempotent; after a release or expiry it raises :class:`OrderStateError`."""

    @abstractmethod
    def release(self, order_id: str, at: datetime | None = None) -> OrderRecord:
        """Give back what a reservation took (cancel). Idempotent; an expired reservation is
        released already; after a commit it raises :class:`OrderStateError` (refund instead)."""

    @abstractmethod
    def expire(self, at: datetime | None = None) -> list[str]:
        """Release every reservation whose TTL has passed at ``at``; returns their order ids.
        (Operations do this lazily: a reservation refused for a limit, or a view that finds
        one due, sweeps first; a commit, release or repeated reserve of an expired order
        expires it. Call it to sweep explicitly.)"""

    @abstractmethod
    def refund(
        self, order_id: str, refund_id: str, give_back: Consumption | None = None,
        at: datetime | None = None,
    ) -> Consumption:
        """Give back part of a committed order (``None``: all that is left of it): budget,
        units, uses, coupon codes, points paid; points earned are taken back, unused issued
        coupons revoked. Idempotent per ``refund_id``; more than is left raises
        :class:`RefundTooLargeError`. Returns what this refund gave back."""

    @abstractmethod
    def order(self, order_id: str) -> OrderRecord:
        """The order as the ledger knows it, or :class:`UnknownOrderError`."""

    @abstractmethod
    def wallet(self, customer: str, at: datetime | None = None) -> list[WalletCoupon]:
        """The customer's issued, unused coupons valid at ``at``, soonest to expire first."""

    @abstractmethod
    def points(self, customer: str) -> int:
        """The customer's points balance (never negative)."""

    @abstractmethod
    def report(self) -> list[ReportRow]:
        """Every limit key in every period counted: used, reserved, left, when it ran out."""

    @abstractmethod
    def verify(self) -> VerifyResult:
        """Recompute every counter, balance, coupon and order state from the journal and list
        each difference from the stored values (and any counter over its limit)."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection (the ledger object cannot be used afterwards)."""

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_ledger(url: str) -> Ledger:
    """The ledger named by ``url``: ``sqlite:///path/ledger.db`` (what follows ``sqlite:///``
    is the path: relative as written, absolute with a fourth slash, ``sqlite:////var/ledger.db``;
    ``?mode=ro`` opens read-only, ``?synchronous=full`` syncs every commit;
    ``sqlite:///:memory:`` is a ledger in this object's memory only, gone at close) or
    ``postgresql://user@host:port/db`` (psycopg 3, the ``ledger-pg`` extra). Nothing is created
    until :meth:`Ledger.init`."""
    if not isinstance(url, str):
        raise LedgerURLError(f"ledger URL must be a string, not {type(url).__name__}")
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        from .sqlite import SQLiteLedger

        return SQLiteLedger(url)
    if scheme in ("postgresql", "postgres"):
        from .postgres import PostgresLedger

        return PostgresLedger(url)
    raise LedgerURLError(
        f"ledger URL {url!r} is not sqlite:///path/ledger.db or postgresql://user@host:port/db"
    )


def open_command_ledger(url: str) -> Ledger:
    """:func:`open_ledger` for a command: refuses ``sqlite:///:memory:``, which no command could
    keep from one run to the next."""
    if isinstance(url, str) and url.split("?", 1)[0] == "sqlite:///:memory:":
        raise LedgerURLError(f"ledger URL {url!r} names an in-memory ledger, which lives in one "
                             "process and is gone when the command ends; give a file "
                             "(sqlite:///ledger.db) or a PostgreSQL URL")
    return open_ledger(url)
