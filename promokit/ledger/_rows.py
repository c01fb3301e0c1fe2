"""Row-level helpers shared by the ledger's SQL operations (one transaction each)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from .errors import InsufficientPointsError, LimitReachedError
from .limits import Limits
from .records import Consumption, OrderRecord, utc_from_us

Row = tuple[Any, ...]
#: A counter row's key: (limit key, scope: "" or "c:<customer>", period).
Pk = tuple[str, str, str]
COLS = ("used_uses", "used_budget", "used_units", "res_uses", "res_budget", "res_units")


class Db(Protocol):
    """A connection in a transaction; SQL uses ``?`` placeholders."""

    dialect: str
    lock: str  # " FOR UPDATE" where rows are locked, "" where the whole store is
    lock_of_c: str  # the same, for the rows of the table aliased ``c`` only
    #: How an order's claim ends: ``ON CONFLICT ...`` returning a row whose one column is true
    #: when the order was inserted (no row, or false, when it existed); where rows are locked,
    #: an existing order row is locked.
    claim: str

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]: ...
    def run(self, sql: str, params: tuple[Any, ...] = ()) -> int: ...
    def many(self, sql: str, params: list[tuple[Any, ...]]) -> None: ...
    def send(self, sql: str, params: tuple[Any, ...] = ()) -> Callable[[], list[Row]]:
        """Send a query now, read its rows later (PostgreSQL: the statements sent in between
        travel in the same round trip)."""


def now() -> datetime:
    """The current instant, UTC."""
    return datetime.now(UTC)


def dumps(value: object) -> str:
    """Canonical JSON (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def journal(db: Db, at: int, order_id: str, action: str, detail: dict[str, Any],
            refund_id: str | None = None) -> None:
    """Append one entry to the journal."""
    db.run("INSERT INTO ledger_journal (at, order_id, action, refund_id, detail) "
           "VALUES (?, ?, ?, ?, ?)", (at, order_id, action, refund_id, dumps(detail)))


Caps = dict[str, tuple[int | None, int | None, int | None]]


#: What ``ledger_limits`` holds for a key: (spec JSON, currency, zone).
Stored = dict[str, tuple[str, str, str]]


def send_lock(db: Db, pks: list[Pk]) -> Callable[[], tuple[dict[Pk, list[int]], Caps, Stored]]:
    """Create-if-missing and lock counter rows, in sorted order: two statements whatever their
    number, sent now, read when the returned function is called (round trips are what a
    checkout costs). It returns their six values each, the (uses, budget, units) limits last
    reserved under their keys, and those stored limits as they are."""
    keys = sorted(set(pks))
    if not keys:
        return lambda: ({}, {}, {})
    flat = tuple(v for pk in keys for v in pk)
    db.run("INSERT INTO ledger_counters (limit_key, scope, period) VALUES "
           + ", ".join(["(?, ?, ?)"] * len(keys)) + " ON CONFLICT DO NOTHING", flat)
    fetch = db.send(
        f"SELECT c.limit_key, c.scope, c.period, {', '.join('c.' + c for c in COLS)}, "
        "l.spec, l.currency, l.zone "
        "FROM ledger_counters c JOIN (VALUES " + ", ".join(["(?, ?, ?)"] * len(keys))
        + ") AS v ON c.limit_key = v.column1 AND c.scope = v.column2 AND c.period = v.column3"
        + " LEFT JOIN ledger_limits l ON l.limit_key = c.limit_key"
        + f" ORDER BY c.limit_key, c.scope, c.period{db.lock_of_c}", flat)

    def read() -> tuple[dict[Pk, list[int]], Caps, Stored]:
        rows = fetch()
        caps: Caps = {}
        stored: Stored = {}
        for r in rows:
            if r[9] is not None:
                lim = _limits(r[9])
                caps[r[0]] = (lim.uses, lim.budget_minor(r[10]), lim.units)
                stored[r[0]] = (r[9], r[10], r[11])
        return {(r[0], r[1], r[2]): [int(v) for v in r[3:9]] for r in rows}, caps, stored
    return read


def lock_counters(db: Db, pks: list[Pk]) -> tuple[dict[Pk, list[int]], Caps]:
    """:func:`send_lock` read at once: the rows' values and their keys' limits."""
    before, caps, _ = send_lock(db, pks)()
    return before, caps


def write_counters(db: Db, before: dict[Pk, list[int]], after: dict[Pk, list[int]], at: int,
                   caps: Caps) -> list[Any]:
    """Store changed counter rows (one batch); returns their journal deltas. A global row whose
    limits are all taken gets ``exhausted_at`` (kept while it stays so); one that is not, loses
    it."""
    deltas: list[Any] = []
    batch: list[tuple[Any, ...]] = []
    for pk in sorted(after):
        old, new = before[pk], after[pk]
        if old == new:
            continue
        deltas.append([*pk, *(n - o for n, o in zip(new, old, strict=True))])
        exhausted = False
        if pk[1] == "" and pk[0] in caps:
            taken = (new[0] + new[3], new[1] + new[4], new[2] + new[5])
            exhausted = any(c is not None and t >= c for c, t in zip(caps[pk[0]], taken,
                                                                      strict=True))
        batch.append((*new, exhausted, at, *pk))
    if batch:
        db.many(f"UPDATE ledger_counters SET {', '.join(c + ' = ?' for c in COLS)}, "
                "exhausted_at = CASE WHEN ? THEN COALESCE(exhausted_at, ?) ELSE NULL END "
                "WHERE limit_key = ? AND scope = ? AND period = ?", batch)
    return deltas


@lru_cache(maxsize=1024)
def _limits(spec: str) -> Limits:
    return Limits.model_validate_json(spec)


def add_points(db: Db, customer: str, delta: int) -> None:
    """Change a points balance; refuses to make it negative. A credit is one blind upsert (no
    read: nothing to check); a debit locks the balance and checks it first."""
    if delta >= 0:
        db.run("INSERT INTO ledger_points (customer, balance) VALUES (?, ?) "
               "ON CONFLICT (customer) DO UPDATE SET balance = ledger_points.balance + "
               "excluded.balance", (customer, delta))
        return
    found = db.rows(f"SELECT balance FROM ledger_points WHERE customer = ?{db.lock}",
                    (customer,))
    balance = int(found[0][0]) if found else 0
    if balance + delta < 0:
        raise InsufficientPointsError(customer, "points", balance, -delta,
                                      "a points balance never goes negative")
    db.run("UPDATE ledger_points SET balance = ? WHERE customer = ?", (balance + delta, customer))


def add_history(db: Db, customer: str, orders: int, spend: int) -> list[Any]:
    """Change a customer's order count and past spend (one blind upsert); returns the journal
    entry. The table's checks refuse a count or spend below zero."""
    if orders >= 0 and spend >= 0:  # a commit: the customer's first order creates the row
        db.run("INSERT INTO ledger_customers (customer, orders, spend) VALUES (?, ?, ?) "
               "ON CONFLICT (customer) DO UPDATE SET orders = ledger_customers.orders + "
               "excluded.orders, spend = ledger_customers.spend + excluded.spend",
               (customer, orders, spend))
    else:  # a refund: the commit made the row
        db.run("UPDATE ledger_customers SET orders = orders + ?, spend = spend + ? "
               "WHERE customer = ?", (orders, spend, customer))
    return [customer, orders, spend]


def load_order(db: Db, order_id: str, lock: bool = True) -> Row | None:
    """(state, customer, reserved_at, expires_at, consumption, periods, refunded) or None."""
    found = db.rows("SELECT state, customer, reserved_at, expires_at, consumption, periods, "
                    "refunded FROM ledger_orders WHERE order_id = ?" + (db.lock if lock else ""),
                    (order_id,))
    return found[0] if found else None


def record(order_id: str, row: Row) -> OrderRecord:
    """An OrderRecord from a row of :func:`load_order`."""
    return OrderRecord(order_id, row[0], row[1], utc_from_us(int(row[2])),
                       utc_from_us(int(row[3])), Consumption.from_dict(json.loads(row[4])))


def order_pks(row: Row) -> dict[str, list[Pk]]:
    """The counter rows a reservation touched, by limit key."""
    return {k: [tuple(pk) for pk in v] for k, v in json.loads(row[5]).items()}


def take_codes(db: Db, order_id: str, c: Consumption, t: int) -> list[Any]:
    """Reserve single-use codes (sorted); a code the ledger never saw is claimed now."""
    out: list[Any] = []
    for code in sorted(c.coupon_codes):
        found = db.rows("SELECT state, customer, valid_from, valid_until, spec FROM "
                        f"ledger_coupons WHERE code = ?{db.lock}", (code,))
        if not found:
            db.run("INSERT INTO ledger_coupons (code, customer, state, order_id) "
                   "VALUES (?, ?, 'reserved', ?)", (code, c.customer, order_id))
        else:
            state, owner, start, end, spec = found[0]
            if state != "available":
                raise LimitReachedError(code, "code", 0, 1, f"the code is {state}")
            if spec is not None and owner != c.customer:
                raise LimitReachedError(code, "code", 0, 1,
                                        "the code was issued to another customer")
            if (start is not None and t < start) or (end is not None and t >= end):
                raise LimitReachedError(code, "code", 0, 1, "the code is not valid now")
            db.run("UPDATE ledger_coupons SET state = 'reserved', order_id = ? "
                   "WHERE code = ?", (order_id, code))
        out.append([code, "reserved", order_id])
    return out
