"""Tests for carts: the interchange format, and every way a cart can be wrong."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import promokit
from promokit import Cart, CartError, Problem
from promokit._input.validation import load_cart_data

ROOT = Path(__file__).resolve().parents[2]


def line(**fields: Any) -> dict[str, Any]:
    """A valid cart line, with ``fields`` replaced."""
    return {"id": "l1", "sku": "TEA-1", "shop": "A", "unit_price": "128.00", "quantity": 2,
            **fields}


def cart(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A valid cart of ``lines`` (one default line if none), with ``fields`` replaced."""
    return {"currency": "CNY", "lines": list(lines) or [line()], **fields}


def problems(data: object) -> list[Problem]:
    """The problems a cart is rejected with (the test fails if it is accepted)."""
    with pytest.raises(CartError) as info:
        load_cart_data(data, "cart.json")
    return list(info.value.problems)


def only(data: object) -> Problem:
    """The one problem a cart is rejected with."""
    found = problems(data)
    assert len(found) == 1, [p.render() for p in found]
    assert found[0].file == "cart.json"
    return found[0]


def from_json(tmp_path: Path, text: str) -> list[Problem]:
    """The problems of a cart file with this JSON text (read the way the CLI reads carts)."""
    path = tmp_path / "cart.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CartError) as info:
        promokit.load_cart(path)
    return list(info.value.problems)


# --- valid carts --------------------------------------------------------------------------------


def test_example_cart_loads_with_exact_decimals() -> None:
    """The Double 11 cart loads; prices are the Decimals written, not floats."""
    loaded = promokit.load_cart(ROOT / "examples" / "double11" / "cart.json")
    assert isinstance(loaded, Cart)
    assert loaded.lines[1].unit_price == Decimal("59.90")
    assert str(loaded.lines[1].unit_price) == "59.90"
    assert loaded.shipping == {"C": Decimal("8.00")}


def test_integer_prices_are_exact() -> None:
    """An integer price is fine: it is exact."""
    assert load_cart_data(cart(line(unit_price=128))).lines[0].unit_price == Decimal(128)


# --- quantities ---------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_of_zero_or_below(quantity: int) -> None:
    """A quantity must be a whole number of at least one."""
    p = only(cart(line(quantity=quantity)))
    assert (p.path, p.item, p.value, p.expected) == (
        "lines[0].quantity", "l1", quantity, "a whole number from 1 to 100000")
    assert p.message == f"{quantity} is too small"


@pytest.mark.parametrize("quantity", ["2.5", "two", True])
def test_quantity_that_is_not_a_whole_number(quantity: object) -> None:
    """Text, fractions and booleans are not quantities."""
    p = only(cart(line(quantity=quantity)))
    assert (p.path, p.item, p.value) == ("lines[0].quantity", "l1", quantity)
    assert p.render().startswith("cart.json: line 'l1': lines[0].quantity: ")
    assert p.expected in ("a whole number from 1 to 100000", "an integer >= 1")


def test_json_fraction_quantity(tmp_path: Path) -> None:
    """A JSON 2.5 quantity is refused as not a whole number."""
    [p] = from_json(tmp_path, json.dumps(cart()).replace('"quantity": 2', '"quantity": 2.5'))
    assert (p.path, p.value) == ("lines[0].quantity", Decimal("2.5"))
    assert p.expected == "an integer >= 1"


# --- amounts ------------------------------------------------------------------------------------


def test_json_float_price_asks_for_a_decimal_string(tmp_path: Path) -> None:
    """A JSON float price is refused with the fix: write money as a decimal string."""
    text = json.dumps(cart()).replace('"128.00"', "19.9")
    [p] = from_json(tmp_path, text)
    assert (p.path, p.value, p.file) == ("lines[0].unit_price", Decimal("19.9"),
                                         str(tmp_path / "cart.json"))
    assert "write money as a decimal string" in p.message
    assert p.item == "l1"
    assert p.message.startswith("19.9 is a JSON float")


