"""The stored form of a price result: a typed, versioned JSON document, and reading it back.

``PriceResult.to_dict()`` writes it; ``PriceResult.from_dict`` validates one against
:class:`ResultDocument` and rebuilds the result. The models below are the published schema
(``promokit schema --result``) and what a web framework sees when a ``PriceResult`` is a
response model: money is a decimal string in the result's currency, never a float.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: An amount as a decimal string in the result's currency: "434.55", "-0.50", "1200".
MoneyText = Annotated[str, Field(pattern=r"^-?[0-9]{1,15}(\.[0-9]{1,4})?$",
                                 examples=["434.55"])]
Count = Annotated[int, Field(ge=0, le=100_000)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LineDiscountDoc(_Doc):
    """One rule's share of a line's discount."""

    rule: str
    stage: str
    amount: MoneyText
    funded_by: str


class PresaleDoc(_Doc):
    """A pre-sale line's terms, for the whole line (quantity included)."""

    rule: str
    deposit: MoneyText
    counts_as: MoneyText
    boost: MoneyText
    instant_reduction: MoneyText
    forfeited: bool


class LineDoc(_Doc):
    """A priced line."""

    id: str
    sku: str
    shop: str
    quantity: Count
    unit_price: MoneyText
    subtotal: MoneyText
    discounts: list[LineDiscountDoc]
    discount: MoneyText
    net: MoneyText
    prepaid: MoneyText
    due: MoneyText
    presale: PresaleDoc | None = None


class ShopDoc(_Doc):
    """One shop's totals."""

    shop: str
    subtotal: MoneyText
    discount: MoneyText
    merchant_funded: MoneyText
    platform_funded: MoneyText
    shipping_fee: MoneyText
    shipping_discount: MoneyText
    shipping: MoneyText
    payable: MoneyText


class AppliedDoc(_Doc):
    """A rule that applied."""

    rule: str
    kind: str
    stage: str
    amount: MoneyText
    base: MoneyText
    times: Annotated[int, Field(ge=1)]
    shop: str | None
    funded_by: str
    allocations: dict[str, MoneyText]
    lost: MoneyText
    detail: str = ""
    shipping: dict[str, MoneyText] = Field(default_factory=dict)


class NotAppliedDoc(_Doc):
    """A rule that matched lines but did not apply."""

    rule: str
    kind: str
    stage: str
    reason: str
    message: str
    shop: str | None = None
    shortfall: MoneyText | None = None
    would_save: MoneyText | None = None
    next_open: datetime | None = None
    need: int | None = None
    has: int | None = None
    by: str | None = None


class CouponDoc(_Doc):
    """What became of one wallet coupon.

    ``left_out_by`` (reason ``not_chosen`` only): ``cart``, the cart did not select it;
    ``search``, the best-coupon search found a combination without it that pays no more.
    """

    id: str
    kind: str
    applied: bool
    amount: MoneyText
    reason: str | None = None
    message: str = ""
    shortfall: MoneyText | None = None
    would_save: MoneyText | None = None
    left_out_by: Literal["cart", "search"] | None = None


class PointsDoc(_Doc):
    """Points paid with and earned."""

    used: int
    value: MoneyText
    earned: int
    multiplier: str


class NudgeDoc(_Doc):
    """How much more to spend to save more."""

    rule: str
    shop: str | None
    shortfall: MoneyText
    would_save: MoneyText
    message: str


class LimitEffectDoc(_Doc):
    """What the ledger's counters made pricing do to one limited rule (or wallet coupon).

    ``effect``: ``refused`` (the rule did not apply, reason ``limit_reached``, for the limit
    named) or ``capped`` (a budget with ``on_exhausted: cap`` gave only what was ``left``). A
    count (``uses``, ``per_customer``, ``units``, ``per_customer_units``) records the counter as
    pricing read it (``of``: the limit, ``used``, ``reserved``); a budget records what was
    ``left``. Re-pricing replays exactly these.
    """

    rule: str
    limit: Literal["uses", "per_customer", "units", "per_customer_units", "budget"]
    effect: Literal["refused", "capped"]
    left: MoneyText | None = None
    of: Annotated[int, Field(ge=0, le=10**15)] | None = None
    used: Annotated[int, Field(ge=0, le=10**15)] | None = None
    reserved: Annotated[int, Field(ge=0, le=10**15)] | None = None

    @model_validator(mode="after")
    def _shape(self) -> LimitEffectDoc:
        if self.limit == "budget":
            if self.left is None or self.left.startswith("-"):
                raise ValueError("a budget effect records what was left (an amount >= 0)")
            if (self.of, self.used, self.reserved) != (None, None, None):
                raise ValueError("a budget effect records what was left, not a count")
        else:
            if self.effect == "capped":
                raise ValueError("only a budget caps; a count refuses")
            if self.left is not None or None in (self.of, self.used, self.reserved):
                raise ValueError(f"a {self.limit} effect records the counter as read: of, "
                                 "used and reserved")
        return self


class ResultDocument(_Doc):
    """The stored form of a price result (``PriceResult.to_dict()``), format version 2.

    ``format`` changes when the form changes incompatibly (``promokit._result.types``). Version 2
    added the campaign's ``timezone``, the ``order_id``, the ``coupon_mode``, the
    ``chosen_coupons`` and each coupon's ``left_out_by``: enough to re-price it exactly. The
    optional ``limit_effects`` (written only when a ledger's counters refused or capped a rule)
    record what a ledger made pricing do, so that such a result re-prices exactly too.
    """

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra={"title": "promokit price result"})

    format: Literal[2]
    campaign: str
    fingerprint: str
    currency: str
    timezone: Annotated[str, Field(min_length=1, max_length=64, examples=["Asia/Shanghai"])]
    order_id: Annotated[str, Field(min_length=1, max_length=1000)] | None
    at: datetime | None
    coupon_mode: Literal["selected", "best"]
    chosen_coupons: list[str] = Field(
        description="the wallet coupons priced as the combination, in the order chosen (selected "
                    "by the cart and usable, or picked by the best-coupon search); re-pricing the "
                    "stored result prices exactly these")
    phase: Literal["deposit", "balance"]
    tier: str | None
    subtotal: MoneyText
    discount_total: MoneyText
    shipping_fee_total: MoneyText
    shipping_total: MoneyText
    total: MoneyText
    prepaid_total: MoneyText
    points: PointsDoc | None
    payable: MoneyText
    coupons: list[CouponDoc]
    lines: list[LineDoc]
    shops: list[ShopDoc]
    applied: list[AppliedDoc]
    not_applied: list[NotAppliedDoc]
    nudges: list[NudgeDoc]
    limit_effects: list[LimitEffectDoc] = Field(
        default_factory=list,
        description="priced against a ledger: what its counters made pricing do to each limited "
                    "rule they refused or capped (absent: none); re-pricing replays them")
    cart: dict[str, Any]


def result_schema() -> dict[str, Any]:
    """The JSON Schema of the stored result (standard keywords only)."""
    return ResultDocument.model_json_schema(mode="validation")
