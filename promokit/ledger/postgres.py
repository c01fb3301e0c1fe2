"""The PostgreSQL ledger (psycopg 3): many app servers sharing one ledger.

``postgresql://user@host:port/db`` (any libpq URL; ``?options=-csearch_path%3Dmyschema`` puts the
``ledger_`` tables in another schema). Statements are sent in pipeline mode: a write does not wait
for its reply, only reads do. Each operation is one READ COMMITTED transaction that locks
the rows it changes with ``SELECT ... FOR UPDATE`` in one global order and checks the limits only
after it holds the locks; transient conflicts (deadlock, serialization failure, two first uses of
the same key racing to insert it) are retried a bounded number of times.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar

from ._rows import Row
from ._schema import latest
from ._sql import SqlLedger
from ._sqlread import check_ledger
from .errors import (
    LedgerError,
    LedgerReadOnlyError,
    LedgerUnavailableError,
    NotALedgerError,
)

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresLedger"]

T = TypeVar("T")
#: pg_advisory_xact_lock key serialising concurrent ``init`` calls ("promokit" in ASCII-ish).
INIT_LOCK = 0x70726F6D6F6B6974
RETRIES = 8
#: First and largest backoff between retries, in seconds.
BACKOFF, BACKOFF_CAP = 0.005, 0.4


class _Db:
    dialect = "postgresql"
    lock_of_c = " FOR UPDATE OF c"
    lock = " FOR UPDATE"
    # DO UPDATE (a no-op) locks the existing row; xmax is 0 only on a row this statement inserted
    claim = ("ON CONFLICT (order_id) DO UPDATE SET state = ledger_orders.state "
             "RETURNING xmax = 0")

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def _exec(self, sql: str, params: tuple[Any, ...]) -> psycopg.Cursor[Any]:
        if params:
            return self.conn.execute(sql.replace("?", "%s"), params)
        return self.conn.execute(sql)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        """Run a query that returns rows (forces the pipeline to sync up to it)."""
        return self._exec(sql, params).fetchall()

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Queue a statement (pipeline mode: its reply is read at the next read or commit)."""
        self._exec(sql, params)
        return -1

    def many(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        """Queue one statement per parameter tuple (pipelined: no round trip each)."""
        self.conn.cursor().executemany(sql.replace("?", "%s"), params)

    def send(self, sql: str, params: tuple[Any, ...] = ()) -> Callable[[], list[Row]]:
        """Queue a query; its rows are read (and the pipeline synced up to it) when asked."""
        return self._exec(sql, params).fetchall


class PostgresLedger(SqlLedger):
    """A ledger in a PostgreSQL database."""

    dialect = "postgresql"

    def __init__(self, url: str, connect_timeout: int = 10) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise LedgerError("a PostgreSQL ledger needs psycopg 3: "
                              "pip install 'promokit[ledger-pg]'") from None
        self.url = url
        self.connect_timeout = connect_timeout
        self._conn: psycopg.Connection[Any] | None = None
        self._checked = False

    def _connection(self) -> psycopg.Connection[Any]:
        import psycopg

        if self._conn is not None and not self._conn.closed:
            return self._conn
        self._conn = psycopg.connect(self.url, autocommit=True,
                                     connect_timeout=self.connect_timeout)
        return self._conn

    @contextmanager
    def _transaction(self, write: bool = True, init: bool = False) -> Iterator[_Db]:
        conn = self._connection()
        with conn.pipeline(), conn.transaction():
            db = _Db(conn)
            if not write:  # one consistent snapshot for every read (verify, report)
                db.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if init:
                db.run("SELECT pg_advisory_xact_lock(?)", (INIT_LOCK,))
            elif not self._checked:
                check_ledger(db, latest(self.dialect))
                self._checked = True
            yield db

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        """One statement in autocommit: one round trip instead of BEGIN ... COMMIT."""
        if not self._checked:
            return super()._query(sql, params)
        return _Db(self._connection()).rows(sql, params)

    def _prepare(self) -> None:
        """Nothing to do: PostgreSQL is durable and concurrent as it is."""

    def _retry(self, fn: Callable[[], T]) -> T:
        import psycopg
        from psycopg import errors as pg

        for attempt in range(RETRIES):
            try:
                return fn()
            except (pg.DeadlockDetected, pg.SerializationFailure, pg.UniqueViolation):
                if attempt == RETRIES - 1:
                    raise LedgerUnavailableError(
                        f"PostgreSQL ledger: still conflicting after {RETRIES} tries") from None
                # Jittered exponential backoff: transactions that collided do not collide again
                # in lockstep (at most about 1.3 s of sleep over all the tries).
                time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF * 2 ** attempt)))
            except psycopg.Error as exc:
                raise self._translate(exc) from exc
        raise AssertionError("unreachable")

    def _translate(self, exc: Exception) -> LedgerError:
        import psycopg
        from psycopg import errors as pg

        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, pg.ReadOnlySqlTransaction | pg.InsufficientPrivilege):
            return LedgerReadOnlyError(f"PostgreSQL ledger refuses writes: {text}")
        if isinstance(exc, pg.UndefinedTable | pg.UndefinedColumn):
            return NotALedgerError(f"PostgreSQL database is not a promokit ledger: {text}")
        if isinstance(exc, pg.IntegrityError):
            return LedgerError(f"PostgreSQL ledger refused a write ({text}); nothing was written")
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            self._drop()
            return LedgerUnavailableError(f"PostgreSQL ledger unavailable: {text}")
        return LedgerUnavailableError(f"PostgreSQL ledger: {text}")

    def _drop(self) -> None:
        if self._conn is not None:
            with suppress(Exception):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Close the connection."""
        self._drop()

    def __repr__(self) -> str:
        return f"PostgresLedger({self.url!r})"