def test_json_float_shipping_fee(tmp_path: Path) -> None:
    """Shipping fees are money too: a float is refused there as well."""
    [p] = from_json(tmp_path, json.dumps(cart(shipping={"A": "X"})).replace('"X"', "8.5"))
    assert (p.path, p.value) == ("shipping.A", Decimal("8.5"))
    assert "write money as a decimal string" in p.message


def test_json_nan_price(tmp_path: Path) -> None:
    """NaN is not even valid JSON for us: the reader refuses it."""
    [p] = from_json(tmp_path, json.dumps(cart()).replace('"128.00"', "NaN"))
    assert (p.value, p.expected) == ("NaN", "a finite number")


def test_negative_price() -> None:
    """A negative unit price names the line."""
    p = only(cart(line(unit_price="-1.00")))
    assert (p.path, p.item, p.value, p.expected) == (
        "lines[0].unit_price", "l1", "-1.00", "an amount >= 0")
    assert p.message == "-1.00 is negative"


@pytest.mark.parametrize(("price", "message"), [
    ("NaN", "'NaN' is not a finite number"),
    ("Infinity", "'Infinity' is not a finite number"),
    ("-inf", "'-inf' is not a finite number"),
    ("cheap", "'cheap' is not a decimal number"),
    ("", "'' is not a decimal number"),
])  # fmt: skip
def test_nan_infinite_and_non_numeric_price(price: str, message: str) -> None:
    """NaN, infinities and words are not prices."""
    p = only(cart(line(unit_price=price)))
    assert (p.path, p.item, p.value) == ("lines[0].unit_price", "l1", price)
    assert p.message == message


@pytest.mark.parametrize(("currency", "price", "expected"), [
    ("CNY", "1.001", "at most 2 decimal places for CNY"),
    ("JPY", "100.5", "a whole number of JPY (it has no minor unit)"),
    ("KWD", "1.0005", "at most 3 decimal places for KWD"),
])  # fmt: skip
def test_more_decimals_than_the_currency_has(currency: str, price: str, expected: str) -> None:
    """A price finer than the currency's minor unit cannot be charged."""
    p = only(cart(line(unit_price=price), currency=currency))
    assert (p.path, p.item, p.value, p.expected) == (
        "lines[0].unit_price", "l1", Decimal(price), expected)
    assert p.message == f"{price} has more decimals than {currency} has"
    assert f"(is: {price}, expected: {expected})" in p.render()


def test_shipping_fee_with_too_many_decimals() -> None:
    """Shipping fees follow the currency too."""
    p = only(cart(shipping={"A": "8.001"}))
    assert (p.path, p.value, p.expected) == ("shipping.A", Decimal("8.001"),
                                             "at most 2 decimal places for CNY")


def test_unknown_currency_suggests_the_iso_code() -> None:
    """RMB is what people say; CNY is the code."""
    p = only(cart(currency="RMB"))
    assert (p.path, p.value) == ("currency", "RMB")
    assert p.message == "unknown currency 'RMB'; did you mean 'CNY'?"
    assert p.expected == "an ISO 4217 code such as CNY, USD, EUR, JPY"


# --- lines --------------------------------------------------------------------------------------


def test_duplicate_line_ids() -> None:
    """A second line with an id is reported at its id, naming the first."""
    p = only(cart(line(), line(sku="TEA-2")))
    assert (p.path, p.item, p.value, p.expected) == (
        "lines[1].id", "l1", "l1", "a unique id per line")
    assert p.message == "duplicate line id (first at lines[0])"


def test_duplicate_ids_reported_with_other_problems() -> None:
    """Whole-cart checks still run when a field is wrong: every problem in one error."""
    found = problems(cart(line(quantity=0), line(unit_price="1.001")))
    assert [p.path for p in found] == ["lines[0].quantity", "lines[1].id", "lines[1].unit_price"]


