"""Smoke test of ``benchmarks/ledger.py --profile`` against the real PostgreSQL of the tests:
what it prints is measured, never asserted, so this only checks that it measures real
checkouts (nothing here is timed)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed; import it from this checkout
    sys.path.insert(0, str(ROOT))

from ledger_support import fresh_pg_url  # noqa: E402

from benchmarks.ledger import lock_waits, profile_one  # noqa: E402
from promokit.ledger import open_ledger  # noqa: E402

STATES = {"waiting on a row lock", "waiting for the client", "running",
          "waiting on the WAL flush"}


def test_profile_measures_committed_checkouts_and_the_server_backend(pg_url: str) -> None:
    """30 store checkouts from one client: positive wall and client CPU per checkout, the
    server backend's CPU read (the test server runs on this machine), every order committed
    and the journal replaying to the counters."""
    url = fresh_pg_url(pg_url)
    wall, cpu, server = profile_one(url, count=30)
    assert wall > 0 and cpu > 0
    assert server is not None and server >= 0
    with open_ledger(url) as ledger:
        assert ledger.order("p-29").state == "committed"
        assert ledger.verify().ok


def test_lock_waits_samples_the_clients_backends(pg_url: str) -> None:
    """Two clients for a second: checkouts happen, and the sampled states are the clients'
    own backends (never more than 2 on average, each named)."""
    rate, waits = lock_waits(fresh_pg_url(pg_url), pg_url, 2, 1.0)
    assert rate > 0
    assert sum(waits.values()) <= 2.0
    assert all(what in STATES or what.startswith("waiting on ") for what in waits)
