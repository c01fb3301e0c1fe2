"""When and for whom a rule is open: validity windows, recurring schedules, customer eligibility.

Every rule (and every coupon) may carry a ``window`` (start inclusive, end exclusive), a
``schedule`` (an RFC 5545 recurrence such as ``FREQ=MONTHLY;BYMONTHDAY=8`` for a member day, read
in the campaign's time zone through python-dateutil) and ``customers`` (tiers, a minimum tier,
customer tags). The engine checks the compiled :class:`Gate` before it evaluates the rule; a closed
gate becomes a :class:`~promokit.rules._base.Miss` with the reason and, where there is one, when the
rule next opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Self

from dateutil.rrule import rrule, rrulestr
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from promokit.rules._reason import Reason

#: Where a schedule's recurrence is anchored when it names no start of its own (a Monday).
SCHEDULE_ANCHOR = datetime(2024, 1, 1)
#: Frequencies a schedule may use; finer ones would make every check walk millions of occurrences.
FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")


class Window(BaseModel):
    """A validity window; naive times are read in the campaign's time zone. End is exclusive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: datetime | None = None
    end: datetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        s, e = self.start, self.end
        if s is not None and e is not None and (s.tzinfo is None) == (e.tzinfo is None) \
                and e <= s:
            raise ValueError(f"window end {e} is not after its start {s}")
        return self

    def aware(self, tz: tzinfo) -> tuple[datetime | None, datetime | None]:
        """(start, end) with naive times placed in ``tz``."""
        return _aware(self.start, tz), _aware(self.end, tz)


class Schedule(BaseModel):
    """Open for ``hours`` from each occurrence of an RFC 5545 rule (member days, happy hours)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rrule: str = Field(description="e.g. FREQ=MONTHLY;BYMONTHDAY=8 (every month on the 8th)")
    hours: int = Field(default=24, ge=1, le=24 * 31, description="how long each occurrence lasts")
    start: datetime | None = Field(default=None, description="first occurrence (DTSTART)")

    @field_validator("rrule")
    @classmethod
    def _parses(cls, value: str) -> str:
        text = value.strip()
        if "DTSTART" in text.upper() or "\n" in text:
            raise ValueError("give the recurrence rule only (FREQ=...); put its start in 'start'")
        try:
            rrulestr(text, dtstart=SCHEDULE_ANCHOR)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not an RFC 5545 recurrence rule: {exc} "
                             "(expected e.g. FREQ=MONTHLY;BYMONTHDAY=8)") from None
        freq = next((p.split("=", 1)[1] for p in text.upper().split(";")
                     if p.startswith("FREQ=")), "")
        if freq not in FREQUENCIES:
            raise ValueError(f"FREQ={freq or '?'} is not supported; expected one of "
                             + ", ".join(FREQUENCIES))
        return text


class Customers(BaseModel):
    """Who may use a rule: any of ``tiers``, or ``min_tier`` and above, and any of ``tags``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tiers: tuple[str, ...] = ()
    min_tier: str | None = None
    tags: tuple[str, ...] = ()


def _aware(value: datetime | None, tz: tzinfo) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=tz)


@dataclass(frozen=True, slots=True)
class Closed:
    """Why a gate is closed: a reason code, a message and when it next opens (if it does)."""

    reason: Reason
    message: str
    next_open: datetime | None = None


@dataclass(frozen=True, slots=True)
class Gate:
    """A compiled window, schedule and customer condition."""

    start: datetime | None = None
    end: datetime | None = None
    recurrence: rrule | None = None
    duration: timedelta | None = None
    tiers: frozenset[str] | None = None
    tags: frozenset[str] | None = None
    label: str = ""

    @classmethod
    def build(cls, window: Window | None, schedule: Schedule | None,
              customers: Customers | None, tz: tzinfo, ranks: dict[str, int]) -> Gate | None:
        """The gate of a rule, or None when the rule is always open to everyone."""
        if window is None and schedule is None and customers is None:
            return None
        start, end = window.aware(tz) if window else (None, None)
        recurrence = duration = None
        if schedule is not None:
            anchor = _aware(schedule.start or SCHEDULE_ANCHOR, tz)
            recurrence = rrulestr(schedule.rrule, dtstart=anchor, cache=True)
            duration = timedelta(hours=schedule.hours)
        tiers = tags = None
        if customers is not None:
            allowed = set(customers.tiers)
            if customers.min_tier is not None:
                floor = ranks[customers.min_tier]
                allowed |= {name for name, rank in ranks.items() if rank >= floor}
            tiers = frozenset(allowed) if (customers.tiers or customers.min_tier) else None
            tags = frozenset(customers.tags) or None
        label = customers.min_tier if customers and customers.min_tier else ""
        return cls(start, end, recurrence, duration, tiers, tags, label)

    @property
    def timed(self) -> bool:
        """Does this gate depend on the evaluation time?"""
        return self.start is not None or self.end is not None or self.recurrence is not None

    def check(self, at: datetime | None, tier: str | None,
              tags: frozenset[str]) -> Closed | None:
        """None when open at ``at`` for this customer; else why not."""
        if self.tiers is not None and tier not in self.tiers:
            allowed = ", ".join(sorted(self.tiers)) or "(none)"
            who = f"tier {tier!r}" if tier else "a customer with no tier"
            return Closed(Reason.TIER_NOT_ELIGIBLE, f"for tiers {allowed}; not for {who}")
        if self.tags is not None and self.tags.isdisjoint(tags):
            return Closed(Reason.CUSTOMER_NOT_ELIGIBLE,
                          "for customers tagged " + ", ".join(sorted(self.tags)))
        if at is None:
            return None  # the engine refuses timed gates without a time before it gets here
        if self.start is not None and at < self.start:
            return Closed(Reason.NOT_STARTED, f"opens at {self.start.isoformat()}", self.start)
        if self.end is not None and at >= self.end:
            return Closed(Reason.ENDED, f"ended at {self.end.isoformat()}")
        if self.recurrence is not None and self.duration is not None:
            last = self.recurrence.before(at, inc=True)
            if last is None or at >= last + self.duration:
                nxt = self.recurrence.after(at)
                if nxt is not None and self.end is not None and nxt >= self.end:
                    nxt = None
                when = f"; next opens at {nxt.isoformat()}" if nxt else "; does not open again"
                return Closed(Reason.OFF_SCHEDULE, "closed now" + when, nxt)
        return None