def test_cart_built_directly_refuses_repeated_ids_and_extra_decimals() -> None:
    """Cart.model_validate skips the raw-cart checks, so the model keeps its own: the engine
    takes a cart's prices as exact minor units."""
    for data in (cart(line(), line(sku="TEA-2")), cart(line(unit_price="1.001")),
                 cart(shipping={"A": "8.001"})):
        with pytest.raises(ValidationError):
            Cart.model_validate(data)


def test_unknown_line_field_suggests_a_line_field() -> None:
    """qty abbreviates quantity; the suggestion comes from the line's own fields."""
    p = only(cart(line(qty=2)))
    assert (p.path, p.item, p.value, p.expected) == ("lines[0].qty", "l1", "qty", "'quantity'")
    assert p.message == "unknown field 'qty'; did you mean 'quantity'?"


def test_missing_line_field() -> None:
    """A missing field is named, with what it expects."""
    data = line()
    del data["shop"]
    p = only(cart(data))
    assert (p.message, p.item) == ("missing required field 'shop' for cart lines", "l1")
    assert (p.path, p.expected) == ("lines[0].shop", "a non-empty name")


def test_empty_cart() -> None:
    """A cart needs a line."""
    p = only(cart(lines=[]))
    assert (p.path, p.message) == ("lines", "needs at least 1 item")


def test_bad_time() -> None:
    """at must be an ISO-8601 time."""
    p = only(cart(at="tomorrow"))
    assert (p.path, p.value, p.message) == ("at", "tomorrow", "not a date and time")


@pytest.mark.parametrize("data", [None, [], "cart"])
def test_not_a_mapping(data: object) -> None:
    """A cart must be a JSON object."""
    p = only(data)
    assert p.message.startswith("a cart must be a mapping")


def test_every_problem_is_reported() -> None:
    """Five problems in three lines come in one error."""
    found = problems(cart(line(quantity=0, colour="red"), line(id="l2", unit_price="x"),
                          line(id="l2", unit_price="1.001"), currency="CNY"))
    assert len(found) == 5
    assert {p.item for p in found} == {"l1", "l2"}


def test_unreadable_cart_file(tmp_path: Path) -> None:
    """A missing file, a non-JSON file and a JSON syntax error are CartErrors, not OSErrors."""
    with pytest.raises(CartError, match="cannot read the file"):
        promokit.load_cart(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(CartError, match="not UTF-8"):
        promokit.load_cart(tmp_path / "bad.json")
    [p] = from_json(tmp_path, '{"currency": "CNY",\n "lines": [}')
    assert p.message.startswith("JSON syntax error")
    assert p.line == 2


WORDS = st.sampled_from(["id", "sku", "shop", "unit_price", "quantity", "tags", "qty", "CNY",
                         "1.001", "-1", "NaN", "A", "l1"])
TREES = st.recursive(st.none() | st.booleans() | st.integers(-2, 5) | WORDS | st.text(max_size=3),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(WORDS, inner, max_size=6), max_leaves=20)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(TREES, st.fixed_dictionaries(
    {"currency": st.sampled_from(["CNY", "JPY", "RMB"]),
     "lines": st.lists(st.dictionaries(WORDS, TREES, max_size=8), max_size=3)},
    optional={"shipping": TREES, "customer": TREES})))
def test_any_data_is_a_cart_or_a_cart_error(data: object) -> None:
    """Whatever the data, loading returns a Cart or raises CartError: never a crash."""
    try:
        load_cart_data(data)
    except CartError as exc:
        assert exc.problems


def test_an_absurd_amount_is_refused_not_a_traceback() -> None:
    """unit_price 1e400 used to crash the decimals check with decimal.InvalidOperation."""
    p = only(cart(line(unit_price="1e400")))
    assert (p.path, p.value) == ("lines[0].unit_price", "1e400")
    assert "too large" in p.message


def test_a_huge_quantity_is_refused_instead_of_expanded_unit_by_unit() -> None:
    """A quantity of 10^20 used to hang a multibuy that looks at every unit; counts are bounded."""
    p = only(cart(line(quantity=10**20)))
    assert (p.path, p.expected) == ("lines[0].quantity", "a whole number from 1 to 100000")
