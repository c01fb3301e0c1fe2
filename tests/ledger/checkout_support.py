"""Workers for the checkout races: module-level so spawned processes can import them."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import Any

import promokit
from promokit.ledger import open_ledger

FLASH = {"campaign": "flash-sale", "currency": "CNY", "timezone": "Asia/Shanghai", "rules": [
    {"id": "tv-flash", "kind": "special_price", "stage": "item", "select": {"skus": ["TV"]},
     "price": "1999.00", "limits": {"units": 5}},
    {"id": "x-300-50", "kind": "threshold", "stage": "cross_store", "scope": "pool",
     "min_spend": 300, "discount": 50, "funded_by": "platform",
     "limits": {"uses": 7, "budget": "100000.00"}}]}


#: paid a minute after the carts' time, inside the reservation's TTL
PAID = datetime.fromisoformat("2026-11-11T00:00:00+08:00") + timedelta(minutes=1)


def cart(customer: str, qty: int = 1) -> dict[str, Any]:
    """A cart of ``qty`` TVs at 2999.00 at Double 11 midnight."""
    return {"currency": "CNY", "at": "2026-11-11T00:00:00+08:00", "customer": {"id": customer},
            "lines": [{"id": "l1", "sku": "TV", "shop": "A", "unit_price": "2999.00",
                       "quantity": qty}]}


#: The barrier a pool's workers wait at before checking out (set by :func:`hold_at`).
_barrier: Any = None


def hold_at(barrier: Any) -> None:
    """Pool initializer: each worker waits at ``barrier`` before its checkouts, so a pool of N
    running N jobs runs each in its own process, all at once (a worker that took one job cannot
    take another before the other N - 1 have started)."""
    global _barrier
    _barrier = barrier


def checkout_worker(job: tuple[str, int, int, float]) -> tuple[int, list[tuple[str, str]]]:
    """Check out ``orders`` one-TV orders as worker ``w``, committing each: (pid, [(order id,
    payable)])."""
    url, w, orders, start_at = job
    campaign = promokit.Campaign.from_dict(FLASH)
    if _barrier is not None:
        _barrier.wait(timeout=200)
    time.sleep(max(0.0, start_at - time.time()))
    done = []
    with open_ledger(url) as ledger:
        for k in range(orders):
            order = f"w{w}-o{k}"
            result = promokit.checkout(campaign, cart(f"c{w}"), ledger, order, retries=20)
            ledger.commit(order, at=PAID)
            done.append((order, result.payable.to_json()))
    return os.getpid(), done
