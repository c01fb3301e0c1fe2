"""The SQLite ledger: one file, WAL, every write transaction takes the write lock up front.

``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (the SQLAlchemy convention);
``?mode=ro`` opens the file read-only. In WAL mode ``synchronous=NORMAL`` (the default here) is
safe against a crashed or killed process, and against power loss keeps the file consistent but may
lose the last transactions; ``?synchronous=full`` syncs every commit (slower, disk-bound).
``BEGIN IMMEDIATE`` makes concurrent writers (threads or
processes) queue for the lock, waiting up to ``timeout`` seconds, instead of failing half-way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote

from ._rows import Row
from ._schema import latest
from ._sql import SqlLedger
from ._sqlread import check_ledger
from .errors import (
    LedgerError,
    LedgerReadOnlyError,
    LedgerUnavailableError,
    LedgerURLError,
    NotALedgerError,
)

__all__ = ["SQLiteLedger"]

T = TypeVar("T")
PREFIX = "sqlite:///"


class _Db:
    dialect = "sqlite"
    lock_of_c = ""
    lock = ""
    claim = "ON CONFLICT (order_id) DO NOTHING RETURNING 1"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def many(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        self.conn.executemany(sql, params)

    def send(self, sql: str, params: tuple[Any, ...] = ()) -> Callable[[], list[Row]]:
        found = self.rows(sql, params)
        return lambda: found


class SQLiteLedger(SqlLedger):
    """A ledger in a SQLite file (stdlib ``sqlite3``)."""

    dialect = "sqlite"

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        if not url.startswith(PREFIX):
            raise LedgerURLError(f"SQLite ledger URL {url!r} must start with {PREFIX}")
        rest, _, query = url[len(PREFIX):].partition("?")
        if not rest:
            raise LedgerURLError(f"SQLite ledger URL {url!r} names no file")
        options = parse_qs(query)
        unknown = set(options) - {"mode", "synchronous"}
        if unknown or options.get("mode", ["rw"]) not in (["rw"], ["ro"]) or options.get(
                "synchronous", ["normal"]) not in (["normal"], ["full"]):
            raise LedgerURLError(f"SQLite ledger URL {url!r}: only ?mode=ro and "
                                 "?synchronous=full|normal are understood")
        self.url = url
        self.path = Path(rest)
        #: ``sqlite:///:memory:``: a ledger in this object's memory only (one connection; gone
        #: at close): for tests and demos, never shared with another process or object.
        self.memory = rest == ":memory:"
        if self.memory and options.get("mode") == ["ro"]:
            raise LedgerURLError(f"SQLite ledger URL {url!r}: an in-memory ledger cannot be "
                                 "read-only (nothing would be in it)")
        self.read_only = options.get("mode") == ["ro"]
        self.synchronous = options.get("synchronous", ["normal"])[0].upper()
        self.timeout = timeout
        self._conn: sqlite3.Connection | None = None
        self._checked = False

    def _connection(self, create: bool) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        if not create and not self.memory and not self.path.exists():
            raise NotALedgerError(f"no ledger at {self.path}: create one with "
                                  f"`promokit ledger init {self.url}`")
        if create and self.read_only:
            raise LedgerReadOnlyError(f"{self.url} is opened read-only; cannot initialise it")
        if self.memory:
            conn = sqlite3.connect(":memory:", isolation_level=None)
            self._conn = conn
            return conn
        mode = "ro" if self.read_only else ("rwc" if create else "rw")
        uri = f"file:{quote(str(self.path.resolve()))}?mode={mode}"
        conn = sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        self._conn = conn
        return conn

    @contextmanager
    def _transaction(self, write: bool = True, init: bool = False) -> Iterator[_Db]:
        conn = self._connection(create=init)
        conn.execute("BEGIN IMMEDIATE" if write or init else "BEGIN")
        try:
            db = _Db(conn)
            if not init and not self._checked:
                check_ledger(db, latest(self.dialect))
                self._checked = True
            yield db
        except BaseException:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        """One statement in autocommit (one statement reads one consistent snapshot)."""
        if not self._checked:
            return super()._query(sql, params)
        return self._connection(create=False).execute(sql, params).fetchall()

    def _prepare(self) -> None:
        conn = self._connection(create=True)
        if self.memory:
            return  # no file, no WAL: the one connection is the only reader and writer
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise LedgerUnavailableError(f"{self.path}: cannot switch to WAL (got {mode})")

    def _retry(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: sqlite3.Error) -> LedgerError:
        text = str(exc)
        low = text.lower()
        where = "in-memory SQLite ledger" if self.memory else f"SQLite ledger {self.path}"
        if "readonly" in low or "read-only" in low:
            return LedgerReadOnlyError(f"{where} is read-only: {text}")
        if "not a database" in low or "no such table" in low or "malformed" in low:
            return NotALedgerError(f"{where} is not a promokit ledger ({text})")
        if "locked" in low or "busy" in low:
            return LedgerUnavailableError(f"{where} stayed locked for {self.timeout}s: {text}")
        if isinstance(exc, sqlite3.IntegrityError):
            return LedgerError(f"{where} refused a write ({text}); nothing was written")
        if isinstance(exc, sqlite3.OperationalError) and "unable to open" in low:
            return LedgerUnavailableError(f"{where} cannot be opened: {text}")
        return LedgerUnavailableError(f"{where}: {text}")

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __repr__(self) -> str:
        return f"SQLiteLedger({self.url!r})"
