"""When and for whom a rule is open: validity windows, recurring schedules, customer eligibility.

Every rule (and every coupon) may carry a ``window`` (start inclusive, end exclusive), a
``schedule`` (an RFC 5545 recurrence such as ``FREQ=MONTHLY;BYMONTHDAY=8`` for a member day, read
in the campaign's time zone through python-dateutil) and ``customers`` (tiers, a minimum tier,
customer tags, and the customer's history: a first order, a number of earlier orders, a past
spend). The engine checks the compiled :class:`Gate` before it evaluates the rule; a closed
gate becomes a :class:`~promokit.rules._base.Miss` with the reason and, where there is one, when the
rule next opens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Self

from dateutil.rrule import rrule, rrulestr
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from promokit._errors import CartPricingError
from promokit._types import Amount
from promokit.rules._reason import Reason

#: Where a schedule's recurrence is anchored when it names no start of its own (a Monday).
SCHEDULE_ANCHOR = datetime(2024, 1, 1)
#: Frequencies a schedule may use; finer ones would make every check walk millions of occurrences.
FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
#: Most occurrences one check walks from the schedule's start (an hourly schedule: 57 years).
MAX_OCCURRENCES = 200_000  # an hourly schedule: 22 years; about 3 s of walking at most
#: The RRULE parts a schedule may use, with the range of each number (signed: also -hi..-lo).
_RANGES: dict[str, tuple[int, int, bool]] = {
    "INTERVAL": (1, 1000, False), "COUNT": (1, MAX_OCCURRENCES, False),
    "BYSECOND": (0, 59, False), "BYMINUTE": (0, 59, False), "BYHOUR": (0, 23, False),
    "BYMONTH": (1, 12, False), "BYMONTHDAY": (1, 31, True), "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True), "BYSETPOS": (1, 366, True)}
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PARTS = ("FREQ", *_RANGES, "BYDAY", "WKST", "UNTIL")
_BYDAY = re.compile(r"([+-]?)([0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)\Z")
_UNTIL = re.compile(r"[0-9]{8}T[0-9]{6}Z\Z")
#: Parts that pick days: a rule with any of them may never occur (BYMONTH=2;BYMONTHDAY=30).
_DAY_PARTS = ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY")


def rrule_problem(text: str) -> str | None:
    """What is wrong with a schedule's recurrence rule, in words, or None.

    Strict where python-dateutil is lax or hangs: every part known and given once, every number
    in its range (``BYSECOND=61``, ``BYMONTHDAY=0``, ``INTERVAL=0`` are refused), FREQ one of
    :data:`FREQUENCIES`, UNTIL in UTC, and a rule that can occur at all.
    """
    parts: dict[str, str] = {}
    for part in text.upper().split(";"):
        name, eq, value = part.strip().partition("=")
        if name not in PARTS:
            return (f"unsupported RRULE part {part.strip()!r}; expected parts among "
                    + ", ".join(PARTS))
        if not eq or not value:
            return f"RRULE part {name} has no value; expected {name}=<value>"
        if name in parts:
            return f"RRULE part {name} is given twice; expected each part once"
        parts[name] = value
    if "FREQ" not in parts:
        return ("the rule has no FREQ part; expected FREQ=" + ", ".join(FREQUENCIES[:-1])
                + f" or {FREQUENCIES[-1]}, e.g. FREQ=MONTHLY;BYMONTHDAY=8")
    if parts["FREQ"] not in FREQUENCIES:
        return f"FREQ={parts['FREQ']} is not supported; expected one of " + ", ".join(FREQUENCIES)
    for name, (lo, hi, signed) in _RANGES.items():
        for item in parts.get(name, "").split(",") if name in parts else ():
            bad = not re.fullmatch(r"[+-]?[0-9]{1,6}", item)
            n = 0 if bad else int(item)
            if bad or not (lo <= n <= hi or (signed and -hi <= n <= -lo)):
                where = f"{lo}..{hi}" + (f" or {-hi}..{-lo}" if signed else "")
                return f"{name}={item} is outside {where}; expected {name} in {where}"
    for item in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else ():
        found = _BYDAY.match(item)
        if not found or (found[2] is not None and not 1 <= int(found[2]) <= 53):
            return (f"BYDAY={item} is not a weekday; expected MO, TU, WE, TH, FR, SA or SU, "
                    "optionally numbered (1MO, -1FR)")
    if parts.get("WKST", "MO") not in _DAYS:
        return f"WKST={parts['WKST']} is not a weekday; expected one of " + ", ".join(_DAYS)
    if "UNTIL" in parts and not _UNTIL.match(parts["UNTIL"]):
        return (f"UNTIL={parts['UNTIL']} is not a UTC time; expected e.g. UNTIL=20261231T160000Z")
    if "COUNT" in parts and "UNTIL" in parts:
        return "COUNT and UNTIL are both given; expected one of them"
    if any(p in parts for p in _DAY_PARTS) and not _can_occur(parts):
        return ("the rule never occurs: no day matches all of its BY parts; expected a rule "
                "with occurrences, e.g. FREQ=MONTHLY;BYMONTHDAY=8")
    return None


def _can_occur(parts: dict[str, str]) -> bool:
    """Does some day match the rule's day parts? Checked yearly over a whole 400-year Gregorian
    cycle, where every calendar repeats (numbered weekdays read as any such weekday, a superset)."""
    probe = {k: v for k, v in parts.items() if k in ("BYMONTH", *_DAY_PARTS, "WKST")}
    if "BYDAY" in probe:
        probe["BYDAY"] = ",".join(dict.fromkeys(d[-2:] for d in probe["BYDAY"].split(",")))
    text = ";".join(["FREQ=YEARLY", *(f"{k}={v}" for k, v in probe.items())])
    first = rrulestr(text, dtstart=datetime(9999 - 401, 1, 1)).after(datetime(9999 - 401, 1, 1),
                                                                        inc=True)
    return first is not None


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
        problem = rrule_problem(text)
        if problem is None:
            try:
                rrulestr(text, dtstart=SCHEDULE_ANCHOR)
            except (ValueError, TypeError) as exc:
                problem = (f"not an RFC 5545 recurrence rule: {exc}; expected e.g. "
                           "FREQ=MONTHLY;BYMONTHDAY=8")
        if problem is not None:
            raise ValueError(problem)
        return text


#: The most earlier orders a history gate may name.
MAX_ORDERS = 1_000_000


class Customers(BaseModel):
    """Who may use a rule: any of ``tiers``, or ``min_tier`` and above, and any of ``tags``; and,
    by the customer's history (the cart's ``customer.orders`` and ``customer.past_spend``), a
    first order only, a number of earlier orders, a minimum past spend."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tiers: tuple[str, ...] = ()
    min_tier: str | None = None
    tags: tuple[str, ...] = ()
    first_order: bool | None = Field(
        default=None, description="true: only a customer with no earlier order (新用户首单); "
        "false: only a customer with at least one")
    min_orders: int | None = Field(default=None, ge=0, le=MAX_ORDERS,
                                   description="at least this many earlier orders")
    max_orders: int | None = Field(default=None, ge=0, le=MAX_ORDERS,
                                   description="at most this many earlier orders")
    min_past_spend: Amount | None = Field(
        default=None, description="spent at least this much in earlier orders (老客满额解锁)")

    @model_validator(mode="after")
    def _some_customer(self) -> Self:
        low, high = self.order_range()
        if high is not None and low > high:
            said = ", ".join(f"{k}: {str(v).lower()}" for k, v in
                             (("first_order", self.first_order), ("min_orders", self.min_orders),
                              ("max_orders", self.max_orders)) if v is not None)
            raise ValueError(f"no customer has at least {low} and at most {high} earlier orders "
                             f"({said}); expected a range some customer is in")
        return self

    def order_range(self) -> tuple[int, int | None]:
        """The earlier orders a customer may have: (at least, at most or None)."""
        low, high = self.min_orders or 0, self.max_orders
        if self.first_order is True:
            high = 0
        elif self.first_order is False:
            low = max(low, 1)
        return low, high

    @property
    def history(self) -> bool:
        """Does this condition ask about the customer's earlier orders or spend?"""
        return self.first_order is not None or self.min_orders is not None \
            or self.max_orders is not None or self.min_past_spend is not None


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
    first_order: bool | None = None
    min_orders: int = 0
    max_orders: int | None = None
    min_past_spend: Decimal | None = None

    @classmethod
    def build(cls, window: Window | None, schedule: Schedule | None,
              customers: Customers | None, tz: tzinfo, ranks: dict[str, int]) -> Gate | None:
        """The gate of a rule, or None when the rule is always open to everyone."""
        if window is None and schedule is None and customers is None:
            return None
        start, end = window.aware(tz) if window else (None, None)
        recurrence: rrule | None = None
        duration: timedelta | None = None
        if schedule is not None:
            anchor = _aware(schedule.start or SCHEDULE_ANCHOR, tz)
            parsed = rrulestr(schedule.rrule, dtstart=anchor, cache=True)
            assert isinstance(parsed, rrule), "a schedule is one RRULE"
            recurrence, duration = parsed, timedelta(hours=schedule.hours)
        tiers = tags = None
        if customers is not None:
            allowed = set(customers.tiers)
            if customers.min_tier is not None:
                floor = ranks[customers.min_tier]
                allowed |= {name for name, rank in ranks.items() if rank >= floor}
            tiers = frozenset(allowed) if (customers.tiers or customers.min_tier) else None
            tags = frozenset(customers.tags) or None
        label = customers.min_tier if customers and customers.min_tier else ""
        if customers is None or not customers.history:
            return cls(start, end, recurrence, duration, tiers, tags, label)
        low, high = customers.order_range()
        return cls(start, end, recurrence, duration, tiers, tags, label, customers.first_order,
                   low, high, customers.min_past_spend)

    @property
    def timed(self) -> bool:
        """Does this gate depend on the evaluation time?"""
        return self.start is not None or self.end is not None or self.recurrence is not None

    def check(self, at: datetime | None, tier: str | None, tags: frozenset[str],
              orders: int | None = None, past_spend: Decimal | None = None) -> Closed | None:
        """None when open at ``at`` for this customer (of ``orders`` earlier orders that came to
        ``past_spend``, None when the cart does not say); else why not."""
        if self.tiers is not None and tier not in self.tiers:
            allowed = ", ".join(sorted(self.tiers)) or "(none)"
            who = f"tier {tier!r}" if tier else "a customer with no tier"
            return Closed(Reason.TIER_NOT_ELIGIBLE, f"for tiers {allowed}; not for {who}")
        if self.tags is not None and self.tags.isdisjoint(tags):
            return Closed(Reason.CUSTOMER_NOT_ELIGIBLE,
                          "for customers tagged " + ", ".join(sorted(self.tags)))
        closed = self._history(orders, past_spend)
        if closed is not None:
            return closed
        if at is None:
            return None  # the engine refuses timed gates without a time before it gets here
        if self.start is not None and at < self.start:
            return Closed(Reason.NOT_STARTED, f"opens at {self.start.isoformat()}", self.start)
        if self.end is not None and at >= self.end:
            return Closed(Reason.ENDED, f"ended at {self.end.isoformat()}")
        if self.recurrence is not None and self.duration is not None:
            last, nxt = self.around(at)
            if last is None or at >= last + self.duration:
                if nxt is not None and self.end is not None and nxt >= self.end:
                    nxt = None
                when = f"; next opens at {nxt.isoformat()}" if nxt else "; does not open again"
                return Closed(Reason.OFF_SCHEDULE, "closed now" + when, nxt)
        return None

    def _history(self, orders: int | None, past_spend: Decimal | None) -> Closed | None:
        """Why the customer's history closes the gate, or None. A fact the gate needs and the cart
        does not carry closes it (``history_unknown``): a first-order discount is never given to
        a customer nobody asked about."""
        low, high = self.min_orders, self.max_orders
        if low or high is not None:
            if orders is None:
                return Closed(Reason.HISTORY_UNKNOWN, "depends on the customer's earlier orders; "
                              "the cart's customer has no 'orders'")
            if self.first_order is True and orders > 0:
                return Closed(Reason.NOT_FIRST_ORDER, "for a customer's first order only; this "
                              f"customer has {orders} earlier order{'s' * (orders != 1)}")
            if orders < low:
                return Closed(Reason.TOO_FEW_ORDERS, f"for customers with at least {low} earlier "
                              f"order{'s' * (low != 1)}; this customer has {orders}")
            if high is not None and orders > high:
                return Closed(Reason.TOO_MANY_ORDERS, f"for customers with at most {high} "
                              f"earlier order{'s' * (high != 1)}; this customer has {orders}")
        need = self.min_past_spend
        if need is not None:
            if past_spend is None and orders == 0:
                past_spend = Decimal(0)  # no earlier order: nothing spent before
            if past_spend is None:
                return Closed(Reason.HISTORY_UNKNOWN, "depends on the customer's past spend; the "
                              "cart's customer has no 'past_spend'")
            if past_spend < need:
                return Closed(Reason.BELOW_PAST_SPEND, f"for customers who spent at least {need} "
                              f"before; this customer spent {past_spend}, {need - past_spend} "
                              "short")
        return None

    def around(self, at: datetime) -> tuple[datetime | None, datetime | None]:
        """The schedule's last occurrence at or before ``at`` and its first after, walking at
        most :data:`MAX_OCCURRENCES` (a CartPricingError ``schedule_bound`` beyond)."""
        assert self.recurrence is not None, "a scheduled gate"
        last = None
        for n, occurrence in enumerate(self.recurrence):
            if occurrence > at:
                return last, occurrence
            if n >= MAX_OCCURRENCES:
                raise CartPricingError(
                    "schedule_bound", f"a schedule would walk more than {MAX_OCCURRENCES:,} "
                    "occurrences from its start to reach this time",
                    path="at", value=at.isoformat(), option="at",
                    expected="a time nearer the schedule's start")
            last = occurrence
        return last, None
