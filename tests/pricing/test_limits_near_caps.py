"""Skipping the limit pass for rules a cart cannot bring to their caps changes no result.

Pricing against a ledger keeps, of the snapshot, only the rules this cart could run into
(``promokit.pricing.limits.near_caps``). The property test holds it to the result of the full
limit pass on random counters, near and far, for every kind of limit and a gift (a kind that
counts what it gives); the hand-checked cases show what is kept and what is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import promokit
from promokit._campaign import plan_of
from promokit.ledger import Count, LimitSnapshot
from promokit.pricing import checkout as engine_checkout
from promokit.pricing.checkout import price
from promokit.pricing.limits import line_counted, near_caps

CAMPAIGN = promokit.Campaign.from_dict({
    "campaign": "near-caps", "currency": "CNY", "timezone": "Asia/Shanghai",
    "coupon_policy": {"kinds": {"shop": {"stage": "shop",
                                          "limits": {"uses": 5, "budget": "30.00"}}}},
    "rules": [
        {"id": "flash", "kind": "special_price", "stage": "item", "select": {"skus": ["S0"]},
         "price": "59.00", "limits": {"units": 10, "per_customer_units": 2}},
        {"id": "shop-200-20", "kind": "threshold", "stage": "shop", "scope": "shop",
         "min_spend": 200, "discount": 20, "limits": {"uses": 9, "per_customer": 1}},
        {"id": "x-300-50", "kind": "threshold", "stage": "cross_store", "scope": "pool",
         "every": 300, "discount": 50, "cap": None,
         "limits": {"budget": "120.00", "on_exhausted": "cap"}},
        {"id": "gift", "kind": "gift", "stage": "platform", "min_spend": 100,
         "gift": {"sku": "G", "name": "gift", "value": "9.90"}, "limits": {"units": 3}},
    ]})
PLAN = plan_of(CAMPAIGN)
KEYS = ("flash", "shop-200-20", "x-300-50", "gift", "coupon:c1")


def _cart(prices: list[int], quantities: list[int], coupon: bool) -> promokit.Cart:
    data: dict[str, Any] = {"currency": "CNY", "at": "2026-11-11T10:00:00+08:00",
                            "customer": {"id": "u1"}, "lines": [
        {"id": f"l{k}", "sku": f"S{k}", "shop": "AB"[k % 2], "unit_price": f"{p}.00",
         "quantity": q} for k, (p, q) in enumerate(zip(prices, quantities, strict=False))]}
    if coupon:
        data["wallet"] = [{"id": "c1", "kind": "shop", "shop": "A", "value": "15.00",
                           "min_spend": "100.00"}]
        data["coupons"] = ["c1"]
    return promokit.Cart.model_validate(data)


@contextmanager
def full_limit_pass() -> Iterator[None]:
    """Price with every snapshot entry checked (no entry dropped)."""
    kept = engine_checkout.near_caps
    engine_checkout.near_caps = lambda snapshot, *_: dict(snapshot)  # type: ignore[assignment]
    try:
        yield
    finally:
        engine_checkout.near_caps = kept


def _count(limit: int | None, used: int, reserved: int) -> Count:
    return Count(limit, used, reserved)


COUNTS = st.one_of(st.just(Count(None, 0, 0)),
                   st.builds(_count, st.integers(0, 12), st.integers(0, 6), st.integers(0, 6)))
BUDGETS = st.one_of(st.just(Count(None, 0, 0)),  # minor units: 0.00 to 1000.00
                    st.builds(_count, st.integers(0, 100_000), st.integers(0, 50_000),
                              st.integers(0, 5_000)))
SNAPSHOTS = st.builds(lambda key, uses, budget, units, pc, pcu: LimitSnapshot(
    key, "all", uses, budget, units, pc, pcu), st.just("k"), COUNTS, BUDGETS, COUNTS,
    st.none() | COUNTS, st.none() | COUNTS)


@settings(max_examples=300, deadline=None)
@given(prices=st.lists(st.integers(1, 400), min_size=1, max_size=6),
       quantities=st.lists(st.integers(1, 4), min_size=6, max_size=6),
       coupon=st.booleans(),
       snaps=st.fixed_dictionaries({k: SNAPSHOTS for k in KEYS}))
def test_dropping_what_cannot_bite_changes_nothing(prices: list[int], quantities: list[int],
                                                   coupon: bool,
                                                   snaps: dict[str, LimitSnapshot]) -> None:
    """Random counters (spent, nearly spent, unlimited) on every limited rule and the coupon:
    the result with the entries dropped is the result of the full limit pass."""
    cart = _cart(prices, quantities, coupon)
    fast = price(PLAN, cart, limits=snaps).to_dict()
    with full_limit_pass():
        full = price(PLAN, cart, limits=snaps).to_dict()
    assert fast == full


def _snap(key: str, *, uses: Count | None = None, budget: Count | None = None,
          units: Count | None = None) -> LimitSnapshot:
    none = Count(None, 0, 0)
    return LimitSnapshot(key, "all", uses or none, budget or none, units or none, None, None)


def test_only_the_entries_a_cart_could_reach_are_kept() -> None:
    """A cart worth 300.00 (3 x 100.00) with 3 units: 5 uses left, budget 300.00 left and 9
    units left (3 units x 3 lines) cannot bite; no use left, 299.99 left or 8 units left can;
    a gift's stock and an unknown key are always kept."""
    snap = {
        "far": _snap("shop-200-20", uses=Count(10, 3, 2), budget=Count(30_000, 0, 0),
                     units=Count(9, 0, 0)),
        "no-use": _snap("shop-200-20", uses=Count(5, 3, 2)),
        "budget": _snap("x-300-50", budget=Count(30_000, 1, 0)),
        "units": _snap("flash", units=Count(8, 0, 0)),
        "gift": _snap("gift", units=Count(1000, 0, 0)),
        "unknown": _snap("nobody"),
    }
    prunable = line_counted(PLAN.rules) | {"far", "no-use", "budget", "units"}
    assert "gift" not in prunable and {"flash", "shop-200-20", "x-300-50"} <= prunable
    kept = near_caps(snap, prunable, worth=30_000, units=3 * 3)
    assert sorted(kept) == ["budget", "gift", "no-use", "units", "unknown"]


@pytest.mark.parametrize(("used", "given"), [(0, "50.00"), (11_999, "0.01")])
def test_a_budget_the_cart_could_reach_is_still_checked(used: int, given: str) -> None:
    """Two 300.00 lines in shops A and B: each shop's 满200减20 leaves 280.00, 560.00 in all,
    so every 300 off 50 gives 50.00. A budget of 120.00 is below what the cart is worth, so its
    entry is kept: with all of it left it gives 50.00; with 0.01 left (11,999 of 12,000 minor
    units used) it is capped to 0.01."""
    cart = _cart([300, 300], [1, 1], False)
    snaps = {"x-300-50": _snap("x-300-50", budget=Count(12_000, used, 0))}
    got = price(PLAN, cart, limits=snaps)
    [applied] = [a for a in got.applied if a.rule == "x-300-50"]
    assert applied.amount.to_json() == given
