"""Coupons in the customer's wallet (the cart carries them; the campaign says how they stack)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from promokit._cart.selection import Selection
from promokit._types import Amount, Ident, Percent

CouponKind = Literal["shop", "platform", "allowance", "product", "shipping", "red_envelope"]
COUPON_KINDS: tuple[str, ...] = ("shop", "platform", "allowance", "product", "shipping",
                                 "red_envelope")


class Coupon(BaseModel):
    """One coupon: a face value (or a percent, optionally capped) above an optional threshold.

    Kinds: ``shop`` (店铺券, one shop), ``platform`` (平台券) and ``allowance`` (购物津贴), pooled
    across shops, ``product`` (商品券, its selection), ``shipping`` (运费券, one shop's fee) and
    ``red_envelope`` (红包: no threshold, cash-like, last).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Ident
    kind: CouponKind
    value: Amount | None = None
    percent: Percent | None = None
    max_discount: Amount | None = None
    min_spend: Amount | None = None
    shop: str | None = None
    select: Selection = Field(default_factory=Selection)
    start: datetime | None = None
    end: datetime | None = Field(default=None, description="expiry (exclusive)")
    stack_group: str | None = Field(default=None, description="coupons sharing one never stack")
    name: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if (self.value is None) == (self.percent is None):
            raise ValueError("give exactly one of value, percent")
        if self.kind in ("shop", "shipping") and self.shop is None:
            raise ValueError(f"a {self.kind} coupon needs the shop it belongs to")
        if self.kind == "red_envelope" and self.min_spend:
            raise ValueError("a red envelope has no threshold (min_spend)")
        s, e = self.start, self.end
        if s is not None and e is not None and (s.tzinfo is None) == (e.tzinfo is None) \
                and e <= s:
            raise ValueError(f"end {e.isoformat()} is not after start {s.isoformat()}; expected "
                             "an expiry after the coupon's start")
        return self

    @property
    def label(self) -> str:
        """A short human label: name or id."""
        return self.name or self.id
