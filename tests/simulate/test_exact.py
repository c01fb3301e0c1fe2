"""The summary is the sum of pricing each order on its own with ``campaign.price``, to the cent."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import promokit
from promokit.simulate import iter_rows, simulate


def _carts(path: Path) -> list[dict[str, Any]]:
    """The log's carts as ``promokit price`` takes them: without the order id and the lines'
    ``unit_cost`` (what a unit costs the shop: read by simulate, not by pricing)."""
    carts = []
    for text in path.read_text(encoding="utf-8").splitlines():
        cart = json.loads(text)
        cart.pop("order_id")
        carts.append(cart)
    return carts


def _without_costs(cart: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    costs = {line["id"]: promokit.Money.of(line["unit_cost"], "CNY").minor
             for line in cart["lines"]}
    return ({**cart, "lines": [{k: v for k, v in line.items() if k != "unit_cost"}
                               for line in cart["lines"]]}, costs)


def test_summary_equals_the_sum_of_single_prices(orders_jsonl: Path,
                                                 design_a: promokit.Campaign) -> None:
    summary = simulate(orders_jsonl, design_a, jobs=1)
    gmv = discount = payable = points = 0
    by_rule: Counter[str] = Counter()
    by_funder: Counter[str] = Counter()
    coupons = 0
    below = [0, 0, 0, 0]   # orders with costs, orders below cost, lines below cost, shortfall
    for raw in _carts(orders_jsonl):
        cart, costs = _without_costs(raw)
        result = design_a.price(cart)
        short = [costs[line.id] * line.quantity - line.net.minor for line in result.lines
                 if line.net.minor < costs[line.id] * line.quantity]
        below = [below[0] + 1, below[1] + bool(short), below[2] + len(short),
                 below[3] + sum(short)]
        gmv += result.subtotal.minor
        discount += (result.discount_total + result.shipping_fee_total
                     - result.shipping_total).minor
        payable += result.payable.minor
        points += result.points.earned if result.points else 0
        coupons += sum(c.applied for c in result.coupons)
        for applied in result.applied:
            by_rule[applied.rule] += applied.amount.minor
        for shop in result.shops:
            by_funder["merchant"] += shop.merchant_funded.minor
            by_funder["platform"] += shop.platform_funded.minor
    a = summary.a
    assert (a.orders, a.gmv, a.discount, a.payable, a.points) == (300, gmv, discount, payable,
                                                                  points)
    assert {k: v[1] for k, v in a.by_rule.items()} == dict(by_rule)
    assert {k: v[0] for k, v in a.by_funder.items()} == dict(by_funder)
    assert sum(v[0] for v in a.coupons.values()) == coupons > 0
    # the breakdowns add up to the totals
    assert sum(by_rule.values()) == discount == sum(by_funder.values())
    assert sum(v[2] for v in a.by_shop.values()) == discount
    for group in (a.by_tier, a.by_hour):
        assert [sum(v[i] for v in group.values()) for i in range(4)] == [300, gmv, discount,
                                                                         payable]
    assert sum(a.rate_hist) == 300
    # lines sold below what they cost the shop (the generator's costs: 30-82% of the price)
    assert a.below_cost == below and below[1] > 0
    assert max(o.short for o in a.below) == a.below[0].short
    d = summary.to_dict()["a"]
    assert d["gmv"] == promokit.Money(gmv, "CNY").to_json()
    assert d["discount"] == promokit.Money(discount, "CNY").to_json()


def test_rows_match_single_prices(orders_csv: Path, design_a: promokit.Campaign,
                                  design_b: promokit.Campaign) -> None:
    rows = list(iter_rows(orders_csv, design_a, vs=design_b))
    assert len(rows) == 200
    summary = simulate(orders_csv, design_a, vs=design_b, jobs=1)
    assert sum(r.payable for r in rows) == summary.a.payable
    assert sum(r.payable_b or 0 for r in rows) == summary.b.payable  # type: ignore[union-attr]
    c = summary.comparison
    assert c is not None
    assert c.cheaper == sum((r.payable_b or 0) < r.payable for r in rows)
    assert c.dearer == sum((r.payable_b or 0) > r.payable for r in rows)
    assert c.cheaper + c.dearer + c.same == 200


def test_comparison_breakdown_adds_up(orders_csv: Path, design_a: promokit.Campaign,
                                      design_b: promokit.Campaign) -> None:
    d = simulate(orders_csv, design_a, vs=design_b, jobs=1).to_dict()
    c = d["comparison"]
    from decimal import Decimal

    assert sum(map(Decimal, c["cost_delta_by_rule"].values())) == Decimal(c["cost_delta"])
    assert sum(map(Decimal, c["cost_delta_by_funder"].values())) == Decimal(c["cost_delta"])
    assert Decimal(d["b"]["discount"]) - Decimal(d["a"]["discount"]) == Decimal(c["cost_delta"])
    assert Decimal(c["payable_delta"]) == -Decimal(c["cost_delta"])  # same orders, same GMV


def test_rows_as_an_arrow_table(orders_csv: Path, design_a: promokit.Campaign) -> None:
    import pyarrow  # noqa: F401  (in the test extra)

    from promokit.simulate import rows_table

    table = rows_table(iter_rows(orders_csv, design_a))
    assert table.num_rows == 200
    assert sum(table.column("payable").to_pylist()) == simulate(orders_csv, design_a,
                                                                 jobs=1).a.payable
