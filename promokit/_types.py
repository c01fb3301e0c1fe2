"""Validated field types shared by the cart and campaign models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from promokit._errors import MoneyError
from promokit._money import parse_decimal


def _exact_number(value: object) -> Decimal:
    try:
        dec = parse_decimal(value, "value")  # first: a JSON 1e400 is too large, not just a float
    except MoneyError as exc:
        raise ValueError(str(exc)) from None
    if type(value).__name__ == "JsonFloat":
        raise ValueError(
            f"{value} is a JSON float; write money as a decimal string such as \"{value}\""
        )
    return dec


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(f"{value} is negative; expected an amount >= 0")
    return value


def _percent(value: Decimal) -> Decimal:
    if not 0 <= value <= 100:
        raise ValueError(f"{value} is outside 0..100; expected a percent such as 15 for 15% off")
    return value


def _positive_int(value: object) -> object:
    if isinstance(value, bool | float | Decimal):
        raise ValueError(f"{value} is not a whole number; expected an integer >= 1")
    return value


#: A non-negative exact amount in major units (decimal string, int or exact Decimal; never float).
Amount = Annotated[Decimal, BeforeValidator(_exact_number), AfterValidator(_non_negative)]
#: A percent in 0..100, exact.
Percent = Annotated[Decimal, BeforeValidator(_exact_number), AfterValidator(_percent)]
#: The most units a count may say: bounds every per-unit search (multibuy, bundle).
MAX_COUNT = 100_000
#: A whole count of at least one (and at most MAX_COUNT).
Count = Annotated[int, BeforeValidator(_positive_int), Field(ge=1, le=MAX_COUNT, strict=False)]
#: A non-empty identifier.
Ident = Annotated[str, Field(min_length=1, max_length=200)]
