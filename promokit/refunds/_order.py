"""What a refund needs from a price result's JSON form, and the order's state between refunds.

A refund works from ``PriceResult.to_dict()`` (or the object), so it can run in another process
later. :func:`read_order` checks that form once and turns it into plain integers (minor units);
:class:`State` is what remains of the order after each refund (units, amounts paid, discounts by
funder, shipping) and travels inside every refund's JSON so the next refund can pick it up.

Per-unit amounts are never stored: a line's remaining amount is split over its remaining units
with :func:`~promokit._allocation.allocate`, so units differ by at most one minor unit and
returned units are always taken from the front. Splitting what remains again after a return gives
the same shares to the units left, which is why successive partial refunds add up exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promokit._errors import MoneyError, Problem, RefundError
from promokit._money import MINOR_UNITS, format_minor, to_minor
from promokit._result.types import READABLE_FORMATS, PriceResult
from promokit.refunds._gifts import OrderGift, read_gifts

REFUND_FORMAT = 1  # bump when a refund's JSON form changes incompatibly
SIGNATURE = "signature"  # the key a signed result or refund carries its HMAC under


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One priced line, in minor units."""

    id: str
    sku: str
    shop: str
    quantity: int
    gross: int          # the line's subtotal (a deposit-phase pre-sale line: its deposits)
    paid: int           # its net: what the customer paid for it, by any means
    platform: int       # of its discounts, what the platform funds
    prepaid: int        # a pre-sale deposit paid in an earlier phase (part of ``paid``)
    deposit_only: bool  # priced in the deposit phase: ``paid`` is the deposit, balance unpaid
    forfeited: int      # a deposit forfeited before this order (balance paid too late)


@dataclass(frozen=True, slots=True)
class OrderShop:
    """One shop's shipping, in minor units."""

    fee: int
    paid: int
    platform: int


@dataclass(frozen=True, slots=True)
class OrderCoupon:
    """A coupon the order used."""

    id: str
    kind: str
    amount: int
    end: datetime | None


@dataclass(frozen=True, slots=True)
class Order:
    """A price result's JSON form, checked, in minor units."""

    digest: str
    campaign: str
    fingerprint: str
    currency: str
    at: datetime | None
    phase: str
    total: int
    lines: dict[str, OrderLine]
    shops: dict[str, OrderShop]
    points_used: int
    points_value: int
    points_earned: int
    coupons: tuple[OrderCoupon, ...]
    cart: dict[str, Any]
    gifts: tuple[OrderGift, ...] = ()   # gifts given under a declared on_return policy

    @property
    def digits(self) -> int:
        """Minor-unit digits of the order's currency."""
        return MINOR_UNITS[self.currency]

    def show(self, minor: int) -> str:
        """Minor units as a decimal string."""
        return format_minor(minor, self.digits)


def read_order(result: PriceResult | Mapping[str, Any]) -> Order:
    """Check a price result (the object or its JSON form) and read what refunds need."""
    data = result.to_dict() if isinstance(result, PriceResult) else result
    if not isinstance(data, Mapping):
        raise RefundError([Problem("a refund needs a price result or its JSON form",
                                   value=type(data).__name__, expected="PriceResult or dict")])
    if data.get("format") not in READABLE_FORMATS:
        raise RefundError([Problem("not a promokit price result of a known format",
                                   path="format", value=data.get("format"),
                                   expected=" or ".join(map(str, READABLE_FORMATS)))])
    try:
        return _read(data)
    except (KeyError, TypeError, ValueError, AttributeError, MoneyError) as exc:
        raise RefundError([Problem(f"the price result is incomplete or malformed: {exc!r}",
                                   expected="the JSON a price call produced")]) from None


def _read(data: Mapping[str, Any]) -> Order:
    currency = str(data["currency"])
    digits = MINOR_UNITS[currency]

    def m(value: object) -> int:
        return to_minor(value, digits)

    phase = str(data["phase"])
    lines: dict[str, OrderLine] = {}
    for raw in data["lines"]:
        presale = raw.get("presale") or {}
        forfeited = m(presale["deposit"]) if presale.get("forfeited") else 0
        platform = sum(m(d["amount"]) for d in raw["discounts"] if d["funded_by"] == "platform")
        lines[str(raw["id"])] = OrderLine(
            str(raw["id"]), str(raw["sku"]), str(raw["shop"]), int(raw["quantity"]),
            m(raw["subtotal"]), m(raw["net"]), platform, m(raw["prepaid"]),
            bool(presale) and phase == "deposit", forfeited)
    shops: dict[str, OrderShop] = {}
    for raw in data["shops"]:
        goods_platform = sum(x.platform for x in lines.values() if x.shop == raw["shop"])
        shops[str(raw["shop"])] = OrderShop(m(raw["shipping_fee"]), m(raw["shipping"]),
                                            m(raw["platform_funded"]) - goods_platform)
    points = data.get("points") or {"used": 0, "value": "0", "earned": 0}
    cart = dict(data["cart"])
    ends = {str(c["id"]): c.get("end") for c in cart.get("wallet", ())}
    coupons = tuple(OrderCoupon(str(c["id"]), str(c["kind"]), m(c["amount"]),
                                _time(ends.get(str(c["id"]))))
                    for c in data.get("coupons", ()) if c.get("applied"))
    return Order(
        digest=_digest(data), campaign=str(data["campaign"]),
        fingerprint=str(data["fingerprint"]), currency=currency, at=_time(data.get("at")),
        phase=phase, total=m(data["total"]), lines=lines, shops=shops,
        points_used=int(points["used"]), points_value=m(points["value"]),
        points_earned=int(points["earned"]), coupons=coupons, cart=cart,
        gifts=read_gifts(list(data.get("applied", ()))))


