"""Random sequences of reserve / commit / release / refund against a model, on both stores:
counters never negative, never over a limit, equal to the model, and verify() is clean."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import AT, fresh_pg_url

from promokit.ledger import (
    Consumption,
    Ledger,
    LimitReachedError,
    Limits,
    LimitUse,
    OrderStateError,
    RefundTooLargeError,
    open_ledger,
)

LIMIT = Limits(uses=4, budget="30.00", units=7, per_customer=2)
CUSTOMERS = ("a", "b", "c")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Ledger]:
    """One ledger per store for the whole module (each example uses its own keys)."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(Path(tmp_path_factory.mktemp("prop")) / "ledger.db")
    else:
        url = fresh_pg_url(request.getfixturevalue("pg_url"))
    with open_ledger(url) as ledger:
        ledger.init()
        yield ledger


@dataclass
class Order:
    use: LimitUse
    customer: str
    state: str = "reserved"
    back: list[int] = field(default_factory=lambda: [0, 0, 0])


OPS = st.lists(st.one_of(
    st.tuples(st.just("reserve"), st.integers(0, 9), st.integers(0, 1), st.integers(0, 1500),
              st.integers(0, 4), st.sampled_from(CUSTOMERS)),
    st.tuples(st.just("commit"), st.integers(0, 9)),
    st.tuples(st.just("release"), st.integers(0, 9)),
    st.tuples(st.just("refund"), st.integers(0, 9), st.integers(0, 1), st.integers(0, 1500),
              st.integers(0, 4)),
), max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_random_lifecycles_match_the_model(shared: Ledger, ops: list[tuple[object, ...]]) -> None:
    key = "k" + uuid.uuid4().hex[:10]
    limits = {key: LIMIT}
    orders: dict[str, Order] = {}
    refunds = 0
    for op in ops:
        oid = f"{key}-{op[1]}"
        if op[0] == "reserve":
            _, _, uses, budget, units, customer = op
            use = LimitUse(int(uses), int(budget), int(units))  # type: ignore[call-overload]
            try:
                shared.reserve(oid, Consumption({key: use}, customer=str(customer)), limits,
                               at=AT, ttl=timedelta(days=1))
                if oid not in orders:
                    orders[oid] = Order(use, str(customer))
            except (LimitReachedError, OrderStateError):
                pass
        elif op[0] in ("commit", "release"):
            act = shared.commit if op[0] == "commit" else shared.release
            try:
                act(oid, at=AT)
            except (OrderStateError, LookupError):
                continue
            want = "committed" if op[0] == "commit" else "released"
            assert orders[oid].state in ("reserved", want)
            orders[oid].state = want
        else:
            _, _, uses, budget, units = op
            ask = [int(uses), int(budget), int(units)]  # type: ignore[call-overload]
            refunds += 1
            try:
                shared.refund(oid, f"{oid}-rf{refunds}",
                              Consumption({key: LimitUse(*ask)}), at=AT)
            except (OrderStateError, LookupError, RefundTooLargeError):
                continue
            order = orders[oid]
            order.back = [b + a for b, a in zip(order.back, ask, strict=True)]
            have = (order.use.uses, order.use.budget, order.use.units)
            assert all(b <= h for b, h in zip(order.back, have, strict=True))
        _check(shared, limits, key, orders)
    result = shared.verify()
    assert result.ok, result.differences


def _check(ledger: Ledger, limits: dict[str, Limits], key: str, orders: dict[str, Order]
           ) -> None:
    snap = ledger.snapshot(limits, at=AT)[key]
    used = [0, 0, 0]
    reserved = [0, 0, 0]
    for order in orders.values():
        amounts = (order.use.uses, order.use.budget, order.use.units)
        if order.state == "reserved":
            reserved = [r + a for r, a in zip(reserved, amounts, strict=True)]
        elif order.state == "committed":
            used = [u + a - b for u, a, b in zip(used, amounts, order.back, strict=True)]
    got = [(c.used, c.reserved) for c in (snap.uses, snap.budget, snap.units)]
    assert got == list(zip(used, reserved, strict=True))
    for count in (snap.uses, snap.budget, snap.units):
        assert count.used >= 0 and count.reserved >= 0
        assert count.limit is None or count.used + count.reserved <= count.limit
