"""Recurring schedules in words: ``FREQ=MONTHLY;BYMONTHDAY=8`` is 每月8日, "on the 8th of every
month".

The common shapes are translated (daily, weekly on named days, monthly on days of the month or on
the n-th weekday, yearly on a date; an interval; a start hour; how long each occurrence lasts).
Anything else is shown as the rule text itself, which is still exact.

>>> describe_schedule("FREQ=MONTHLY;BYMONTHDAY=8", lang="zh")
'每月8日'
>>> describe_schedule("FREQ=WEEKLY;BYDAY=FR;BYHOUR=20", hours=4)
'every Friday from 20:00, for 4 hours'
"""

from __future__ import annotations

import re

from promokit.explain._format import check_lang

_DAYS = {"MO": ("Monday", "一"), "TU": ("Tuesday", "二"), "WE": ("Wednesday", "三"),
         "TH": ("Thursday", "四"), "FR": ("Friday", "五"), "SA": ("Saturday", "六"),
         "SU": ("Sunday", "日")}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_ORD_EN = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_ORD_ZH = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", 5: "第五个", -1: "最后一个"}
_KNOWN = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYHOUR", "BYMINUTE", "WKST"}


class _Untranslated(ValueError):
    """A rule shape this module does not put in words."""


def describe_schedule(rrule: str, hours: int = 24, lang: str = "en") -> str:
    """A recurrence rule (and the hours each occurrence lasts) in plain words, or the rule text."""
    check_lang(lang)
    try:
        parts = _parse(rrule)
        zh = lang == "zh"
        start = _start(parts)
        text = _zh(parts) if zh else _en(parts)
    except (_Untranslated, ValueError, KeyError):
        return f"按规则 {rrule}" if lang == "zh" else f"by the rule {rrule}"
    if start:
        text += f" {start} 起" if zh else f" from {start}"
    if hours != 24 or start:
        text += f"，持续{hours}小时" if zh else f", for {hours} hours"
    return text


def _parse(rrule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rrule.strip().upper().split(";"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or key not in _KNOWN or key in parts:
            raise _Untranslated(item)
        parts[key] = value
    parts.pop("WKST", None)
    return parts


def _interval(parts: dict[str, str]) -> int:
    return int(parts.get("INTERVAL", "1"))


def _start(parts: dict[str, str]) -> str:
    hour, minute = parts.get("BYHOUR"), parts.get("BYMINUTE")
    if hour is None and minute is None:
        return ""
    if hour is None or "," in hour or (minute is not None and "," in minute):
        raise _Untranslated("BYHOUR")
    return f"{int(hour):02d}:{int(minute or 0):02d}"


def _weekdays(value: str) -> list[tuple[int | None, str]]:
    out = []
    for item in value.split(","):
        m = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", item)
        if m is None:
            raise _Untranslated(item)
        out.append((int(m.group(1)) if m.group(1) else None, m.group(2)))
    return out


def _monthdays(value: str) -> list[int]:
    days = [int(d) for d in value.split(",")]
    if any(d == 0 or not -31 <= d <= 31 for d in days):
        raise _Untranslated(value)
    return days


def _en_day(day: int) -> str:
    if day == -1:
        return "the last day"
    if day < 0:
        raise _Untranslated(str(day))
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"the {day}{suffix}"


def _en_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _en(parts: dict[str, str]) -> str:
    freq, n = parts.pop("FREQ", ""), _interval(parts)
    days = _weekdays(parts["BYDAY"]) if "BYDAY" in parts else []
    mdays = _monthdays(parts["BYMONTHDAY"]) if "BYMONTHDAY" in parts else []
    months = [int(m) for m in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else []
    if freq == "HOURLY" and not (days or mdays or months):
        return "every hour" if n == 1 else f"every {n} hours"
    if freq == "DAILY" and not (mdays or months):
        if days:
            if any(k is not None for k, _ in days):
                raise _Untranslated("BYDAY")
            return "every " + _en_list([_DAYS[d][0] for _, d in days])
        return "every day" if n == 1 else f"every {n} days"
    if freq == "WEEKLY" and not (mdays or months):
        if any(k is not None for k, _ in days):
            raise _Untranslated("BYDAY")
        names = _en_list([_DAYS[d][0] for _, d in days]) if days else "week"
        return f"every {names}" if n == 1 else f"every {n} weeks on {names}"
    if freq == "MONTHLY" and not months and bool(days) != bool(mdays):
        every = "every month" if n == 1 else f"every {n} months"
        if mdays:
            return f"on {_en_list([_en_day(d) for d in mdays])} of {every}"
        if any(k is None or k not in _ORD_EN for k, _ in days):
            raise _Untranslated("BYDAY")
        picked = [f"the {_ORD_EN[k]} {_DAYS[d][0]}" for k, d in days]  # type: ignore[index]
        return f"on {_en_list(picked)} of {every}"
    if freq == "YEARLY" and len(months) == 1 and mdays and not days and n == 1:
        dates = [f"{d} {_MONTHS[months[0] - 1]}" for d in mdays if d > 0]
        if len(dates) != len(mdays):
            raise _Untranslated("BYMONTHDAY")
        return f"every year on {_en_list(dates)}"
    raise _Untranslated(freq)


def _zh(parts: dict[str, str]) -> str:
    freq, n = parts.pop("FREQ", ""), _interval(parts)
    days = _weekdays(parts["BYDAY"]) if "BYDAY" in parts else []
    mdays = _monthdays(parts["BYMONTHDAY"]) if "BYMONTHDAY" in parts else []
    months = [int(m) for m in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else []
    if freq == "HOURLY" and not (days or mdays or months):
        return "每小时" if n == 1 else f"每{n}小时"
    if freq in ("DAILY", "WEEKLY") and not (mdays or months):
        if any(k is not None for k, _ in days):
            raise _Untranslated("BYDAY")
        if days:
            names = "、".join("周" + _DAYS[d][1] for _, d in days)
            return ("每" if n == 1 else f"每{n}周的") + names
        if freq == "DAILY":
            return "每天" if n == 1 else f"每{n}天"
        return "每周" if n == 1 else f"每{n}周"
    if freq == "MONTHLY" and not months and bool(days) != bool(mdays):
        every = "每月" if n == 1 else f"每{n}个月"
        if mdays:
            if any(d < -1 for d in mdays):
                raise _Untranslated("BYMONTHDAY")
            return every + "、".join("最后一天" if d == -1 else f"{d}日" for d in mdays)
        if any(k is None or k not in _ORD_ZH for k, _ in days):
            raise _Untranslated("BYDAY")
        return every + "、".join(f"{_ORD_ZH[k]}周{_DAYS[d][1]}" for k, d in days)  # type: ignore[index]
    if freq == "YEARLY" and len(months) == 1 and mdays and not days and n == 1:
        if any(d < 1 for d in mdays):
            raise _Untranslated("BYMONTHDAY")
        return f"每年{months[0]}月" + "、".join(f"{d}日" for d in mdays)
    raise _Untranslated(freq)
