"""Member days and other recurring schedules, read in the campaign's time zone (DOMAIN.md:
member-tier perks such as "member days such as every month on the 8th")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import promokit
from promokit import PricingError
from promokit.rules import Reason

from ._support import applied, campaign, cart, cny, core, line, missed

SNACK = Path(__file__).resolve().parents[2] / "examples" / "snack-tiers" / "campaign.yaml"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def snack() -> promokit.Campaign:
    """The seed campaign, whose member day is FREQ=MONTHLY;BYMONTHDAY=8 (gold and up, 满100减10)."""
    return promokit.load_campaign(SNACK)


def gold_cart(at: str) -> dict[str, Any]:
    """One 128.00 bag of nuts for a gold member."""
    return cart(line("nuts", "128.00", shop="SNACK"), at=at, customer={"tier": "gold"})


@pytest.mark.parametrize("at", [
    "2026-11-08T00:30:00+08:00",   # 00:30 on the 8th in Shanghai ...
    "2026-11-07T16:30:00+00:00",   # ... the same instant, still the 7th in UTC
    "2026-11-08T00:30:00",         # naive: read in the campaign's zone
    "2026-11-08T00:00:00+08:00",   # the day starts at midnight, inclusive
    "2026-11-08T23:59:59+08:00"])
def test_member_day_open_on_the_8th_in_shanghai(snack: promokit.Campaign, at: str) -> None:
    """Open: 128 - 10 = 118, then gold 5% = 5.90 -> 112.10."""
    r = core(snack.price(gold_cart(at)))
    assert applied(r, "member-day").amount == cny("10")
    assert r.payable == cny("112.10")


@pytest.mark.parametrize(("at", "next_open"), [
    ("2026-11-09T00:00:00+08:00", datetime(2026, 12, 8, tzinfo=SHANGHAI)),
    ("2026-11-09T10:00:00+08:00", datetime(2026, 12, 8, tzinfo=SHANGHAI)),
    ("2026-11-08T20:00:00+00:00", datetime(2026, 12, 8, tzinfo=SHANGHAI)),  # the 8th in UTC only
    ("2026-11-07T23:59:59+08:00", datetime(2026, 11, 8, tzinfo=SHANGHAI)),
    ("2026-12-31T10:00:00+08:00", datetime(2027, 1, 8, tzinfo=SHANGHAI))])
def test_member_day_closed_says_when_it_next_opens(snack: promokit.Campaign, at: str,
                                                   next_open: datetime) -> None:
    """Closed: reason off_schedule and next_open = the next 8th, 00:00 Shanghai; 128 x 0.95."""
    r = core(snack.price(gold_cart(at)))
    miss = missed(r, "member-day")
    assert miss.reason == Reason.OFF_SCHEDULE == "off_schedule"
    assert miss.next_open == next_open
    assert next_open.isoformat() in miss.message
    assert r.payable == cny("121.60")   # 128 - 5% (6.40)


def test_tier_is_checked_before_the_schedule(snack: promokit.Campaign) -> None:
    """A silver customer on the member day is told the tier, not the time, is the problem."""
    r = snack.price(cart(line("nuts", "128.00", shop="SNACK"), at="2026-11-08T10:00:00+08:00",
                         customer={"tier": "silver"}))
    miss = missed(r, "member-day")
    assert (miss.reason, miss.next_open) == (Reason.TIER_NOT_ELIGIBLE, None)


def test_schedule_needs_a_time(snack: promokit.Campaign) -> None:
    """A scheduled rule cannot be judged without the cart's 'at' (or at=...)."""
    with pytest.raises(PricingError, match=r"'member-day'.*no 'at' time"):
        snack.price(cart(line("nuts", "128.00", shop="SNACK"), customer={"tier": "gold"}))
    # the at= argument overrides the cart's own time
    r = snack.price(gold_cart("2026-11-09T10:00:00+08:00"),
                    at=datetime(2026, 11, 8, 12, tzinfo=SHANGHAI))
    assert r.payable == cny("112.10")


HAPPY_HOUR = {"id": "hh", "kind": "threshold", "stage": "shop", "scope": "order",
              "min_spend": 0, "discount": 5,
              "schedule": {"rrule": "FREQ=MONTHLY;BYMONTHDAY=8", "hours": 2}}


@pytest.mark.parametrize(("at", "open_"), [
    ("2026-11-08T01:59:59+08:00", True), ("2026-11-08T02:00:00+08:00", False)])
def test_hours_bound_each_occurrence(at: str, open_: bool) -> None:
    """hours: 2 opens 00:00-02:00 (end exclusive) on each 8th."""
    r = campaign(HAPPY_HOUR).price(cart(line("a", "50.00"), at=at))
    assert r.payable == cny("45.00" if open_ else "50.00")
    if not open_:
        assert missed(r, "hh").next_open == datetime(2026, 12, 8, tzinfo=SHANGHAI)


def test_no_next_open_after_the_window_ends() -> None:
    """A schedule inside a window that ends before the next 8th: 'does not open again'."""
    rule = {**HAPPY_HOUR, "window": {"start": "2026-01-01T00:00:00",
                                     "end": "2026-12-01T00:00:00"}}
    miss = missed(campaign(rule).price(cart(line("a", "50.00"),
                                            at="2026-11-20T10:00:00+08:00")), "hh")
    assert (miss.reason, miss.next_open) == (Reason.OFF_SCHEDULE, None)
    assert "does not open again" in miss.message


def test_weekly_schedule_in_the_campaign_zone() -> None:
    """FREQ=WEEKLY;BYDAY=FR: Friday 2026-11-13 00:30 Shanghai is open (Thursday in UTC)."""
    rule = {**HAPPY_HOUR, "schedule": {"rrule": "FREQ=WEEKLY;BYDAY=FR"}}
    c = campaign(rule)
    assert c.price(cart(line("a", "50.00"), at="2026-11-12T16:30:00Z")).payable == cny("45")
    miss = missed(c.price(cart(line("a", "50.00"), at="2026-11-14T00:30:00+08:00")), "hh")
    assert miss.next_open == datetime(2026, 11, 20, tzinfo=SHANGHAI)
