"""The ledger's tables and their versioned migrations, for SQLite and PostgreSQL.

Every table is prefixed ``ledger_`` so a PostgreSQL database (or schema) can host the ledger next
to an application's own tables. ``ledger_migrations`` lists the migrations applied; each runs in
the same transaction as its record, so a ledger is never half-migrated. Times are epoch
microseconds (UTC), money integer minor units, structured values JSON text.
"""

from __future__ import annotations

from typing import Final

#: The value of ``ledger_meta.format`` that marks a promokit ledger.
FORMAT: Final = "promokit-ledger"

_COMMON_V1: Final = [
    """CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE ledger_limits (
        limit_key TEXT PRIMARY KEY, spec TEXT NOT NULL, currency TEXT NOT NULL,
        zone TEXT NOT NULL)""",
    """CREATE TABLE ledger_counters (
        limit_key TEXT NOT NULL, scope TEXT NOT NULL, period TEXT NOT NULL,
        used_uses BIGINT NOT NULL DEFAULT 0 CHECK (used_uses >= 0),
        used_budget BIGINT NOT NULL DEFAULT 0 CHECK (used_budget >= 0),
        used_units BIGINT NOT NULL DEFAULT 0 CHECK (used_units >= 0),
        res_uses BIGINT NOT NULL DEFAULT 0 CHECK (res_uses >= 0),
        res_budget BIGINT NOT NULL DEFAULT 0 CHECK (res_budget >= 0),
        res_units BIGINT NOT NULL DEFAULT 0 CHECK (res_units >= 0),
        exhausted_at BIGINT,
        PRIMARY KEY (limit_key, scope, period))""",
    """CREATE TABLE ledger_orders (
        order_id TEXT PRIMARY KEY, state TEXT NOT NULL, customer TEXT,
        reserved_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, closed_at BIGINT,
        consumption TEXT NOT NULL, periods TEXT NOT NULL, refunded TEXT NOT NULL)""",
    """CREATE INDEX ledger_orders_expiry ON ledger_orders (state, expires_at)""",
    """CREATE TABLE ledger_coupons (
        code TEXT PRIMARY KEY, customer TEXT, state TEXT NOT NULL, order_id TEXT,
        issued_by TEXT, valid_from BIGINT, valid_until BIGINT, spec TEXT)""",
    """CREATE INDEX ledger_coupons_wallet ON ledger_coupons (customer, state)""",
    """CREATE TABLE ledger_points (
        customer TEXT PRIMARY KEY, balance BIGINT NOT NULL CHECK (balance >= 0))""",
    """CREATE TABLE ledger_refunds (
        refund_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, give_back TEXT NOT NULL,
        at BIGINT NOT NULL)""",
]

_SQLITE_V1: Final = [
    *_COMMON_V1,
    """CREATE TABLE ledger_journal (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at BIGINT NOT NULL, order_id TEXT NOT NULL,
        action TEXT NOT NULL, refund_id TEXT, detail TEXT NOT NULL)""",
    """CREATE TRIGGER ledger_journal_no_update BEFORE UPDATE ON ledger_journal
        BEGIN SELECT RAISE(ABORT, 'the ledger journal is append-only'); END""",
    """CREATE TRIGGER ledger_journal_no_delete BEFORE DELETE ON ledger_journal
        BEGIN SELECT RAISE(ABORT, 'the ledger journal is append-only'); END""",
]

_POSTGRES_V1: Final = [
    *_COMMON_V1,
    """CREATE TABLE ledger_journal (
        seq BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, order_id TEXT NOT NULL,
        action TEXT NOT NULL, refund_id TEXT, detail TEXT NOT NULL)""",
    """CREATE FUNCTION ledger_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the ledger journal is append-only'; END $$""",
    """CREATE TRIGGER ledger_journal_no_change BEFORE UPDATE OR DELETE ON ledger_journal
        FOR EACH ROW EXECUTE FUNCTION ledger_journal_append_only()""",
]

_V2: Final = [
    """CREATE TABLE ledger_customers (
        customer TEXT PRIMARY KEY, orders BIGINT NOT NULL CHECK (orders >= 0),
        spend BIGINT NOT NULL CHECK (spend >= 0))""",
]

#: ``dialect -> [(version, name, statements)]``, applied in order.
MIGRATIONS: Final[dict[str, list[tuple[int, str, list[str]]]]] = {
    "sqlite": [(1, "counters, orders, coupons, points, refunds, journal", _SQLITE_V1),
               (2, "customers' order count and past spend", _V2)],
    "postgresql": [(1, "counters, orders, coupons, points, refunds, journal", _POSTGRES_V1),
                   (2, "customers' order count and past spend", _V2)],
}

MIGRATIONS_TABLE: Final = """CREATE TABLE IF NOT EXISTS ledger_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"""


def latest(dialect: str) -> int:
    """The newest schema version this code knows for ``dialect``."""
    return MIGRATIONS[dialect][-1][0]
