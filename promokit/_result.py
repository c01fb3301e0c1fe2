"""The typed, immutable result of pricing a cart; ``to_dict()`` is its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._money import Money

if TYPE_CHECKING:
    from ._cart import Cart

RESULT_FORMAT = 1  # bump when the JSON form changes incompatibly


@dataclass(frozen=True, slots=True)
class LineDiscount:
    """One rule's share of a line's discount."""

    rule: str
    stage: str
    amount: Money
    funded_by: str


@dataclass(frozen=True, slots=True)
class LineResult:
    """A priced line: what it cost, what each rule took off, and its net."""

    id: str
    sku: str
    shop: str
    quantity: int
    unit_price: Money
    subtotal: Money
    discounts: tuple[LineDiscount, ...]
    discount: Money
    net: Money


@dataclass(frozen=True, slots=True)
class ShopResult:
    """One shop's totals, with who funds its discounts (for settlement)."""

    shop: str
    subtotal: Money
    discount: Money
    merchant_funded: Money
    platform_funded: Money
    shipping: Money
    payable: Money


@dataclass(frozen=True, slots=True)
class Applied:
    """A rule that applied (once per shop for shop-scoped thresholds)."""

    rule: str
    kind: str
    stage: str
    amount: Money
    base: Money
    times: int
    shop: str | None
    funded_by: str
    allocations: tuple[tuple[str, Money], ...]   # (line id, amount), in line order
    lost: Money                                  # asked for but not given: lines were at zero
    detail: str = ""


@dataclass(frozen=True, slots=True)
class NotApplied:
    """A rule that matched lines but did not apply, with a reason code from ``Reason``."""

    rule: str
    kind: str
    stage: str
    reason: str
    message: str
    shop: str | None = None
    shortfall: Money | None = None
    would_save: Money | None = None


@dataclass(frozen=True, slots=True)
class Nudge:
    """How much more to spend to save more: "add 37.00 more to save 50.00"."""

    rule: str
    shop: str | None
    shortfall: Money
    would_save: Money

    @property
    def message(self) -> str:
        """The nudge in plain English."""
        return f"add {self.shortfall.to_json()} more to save {self.would_save.to_json()}"


@dataclass(frozen=True, slots=True)
class PriceResult:
    """What to charge and why: totals, every line's net, every rule applied or not."""

    campaign: str
    fingerprint: str
    currency: str
    at: datetime | None
    subtotal: Money
    discount_total: Money
    shipping_total: Money
    payable: Money
    lines: tuple[LineResult, ...]
    shops: tuple[ShopResult, ...]
    applied: tuple[Applied, ...]
    not_applied: tuple[NotApplied, ...]
    nudges: tuple[Nudge, ...]
    cart: Cart

    def line(self, line_id: str) -> LineResult:
        """The priced line with this id."""
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)

    def receipt(self) -> str:
        """A plain-text receipt: lines, each discount, shop totals, payable and nudges."""
        from ._receipt import render_text

        return render_text(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: money as decimal strings; carries the cart for refunds and re-pricing."""
        return {
            "format": RESULT_FORMAT,
            "campaign": self.campaign,
            "fingerprint": self.fingerprint,
            "currency": self.currency,
            "at": self.at.isoformat() if self.at else None,
            "subtotal": self.subtotal.to_json(),
            "discount_total": self.discount_total.to_json(),
            "shipping_total": self.shipping_total.to_json(),
            "payable": self.payable.to_json(),
            "lines": [_line(x) for x in self.lines],
            "shops": [_jsonable(x) for x in self.shops],
            "applied": [_applied(x) for x in self.applied],
            "not_applied": [_jsonable(x) for x in self.not_applied],
            "nudges": [{**_jsonable(x), "message": x.message} for x in self.nudges],
            "cart": self.cart.model_dump(mode="json", exclude_none=True),
        }


def _jsonable(obj: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in obj.__slots__:  # type: ignore[attr-defined]
        value = getattr(obj, name)
        out[name] = value.to_json() if isinstance(value, Money) else value
    return out


def _line(line: LineResult) -> dict[str, Any]:
    data = _jsonable(line)
    data["discounts"] = [_jsonable(d) for d in line.discounts]
    return data


def _applied(applied: Applied) -> dict[str, Any]:
    data = _jsonable(applied)
    data["allocations"] = {line: amount.to_json() for line, amount in applied.allocations}
    return data
