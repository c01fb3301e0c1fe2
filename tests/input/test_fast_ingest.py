"""The fast way in: ``load_cart_data`` lets the cart model validate first and runs the raw walk
only when the model refuses the cart or a number is unusual. These tests hold it to the slow
path it short-cuts: the same cart, or the same problems in the same words, for every cart."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promokit import Cart, CartError
from promokit._input import validation
from promokit._input.validation import _cart_check, _validate, load_cart_data

ROOT = Path(__file__).resolve().parents[2]


def slow(data: object) -> object:
    """What the full walk says: the cart, or the rendered problems."""
    try:
        return _validate(Cart, data, _cart_check, CartError, "a cart",
                         "keys currency, lines, ...", "c.json", None)
    except CartError as exc:
        return [p.render() for p in exc.problems]


def fast(data: object) -> object:
    try:
        return load_cart_data(data, "c.json")
    except CartError as exc:
        return [p.render() for p in exc.problems]


def base() -> dict[str, Any]:
    return {"currency": "CNY", "at": "2026-11-11T00:05:00+08:00",
            "customer": {"id": "c1", "spend": "100.00", "points": 10, "use_points": 0},
            "lines": [{"id": "l1", "sku": "S-1", "shop": "A", "unit_price": "128.00",
                       "quantity": 2, "tags": ["double11"]},
                      {"id": "l2", "sku": "S-2", "shop": "B", "unit_price": 19,
                       "quantity": 1}],
            "shipping": {"A": "8.00"},
            "wallet": [{"id": "w1", "kind": "platform", "value": "10.00", "min_spend": "99"},
                       {"id": "w2", "kind": "shop", "shop": "A", "percent": "5",
                        "max_discount": "20.00"}],
            "coupons": ["w1"]}


#: (path, value) edits that the model accepts and the raw checks may or may not refuse
EDITS: list[tuple[tuple[Any, ...], object]] = [
    (("customer", "spend"), "100.005"), (("customer", "spend"), "1_000"),
    (("customer", "spend"), Decimal("1.001")), (("customer", "spend"), Decimal("1.10")),
    (("customer", "spend"), " 12.5 "), (("customer", "spend"), "1e2"),
    (("customer", "points"), "1_000"), (("customer", "points"), "1000"),
    (("customer", "use_points"), "2_0"),
    (("lines", 0, "unit_price"), "1_28.00"), (("lines", 0, "unit_price"), "128.001"),
    (("lines", 0, "unit_price"), Decimal("128.00")), (("lines", 0, "unit_price"), "128."),
    (("lines", 0, "unit_price"), ".5"), (("lines", 0, "unit_price"), "-1"),
    (("lines", 1, "quantity"), "1_0"), (("lines", 1, "quantity"), "3"),
    (("lines", 1, "id"), "l1"),
    (("shipping", "A"), "8.001"), (("shipping", "A"), "8_0"), (("shipping", "A"), 8),
    (("wallet", 0, "value"), "10.005"), (("wallet", 0, "value"), "1_0"),
    (("wallet", 0, "min_spend"), "99.999"), (("wallet", 1, "max_discount"), "20.0001"),
    (("wallet", 1, "percent"), "5_0"), (("wallet", 1, "percent"), "12.5"),
    (("currency",), "JPY"), (("currency",), "KWD"), (("currency",), "XXX"),
]


def edited(path: tuple[Any, ...], value: object) -> dict[str, Any]:
    data = base()
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value"), EDITS)
def test_an_edit_gives_what_the_full_walk_gives(path: tuple[Any, ...], value: object) -> None:
    data = edited(path, value)
    assert fast(copy.deepcopy(data)) == slow(data)


def test_a_plain_cart_skips_the_raw_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(data: object) -> list[object]:
        raise AssertionError("the raw walk ran on a plain valid cart")
    monkeypatch.setattr(validation, "_cart_check", never)
    assert isinstance(load_cart_data(base()), Cart)


def test_the_example_carts_read_the_same() -> None:
    paths = sorted(ROOT.glob("examples/**/*cart*.json"))
    assert paths
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert fast(copy.deepcopy(data)) == slow(data), path


amounts = st.one_of(
    st.integers(-5, 10**16), st.decimals(allow_nan=True, places=None).map(str),
    st.from_regex(r"\A[0-9_]{1,6}(\.[0-9_]{0,4})?\Z"),
    st.decimals(min_value=-1, max_value=10**6, allow_nan=False, places=3), st.none(),
    st.booleans(), st.floats(allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([p for p, _ in EDITS]), amounts, st.sampled_from(["CNY", "JPY", "KWD"]))
def test_any_number_anywhere_reads_the_same(path: tuple[Any, ...], value: object,
                                            currency: str) -> None:
    data = edited(path, value)
    data["currency"] = currency
    assert fast(copy.deepcopy(data)) == slow(data)


# --- the compiled look at a cart's numbers is the plan's interpreter, faster ---------------------

shapes = st.one_of(amounts, st.text(max_size=6), st.lists(st.none() | amounts, max_size=2),
                   st.dictionaries(st.text(max_size=2), st.none() | amounts, max_size=2))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([p for p, _ in EDITS] + [("customer",), ("lines",), ("lines", 0),
                                                ("shipping",), ("wallet",), ("wallet", 0)]),
       shapes, st.sampled_from([0, 2, 3]))
def test_the_compiled_number_check_agrees_with_the_plan(path: tuple[Any, ...], value: object,
                                                        digits: int) -> None:
    """Any value at any place (a number, text, a list or mapping where a model belongs):
    the compiled check says what :func:`validation._plainly_exact` says."""
    data = edited(path, value)
    plain = validation._amount_re(digits)
    expected = validation._plainly_exact(validation._numbers_of(Cart), data, plain)
    assert validation._cart_numbers()(data, plain) is expected


def test_the_compiled_check_refuses_what_the_plan_refuses() -> None:
    """Hand-picked: each of these settles nothing (the full walk runs), the base cart passes."""
    plain = validation._amount_re(2)
    check = validation._cart_numbers()
    assert check(base(), plain) is True
    for path, value in [(("customer", "spend"), "1.001"), (("customer", "points"), "1_0"),
                        (("lines", 1, "unit_price"), "1_9"), (("lines", 0, "quantity"), "2_0"),
                        (("shipping", "A"), Decimal("8.001")), (("wallet", 1, "percent"), "5_0"),
                        (("wallet", 0, "min_spend"), "99.999")]:
        assert check(edited(path, value), plain) is False, (path, value)
