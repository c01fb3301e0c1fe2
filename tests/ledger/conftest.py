"""Fixtures of the ledger tests: every test runs against SQLite and a real PostgreSQL.

PostgreSQL comes from ``PROMOKIT_TEST_PG_URL`` when it is set; otherwise this session starts a
throw-away cluster with ``.ci/postgres.sh`` (never a skip) and stops it at the end. Each test
gets its own PostgreSQL schema (``?options=-csearch_path=...``), so tests never see each other.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from ledger_support import fresh_pg_url  # noqa: E402

from promokit.ledger import Ledger, open_ledger  # noqa: E402

ROOT = HERE.parent.parent
STORES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The base URL of a PostgreSQL database we may create schemas in."""
    given = os.environ.get("PROMOKIT_TEST_PG_URL")
    if given:
        yield given
        return
    script = ROOT / ".ci" / "postgres.sh"
    started = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True,
                             timeout=300, check=False)
    if started.returncode != 0:
        raise RuntimeError(f".ci/postgres.sh start failed:\n{started.stderr}")
    env = dict(line.removeprefix("export ").split("=", 1)
               for line in started.stdout.splitlines() if line.startswith("export "))
    try:
        yield env["PROMOKIT_TEST_PG_URL"]
    finally:
        subprocess.run(["bash", str(script), "stop", env["PROMOKIT_PG_DIR"]],
                       capture_output=True, timeout=120, check=False)


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The store under test."""
    return str(request.param)


@pytest.fixture
def new_url(store: str, tmp_path: Path, request: pytest.FixtureRequest
            ) -> Callable[[], str]:
    """Makes the URL of a fresh, empty (uninitialised) ledger of the store under test."""
    def make() -> str:
        if store == "sqlite":
            return "sqlite:///" + str(tmp_path / f"ledger-{uuid.uuid4().hex[:8]}.db")
        return fresh_pg_url(request.getfixturevalue("pg_url"))
    return make


@pytest.fixture
def url(new_url: Callable[[], str]) -> str:
    """The URL of a fresh, initialised ledger."""
    made = new_url()
    with open_ledger(made) as ledger:
        ledger.init()
    return made


@pytest.fixture
def ledger(url: str) -> Iterator[Ledger]:
    """A fresh, initialised ledger of the store under test."""
    with open_ledger(url) as opened:
        yield opened

