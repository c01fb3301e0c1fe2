"""Fixtures of the ledger tests: every test runs against SQLite and a real PostgreSQL.

``pg_url`` (tests/ledger_fixtures.py, registered in tests/conftest.py) is the session's real
PostgreSQL; each test gets its own schema (``?options=-csearch_path=...``), so tests never see
each other.
"""

from __future__ import annotations

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

