"""Money, times and schedules in words, per language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from promokit import Money
from promokit.explain import ExplainError, describe_schedule, format_money
from promokit.explain._format import format_time, ljust, plain, width


@pytest.mark.parametrize(("amount", "currency", "lang", "shown"), [
    ("1234.5", "CNY", "zh", "¥1,234.50"),
    ("1234.5", "CNY", "en", "CN¥1,234.50"),
    ("1234.5", "USD", "en", "$1,234.50"),
    ("1234.5", "USD", "zh", "US$1,234.50"),
    ("1234567", "JPY", "en", "¥1,234,567"),
    ("1234567", "JPY", "zh", "JP¥1,234,567"),
    ("0.05", "EUR", "en", "€0.05"),
    ("1.234", "KWD", "en", "KWD 1.234"),
    ("0", "CNY", "zh", "¥0.00"),
])
def test_format_money(amount: str, currency: str, lang: str, shown: str) -> None:
    """Grouped digits, the currency's minor unit, and a symbol chosen per language."""
    assert format_money(Money.of(amount, currency), lang) == shown


def test_format_money_negative_puts_the_sign_first() -> None:
    """A discount reads -¥50.00."""
    assert format_money(-Money.of("50", "CNY"), "zh") == "-¥50.00"


def test_unknown_language_is_an_explain_error() -> None:
    """An unknown language names the supported ones."""
    with pytest.raises(ExplainError, match="expected one of en, zh"):
        format_money(Money.of("1", "CNY"), "fr")


@pytest.mark.parametrize(("rule", "hours", "en", "zh"), [
    ("FREQ=MONTHLY;BYMONTHDAY=8", 24, "on the 8th of every month", "每月8日"),
    ("FREQ=MONTHLY;BYMONTHDAY=1,-1", 24, "on the 1st and the last day of every month",
     "每月1日、最后一天"),
    ("FREQ=WEEKLY;BYDAY=MO,WE", 24, "every Monday and Wednesday", "每周一、周三"),
    ("FREQ=WEEKLY;BYDAY=FR;BYHOUR=20", 4, "every Friday from 20:00, for 4 hours",
     "每周五 20:00 起，持续4小时"),
    ("FREQ=DAILY", 24, "every day", "每天"),
    ("FREQ=DAILY;INTERVAL=2", 2, "every 2 days, for 2 hours", "每2天，持续2小时"),
    ("FREQ=MONTHLY;BYDAY=-1FR", 24, "on the last Friday of every month", "每月最后一个周五"),
    ("FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=11", 24, "every year on 11 November", "每年11月11日"),
])
def test_schedules_in_words(rule: str, hours: int, en: str, zh: str) -> None:
    """Common recurrences read as people write them."""
    assert describe_schedule(rule, hours, "en") == en
    assert describe_schedule(rule, hours, "zh") == zh


def test_unusual_schedule_falls_back_to_the_rule_text() -> None:
    """A shape without words is shown exactly as written."""
    rule = "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR"
    assert describe_schedule(rule, lang="en") == f"by the rule {rule}"
    assert describe_schedule(rule, lang="zh") == f"按规则 {rule}"


def test_format_time_in_the_campaign_zone() -> None:
    """Naive times are read in the zone; aware times are converted; the offset on request."""
    tz = ZoneInfo("Asia/Shanghai")
    assert format_time(datetime(2026, 11, 10, 20, 0), tz) == "2026-11-10 20:00"
    aware = datetime.fromisoformat("2026-11-10T12:00:00+00:00")
    assert format_time(aware, tz, offset=True) == "2026-11-10 20:00 +08:00"


def test_terminal_width_counts_cjk_as_two_columns() -> None:
    """Chinese text is padded by columns, not characters."""
    assert width("店铺A") == 5
    assert ljust("店铺A", 8) == "店铺A   "


def test_plain_drops_control_characters() -> None:
    """A terminal escape in a name cannot reach the terminal."""
    assert plain("tea\x1b[31m\x07\n") == "tea[31m\n"
