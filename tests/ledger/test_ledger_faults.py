"""Bad URLs, files that are not ledgers, databases that are down or read-only: clear errors,
nothing half-written."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from ledger_support import AT, fresh_pg_url

import promokit
from promokit.ledger import (
    Consumption,
    LedgerError,
    LedgerReadOnlyError,
    LedgerUnavailableError,
    LedgerURLError,
    Limits,
    LimitUse,
    NotALedgerError,
    open_ledger,
)

ONE = Consumption({"r": LimitUse(uses=1)})
FREE = {"r": Limits()}


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://relative.db", "sqlite:///",
                                 "sqlite:///x.db?mode=rwc", "ledger.db"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(LedgerURLError):
        open_ledger(url)


def test_an_uninitialised_store_is_not_a_ledger(new_url: Callable[[], str]) -> None:
    with open_ledger(new_url()) as ledger, pytest.raises(NotALedgerError, match="ledger init"):
        ledger.reserve("o", ONE, FREE, at=AT)


def test_init_is_idempotent_and_keeps_data(url: str) -> None:
    with open_ledger(url) as ledger:
        ledger.reserve("o", ONE, FREE, at=AT)
        assert ledger.init() == 2
        assert ledger.order("o").state == "reserved"


def test_a_version_1_ledger_migrates_to_version_2_and_keeps_its_data(
        new_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A ledger made by a promokit that knew only version 1 is refused until ``init`` adds
    version 2 (the customers' history), in one transaction, keeping every order."""
    from promokit.ledger import _schema, _sql

    url = new_url()
    v1 = {d: m[:1] for d, m in _schema.MIGRATIONS.items()}
    with monkeypatch.context() as old:  # this code as it was before version 2
        old.setattr(_schema, "MIGRATIONS", v1)
        old.setattr(_sql, "MIGRATIONS", v1)
        with open_ledger(url) as ledger:
            assert ledger.init() == 1
            ledger.reserve("o", ONE, FREE, at=AT)
            ledger.commit("o", at=AT)
    with open_ledger(url) as ledger, pytest.raises(NotALedgerError, match="older than 2"):
        ledger.order("o")
    with open_ledger(url) as ledger:
        assert ledger.init() == 2
        assert ledger.order("o").state == "committed"
        assert ledger.verify().ok


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    for act in ("init", "report"):
        with open_ledger(f"sqlite:///{path}") as ledger, pytest.raises(NotALedgerError):
            getattr(ledger, act)()
    assert path.read_bytes() == b"these are my notes, not a database" * 100


def test_a_sqlite_database_of_something_else_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with open_ledger(f"sqlite:///{path}") as ledger:
        with pytest.raises(NotALedgerError, match="other tables"):
            ledger.init()
        with pytest.raises(NotALedgerError):
            ledger.verify()
    assert path.read_bytes() == before
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["users"]
    conn.close()


def test_a_missing_sqlite_file_is_not_created_by_reading(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    with open_ledger(f"sqlite:///{path}") as ledger, pytest.raises(NotALedgerError):
        ledger.report()
    assert not path.exists()


def test_a_read_only_ledger_reads_but_refuses_writes(url: str, store: str) -> None:
    # SQLite: opened read-only; PostgreSQL: a session whose transactions are read-only
    ro = url + ("?mode=ro" if store == "sqlite" else "%20-cdefault_transaction_read_only%3Don")
    with open_ledger(url) as ledger:
        ledger.reserve("o", ONE, FREE, at=AT)
    with open_ledger(ro) as ledger:
        assert ledger.order("o").state == "reserved"
        assert ledger.snapshot(FREE, at=AT)["r"].uses.reserved == 1
        with pytest.raises(LedgerReadOnlyError) as info:
            ledger.commit("o", at=AT)
        assert isinstance(info.value, promokit.PromokitError)
        with pytest.raises(LedgerReadOnlyError):
            ledger.reserve("p", ONE, FREE, at=AT)
    with open_ledger(url) as ledger:
        assert ledger.order("o").state == "reserved"
        assert ledger.verify().ok


def test_a_postgresql_server_that_is_down() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open_ledger(f"postgresql://nobody@127.0.0.1:{port}/none?connect_timeout=2") as ledger:
        with pytest.raises(LedgerUnavailableError, match="unavailable") as info:
            ledger.report()
        assert isinstance(info.value, OSError | LedgerError)


def test_a_postgresql_database_without_a_ledger(pg_url: str) -> None:
    with open_ledger(fresh_pg_url(pg_url)) as ledger, pytest.raises(NotALedgerError):
        ledger.verify()


def test_a_connection_lost_mid_way_reconnects(url: str, store: str) -> None:
    if store == "sqlite":
        return  # a file has no connection to lose: nothing to test
    import psycopg

    with open_ledger(url) as ledger:
        ledger.reserve("o", ONE, FREE, at=AT)
        pid = ledger._conn.info.backend_pid  # type: ignore[attr-defined]
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(LedgerUnavailableError):
            ledger.commit("o", at=AT)
        assert ledger.commit("o", at=AT).state == "committed"  # a new connection
        assert ledger.verify().ok


def test_sqlite_memory_is_a_real_in_memory_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    """``sqlite:///:memory:`` keeps the ledger in the object's one connection: it works like a
    file ledger, writes no file named ``:memory:``, and is gone when closed."""
    monkeypatch.chdir(tmp_path)
    url = "sqlite:///:memory:"
    with open_ledger(url) as ledger:
        with pytest.raises(NotALedgerError, match="ledger init"):
            ledger.reserve("o", ONE, FREE, at=AT)
        assert ledger.init() >= 1
        one = {"r": Limits(uses=1)}
        ledger.reserve("o", ONE, one, at=AT)
        ledger.commit("o", at=AT)
        assert ledger.snapshot(one, at=AT)["r"].uses.left == 0
        assert ledger.verify().ok
    assert list(tmp_path.iterdir()) == []  # no file was created
    # another object: another, empty store
    with open_ledger(url) as again, pytest.raises(NotALedgerError):
        again.order("o")
    with pytest.raises(LedgerURLError, match="read-only"):
        open_ledger("sqlite:///:memory:?mode=ro")


def test_commands_refuse_an_in_memory_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from promokit.cli import main

    monkeypatch.chdir(tmp_path)
    for argv in (["ledger", "init", "sqlite:///:memory:"],
                 ["commit", "o", "--ledger", "sqlite:///:memory:"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "in-memory ledger" in err and "sqlite:///ledger.db" in err
        assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
