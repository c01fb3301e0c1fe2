"""Issue coupons for a later order (复购券): spend 200, receive a 20-off coupon valid 30 days.

A zero-discount benefit: above ``min_spend`` of its selection (judged on a threshold base, like
a threshold) the rule applies with amount 0.00, no allocations, ``times`` = the coupons it
issues (``count``) and a ``detail`` naming them; it never changes what the customer pays.
``promokit.checkout.consumption`` turns the applied rule into ledger ``IssuedCoupon`` records
(through the ``issues`` hook), written to the customer's wallet when the order is committed,
valid from the order's time for ``valid_days``. A guest (no customer id) receives none: the rule
still applies and its detail says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

from promokit._cart.wallet import CouponKind
from promokit._money import currency_digits, to_minor
from promokit._types import Amount, Count
from promokit.ledger.records import IssuedCoupon
from promokit.rules._base import (
    Ctx,
    Effect,
    Env,
    Outcome,
    Rule,
    RuleSpec,
    below_spend,
    judged_spend,
    rule_fields,
)
from promokit.rules._kind import BaseFact, Case, Draws, Fact, Reach, TextFact, Worked
from promokit.rules._threshold_text import num


class CouponTemplate(BaseModel):
    """The coupon issued: a face ``value`` above an optional ``min_spend``, for ``valid_days``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: CouponKind = "platform"
    value: Amount
    min_spend: Amount | None = None
    shop: str | None = None
    valid_days: Count = 30

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.kind in ("shop", "shipping") and self.shop is None:
            raise ValueError(f"a {self.kind} coupon needs the shop it belongs to")
        if self.kind == "red_envelope" and self.min_spend:
            raise ValueError("a red envelope has no threshold (min_spend)")
        if self.value <= 0:
            raise ValueError("an issued coupon's value must be above 0")
        if self.valid_days < 1:
            raise ValueError("valid_days must be at least 1")
        return self


class IssueCoupon(RuleSpec):
    """Above ``min_spend``, issue ``count`` coupons ``coupon`` for a later order."""

    kind: Literal["issue_coupon"]
    base: str | None = None
    min_spend: Amount
    coupon: CouponTemplate
    count: Count = 1

    @model_validator(mode="after")
    def _count(self) -> Self:
        if self.count < 1:
            raise ValueError("count must be at least 1 (coupons issued per order)")
        return self

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        return IssueCouponRule(**rule_fields(self, env), base=self.base or env.default_base,
                               min_spend=env.minor(self.min_spend), count=self.count,
                               what=self._coupon("en"))

    def _coupon(self, lang: str) -> str:
        c = self.coupon
        if lang == "zh":
            above = f"满{num(c.min_spend)}" if c.min_spend else "无门槛"
            return f"{above}减{num(c.value)}券{self.count}张（{c.valid_days}天内有效）"
        above = f" on a spend of {num(c.min_spend)}" if c.min_spend else ""
        many = f"{self.count} coupons" if self.count > 1 else "a coupon"
        return f"{many} for {num(c.value)} off{above} (valid {c.valid_days} days)"

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        if lang == "zh":
            return f"满{num(self.min_spend)}送下单可用的{self._coupon('zh')}"
        return f"spend {num(self.min_spend)} and receive {self._coupon('en')} for a later order"

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "满额返券" if lang == "zh" else "coupon issued with purchase"

    def reach(self) -> Reach:
        """The spend it needs."""
        return Reach(spend=self.min_spend)

    def worked(self, env: Env, unit: int) -> Worked:
        """Carts just below and at ``min_spend``."""
        return Worked(unit, (Case(spend=self.min_spend),), first=self.min_spend)

    def facts(self) -> tuple[Fact, ...]:
        """Base, and the coupon's validity."""
        return (BaseFact("f_base", self.base),
                TextFact("f_valid_days", str(self.coupon.valid_days)))

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """A spend, a coupon (maybe with a threshold), maybe several per order."""
        coupon: dict[str, object] = {"kind": "platform", "value": d.money(1),
                                     "valid_days": d.integer(1, 60)}
        if d.flag():
            coupon["min_spend"] = d.money()
        return {"min_spend": d.money(), "coupon": coupon, "count": d.integer(1, 2)}

    def issues(self, times: int, customer: str, code: str, at: datetime,
               currency: str) -> tuple[IssuedCoupon, ...]:
        """``times`` coupons ``f"{code}:{n}"``, valid from ``at`` for ``valid_days``."""
        c, digits = self.coupon, currency_digits(currency)
        until = at + timedelta(days=c.valid_days)
        return tuple(
            IssuedCoupon(f"{code}:{n}", customer, face=to_minor(c.value, digits),
                         currency=currency,
                         min_spend=to_minor(c.min_spend, digits) if c.min_spend else 0,
                         valid_from=at, valid_until=until, kind=c.kind, rule=self.id,
                         shop=c.shop)
            for n in range(1, times + 1))

    judged = True
    groupable = False  # it saves nothing: it can never win an exclusive group on saving


@dataclass(slots=True)
class IssueCouponRule(Rule):
    """Compiled issue_coupon."""

    base: str = "running"
    min_spend: int = 0
    count: int = 1
    what: str = ""

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Amount 0 above the spend, with the coupons it issues in the detail."""
        spend = judged_spend(ctx, self.base, eligible)
        if spend < self.min_spend:
            return [below_spend(ctx, self.min_spend - spend, self.what)]
        detail = f"issues {self.what}"
        if ctx.customer is None:
            detail += "; none issued: the cart has no customer id (a guest)"
        return [Effect(amount=0, base=spend, times=self.count, alloc={}, detail=detail)]
