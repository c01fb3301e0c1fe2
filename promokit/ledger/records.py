"""Plain data the ledger takes and gives: what an order consumes, and what is left.

A :class:`Consumption` is what one priced order takes from the ledger. It is plain data so that
``promokit.checkout.consumption(result, campaign)`` can produce it from a priced result and a
backend can build one by hand. Money is in integer minor units of ``currency``; instants carry
their UTC offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from promokit._money import currency_digits, format_minor

__all__ = [
    "Consumption",
    "Count",
    "IssuedCoupon",
    "LedgerView",
    "LimitSnapshot",
    "LimitUse",
    "OrderRecord",
    "ReportRow",
    "VerifyResult",
    "WalletCoupon",
]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _count(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, not {value!r}")
    return value


def _aware(value: datetime | None, what: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{what} {value.isoformat()} has no UTC offset")


@dataclass(frozen=True, slots=True)
class LimitUse:
    """What an order takes of one limit key: 1 use, the discount given, the units discounted."""

    uses: int = 0
    budget: int = 0
    units: int = 0

    def __post_init__(self) -> None:
        _count(self.uses, "uses")
        _count(self.budget, "budget (minor units)")
        _count(self.units, "units")

    @property
    def empty(self) -> bool:
        """Nothing taken."""
        return not (self.uses or self.budget or self.units)


@dataclass(frozen=True, slots=True)
class IssuedCoupon:
    """A coupon an order issues to its customer (复购券); written to the wallet at commit."""

    code: str
    customer: str
    face: int
    currency: str = "CNY"
    min_spend: int = 0
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    kind: str = "shop"
    rule: str | None = None
    shop: str | None = None

    def __post_init__(self) -> None:
        if not self.code or not self.customer:
            raise ValueError("an issued coupon needs a code and a customer")
        _count(self.face, "face (minor units)")
        _count(self.min_spend, "min_spend (minor units)")
        currency_digits(self.currency)
        _aware(self.valid_from, "valid_from")
        _aware(self.valid_until, "valid_until")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (instants as ISO 8601)."""
        return {
            "code": self.code, "customer": self.customer, "face": self.face,
            "currency": self.currency, "min_spend": self.min_spend, "kind": self.kind,
            "rule": self.rule, "shop": self.shop,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IssuedCoupon:
        """Inverse of :meth:`to_dict`."""
        def when(key: str) -> datetime | None:
            text = data.get(key)
            return datetime.fromisoformat(text) if text else None

        return cls(
            code=data["code"], customer=data["customer"], face=data["face"],
            currency=data.get("currency", "CNY"), min_spend=data.get("min_spend", 0),
            valid_from=when("valid_from"), valid_until=when("valid_until"),
            kind=data.get("kind", "shop"), rule=data.get("rule"), shop=data.get("shop"),
        )


@dataclass(frozen=True, slots=True)
class Consumption:
    """What one priced order consumes.

    ``limits`` maps a limit key (rule or coupon id) to its :class:`LimitUse`; ``customer`` is
    ``None`` for a guest; ``coupon_codes`` are single-use codes redeemed; ``points_paid`` are
    debited at reserve, ``points_earned`` credited at commit; ``issued`` coupons go to the wallet
    at commit; ``spend`` (what the order pays, minor units) is added to the customer's past
    spend at commit, and the order to their order count. As a refund's ``give_back`` the same
    fields say what to give back (``issued``: coupons to revoke while unused; ``spend``: the
    money refunded).
    """

    limits: Mapping[str, LimitUse] = field(default_factory=dict)
    customer: str | None = None
    currency: str = "CNY"
    coupon_codes: tuple[str, ...] = ()
    points_paid: int = 0
    points_earned: int = 0
    issued: tuple[IssuedCoupon, ...] = ()
    spend: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "limits", dict(self.limits))
        object.__setattr__(self, "coupon_codes", tuple(self.coupon_codes))
        object.__setattr__(self, "issued", tuple(self.issued))
        for key, use in self.limits.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"limit key {key!r} must be a non-empty string")
            if not isinstance(use, LimitUse):
                raise ValueError(f"limits[{key!r}] must be a LimitUse")
        currency_digits(self.currency)
        if len(set(self.coupon_codes)) != len(self.coupon_codes):
            raise ValueError("a coupon code is listed twice")
        if any(not isinstance(c, str) or not c for c in self.coupon_codes):
            raise ValueError("coupon codes must be non-empty strings")
        _count(self.points_paid, "points_paid")
        _count(self.points_earned, "points_earned")
        _count(self.spend, "spend (minor units)")
        if self.customer is None and (self.points_paid or self.points_earned):
            raise ValueError("points need a customer id; a guest has no balance")
        if self.customer is not None and not self.customer:
            raise ValueError("customer id must be non-empty (None for a guest)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, stable key order (used for idempotency checks)."""
        return {
            "limits": {
                k: {"uses": u.uses, "budget": u.budget, "units": u.units}
                for k, u in sorted(self.limits.items())
            },
            "customer": self.customer,
            "currency": self.currency,
            "coupon_codes": list(self.coupon_codes),
            "points_paid": self.points_paid,
            "points_earned": self.points_earned,
            "issued": [c.to_dict() for c in self.issued],
            # only when there is some: a consumption without it keeps the form it always had
            **({"spend": self.spend} if self.spend else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Consumption:
        """Inverse of :meth:`to_dict`."""
        return cls(
            limits={k: LimitUse(**v) for k, v in data.get("limits", {}).items()},
            customer=data.get("customer"),
            currency=data.get("currency", "CNY"),
            coupon_codes=tuple(data.get("coupon_codes", ())),
            points_paid=data.get("points_paid", 0),
            points_earned=data.get("points_earned", 0),
            issued=tuple(IssuedCoupon.from_dict(c) for c in data.get("issued", ())),
            spend=data.get("spend", 0),
        )


@dataclass(frozen=True, slots=True)
class Count:
    """One counter: its limit (``None``: unlimited), what is used (committed) and reserved."""

    limit: int | None
    used: int
    reserved: int

    @property
    def left(self) -> int | None:
        """What may still be taken (``None``: unlimited)."""
        if self.limit is None:
            return None
        return max(0, self.limit - self.used - self.reserved)


@dataclass(frozen=True, slots=True)
class LimitSnapshot:
    """The counters of one limit key in the period ``period``; per-customer counts are ``None``
    for a guest."""

    key: str
    period: str
    uses: Count
    budget: Count
    units: Count
    per_customer: Count | None
    per_customer_units: Count | None


@dataclass(frozen=True, slots=True)
class LedgerView:
    """Everything pricing reads from the ledger for one cart, in one read: the snapshot of each
    limit key, the customer's points balance and history, and (when asked for) the wallet."""

    limits: dict[str, LimitSnapshot]
    points: int
    wallet: tuple[WalletCoupon, ...] | None
    #: the customer's committed orders and past spend (minor units), less full refunds and
    #: refunded money; ``None``: the ledger does not keep history (or a guest)
    history: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as the ledger knows it."""

    order_id: str
    state: str
    customer: str | None
    reserved_at: datetime
    expires_at: datetime
    consumption: Consumption


@dataclass(frozen=True, slots=True)
class WalletCoupon:
    """A coupon in a customer's wallet, usable now."""

    code: str
    customer: str
    kind: str
    face: int
    currency: str
    min_spend: int
    valid_from: datetime | None
    valid_until: datetime | None
    issued_by: str | None
    shop: str | None = None

    def to_cart(self) -> dict[str, Any]:
        """The coupon as a cart wallet entry (money as decimal strings)."""
        digits = currency_digits(self.currency)
        entry: dict[str, Any] = {
            "id": self.code, "kind": self.kind, "value": format_minor(self.face, digits),
        }
        if self.min_spend:
            entry["min_spend"] = format_minor(self.min_spend, digits)
        if self.shop:
            entry["shop"] = self.shop
        if self.valid_from:
            entry["start"] = self.valid_from.isoformat()
        if self.valid_until:
            entry["end"] = self.valid_until.isoformat()
        return entry


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One limit key in one period: its counters and when it ran out (``None``: it has not)."""

    key: str
    period: str
    currency: str
    uses: Count
    budget: Count
    units: Count
    exhausted_at: datetime | None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What :meth:`Ledger.verify` found: ``ok`` when every counter equals its journal replay."""

    entries: int
    differences: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No difference found."""
        return not self.differences


def utc_from_us(micros: int) -> datetime:
    """An aware UTC datetime from epoch microseconds."""
    return _EPOCH + timedelta(microseconds=micros)


def us_from(at: datetime) -> int:
    """Epoch microseconds of an aware datetime (exact, no float)."""
    _aware(at, "instant")
    delta = at.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
