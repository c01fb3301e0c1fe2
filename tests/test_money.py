"""Tests for promokit._money: exact amounts, refused inputs, currencies and rounding modes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from support import cny

from promokit import CurrencyMismatchError, Money, MoneyError, Rounding
from promokit._money import round_div

# --- exactness ----------------------------------------------------------------------------------


def test_tenths_add_exactly() -> None:
    """0.10 + 0.20 is exactly 0.30 (the float classic 0.1 + 0.2 != 0.3 cannot happen)."""
    assert cny("0.10") + cny("0.20") == cny("0.30")
    assert (cny("0.10") + cny("0.20")).minor == 30  # 10 + 20 fen


def test_one_fen_a_hundred_times_is_one_yuan() -> None:
    """Summing 0.01 a hundred times gives exactly 1.00."""
    total = sum((cny("0.01") for _ in range(100)), Money.zero("CNY"))
    assert total == cny("1.00")  # 100 x 1 fen = 100 fen


def test_of_accepts_str_int_and_decimal_alike() -> None:
    """A decimal string, an int and a Decimal of the same value make equal Money."""
    assert cny("12.30") == Money.of(Decimal("12.3"), "CNY") == Money(1230, "CNY")
    assert Money.of(12, "CNY") == cny("12.00")  # 12 yuan = 1200 fen


def test_amount_and_json_are_exact() -> None:
    """amount is an exact Decimal and to_json a fixed-point string with the currency's digits."""
    m = cny("128.5")
    assert m.amount == Decimal("128.50")
    assert m.to_json() == "128.50"
    assert str(m) == "128.50 CNY"
    assert repr(m) == "Money('128.50', 'CNY')"


def test_negative_amounts_format_with_sign() -> None:
    """A negative amount keeps its sign and its fen: -(0.05) formats as -0.05."""
    assert (-cny("0.05")).to_json() == "-0.05"
    assert (cny("1.00") - cny("3.25")).to_json() == "-2.25"  # 100 - 325 = -225 fen


def test_multiply_by_int_only() -> None:
    """Money times an int is exact; times a float, bool or Decimal is refused."""
    assert cny("128.00") * 2 == cny("256.00")
    assert 3 * cny("0.33") == cny("0.99")  # 3 x 33 fen
    for factor in (1.5, True, Decimal("2")):
        with pytest.raises(MoneyError):
            cny("1.00") * factor  # type: ignore[operator]


# --- refused inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.1, 19.9, 1.0, float("nan")])
def test_floats_are_refused(value: float) -> None:
    """A float amount is refused, even one that looks round such as 1.0."""
    with pytest.raises(MoneyError, match="float"):
        Money.of(value, "CNY")


@pytest.mark.parametrize("value", [True, False])
def test_bools_are_refused(value: bool) -> None:
    """True and False are not amounts, although bool is a subclass of int."""
    with pytest.raises(MoneyError):
        Money.of(value, "CNY")
    with pytest.raises(MoneyError):
        Money(value, "CNY")


def test_minor_units_must_be_an_int() -> None:
    """Constructing Money directly with a float or Decimal for minor units is refused."""
    with pytest.raises(MoneyError):
        Money(1.0, "CNY")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(Decimal(1), "CNY")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["abc", "", "1,00", "NaN", "Infinity", Decimal("NaN")])
def test_non_numbers_are_refused(value: object) -> None:
    """Text that is not a finite decimal number is refused."""
    with pytest.raises(MoneyError):
        Money.of(value, "CNY")


@pytest.mark.parametrize("code", ["XXX", "cny", "", None])
def test_unknown_currency_is_refused(code: object) -> None:
    """An unknown or malformed currency code is refused."""
    with pytest.raises(MoneyError):
        Money.of("1.00", code)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "code"), [("1.005", "CNY"), ("0.001", "USD"),
                                             ("1.5", "JPY"), ("100.1", "KRW"),
                                             ("1.0001", "KWD")])
def test_too_many_decimals_are_refused(value: str, code: str) -> None:
    """More decimal places than the currency's minor unit is an error, never a silent rounding."""
    with pytest.raises(MoneyError, match="decimal place"):
        Money.of(value, code)


def test_trailing_zeros_beyond_the_minor_unit_are_fine() -> None:
    """12.300 CNY and 100.0 JPY are exact, so they are accepted."""
    assert cny("12.300") == cny("12.30")
    assert Money.of("100.0", "JPY") == Money(100, "JPY")


# --- currencies -------------------------------------------------------------------------------


def test_mixed_currencies_error_names_both() -> None:
    """Adding, subtracting or comparing CNY with USD raises an error naming both codes."""
    a, b = cny("1.00"), Money.of("1.00", "USD")
    for op in (lambda: a + b, lambda: a - b, lambda: a < b, lambda: a >= b):
        with pytest.raises(CurrencyMismatchError) as exc:
            op()
        assert "CNY" in str(exc.value)
        assert "USD" in str(exc.value)
        assert isinstance(exc.value, MoneyError)


