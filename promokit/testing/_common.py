"""What every strategy shares: default vocabularies, cached small strategies, money bounds."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from promokit._money import MINOR_UNITS

SKUS = ("S1", "S2", "S3", "S4", "S5")
CATEGORIES = ("tea", "snack", "cup")
BRANDS = ("kiln", "crunch")
TAGS = ("double11", "3for2", "new")
STAGES = ("item", "shop", "cross_store", "platform")


@cache
def _int(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@cache
def _of(*options: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)


@cache
def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@cache
def _subset(options: tuple[str, ...], low: int, high: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(options), min_size=low, max_size=high, unique=True)


def _digits(currency: str) -> int:
    if currency not in MINOR_UNITS:
        raise InvalidArgument(f"unknown currency {currency!r}; expected one of "
                              f"{', '.join(sorted(MINOR_UNITS))}")
    return MINOR_UNITS[currency]


def _minor_range(low: object, high: object, digits: int, what: str) -> tuple[int, int]:
    """``[low, high]`` in major units as minor units, rounded inward to the currency's unit."""
    try:
        lo = Decimal(str(low)).scaleb(digits).to_integral_value(ROUND_CEILING)
        hi = Decimal(str(high)).scaleb(digits).to_integral_value(ROUND_FLOOR)
    except ArithmeticError:
        raise InvalidArgument(f"{what} bounds {low!r}, {high!r} are not decimal amounts") from None
    if not 0 <= lo <= hi:
        raise InvalidArgument(f"{what} bounds {low!r}, {high!r}: expected 0 <= low <= high, with "
                              f"at least one amount of {digits} decimal places between them")
    return int(lo), int(hi)


def _percent(tenths: int) -> str:
    """A percent given in tenths, as the shortest decimal string: 150 -> "15", 155 -> "15.5"."""
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
