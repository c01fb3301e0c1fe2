"""The limit-aware replay equals a strictly sequential replay through a real SQLite ledger."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import distributed  # in the test extra: these tests run in CI
import pytest

import promokit
from promokit.checkout import checkout
from promokit.ledger import open_ledger
from promokit.simulate import (
    BadInputError,
    Order,
    Pricer,
    generate_carts,
    orders_from_carts,
    simulate,
)
from promokit.simulate._limits import replay, time_key
from promokit.simulate._report import write_report
from promokit.simulate._run import replay_summary

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def limited() -> promokit.Campaign:
    """Design A with limits that run out mid-sale: uses, a capped budget, units, per customer,
    a budget per day (the example design-a-limits.yaml)."""
    return promokit.load_campaign(EXAMPLES / "design-a-limits.yaml")


@pytest.fixture(scope="module")
def carts() -> list[dict[str, Any]]:
    return list(generate_carts(400, seed=5))


@pytest.fixture(scope="module")
def orders(carts: list[dict[str, Any]]) -> list[Order]:
    items = [o for o in orders_from_carts(carts, "CNY", file="synthetic") if isinstance(o, Order)]
    return sorted(items, key=time_key)


def _figures(r: promokit.PriceResult) -> tuple[str, str, str, int]:
    return (r.subtotal.to_json(), r.discount_total.to_json(), r.payable.to_json(),
            r.points.earned if r.points is not None else 0)


def _sequential(campaign: promokit.Campaign, orders: list[Order], folder: Path
                ) -> list[promokit.PriceResult]:
    ledger = open_ledger(f"sqlite:///{folder}/ledger.db")
    ledger.init()
    out = []
    with ledger:
        for order in orders:
            result = checkout(campaign, order.cart, ledger, order.id)
            assert result.at is not None
            ledger.commit(order.id, at=result.at)
            out.append(result)
        assert ledger.verify().ok
    return out


def test_replay_equals_sequential_ledger(limited: promokit.Campaign, orders: list[Order],
                                         tmp_path: Path) -> None:
    reference = _sequential(limited, orders, tmp_path)
    one, reports = replay(orders, limited, jobs=1)
    two, reports_2 = replay(orders, limited, jobs=2)
    for order, ref, a, b in zip(orders, reference, one, two, strict=True):
        assert _figures(a) == _figures(ref), order.id
        assert _figures(b) == _figures(ref), order.id
    assert reports == reports_2
    # the limits really ran out mid-sale, and the rules were really withheld or capped after
    ran_out = {r.key: r for r in reports if r.exhausted}
    assert {"tea-15", "x-300-50", "snack-half-2nd"} <= set(ran_out)
    assert ran_out["x-300-50"].exhausted == "budget"
    assert ran_out["x-300-50"].budget == 200000
    missed = Counter(m.rule for r in reference for m in r.not_applied
                     if m.reason == "limit_reached")
    assert missed["tea-15"] and missed["x-300-50"] and missed["a-200-20"]
    assert any(r.customers_at_limit for r in reports if r.key == "a-200-20")
    last = {o.id: i for i, o in enumerate(orders)}
    assert last[ran_out["tea-15"].exhausted_by or ""] < len(orders) - 1


def test_simulate_summary_equals_sequential_summary(limited: promokit.Campaign,
                                                    carts: list[dict[str, Any]],
                                                    orders: list[Order], tmp_path: Path) -> None:
    reference = _sequential(limited, orders, tmp_path)
    pricer = Pricer(limited)
    expected = pricer.empty()
    for order, result in zip(orders, reference, strict=True):
        pricer.record(expected, order, result, None)
    shuffled = carts[::-1]       # the input's order does not matter: time does
    work: dict[str, int] = {}
    one = replay_summary(Pricer(limited), orders_from_carts(shuffled, "CNY"), jobs=1, work=work)
    two = simulate(shuffled, limited, jobs=2)
    exp = expected.to_dict()
    got = one.to_dict()
    got["a"].pop("limits")
    assert got == exp
    assert two.to_dict() == one.to_dict()
    # one parallel pass, then batches in parallel; few orders re-priced one by one in the walk
    assert work["first"] == len(orders) and 0 < work["in_place"] < len(orders) // 20
    limits = {r["key"]: r for r in one.to_dict()["a"]["limits"]}
    assert limits["x-300-50"]["budget"] == "2000.00"
    assert limits["x-300-50"]["exhausted"] == "budget"
    assert limits["tea-15"]["uses"] == 25 and limits["tea-15"]["exhausted_at"] is not None


def test_vs_and_bad_orders(limited: promokit.Campaign, design_a: promokit.Campaign,
                           carts: list[dict[str, Any]]) -> None:
    carts = carts[:120]
    carts = [*carts, {k: v for k, v in carts[0].items() if k != "at"} | {"order_id": "no-time"}]
    summary = simulate(carts, design_a, vs=limited, jobs=1)
    data = summary.to_dict()
    assert data["bad_orders"] == 1 and "no time" in data["problems"][0]
    assert data["a"]["limits"] == [] and data["b"]["limits"]
    plain = simulate(carts[:-1], design_a, jobs=1).to_dict()
    assert plain["a"] == {k: v for k, v in data["a"].items() if k != "limits"}
    try:
        simulate(carts, limited, jobs=1, strict=True)
    except BadInputError as exc:
        assert exc.problem.path == "at"
    else:
        raise AssertionError("strict: an order without a time stops the run")


def test_report_shows_limits(limited: promokit.Campaign, carts: list[dict[str, Any]],
                             tmp_path: Path) -> None:
    summary = simulate(carts[:150], limited, jobs=1)
    _data, html = write_report(summary, tmp_path)
    assert "Limits and budgets" in html.read_text("utf-8")


def test_windows_and_dask_equal_sequential(limited: promokit.Campaign, orders: list[Order],
                                           tmp_path: Path) -> None:
    """The first pass prices a window of orders at a time against the counters the windows
    before left: any window size, and pricing on Dask, give the sequential ledger's figures; a
    small window re-prices fewer orders than one pass over the sale (the budget that runs out in
    the first minutes is seen as spent by every later window)."""
    reference = [_figures(r) for r in _sequential(limited, orders, tmp_path)]
    whole: dict[str, int] = {}
    small: dict[str, int] = {}
    one, reports = replay(orders, limited, work=whole, window=len(orders))
    for window in (1, 37):
        results, got = replay(orders, limited, window=window,
                              work=small if window == 37 else None)
        assert [_figures(r) for r in results] == reference, window
        assert got == reports
    assert [_figures(r) for r in one] == reference
    assert whole["first"] == small["first"] == len(orders)
    assert small["batch"] + small["in_place"] < whole["batch"] + whole["in_place"]
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask, dask_reports = replay(orders, limited, jobs=2, window=101, dask=client)
        summary = simulate(orders_from_carts([o.cart | {"order_id": o.id} for o in orders],
                                             "CNY"), limited, dask=client)
    assert [_figures(r) for r in on_dask] == reference and dask_reports == reports
    assert summary.to_dict() == simulate(
        [o.cart | {"order_id": o.id} for o in orders], limited, jobs=1).to_dict()
