"""Exact money: a currency with its minor unit, amounts in integer minor units, explicit rounding.

Floats are refused everywhere: ``Money.of(0.1, "CNY")`` raises, ``Money.of("0.10", "CNY")`` is
ten fen. Inside the engine amounts are plain ``int`` minor units; ``Money`` is the boundary type.

>>> Money.of("128.00", "CNY") * 2
Money('256.00', 'CNY')
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Final

from promokit._errors import CurrencyMismatchError, MoneyError

#: ISO 4217 minor units of the currencies promokit knows.
MINOR_UNITS: Final[dict[str, int]] = {
    "CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "HKD": 2, "MOP": 2, "TWD": 2, "SGD": 2,
    "AUD": 2, "CAD": 2, "NZD": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2,
    "CZK": 2, "INR": 2, "THB": 2, "MYR": 2, "PHP": 2, "IDR": 2, "RUB": 2, "BRL": 2,
    "MXN": 2, "ZAR": 2, "AED": 2, "SAR": 2, "TRY": 2, "ILS": 2,
    "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2,
    "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3,
}


#: Amounts are refused from 10**MAX_DIGITS major units up: no price is that large, and a merchant's
#: typo such as 1e400 must not reach the arithmetic.
MAX_DIGITS = 15


class Rounding(StrEnum):
    """How a fraction of a minor unit is rounded; campaigns declare one."""

    HALF_UP = "half_up"      # 0.5 away from zero: 1.005 -> 1.01
    HALF_EVEN = "half_even"  # banker's rounding: 1.005 -> 1.00, 1.015 -> 1.02
    DOWN = "down"            # towards zero (truncate)
    UP = "up"                # away from zero


def currency_digits(code: str) -> int:
    """The minor-unit digits of an ISO 4217 code, or a MoneyError naming the known ones."""
    try:
        return MINOR_UNITS[code]
    except (KeyError, TypeError):
        raise MoneyError(
            f"unknown currency {code!r} (expected an ISO 4217 code such as CNY, USD, EUR, JPY)"
        ) from None


def round_div(numerator: int, denominator: int, mode: Rounding = Rounding.HALF_UP) -> int:
    """``numerator / denominator`` rounded to an integer, exactly, for non-negative results."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator < 0:
        return -round_div(-numerator, denominator, mode)
    q, r = divmod(numerator, denominator)
    if r == 0 or mode is Rounding.DOWN:
        return q
    if mode is Rounding.UP:
        return q + 1
    twice = 2 * r
    if twice > denominator:
        return q + 1
    if twice < denominator:
        return q
    if mode is Rounding.HALF_UP:
        return q + 1
    return q + (q & 1)  # half even


def parse_decimal(value: object, what: str = "amount") -> Decimal:
    """A finite Decimal from a decimal string, int or Decimal; floats, bools and NaN are refused."""
    if isinstance(value, bool | float):
        raise MoneyError(
            f"{what} {value!r} is a {type(value).__name__}; write it as a decimal string "
            f"such as \"19.90\" (floats cannot hold money exactly)"
        )
    if isinstance(value, int):  # bounded as text is: a JSON or YAML integer of 10^20 too
        if abs(value) >= 10**MAX_DIGITS:
            raise MoneyError(f"{what} {_short(value)} is too large "
                             f"(expected less than 10^{MAX_DIGITS})")
        return Decimal(value)
    if isinstance(value, Decimal):
        dec = value
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            dec = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"{what} {value!r} is not a decimal number") from None
    else:
        raise MoneyError(f"{what} {value!r} is not a decimal number")
    shown = str(value) if isinstance(value, Decimal) else repr(value)
    if not dec.is_finite():
        raise MoneyError(f"{what} {shown} is not a finite number")
    if dec and dec.adjusted() >= MAX_DIGITS:
        raise MoneyError(f"{what} {shown} is too large (expected less than 10^{MAX_DIGITS})")
    return dec


def _short(value: int) -> str:
    """A huge integer as a short text (``1000...000 (27 digits)``)."""
    text = str(value)
    return text if len(text) <= 24 else f"{text[:10]}...{text[-3:]} ({len(text)} digits)"


def to_minor(value: object, digits: int, what: str = "amount") -> int:
    """Exact minor units of a decimal amount; more decimals than the currency has is an error."""
    dec = parse_decimal(value, what)
    scaled = dec.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise MoneyError(
            f"{what} {value!r} has more than {digits} decimal place{'s' if digits != 1 else ''}"
        )
    return int(scaled)


@lru_cache(maxsize=8192)
def format_minor(minor: int, digits: int) -> str:
    """Minor units as a plain decimal string: ``12345, 2 -> '123.45'`` (memoised: the same
    amounts recur in every result)."""
    if digits == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


class Money:
    """An exact amount of one currency, held as integer minor units; immutable and hashable."""

    __slots__ = ("currency", "minor")
    minor: int
    currency: str

    def __init__(self, minor: int, currency: str) -> None:
        if not isinstance(minor, int) or isinstance(minor, bool):
            raise MoneyError(f"minor units must be an int, not {type(minor).__name__}")
        currency_digits(currency)
        _set(self, "minor", minor)
        _set(self, "currency", currency)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable; arithmetic returns a new Money")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Money is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.minor == other.minor and self.currency == other.currency

    def __hash__(self) -> int:
        return hash((self.minor, self.currency))

    def __reduce__(self) -> tuple[object, ...]:
        return (Money, (self.minor, self.currency))

    @classmethod
    def of(cls, value: object, currency: str) -> Money:
        """Money from a decimal string, int or Decimal, in major units: ``Money.of("9.9", "USD")``.
        """
        return cls(to_minor(value, currency_digits(currency)), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in ``currency``."""
        return cls(0, currency)

    @classmethod
    def rounded(cls, value: object, currency: str, rounding: Rounding = Rounding.HALF_UP) -> Money:
        """Money from any exact decimal, rounded to the currency's minor unit with ``rounding``."""
        dec = parse_decimal(value)
        digits = currency_digits(currency)
        num, den = dec.scaleb(digits).as_integer_ratio()
        return cls(round_div(num, den, Rounding(rounding)), currency)

    @property
    def digits(self) -> int:
        """Minor-unit digits of the currency (2 for CNY, 0 for JPY)."""
        return MINOR_UNITS[self.currency]

    @property
    def amount(self) -> Decimal:
        """The amount in major units as an exact Decimal."""
        return Decimal(self.minor).scaleb(-self.digits)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise MoneyError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(self.currency, other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        return money(self.minor + self._same(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return money(self.minor - self._same(other).minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise MoneyError(
                f"Money can be multiplied by an int only, not {type(factor).__name__}; "
                "use Money.rounded for fractions"
            )
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._same(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._same(other).minor

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._same(other).minor

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._same(other).minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def __str__(self) -> str:
        return f"{format_minor(self.minor, self.digits)} {self.currency}"

    def __repr__(self) -> str:
        return f"Money({format_minor(self.minor, self.digits)!r}, {self.currency!r})"

    def to_json(self) -> str:
        """The amount as a decimal string, the interchange form: ``'123.45'``."""
        return format_minor(self.minor, MINOR_UNITS[self.currency])


_new = object.__new__
_set = object.__setattr__


def money(minor: int, currency: str) -> Money:
    """Money from trusted minor units and a known currency, without re-validation (hot path)."""
    m = _new(Money)
    _set(m, "minor", minor)
    _set(m, "currency", currency)
    return m
