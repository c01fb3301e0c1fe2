"""Catalogs and costs: read, validated, derived from a campaign; carts drawn from them are valid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings

from promokit import Cart
from promokit.audit import AuditInputError, derive_catalog
from promokit.audit._catalog import check_catalog, check_costs, for_carts, shops_of
from promokit.audit._search import two_orders
from promokit.testing import carts

from ._support import CATALOG, COSTS, campaign

DERIVED = derive_catalog(campaign("never-applies").spec.all_rules())


def test_catalog_and_costs_files_are_read() -> None:
    """Four items; costs as exact decimal strings."""
    assert [i["sku"] for i in CATALOG] == ["TEA-1", "TEA-2", "SNACK-1", "CUP-1"]
    assert COSTS["CUP-1"] == Decimal("60.00")


def test_derived_catalog_has_an_item_per_selection_and_other() -> None:
    """Named skus and categories get items; OTHER matches no selection."""
    assert {i["sku"] for i in DERIVED} == {"GHOST-1", "BIG-SPENDER-ITEM", "TEA-5-ITEM", "OTHER"}
    assert next(i for i in DERIVED if i["sku"] == "TEA-5-ITEM")["category"] == "tea"


def test_derived_presale_items_are_priced_above_the_boost() -> None:
    """An item a pre-sale selects costs more than counts_as + instant_reduction."""
    from promokit import Campaign

    c = Campaign.from_dict({"campaign": "p", "currency": "CNY", "rules": [
        {"id": "pre", "kind": "presale", "stage": "item", "select": {"skus": ["P-1"]},
         "deposit": 10, "counts_as": 30}]})
    [item] = [i for i in derive_catalog(c.spec.all_rules()) if i["sku"] == "P-1"]
    assert item["unit_price"][0] == "30.01"


@pytest.mark.parametrize(("data", "where"), [
    ([], ""), ([{"shop": "A"}], "[0]"), ([{"sku": "X", "colour": "red"}], "[0]"),
    ([{"sku": "X", "unit_price": -1}], "[0].unit_price"),
    ([{"sku": "X", "unit_price": [1]}], "[0].unit_price"),
])
def test_bad_catalogs_are_refused(data: object, where: str) -> None:
    """Each problem is reported with its place."""
    with pytest.raises(AuditInputError) as exc:
        check_catalog(data)
    assert exc.value.problems[0].path == where


def test_bad_costs_are_all_reported() -> None:
    """Negative and non-numeric costs: both problems at once."""
    with pytest.raises(AuditInputError) as exc:
        check_costs({"A": -1, "B": "x", "C": 2})
    assert [p.path for p in exc.value.problems] == ["A", "B"]


@settings(max_examples=60, deadline=None)
@given(cart=carts(catalog=for_carts(CATALOG, Decimal("999.99")), max_lines=6, max_quantity=5,
                  shops=shops_of((), CATALOG)))
def test_carts_from_a_catalog_are_valid_catalog_carts(cart: Cart) -> None:
    """Every line is a catalog item at its price and shop, 1-5 units, ids unique."""
    items = {i["sku"]: i for i in CATALOG}
    assert 1 <= len(cart.lines) <= 6
    assert len({x.id for x in cart.lines}) == len(cart.lines)
    for x in cart.lines:
        item = items[x.sku]
        assert (x.shop, str(x.unit_price)) == (item["shop"], item["unit_price"])
        assert 1 <= x.quantity <= 5
    assert Cart.model_validate(cart.model_dump()) == cart


@settings(max_examples=60, deadline=None)
@given(cart=carts(catalog=for_carts(DERIVED, Decimal("999.99")), max_lines=6,
                  shops=shops_of(campaign("never-applies").spec.all_rules(), DERIVED)))
def test_carts_from_a_derived_catalog_are_valid(cart: Cart) -> None:
    """Derived items keep their category; prices stay in [0.01, 999.99]."""
    skus = {i["sku"]: i for i in DERIVED}
    for x in cart.lines:
        assert x.category == skus[x.sku].get("category")
        assert Decimal("0.01") <= x.unit_price <= Decimal("999.99")


@settings(max_examples=30, deadline=None)
@given(cart=carts(max_lines=6))
def test_two_orders_are_every_split_in_two(cart: Cart) -> None:
    """2^(n-1) - 1 splits, each a partition of the lines into two non-empty orders."""
    splits = list(two_orders(cart))
    n = len(cart.lines)
    assert len(splits) == 2 ** (n - 1) - 1
    seen = set()
    for a, b in splits:
        ids = sorted(x.id for x in (*a.lines, *b.lines))
        assert a.lines and b.lines and ids == sorted(x.id for x in cart.lines)
        assert set(a.shipping) <= {x.shop for x in a.lines}
        seen.add(frozenset(x.id for x in a.lines))
    assert len(seen) == len(splits)
