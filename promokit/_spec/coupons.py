"""The campaign's coupon stacking policy, and coupons compiled to ordinary rules.

A coupon becomes a threshold rule (or a shipping rule) at the stage its kind is declared at, with
its kind's threshold base and funder; the engine runs it like any other rule. What is special to
coupons is only which combinations are allowed: per-kind limits (one shop coupon per shop, one
platform coupon per order, red envelopes unlimited), ``combines_with`` between kinds, and stack
groups. :func:`conflict` checks that, for selected mode and for the best-combination search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from promokit._cart.wallet import Coupon, CouponKind
from promokit.ledger.limits import Limits
from promokit.rules._base import Env, Funder, Reason, Rule
from promokit.rules._gates import Window
from promokit.rules.shipping import FreeShipping
from promokit.rules.threshold import Threshold

_SCOPES = {"shop": "shop", "platform": "pool", "allowance": "pool", "product": "pool",
           "red_envelope": "order", "shipping": "shop"}
_FUNDERS: dict[str, Funder] = {"shop": "merchant", "product": "merchant", "shipping": "merchant",
                               "platform": "platform", "allowance": "platform",
                               "red_envelope": "platform"}


class KindPolicy(BaseModel):
    """How one coupon kind stacks: its stage, limit, threshold base, funder, compatible kinds.

    ``limit`` defaults to 1, except for red envelopes, which are unlimited unless limited.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str
    limit: int | None = Field(default=1, ge=1, description="at most this many; null: no limit")
    per: Literal["order", "shop"] = "order"
    base: str | None = Field(default=None, description="threshold base; default: the campaign's")
    funded_by: Funder | None = None
    combines_with: tuple[CouponKind, ...] | None = Field(
        default=None, description="kinds it may be used with; null: every kind")
    limits: Limits | None = Field(
        default=None, description="uses, budget, units of every coupon of this kind together, "
                                  "counted by a ledger under the key coupon-kind:<kind>")


class CouponPolicy(BaseModel):
    """The campaign's stacking policy for wallet coupons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[CouponKind, KindPolicy]
    max_coupons: int | None = Field(default=None, ge=1)
    search_limit: int = Field(default=20_000, ge=1,
                              description="best mode: most units of search work (subsets, states, "
                                          "stage runs, face reads)")

    @model_validator(mode="after")
    def _red_envelopes_unlimited(self) -> Self:
        red = self.kinds.get("red_envelope")
        if red is not None and "limit" not in red.model_fields_set:
            kinds = {**self.kinds, "red_envelope": red.model_copy(update={"limit": None})}
            object.__setattr__(self, "kinds", kinds)
        return self


def coupon_rule(coupon: Coupon, policy: KindPolicy, env: Env) -> Rule:
    """The rule a coupon runs as (id ``coupon:<id>``)."""
    select = coupon.select
    if coupon.shop is not None:
        select = select.model_copy(update={"shops": (coupon.shop,)})
    common = {"id": f"coupon:{coupon.id}", "stage": policy.stage, "select": select,
              "name": coupon.name, "funded_by": policy.funded_by or _FUNDERS[coupon.kind],
              "window": Window(start=coupon.start, end=coupon.end)
              if coupon.start or coupon.end else None, "limits": policy.limits}
    spec: FreeShipping | Threshold
    if coupon.kind == "shipping":
        spec = FreeShipping(kind="free_shipping", min_spend=coupon.min_spend,
                            percent=coupon.percent, base=policy.base, **common,
                            max_waived=coupon.value if coupon.percent is None
                            else coupon.max_discount)
    else:
        spec = Threshold(kind="threshold", scope=_SCOPES[coupon.kind],
                         min_spend=coupon.min_spend or Decimal(0), discount=coupon.value,
                         percent=coupon.percent, cap=coupon.max_discount, base=policy.base,
                         **common)
    rule = spec.compile(env)
    rule.kind = f"coupon/{coupon.kind}"
    rule.benefit = f"coupon:{coupon.kind}"
    rule.from_wallet = True  # a customer's coupon is not spent on what the campaign gives anyway
    return rule


@dataclass(frozen=True, slots=True)
class Conflict:
    """Why a coupon cannot join a combination: reason code, message, and the coupon in the way."""

    reason: Reason
    message: str
    other: str | None = None


def conflict(coupon: Coupon, chosen: Sequence[Coupon], policy: CouponPolicy) -> Conflict | None:
    """Can ``coupon`` join ``chosen`` (already valid together) under ``policy``?"""
    mine = policy.kinds[coupon.kind]
    if policy.max_coupons is not None and len(chosen) >= policy.max_coupons:
        return Conflict(Reason.COUPON_LIMIT, f"at most {policy.max_coupons} coupons per order")
    if mine.limit is not None:
        same = [c for c in chosen if c.kind == coupon.kind
                and (mine.per == "order" or c.shop == coupon.shop)]
        if len(same) >= mine.limit:
            where = f"shop {coupon.shop}" if mine.per == "shop" else "order"
            return Conflict(Reason.KIND_LIMIT,
                            f"at most {mine.limit} {coupon.kind} coupon(s) per {where}; "
                            f"{same[0].id!r} is used", same[0].id)
    for other in chosen:
        theirs = policy.kinds[other.kind]
        if other.kind != coupon.kind and (
                (mine.combines_with is not None and other.kind not in mine.combines_with)
                or (theirs.combines_with is not None and coupon.kind not in theirs.combines_with)):
            return Conflict(Reason.INCOMPATIBLE, f"a {coupon.kind} coupon does not combine with "
                            f"{other.kind} coupon {other.id!r}", other.id)
        if coupon.stack_group is not None and other.stack_group == coupon.stack_group:
            return Conflict(Reason.INCOMPATIBLE, f"stack group {coupon.stack_group!r} allows one "
                            f"coupon; {other.id!r} is used", other.id)
    return None


def valid_together(coupons: Sequence[Coupon], policy: CouponPolicy) -> bool:
    """Do these coupons satisfy every stacking limit together?"""
    return all(conflict(c, coupons[:k], policy) is None for k, c in enumerate(coupons))
