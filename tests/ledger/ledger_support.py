"""Helpers of the ledger tests, importable by spawned worker processes."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event
from typing import Any

from ledger_fixtures import fresh_pg_url

from promokit.ledger import (
    Consumption,
    LimitReachedError,
    Limits,
    LimitUse,
    open_ledger,
)

__all__ = ["AT", "fresh_pg_url", "race_consumption", "race_plan", "race_worker"]

AT = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


def race_plan(kind: str, n: int) -> tuple[dict[str, Limits], int]:
    """Limits of a race and how many checkouts should get through."""
    if kind == "uses":
        return {"r": Limits(uses=n)}, n
    if kind == "budget":
        return {"r": Limits(budget="100.00")}, 10_000 // 700  # 7.00 a checkout: 14
    if kind == "units":
        return {"r": Limits(units=20)}, 20 // 3  # 3 units a checkout: 6
    if kind == "per_customer":
        return {"r": Limits(per_customer=2)}, 3 * 2  # three customers, two each
    raise ValueError(kind)


def race_consumption(kind: str, attempt: int) -> Consumption:
    """What one checkout of a race consumes."""
    if kind == "budget":
        return Consumption({"r": LimitUse(uses=1, budget=700)})
    if kind == "units":
        return Consumption({"r": LimitUse(uses=1, units=3)})
    if kind == "per_customer":
        return Consumption({"r": LimitUse(uses=1)}, customer=f"c{attempt % 3}")
    return Consumption({"r": LimitUse(uses=1)})


def race_worker(args: tuple[str, str, int, int, int, float]) -> tuple[int, list[str]]:
    """Reserve and commit ``attempts`` checkouts as fast as possible from ``start_at`` on;
    returns the pid and the order ids committed."""
    url, kind, worker, attempts, n, start_at = args
    limits, _ = race_plan(kind, n)
    committed: list[str] = []
    with open_ledger(url) as ledger:
        time.sleep(max(0.0, start_at - time.time()))
        for attempt in range(attempts):
            order_id = f"w{worker}-{attempt}"
            try:
                ledger.reserve(order_id, race_consumption(kind, attempt + worker), limits, at=AT)
            except LimitReachedError:
                continue
            ledger.commit(order_id, at=AT)
            committed.append(order_id)
    return os.getpid(), committed


def reserve_and_hang(url: str, order_id: str, ready: Event) -> None:
    """Reserve one use, tell the parent, then wait to be killed."""
    with open_ledger(url) as ledger:
        ledger.reserve(order_id, Consumption({"r": LimitUse(uses=1)}), {"r": Limits(uses=1)},
                       at=AT, ttl=timedelta(minutes=5))
        ready.set()
        time.sleep(600)


def churn(url: str, prefix: str, ready: Event) -> None:
    """Reserve, commit, release and refund in a loop until killed."""
    limits: dict[str, Any] = {"r": Limits(uses=10_000, budget="1000000.00")}
    with open_ledger(url) as ledger:
        for i in range(1_000_000):
            order_id = f"{prefix}-{i}"
            ledger.reserve(order_id, Consumption({"r": LimitUse(uses=1, budget=100)},
                                                 customer="k", points_earned=5), limits, at=AT)
            if i == 3:
                ready.set()
            if i % 3 == 0:
                ledger.release(order_id, at=AT)
            else:
                ledger.commit(order_id, at=AT)
                if i % 3 == 2:
                    ledger.refund(order_id, f"rf-{order_id}", at=AT)


def same_order_worker(args: tuple[str, str, float]) -> tuple[int, str]:
    """Reserve and commit one shared order id (a payment callback delivered twice, a retried
    checkout); returns the pid and the state seen."""
    url, order_id, start_at = args
    with open_ledger(url) as ledger:
        time.sleep(max(0.0, start_at - time.time()))
        ledger.reserve(order_id, Consumption({"r": LimitUse(uses=1, budget=500)},
                                             customer="u-" + order_id, points_earned=100),
                       {"r": Limits(uses=100, per_customer=1)}, at=AT)
        return os.getpid(), ledger.commit(order_id, at=AT).state
