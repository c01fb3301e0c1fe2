"""Any result priced against a ledger's counters re-prices to itself from its own record.

Random counters (spent, nearly spent, unlimited) on every limited rule and coupon kind of a
campaign with counts, per-customer counts, a budget that caps, a budget that refuses and a gift
stock; random carts, wallets and coupon modes. Whatever the counters made pricing do is in the
result's ``limit_effects``, and ``Campaign.reprice`` (which never sees the counters) gives the
stored form back, field for field, and through JSON.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import promokit
from promokit._campaign import plan_of
from promokit.ledger import Count, LimitSnapshot
from promokit.pricing.checkout import price
from promokit.pricing.limits import coupon_snapshots

CAMPAIGN = promokit.Campaign.from_dict({
    "campaign": "record", "currency": "CNY", "timezone": "Asia/Shanghai",
    "coupon_policy": {"kinds": {
        "shop": {"stage": "shop", "limits": {"uses": 5, "per_customer": 1}},
        "platform": {"stage": "platform", "limits": {"budget": "30.00"}}}},
    "rules": [
        {"id": "flash", "kind": "special_price", "stage": "item", "select": {"skus": ["S0"]},
         "price": "59.00", "limits": {"units": 10, "per_customer_units": 2}},
        {"id": "shop-200-20", "kind": "threshold", "stage": "shop", "scope": "shop",
         "min_spend": 200, "discount": 20, "limits": {"uses": 9, "per_customer": 1}},
        {"id": "x-300-50", "kind": "threshold", "stage": "cross_store", "scope": "pool",
         "every": 300, "discount": 50, "cap": None,
         "limits": {"budget": "120.00", "on_exhausted": "cap"}},
        {"id": "p-100-5", "kind": "threshold", "stage": "platform", "scope": "pool",
         "min_spend": 100, "discount": 5, "limits": {"budget": "50.00"}},
        {"id": "gift", "kind": "gift", "stage": "platform", "min_spend": 100,
         "gift": {"sku": "G", "name": "gift", "value": "9.90"}, "limits": {"units": 3}},
    ]})
PLAN = plan_of(CAMPAIGN)
KEYS = ("flash", "shop-200-20", "x-300-50", "p-100-5", "gift", "coupon-kind:shop",
        "coupon-kind:platform")
WALLET = [{"id": "s1", "kind": "shop", "shop": "A", "value": "15.00", "min_spend": "100.00"},
          {"id": "s2", "kind": "shop", "shop": "B", "value": "10.00"},
          {"id": "p1", "kind": "platform", "value": "20.00", "min_spend": "150.00"}]
NONE = st.just(Count(None, 0, 0))


def counts(limit: int | None, most: int) -> st.SearchStrategy[Count]:
    """A counter of a declared ``limit`` (as a ledger reads it: the campaign's limit, what is
    used and reserved, up to ``most`` each, so often spent), or an unlimited one."""
    if limit is None:
        return NONE
    return st.builds(Count, st.just(limit), st.integers(0, most), st.integers(0, most))


def snapshots(key: str) -> st.SearchStrategy[LimitSnapshot]:
    """Random counters for the limits ``key`` declares."""
    lim = PLAN.limited[key]
    return st.builds(lambda *c: LimitSnapshot(key, "all", *c),
                     counts(lim.uses, 6), counts(lim.budget_minor("CNY"), 8_000),
                     counts(lim.units, 6), counts(lim.per_customer, 1),
                     counts(lim.per_customer_units, 2))


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.tuples(st.integers(1, 400), st.integers(1, 4)), min_size=1,
                      max_size=5),
       wallet=st.lists(st.sampled_from(range(len(WALLET))), unique=True, max_size=3),
       best=st.booleans(),
       snaps=st.fixed_dictionaries({k: snapshots(k) for k in KEYS}))
def test_a_result_priced_against_counters_reprices_to_itself(
        lines: list[tuple[int, int]], wallet: list[int], best: bool,
        snaps: dict[str, LimitSnapshot]) -> None:
    data: dict[str, Any] = {
        "currency": "CNY", "at": "2026-11-11T10:00:00+08:00", "customer": {"id": "u1"},
        "lines": [{"id": f"l{k}", "sku": f"S{k}", "shop": "AB"[k % 2],
                   "unit_price": f"{p}.00", "quantity": q} for k, (p, q) in enumerate(lines)],
        "wallet": [WALLET[i] for i in wallet], "coupons": [WALLET[i]["id"] for i in wallet]}
    cart = promokit.Cart.model_validate(data)
    snapshot = coupon_snapshots(snaps, ((c.id, c.kind) for c in cart.wallet))
    result = price(PLAN, cart, best_coupons=best, limits=snapshot, order_id="o1")
    stored = json.loads(json.dumps(result.to_dict()))
    assert CAMPAIGN.reprice(result).to_dict() == stored
    assert CAMPAIGN.reprice(stored).to_dict() == stored
