"""Points: earned on what the customer paid, at the tier's multiplier; redeemable as payment.

Points are money at a fixed rate (commonly 100 points = 1 yuan); points earned are a function of
the amount paid and the tier's multiplier; paying with points is a payment, not a discount.
Earning: ``paid / per x points x multiplier``, rounded once with the declared rounding (1 point per
yuan, gold x1.5, rounded down: 19.99 paid earns 29 points). Redeeming: ``redeem_rate`` points per
major unit, at most ``max_percent`` of the amount due and at most ``max_points``.
"""

from __future__ import annotations

from decimal import Decimal
from math import gcd
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from promokit._money import Rounding, round_div
from promokit._types import Amount, Percent


class Points(BaseModel):
    """How points are earned and redeemed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per: Amount = Field(default=Decimal(1), description="money paid per earning unit")
    points: int = Field(default=1, ge=0, description="points per earning unit, before multiplier")
    rounding: Rounding = Rounding.DOWN
    basis: Literal["goods", "total"] = Field(
        default="goods", description="goods: what was paid for goods; total: with shipping")
    redeem_rate: int = Field(default=100, ge=1, description="points worth one major unit")
    max_percent: Percent | None = Field(default=None, description="of the amount due")
    max_points: int | None = Field(default=None, ge=0)


def earned(spec: Points, paid_minor: int, digits: int, multiplier: Decimal) -> int:
    """Points earned on ``paid_minor`` at ``multiplier``, rounded as declared."""
    per_minor = int(spec.per.scaleb(digits))
    if per_minor <= 0 or paid_minor <= 0:
        return 0
    mnum, mden = multiplier.as_integer_ratio()
    return round_div(paid_minor * spec.points * mnum, per_minor * mden, spec.rounding)


def redeemable(spec: Points, wanted: int, balance: int, due_minor: int, digits: int) -> int:
    """How many of the ``wanted`` points may pay towards ``due_minor`` (whole minor units only)."""
    cap: int = min(wanted, balance)
    if spec.max_points is not None:
        cap = min(cap, spec.max_points)
    limit_minor = due_minor
    if spec.max_percent is not None:
        num, den = spec.max_percent.as_integer_ratio()
        limit_minor = due_minor * num // (den * 100)
    unit = 10**digits
    # points -> minor units: points * unit / redeem_rate; keep only points worth whole minor units
    step = spec.redeem_rate // gcd(spec.redeem_rate, unit)
    cap = min(cap, limit_minor * spec.redeem_rate // unit)
    return cap - cap % step


def value_minor(spec: Points, points: int, digits: int) -> int:
    """The money value of ``points`` in minor units (exact for redeemable amounts)."""
    value: int = points * 10**digits // spec.redeem_rate
    return value

