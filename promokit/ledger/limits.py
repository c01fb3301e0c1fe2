"""The ``limits:`` block of a rule or coupon kind in a campaign file, and period keys.

.. code-block:: yaml

    limits: {uses: 1000, per_customer: 1, budget: "500000.00", units: 500,
             per_customer_units: 2, period: day, on_exhausted: skip}

``uses`` counts orders that apply the rule, ``budget`` the money it may give in all (a decimal
string, exact), ``units`` the items it may discount or give. ``period`` resets every counter each
day, ISO week or month in the campaign's time zone, or never. ``on_exhausted`` says what pricing
does when a limit is reached: ``skip`` the rule (default) or, for a budget, ``cap`` the discount at
what is left. The ledger enforces the limits; pricing reads them.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from promokit._errors import MoneyError
from promokit._money import currency_digits, parse_decimal, to_minor

__all__ = ["Limits", "Period", "period_key", "resolve_zone"]

Period = Literal["day", "week", "month", "never"]

#: The period key of ``period: never``.
ALL = "all"


class Limits(BaseModel):
    """Limits of one rule or coupon kind; every field is optional (absent means unlimited)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uses: StrictInt | None = Field(default=None, ge=0, description="orders that may apply it")
    per_customer: StrictInt | None = Field(
        default=None, ge=0, description="orders per customer id"
    )
    budget: Decimal | None = Field(
        default=None, description="money it may give in all, a decimal string such as \"500000.00\""
    )
    units: StrictInt | None = Field(default=None, ge=0, description="items it may discount or give")
    per_customer_units: StrictInt | None = Field(
        default=None, ge=0, description="items per customer id"
    )
    period: Period = Field(default="never", description="counters reset each period")
    on_exhausted: Literal["skip", "cap"] = Field(
        default="skip", description="skip the rule, or cap a budget at what is left"
    )

    @field_validator("budget", mode="before")
    @classmethod
    def _exact_budget(cls, value: object) -> Decimal | None:
        if value is None:
            return None
        try:
            dec = parse_decimal(value, "budget")
        except MoneyError as exc:
            raise ValueError(str(exc)) from None
        if dec < 0:
            raise ValueError(f"budget {value!r} is negative")
        return dec

    @property
    def per_customer_limited(self) -> bool:
        """Whether a per-customer limit (uses or units) is declared."""
        return self.per_customer is not None or self.per_customer_units is not None

    def budget_minor(self, currency: str) -> int | None:
        """The budget in minor units of ``currency`` (exact; too many decimals is an error)."""
        if self.budget is None:
            return None
        return to_minor(self.budget, currency_digits(currency), "budget")


def resolve_zone(zone: str | tzinfo) -> tzinfo:
    """A tzinfo from an IANA name (``Asia/Shanghai``) or a tzinfo; unknown names are an error."""
    if isinstance(zone, tzinfo):
        return zone
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r} (expected an IANA name)") from None


def period_key(at: datetime, period: Period, zone: str | tzinfo = "UTC") -> str:
    """The key of the period ``at`` falls in, in ``zone``: ``2026-11-11`` (day), ``2026-W46``
    (ISO week), ``2026-11`` (month) or ``all`` (never). ``at`` must carry its offset.

    >>> from datetime import timezone
    >>> period_key(datetime(2026, 11, 10, 16, 30, tzinfo=timezone.utc), "day", "Asia/Shanghai")
    '2026-11-11'
    """
    if period == "never":
        return ALL
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"instant {at.isoformat()} has no UTC offset; periods need one")
    local = at.astimezone(resolve_zone(zone))
    if period == "day":
        return local.strftime("%Y-%m-%d")
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if period == "month":
        return local.strftime("%Y-%m")
    raise ValueError(f"unknown period {period!r} (expected day, week, month or never)")
