"""Pricing against a ledger reading taken before: the same result, and never an oversell.

``Campaign.read_ledger`` reads once what pricing reads; ``price(cart, ledger=reading)`` prices
with it. A reading can be stale: the reservation is the only enforcement, so a reading that
still shows stock a concurrent order took makes ``ledger.reserve`` refuse, and ``checkout``
(which reads afresh) prices again without the flash price.

Hand-checked figures: a TV at 2999.00 with a flash price of 1999.00 (1 unit of stock) and a
cross-store 满300减50: 1949.00 with the flash price, 2949.00 without.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit._campaign import LedgerReading, plan_of
from promokit.checkout import consumption
from promokit.ledger import Ledger, LimitReachedError, open_ledger

AT = "2026-11-11T00:00:00+08:00"
CAMPAIGN = promokit.Campaign.from_dict({
    "campaign": "reading", "currency": "CNY", "timezone": "Asia/Shanghai",
    "coupon_policy": {"kinds": {"shop": {"stage": "shop"}}},
    "rules": [
        {"id": "tv-flash", "kind": "special_price", "stage": "item", "select": {"skus": ["TV"]},
         "price": "1999.00", "limits": {"units": 1, "period": "day"}},
        {"id": "x-300-50", "kind": "threshold", "stage": "cross_store", "scope": "pool",
         "min_spend": 300, "discount": 50, "limits": {"uses": 100, "per_customer": 5}}]})


def cart(customer: str, at: str = AT, **extra: Any) -> dict[str, Any]:
    return {"currency": "CNY", "at": at, "customer": {"id": customer}, **extra,
            "lines": [{"id": "l1", "sku": "TV", "shop": "A", "unit_price": "2999.00",
                       "quantity": 1}]}


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(f"sqlite:///{tmp_path}/ledger.db") as opened:
        opened.init()
        yield opened


def test_a_reading_prices_as_the_ledger_does(ledger: Ledger) -> None:
    """With stock left and after it is gone, a fresh reading gives the result pricing against
    the ledger gives, field for field."""
    for customer, order, payable in (("c1", "o1", "1949.00"), ("c2", "o2", "2949.00")):
        reading = CAMPAIGN.read_ledger(ledger, cart(customer))
        got = CAMPAIGN.price(cart(customer), ledger=reading)
        assert got.to_dict() == CAMPAIGN.price(cart(customer), ledger=ledger).to_dict()
        assert got.payable.to_json() == payable
        promokit.checkout(CAMPAIGN, cart(customer), ledger, order)


def test_a_stale_reading_never_oversells(ledger: Ledger) -> None:
    """c2's reading shows the one flash unit left; c1 then checks out and takes it. Priced
    with the stale reading, c2's cart still shows the flash price (1949.00), but reserving it
    is refused, naming the limit; checkout reads afresh and prices 2949.00, reason
    limit_reached. The ledger counts one unit taken, never two."""
    reading = CAMPAIGN.read_ledger(ledger, cart("c2"))
    promokit.checkout(CAMPAIGN, cart("c1"), ledger, "o1")
    stale = CAMPAIGN.price(cart("c2"), ledger=reading)
    assert stale.payable.to_json() == "1949.00"
    limits = plan_of(CAMPAIGN).limited
    with pytest.raises(LimitReachedError) as refused:
        ledger.reserve("o2", consumption(stale, CAMPAIGN), limits, at=stale.at,
                       zone="Asia/Shanghai")
    assert "tv-flash" in str(refused.value)
    again = promokit.checkout(CAMPAIGN, cart("c2"), ledger, "o2")
    assert again.payable.to_json() == "2949.00"
    assert {n.rule: n.reason for n in again.not_applied}["tv-flash"] == "limit_reached"
    snap = ledger.snapshot({"tv-flash": limits["tv-flash"]}, at=again.at, zone="Asia/Shanghai")
    assert snap["tv-flash"].units.reserved + snap["tv-flash"].units.used == 1


def test_a_reading_is_for_its_customer_its_period_and_its_wallet(ledger: Ledger) -> None:
    """Another customer's reading, a reading of 11 November used for a cart of 12 November
    (the flash stock counts per day), and a reading without the wallet for a cart with one:
    each refused, saying which and what is expected."""
    reading = CAMPAIGN.read_ledger(ledger, cart("c1"))
    assert isinstance(reading, LedgerReading) and reading.customer == "c1"
    cases = [
        (cart("c2"), "another customer"),
        (cart("c1", at="2026-11-12T09:00:00+08:00"), "in period 2026-11-11"),
        (cart("c1", wallet=[{"id": "w1", "kind": "shop", "shop": "A", "value": "5.00"}]),
         "did not read it"),
    ]
    for data, says in cases:
        with pytest.raises(promokit.InputError) as bad:
            CAMPAIGN.price(data, ledger=reading)
        [problem] = bad.value.problems
        assert says in problem.message and problem.path == "ledger" and problem.expected