def test_equal_minor_in_different_currencies_is_not_equal() -> None:
    """1.00 CNY and 1.00 USD are different values (equality does not raise, it is False)."""
    assert cny("1.00") != Money.of("1.00", "USD")


def test_money_does_not_combine_with_plain_numbers() -> None:
    """Adding an int or a Decimal to Money is refused: the currency would be a guess."""
    with pytest.raises(MoneyError):
        cny("1.00") + 1  # type: ignore[operator]
    with pytest.raises(MoneyError):
        cny("1.00") + Decimal("1")  # type: ignore[operator]


@pytest.mark.parametrize("code", ["JPY", "KRW"])
def test_zero_digit_currencies(code: str) -> None:
    """JPY and KRW have no minor unit: 1000 yen is 1000 minor units and prints without a point."""
    m = Money.of("1000", code)
    assert m.minor == 1000
    assert m.digits == 0
    assert m.to_json() == "1000"
    assert str(m) == f"1000 {code}"


def test_three_digit_currency() -> None:
    """KWD has three decimal places: 1.234 KWD is 1234 fils."""
    assert Money.of("1.234", "KWD").minor == 1234
    assert Money(5, "KWD").to_json() == "0.005"


# --- rounding -------------------------------------------------------------------------------


ROUND_CASES = [
    # (numerator, denominator, half_up, half_even, down, up)
    (7, 2, 4, 4, 3, 4),        # 3.5: even neighbour is 4
    (5, 2, 3, 2, 2, 3),        # 2.5: even neighbour is 2
    (10, 4, 3, 2, 2, 3),       # 2.5 again, not in lowest terms
    (-5, 2, -3, -2, -2, -3),   # -2.5: half_up is away from zero, down is towards zero
    (-7, 2, -4, -4, -3, -4),   # -3.5
    (5, 3, 2, 2, 1, 2),        # 1.67
    (4, 3, 1, 1, 1, 2),        # 1.33
    (-4, 3, -1, -1, -1, -2),   # -1.33
    (-1, 3, 0, 0, 0, -1),      # -0.33
    (6, 3, 2, 2, 2, 2),        # exact: every mode agrees
    (0, 7, 0, 0, 0, 0),
]


@pytest.mark.parametrize(("num", "den", "half_up", "half_even", "down", "up"), ROUND_CASES)
def test_round_div_modes(num: int, den: int, half_up: int, half_even: int, down: int,
                         up: int) -> None:
    """round_div rounds exactly in each mode, negatives symmetrically about zero."""
    assert round_div(num, den, Rounding.HALF_UP) == half_up
    assert round_div(num, den, Rounding.HALF_EVEN) == half_even
    assert round_div(num, den, Rounding.DOWN) == down
    assert round_div(num, den, Rounding.UP) == up


def test_round_div_default_is_half_up() -> None:
    """Without a mode round_div rounds halves up: 2.5 -> 3."""
    assert round_div(5, 2) == 3


@pytest.mark.parametrize("den", [0, -2])
def test_round_div_refuses_non_positive_denominator(den: int) -> None:
    """A zero or negative denominator is a ValueError."""
    with pytest.raises(ValueError):
        round_div(5, den)


@pytest.mark.parametrize(("value", "mode", "fen"), [
    ("1.005", "half_up", 101),     # 100.5 fen, half away from zero
    ("1.005", "half_even", 100),   # 100.5 fen, 100 is even
    ("1.015", "half_even", 102),   # 101.5 fen, 102 is even
    ("1.005", "down", 100),
    ("1.001", "up", 101),          # 100.1 fen, away from zero
    ("-1.005", "half_up", -101),   # -100.5 fen, away from zero
    ("-1.005", "half_even", -100),
    ("-1.009", "down", -100),      # towards zero
    ("-1.001", "up", -101),        # away from zero
    ("4.9995", "half_up", 500),    # 15% of 33.33 = 499.95 fen
    ("2.675", "half_up", 268),     # the float 2.675 would round to 2.67
])
def test_rounded_modes(value: str, mode: str, fen: int) -> None:
    """Money.rounded rounds an exact decimal to the fen with the given mode."""
    assert Money.rounded(value, "CNY", Rounding(mode)).minor == fen


def test_rounded_to_zero_digit_currency() -> None:
    """Money.rounded to JPY rounds to whole yen: 2.5 -> 3 half_up, 2 half_even."""
    assert Money.rounded("2.5", "JPY", Rounding.HALF_UP) == Money(3, "JPY")
    assert Money.rounded("2.5", "JPY", Rounding.HALF_EVEN) == Money(2, "JPY")


def test_rounded_refuses_floats() -> None:
    """Money.rounded refuses a float like Money.of does."""
    with pytest.raises(MoneyError):
        Money.rounded(2.675, "CNY")


def test_ordering_within_one_currency() -> None:
    """Comparisons within one currency follow the amounts."""
    assert cny("0.99") < cny("1.00") <= cny("1.00") < cny("10.00")
    assert cny("10.00") > cny("9.99") >= cny("9.99")
    assert not cny("0.00")
    assert cny("0.01")
