"""Unit tests of the Double 11 design in my-double11.yaml (docs/unit-test-your-design.md).

Run with ``pytest examples/unit_test_your_design``: promokit's pytest plugin gives the
``promokit_campaign`` and ``price`` fixtures; ``price`` checks every invariant of each result.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from promokit.audit import audit
from promokit.testing import carts

HERE = Path(__file__).parent
CATALOG = yaml.safe_load((HERE / "catalog.yaml").read_text(encoding="utf-8"))
COSTS = yaml.safe_load((HERE / "costs.yaml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.promokit_campaign("my-double11.yaml")


def line(id: str, sku: str, quantity: int = 1) -> dict[str, object]:
    """A cart line of a catalog item."""
    item = next(i for i in CATALOG if i["sku"] == sku)
    price = item["unit_price"]
    return {"id": id, "sku": sku, "shop": item["shop"], "quantity": quantity,
            "unit_price": price if isinstance(price, str) else price[0],
            "category": item["category"], "tags": item.get("tags", [])}


def test_two_teas_get_15_percent_and_the_shop_discount(price) -> None:
    """256.00 of tea: 38.40 (15%) + 20.00 (every 200 in shop A); 256 is under 300 cross-store."""
    result = price({"currency": "CNY", "lines": [line("l1", "TEA-1", 2)]})
    assert str(result.payable.amount) == "197.60"
    assert [a.rule for a in result.applied] == ["tea-15", "a-200-20"]


def test_cross_store_counts_list_prices_of_tagged_lines(price) -> None:
    """128 + 59.90 + 2 x 9.90 = 207.70 tagged: short of 300 by 92.30, so a nudge says so."""
    result = price({"currency": "CNY", "lines": [
        line("l1", "TEA-1"), line("l2", "TEA-2"), line("l3", "SNACK-1", 2),
        line("l4", "CUP-1")]})
    nudge = next(n for n in result.nudges if n.rule == "x-300-50")
    assert str(nudge.shortfall.amount) == "92.30"


def test_cups_are_not_in_the_cross_store_pool(price) -> None:
    """Four cups (352.00, untagged) get nothing: they are outside every rule."""
    result = price({"currency": "CNY", "lines": [line("l1", "CUP-1", 4)]})
    assert result.payable == result.subtotal


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cart=carts(catalog=CATALOG, max_lines=6))
def test_every_cart_pays_at_least_half(price, cart) -> None:
    """Whatever is in the cart, it pays more than half its goods (and every invariant holds)."""
    result = price(cart)
    assert result.payable.amount * 2 > result.subtotal.amount


def test_the_audit_finds_no_flaw(promokit_campaign) -> None:
    """No cart over 50% off, below cost, cheaper split in two, free, and no dead rule."""
    report = audit(promokit_campaign, catalog=CATALOG, costs=COSTS, max_discount_rate="0.5",
                   max_examples=50, seed=0)
    assert report.ok, report.render()
