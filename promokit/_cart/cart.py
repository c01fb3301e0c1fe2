"""The cart: the interchange with shop backends (field names are a stable contract)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from promokit._cart.wallet import Coupon
from promokit._money import MINOR_UNITS
from promokit._types import Amount, Count, Ident


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Customer(_Model):
    """Who is buying: id, tier (or the cumulative spend it is computed from), tags, points, and
    the history that first-order and past-spend gates read (earlier orders, past spend)."""

    id: str | None = None
    tier: str | None = None
    spend: Amount | None = Field(default=None, description="cumulative spend, to compute the tier")
    tags: tuple[str, ...] = ()
    points: int = Field(default=0, ge=0, description="points balance")
    use_points: int = Field(default=0, ge=0, description="points to pay with (capped by policy)")
    orders: int | None = Field(default=None, ge=0, description="orders placed before this one "
                               "(0: a first order); for first_order and min/max_orders gates")
    past_spend: Amount | None = Field(default=None, description="spent in earlier orders; for "
                                      "min_past_spend gates")


class Line(_Model):
    """One cart line: ``quantity`` units of ``sku`` from ``shop`` at ``unit_price`` each."""

    id: Ident
    sku: Ident
    shop: Ident
    unit_price: Amount
    quantity: Count
    category: str | None = None
    brand: str | None = None
    tags: tuple[str, ...] = ()


class Cart(_Model):
    """A cart to price.

    >>> cart = Cart.model_validate({"currency": "CNY", "lines": [
    ...     {"id": "l1", "sku": "TEA-1", "shop": "A", "unit_price": "128.00", "quantity": 2}]})
    >>> cart.lines[0].unit_price
    Decimal('128.00')
    """

    currency: str
    at: datetime | None = None
    customer: Customer = Field(default_factory=Customer)
    lines: tuple[Line, ...] = Field(min_length=1)
    shipping: dict[str, Amount] = Field(default_factory=dict)
    wallet: tuple[Coupon, ...] = Field(default=(), description="the customer's coupons")
    coupons: tuple[str, ...] = Field(default=(), description="ids of wallet coupons chosen")

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in MINOR_UNITS:
            raise ValueError(
                f"unknown currency {value!r}; expected an ISO 4217 code such as CNY, USD, JPY"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Line ids, decimals per currency and chosen coupons agree.

        :func:`promokit._input.validation.load_cart_data` checks ids and decimals on the raw cart
        too (to report them with every other problem); these stay for carts built with
        ``Cart.model_validate``, which the engine trusts to be in exact minor units.
        """
        digits = MINOR_UNITS[self.currency]
        problems: list[str] = []
        seen: set[str] = set()
        for i, line in enumerate(self.lines):
            if line.id in seen:
                problems.append(f"lines.{i}.id: duplicate line id {line.id!r}")
            seen.add(line.id)
            if _too_precise(line.unit_price, digits):
                problems.append(
                    f"lines.{i}.unit_price: {line.unit_price} has more than {digits} decimal "
                    f"places for {self.currency}"
                )
        for shop, fee in self.shipping.items():
            if _too_precise(fee, digits):
                problems.append(
                    f"shipping.{shop}: {fee} has more than {digits} decimal places "
                    f"for {self.currency}"
                )
        ids: set[str] = set()
        for i, coupon in enumerate(self.wallet):
            if coupon.id in ids:
                problems.append(f"wallet.{i}.id: duplicate coupon id {coupon.id!r}")
            ids.add(coupon.id)
        problems += [f"coupons: {c!r} is not in the wallet" for c in self.coupons if c not in ids]
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _too_precise(value: Decimal, digits: int) -> bool:
    scaled = value.scaleb(digits)
    return scaled != scaled.to_integral_value()