def _time(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _digest(data: Mapping[str, Any]) -> str:
    """The order's identity: its JSON form without the signature (signing does not change it)."""
    unsigned = {k: v for k, v in data.items() if k != SIGNATURE}
    canon = json.dumps(unsigned, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                       default=str)
    return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()


# --- the order's state between refunds --------------------------------------------------------

@dataclass(slots=True)
class Part:
    """What remains of one line: units, and (of those units) gross, paid and platform-funded."""

    units: int
    gross: int
    paid: int
    platform: int

    def head(self, n: int, line_id: str) -> Part:
        """The first ``n`` of the remaining units, each amount split evenly over the units.

        Each unit gets ``amount // units``; the ``amount % units`` extra minor units of paid and
        gross go to the first units, those of the platform share to the last ones, so that no
        unit's merchant share (gross - paid - platform) is negative. This is exactly what
        :func:`~promokit._allocation.allocate` gives for equal weights, in closed form: no
        per-unit work, whatever the quantity (``line_id`` names the line in errors only).
        """
        units = self.units
        if not 0 <= n <= units:
            raise ValueError(f"line {line_id}: cannot take {n} of {units} units")
        if units == 0:
            return Part(0, 0, 0, 0)

        def front(amount: int) -> int:
            q, r = divmod(amount, units)
            return n * q + min(n, r)

        def back(amount: int) -> int:
            q, r = divmod(amount, units)
            return n * q + max(0, n - (units - r))

        return Part(n, front(self.gross), front(self.paid), back(self.platform))

    def minus(self, other: Part) -> Part:
        """What is left after ``other`` is taken away."""
        return Part(self.units - other.units, self.gross - other.gross, self.paid - other.paid,
                    self.platform - other.platform)


@dataclass(slots=True)
class Ship:
    """What remains of one shop's shipping: the fee, what was paid for it, the platform's share."""

    fee: int
    paid: int
    platform: int


@dataclass(slots=True)
class State:
    """What remains of an order after the refunds so far (all amounts in minor units)."""

    sequence: int = 0                                    # refunds so far
    lines: dict[str, Part] = field(default_factory=dict)
    shipping: dict[str, Ship] = field(default_factory=dict)
    refunded: int = 0                                    # money and points value, all refunds
    points_chunks: int = 0                               # points-payment chunks refunded
    points_clawed: int = 0                               # earned points taken back
    retained: dict[str, int] = field(default_factory=dict)  # kept by the shop (deposits,
    #                                                       gift values deducted)
    requested: int = 0                                   # amount refunds asked, in order terms
    gifts: dict[str, int] = field(default_factory=dict)  # gift rule -> gifts settled on return

    @classmethod
    def initial(cls, order: Order) -> State:
        """The order before any refund."""
        return cls(lines={k: Part(x.quantity, x.gross, x.paid, x.platform)
                          for k, x in order.lines.items()},
                   shipping={k: Ship(s.fee, s.paid, s.platform) for k, s in order.shops.items()},
                   retained={k: 0 for k in order.shops})

    def copy(self) -> State:
        """A deep copy, to change without touching this one."""
        return State(self.sequence, {k: Part(p.units, p.gross, p.paid, p.platform)
                                     for k, p in self.lines.items()},
                     {k: Ship(s.fee, s.paid, s.platform) for k, s in self.shipping.items()},
                     self.refunded, self.points_chunks, self.points_clawed, dict(self.retained),
                     self.requested, dict(self.gifts))

    def units_left(self, order: Order, shop: str | None = None) -> int:
        """Units not yet returned, in one shop or the whole order."""
        return sum(p.units for k, p in self.lines.items()
                   if shop is None or order.lines[k].shop == shop)

    def to_json(self, order: Order) -> dict[str, Any]:
        """The JSON form (amounts as decimal strings)."""
        s = order.show
        return {
            "sequence": self.sequence,
            "lines": {k: {"units": p.units, "gross": s(p.gross), "paid": s(p.paid),
                          "platform": s(p.platform)} for k, p in self.lines.items()},
            "shipping": {k: {"fee": s(x.fee), "paid": s(x.paid), "platform": s(x.platform)}
                         for k, x in self.shipping.items()},
            "refunded": s(self.refunded), "points_chunks": self.points_chunks,
            "points_clawed": self.points_clawed,
            "retained": {k: s(v) for k, v in self.retained.items()},
            # only once an amount refund asked (unit refunds keep the form they always had)
            **({"requested": s(self.requested)} if self.requested else {}),
            # only once a gift was settled on return (others keep the form they always had)
            **({"gifts": dict(sorted(self.gifts.items()))} if self.gifts else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], order: Order) -> State:
        """Read the JSON form back, checking it matches the order's lines and shops."""
        def m(value: object) -> int:
            return to_minor(value, order.digits)

        state = cls(
            int(data["sequence"]),
            {k: Part(int(p["units"]), m(p["gross"]), m(p["paid"]), m(p["platform"]))
             for k, p in data["lines"].items()},
            {k: Ship(m(x["fee"]), m(x["paid"]), m(x["platform"]))
             for k, x in data["shipping"].items()},
            m(data["refunded"]), int(data["points_chunks"]), int(data["points_clawed"]),
            {k: m(v) for k, v in data["retained"].items()}, m(data.get("requested", "0")),
            {str(k): int(v) for k, v in data.get("gifts", {}).items()})
        if set(state.lines) != set(order.lines) or set(state.shipping) != set(order.shops):
            raise ValueError("its lines or shops are not the order's")
        return state
