"""Numbers, money and times as a reader of each language expects them.

Money is grouped by thousands with the currency's own minor unit (two decimals for CNY and USD,
none for JPY, three for KWD) and a symbol chosen per language: CNY is ``¥`` in Chinese and ``CN¥``
in English (CLDR's choice: plain ``¥`` is also the yen to an English reader), JPY is ``JP¥`` in
Chinese and ``¥`` in English. A currency without a symbol here is written with its code.

>>> format_money(Money.of("1234.5", "CNY"), "zh")
'¥1,234.50'
>>> format_money(-Money.of("50", "CNY"), "en")
'-CN¥50.00'
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, tzinfo
from decimal import Decimal

from promokit._errors import ExplainError
from promokit._money import MINOR_UNITS, Money

LANGS = ("en", "zh")

_SYMBOLS = {
    "en": {"CNY": "CN¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$",
           "TWD": "NT$", "MOP": "MOP$", "SGD": "S$", "AUD": "A$", "CAD": "CA$", "NZD": "NZ$",
           "KRW": "₩", "INR": "₹", "VND": "₫", "ILS": "₪", "PHP": "₱", "THB": "฿"},
    "zh": {"CNY": "¥", "USD": "US$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$",
           "TWD": "NT$", "MOP": "MOP$", "SGD": "S$", "AUD": "A$", "CAD": "CA$", "NZD": "NZ$",
           "KRW": "₩", "INR": "₹", "VND": "₫", "ILS": "₪", "PHP": "₱", "THB": "฿"},
}


def check_lang(lang: str) -> str:
    """``lang`` when it is a supported language, else an :class:`ExplainError` naming them."""
    if lang not in LANGS:
        raise ExplainError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    return lang


def group_digits(minor: int, digits: int) -> str:
    """Minor units as grouped digits without a sign: ``123450, 2 -> '1,234.50'``."""
    whole, frac = divmod(abs(minor), 10**digits)
    text = f"{whole:,}"
    return f"{text}.{frac:0{digits}d}" if digits else text


def format_money(money: Money, lang: str = "en") -> str:
    """``money`` with its currency symbol and grouped digits, in ``lang`` (``en`` or ``zh``)."""
    return format_minor_money(money.minor, money.currency, lang)


def format_minor_money(minor: int, currency: str, lang: str = "en") -> str:
    """Minor units of ``currency`` formatted as :func:`format_money` does."""
    digits = MINOR_UNITS[currency]
    sign = "-" if minor < 0 else ""
    symbol = _SYMBOLS[check_lang(lang)].get(currency)
    body = group_digits(minor, digits)
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{currency} {body}"


def format_amount(value: Decimal, currency: str, lang: str = "en") -> str:
    """A campaign's decimal amount (major units) as money of ``currency``."""
    minor = int(Decimal(value).scaleb(MINOR_UNITS[currency]).to_integral_value())
    return format_minor_money(minor, currency, lang)


def format_number(value: object) -> str:
    """A Decimal as a person writes it: ``300``, ``12.5``, ``1.5``."""
    dec = Decimal(str(value))
    if dec == dec.to_integral_value():
        return str(int(dec))
    return f"{dec.normalize():f}"


def format_time(moment: datetime, tz: tzinfo | None = None, *, offset: bool = False) -> str:
    """``2026-11-11 00:05`` (seconds when not zero), in ``tz`` when given; ``+08:00`` on request."""
    if tz is not None:
        moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
    text = moment.strftime("%Y-%m-%d %H:%M" + (":%S" if moment.second else ""))
    zone = moment.strftime("%z") if offset else ""
    return f"{text} {zone[:3]}:{zone[3:5]}" if zone else text


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text: object, size: int) -> str:
    """``text`` padded on the right to ``size`` terminal columns."""
    s = str(text)
    return s + " " * max(0, size - width(s))


def rjust(text: object, size: int) -> str:
    """``text`` padded on the left to ``size`` terminal columns."""
    s = str(text)
    return " " * max(0, size - width(s)) + s


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # category Cc, less \t and \n


def plain(text: str) -> str:
    """``text`` without control characters (a terminal escape in a product name stays inert)."""
    return _CONTROL.sub("", text)
