"""Fixtures shared by the ledger and checkout tests: a real PostgreSQL for the session.

``pg_url`` is registered once, in tests/conftest.py, so the ledger and checkout tests share one
server. PostgreSQL comes from ``PROMOKIT_TEST_PG_URL`` when it is set; otherwise the session
starts a throw-away cluster with ``.ci/postgres.sh`` (never a skip) and stops it at the end.
:func:`fresh_pg_url` gives each test its own schema, so tests never see each other.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent


def fresh_pg_url(base: str) -> str:
    """A new schema in the database of ``base``, and a URL whose search_path is it."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote('-csearch_path=' + schema)}"


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
