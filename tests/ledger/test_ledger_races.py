"""Real processes racing for the last of a limit, and processes killed with SIGKILL.

Eight spawned processes reserve and commit as fast as they can against one ledger: exactly the
number the limit allows get through, never one more, on both stores; a process killed between
reserve and commit (or in the middle of a transaction) loses nothing and counts nothing twice.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from datetime import timedelta
from multiprocessing.pool import Pool

import pytest
from ledger_support import (
    AT,
    churn,
    race_plan,
    race_worker,
    reserve_and_hang,
    same_order_worker,
)

from promokit.ledger import (
    Consumption,
    LimitReachedError,
    Limits,
    LimitUse,
    OrderStateError,
    open_ledger,
)

PROCESSES = 8
#: Seconds a race may take before it is a failure (a lost worker must not hang the suite).
TIMEOUT = 240
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    """Eight spawned worker processes, started once for the module."""
    with SPAWN.Pool(PROCESSES) as workers:
        yield workers


@pytest.mark.parametrize("kind", ["uses", "budget", "units", "per_customer"])
def test_eight_processes_never_take_more_than_the_limit(pool: Pool, url: str, kind: str) -> None:
    n = 5
    limits, expected = race_plan(kind, n)
    start_at = time.time() + 1.0
    jobs = [(url, kind, w, 6, n, start_at) for w in range(PROCESSES)]
    results = pool.map_async(race_worker, jobs, chunksize=1).get(timeout=TIMEOUT)
    assert len({pid for pid, _ in results}) == PROCESSES  # really eight processes
    committed = [order for _, orders in results for order in orders]
    assert len(committed) == expected
    with open_ledger(url) as ledger:
        [row] = ledger.report()
        assert (row.uses.used, row.uses.reserved) == (expected, 0)
        if kind == "budget":
            assert row.budget.used == expected * 700 and row.budget.left == 10_000 - 9_800
        if kind == "units":
            assert row.units.used == expected * 3 and row.units.left == 2
        if kind == "per_customer":
            snaps = [ledger.snapshot(limits, f"c{i}", at=AT)["r"] for i in range(3)]
            assert [s.per_customer.used for s in snaps if s.per_customer] == [2, 2, 2]
        if kind == "uses":
            assert row.exhausted_at is not None  # all taken: it ran out
        result = ledger.verify()
        assert result.ok, result.differences
        assert result.entries == 2 * expected


def deadlocks(url: str) -> int:
    """PostgreSQL's count of deadlocks detected in the database so far (0 for SQLite, which
    has one write lock and cannot deadlock). Backends flush their statistics when they end."""
    if not url.startswith("postgresql"):
        return 0
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        # A backend adds its deadlocks to the statistics when it ends: wait (bounded) until
        # every other backend of the database has ended, or the count could miss some.
        for _ in range(600):
            others = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                  "current_database() AND pid <> pg_backend_pid()").fetchone()
            if others is not None and others[0] == 0:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("other backends of the test database never ended")
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT deadlocks FROM pg_stat_database "
                           "WHERE datname = current_database()").fetchone()
        return int(row[0]) if row else 0


def test_eight_processes_checking_out_the_same_order_id_count_it_once(
        pool: Pool, url: str) -> None:
    before = deadlocks(url)
    for round_ in range(3):
        order_id = f"dup-{round_}"
        start_at = time.time() + 1.0
        results = pool.map_async(same_order_worker, [(url, order_id, start_at)] * PROCESSES,
                                 chunksize=1).get(timeout=TIMEOUT)
        assert len({pid for pid, _ in results}) == PROCESSES
        assert {state for _, state in results} == {"committed"}
    # A duplicate reservation locks the order row before the counters (the global lock order),
    # so it never deadlocks with the commit of that order: no retry was needed, none could
    # run out. (A duplicate that took the counters first deadlocked on every run.)
    assert deadlocks(url) == before
    with open_ledger(url) as ledger:
        [row] = ledger.report()
        assert (row.uses.used, row.uses.reserved, row.budget.used) == (3, 0, 1500)
        assert [ledger.points(f"u-dup-{i}") for i in range(3)] == [100, 100, 100]
        result = ledger.verify()
        assert result.ok and result.entries == 6, result


def test_a_process_killed_between_reserve_and_commit_loses_nothing(url: str) -> None:
    ready = SPAWN.Event()
    child = SPAWN.Process(target=reserve_and_hang, args=(url, "killed", ready))
    child.start()
    try:
        assert ready.wait(120), "the child never reserved"
    finally:
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(30)
    assert child.exitcode == -signal.SIGKILL
    one = {"r": Limits(uses=1)}
    take = Consumption({"r": LimitUse(uses=1)})
    with open_ledger(url) as ledger:
        assert ledger.order("killed").state == "reserved"
        with pytest.raises(LimitReachedError):  # still held until its TTL
            ledger.reserve("next", take, one, at=AT + timedelta(minutes=4))
        later = AT + timedelta(minutes=5)
        assert ledger.expire(later) == ["killed"]
        assert ledger.expire(later) == []  # once
        with pytest.raises(OrderStateError, match="expired"):
            ledger.commit("killed", at=later)
        ledger.reserve("next", take, one, at=later)
        ledger.commit("next", at=later)
        [row] = ledger.report()
        assert (row.uses.used, row.uses.reserved) == (1, 0)
        assert ledger.verify().ok


@pytest.mark.parametrize("delay", [0.15, 0.4])
def test_kill_9_in_the_middle_of_transactions_leaves_a_consistent_ledger(
        url: str, delay: float) -> None:
    ready = SPAWN.Event()
    children = [SPAWN.Process(target=churn, args=(url, f"p{i}", ready)) for i in range(2)]
    for child in children:
        child.start()
    try:
        assert ready.wait(120), "the children never started"
        time.sleep(delay)
    finally:
        for child in children:
            os.kill(child.pid or 0, signal.SIGKILL)
        for child in children:
            child.join(30)
    with open_ledger(url) as ledger:
        result = ledger.verify()
        assert result.ok, result.differences
        assert result.entries > 4
        ledger.expire(AT + timedelta(hours=1))  # whatever was reserved when killed
        [row] = ledger.report()
        assert row.uses.reserved == 0 and row.budget.reserved == 0
        result = ledger.verify()
        assert result.ok, result.differences
