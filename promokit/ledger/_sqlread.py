"""Reading the ledger: ledger checks, snapshots, wallets, reports and the journal replay."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from ._rows import COLS, Db, Pk, Row
from ._schema import FORMAT
from .errors import NotALedgerError
from .limits import Limits, period_key
from .records import (
    Consumption,
    Count,
    IssuedCoupon,
    LedgerView,
    LimitSnapshot,
    ReportRow,
    VerifyResult,
    WalletCoupon,
    us_from,
    utc_from_us,
)


def _tables(db: Db) -> set[str]:
    if db.dialect == "sqlite":
        rows = db.rows("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = db.rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {str(r[0]) for r in rows}


def refuse_foreign(db: Db) -> None:
    """Before ``init``: refuse a SQLite file holding other tables, or a ledger_meta that is not
    ours (a PostgreSQL database may host other tables: ours are prefixed ``ledger_``)."""
    tables = _tables(db)
    if "ledger_meta" in tables:
        found = db.rows("SELECT value FROM ledger_meta WHERE key = 'format'")
        if not found or found[0][0] != FORMAT:
            raise NotALedgerError("the database has a ledger_meta table that is not a promokit "
                                  "ledger's; refusing to touch it")
    elif db.dialect == "sqlite" and tables - {"ledger_migrations", "sqlite_sequence"}:
        raise NotALedgerError("the file is a SQLite database with other tables, not a promokit "
                              "ledger; refusing to initialise it")


def check_ledger(db: Db, newest: int) -> None:
    """Raise NotALedgerError unless ``db`` is an initialised ledger of a version we know."""
    tables = _tables(db)
    if "ledger_meta" not in tables or "ledger_migrations" not in tables:
        raise NotALedgerError("not a promokit ledger (no ledger tables); create one with "
                              "`promokit ledger init URL`")
    found = db.rows("SELECT value FROM ledger_meta WHERE key = 'format'")
    if not found or found[0][0] != FORMAT:
        raise NotALedgerError("not a promokit ledger (ledger_meta has another format)")
    version = db.rows("SELECT MAX(version) FROM ledger_migrations")[0][0]
    if version is None or int(version) < newest:
        raise NotALedgerError(f"ledger schema version {version} is older than {newest}; "
                              "migrate it with `promokit ledger init URL`")
    if int(version) > newest:
        raise NotALedgerError(f"ledger schema version {version} is newer than this promokit "
                              f"knows ({newest}); upgrade promokit")


_NULL_T = "CAST(NULL AS TEXT)"
_NULL_N = "CAST(NULL AS BIGINT)"


def view_query(limits: Mapping[str, Limits], customer: str | None, at: datetime, tz: tzinfo,
               wallet: bool) -> tuple[str, tuple[Any, ...], dict[str, str]]:
    """One statement that reads everything pricing needs (see :meth:`Ledger.view`): the counter
    rows of ``limits`` (global, and ``customer``'s), the points balance, the wallet, and whether
    a reservation is due to expire. Returns it, its parameters and each key's period."""
    t = us_from(at)
    periods = {key: period_key(at, lim.period, tz) for key, lim in limits.items()}
    pks = [(key, "", p) for key, p in periods.items()]
    if customer is not None:
        pks += [(key, "c:" + customer, p) for key, p in periods.items()]
    parts: list[str] = []
    params: list[Any] = []
    if pks:
        parts.append(
            f"SELECT 'c', c.limit_key, c.scope, c.period, {', '.join('c.' + c for c in COLS)} "
            "FROM ledger_counters c JOIN (VALUES " + ", ".join(["(?, ?, ?)"] * len(pks))
            + ") AS v ON c.limit_key = v.column1 AND c.scope = v.column2 "
            "AND c.period = v.column3")
        params += [v for pk in pks for v in pk]
    if customer is not None:
        parts.append(f"SELECT 'p', {_NULL_T}, {_NULL_T}, {_NULL_T}, balance, 0, 0, 0, 0, 0 "
                     "FROM ledger_points WHERE customer = ?")
        parts.append(f"SELECT 'h', {_NULL_T}, {_NULL_T}, {_NULL_T}, orders, spend, 0, 0, 0, 0 "
                     "FROM ledger_customers WHERE customer = ?")
        params += [customer, customer]
        if wallet:
            parts.append(
                "SELECT 'w', spec, issued_by, code, valid_until, 0, 0, 0, 0, 0 "
                "FROM ledger_coupons WHERE customer = ? AND state = 'available' "
                "AND spec IS NOT NULL AND (valid_from IS NULL OR valid_from <= ?) "
                "AND (valid_until IS NULL OR valid_until > ?)")
            params += [customer, t, t]
    parts.append(f"SELECT 'e', {_NULL_T}, {_NULL_T}, {_NULL_T}, 0, 0, 0, 0, 0, 0 WHERE EXISTS "
                 "(SELECT 1 FROM ledger_orders WHERE state = 'reserved' AND expires_at <= ?)")
    params.append(t)
    return " UNION ALL ".join(parts), tuple(params), periods


def view_rows(rows: list[Row], limits: Mapping[str, Limits], customer: str | None,
              periods: Mapping[str, str], currency: str, wallet: bool) -> LedgerView:
    """The :class:`LedgerView` of the rows of :func:`view_query`."""
    counters: dict[Pk, list[int]] = {}
    points = 0
    history = (0, 0)
    coupons: list[tuple[Any, ...]] = []
    for row in rows:
        tag = row[0]
        if tag == "c":
            counters[(row[1], row[2], row[3])] = [int(v) for v in row[4:10]]
        elif tag == "p":
            points = int(row[4])
        elif tag == "h":
            history = (int(row[4]), int(row[5]))
        elif tag == "w":
            coupons.append(row)
    zero = [0] * 6
    out: dict[str, LimitSnapshot] = {}
    for key, lim in limits.items():
        period = periods[key]
        g = counters.get((key, "", period), zero)
        mine = counters.get((key, "c:" + customer, period), zero) if customer else None
        out[key] = LimitSnapshot(
            key, period, Count(lim.uses, g[0], g[3]),
            Count(_budget(lim, currency), g[1], g[4]), Count(lim.units, g[2], g[5]),
            Count(lim.per_customer, mine[0], mine[3]) if mine else None,
            Count(lim.per_customer_units, mine[2], mine[5]) if mine else None)
    found: tuple[WalletCoupon, ...] | None = None
    if wallet:
        coupons.sort(key=lambda r: (r[4] is None, r[4] or 0, r[3]))
        found = tuple(_wallet_coupon(r[1], r[2]) for r in coupons)
    return LedgerView(out, points, found, history if customer else None)


@lru_cache(maxsize=1024)
def _budget(lim: Limits, currency: str) -> int | None:
    return lim.budget_minor(currency)


def due(rows: list[Row]) -> bool:
    """Whether the rows of :func:`view_query` say a reservation is due to expire."""
    return any(row[0] == "e" for row in rows)


def _wallet_coupon(spec: str, issued_by: str | None) -> WalletCoupon:
    c = IssuedCoupon.from_dict(json.loads(spec))
    return WalletCoupon(c.code, c.customer, c.kind, c.face, c.currency, c.min_spend,
                        c.valid_from, c.valid_until, issued_by, c.shop)


def wallet(db: Db, customer: str, t: int) -> list[WalletCoupon]:
    """See :meth:`Ledger.wallet`."""
    rows = db.rows(
        "SELECT spec, issued_by FROM ledger_coupons WHERE customer = ? AND state = 'available' "
        "AND spec IS NOT NULL AND (valid_from IS NULL OR valid_from <= ?) "
        "AND (valid_until IS NULL OR valid_until > ?) "
        "ORDER BY (valid_until IS NULL), valid_until, code", (customer, t, t))
    return [_wallet_coupon(spec, issued_by) for spec, issued_by in rows]


def report(db: Db) -> list[ReportRow]:
    """See :meth:`Ledger.report`."""
    rows = db.rows(
        f"SELECT c.limit_key, c.period, {', '.join('c.' + c for c in COLS)}, c.exhausted_at, "
        "l.spec, l.currency FROM ledger_counters c LEFT JOIN ledger_limits l "
        "ON l.limit_key = c.limit_key WHERE c.scope = '' ORDER BY c.limit_key, c.period")
    out = []
    for row in rows:
        v = [int(x) for x in row[2:8]]
        lim = Limits.model_validate_json(row[9]) if row[9] else Limits()
        currency = row[10] or "CNY"
        out.append(ReportRow(
            key=row[0], period=row[1], currency=currency,
            uses=Count(lim.uses, v[0], v[3]), budget=Count(lim.budget_minor(currency), v[1], v[4]),
            units=Count(lim.units, v[2], v[5]),
            exhausted_at=utc_from_us(int(row[8])) if row[8] is not None else None))
    return out


_NEXT: dict[str, tuple[set[str | None], str]] = {
    "reserve": ({None}, "reserved"), "commit": ({"reserved"}, "committed"),
    "release": ({"reserved"}, "released"), "expire": ({"reserved"}, "expired"),
    "refund": ({"committed"}, "committed"),
}


def verify(db: Db) -> VerifyResult:
    """See :meth:`Ledger.verify`: replays the journal, and recomputes the counters a second way
    from the orders themselves (reserved or committed, less refunds)."""
    diffs: list[str] = []
    counters: dict[Pk, list[int]] = {}
    points: dict[str, int] = {}
    coupons: dict[str, str] = {}
    orders: dict[str, str | None] = {}
    history: dict[str, list[int]] = {}
    entries = db.rows("SELECT seq, order_id, action, detail FROM ledger_journal ORDER BY seq")
    for seq, order_id, action, detail in entries:
        d: dict[str, Any] = json.loads(detail)
        allowed, state = _NEXT.get(action, (set[str | None](), "?"))
        if orders.get(order_id) not in allowed or d.get("state") != state:
            diffs.append(f"journal #{seq}: {action} of order {order_id!r} after "
                         f"{orders.get(order_id) or 'nothing'}")
        orders[order_id] = d.get("state")
        for delta in d.get("counters", []):
            row = counters.setdefault((delta[0], delta[1], delta[2]), [0] * 6)
            for i in range(6):
                row[i] += int(delta[3 + i])
        for customer, amount in d.get("points", []):
            points[customer] = points.get(customer, 0) + int(amount)
        for code, coupon_state, _order in d.get("coupons", []):
            coupons[code] = coupon_state
        for customer, count, spend in d.get("customers", []):
            h = history.setdefault(customer, [0, 0])
            h[0] += int(count)
            h[1] += int(spend)

    stored = {(r[0], r[1], r[2]): [int(x) for x in r[3:9]] for r in db.rows(
        f"SELECT limit_key, scope, period, {', '.join(COLS)} FROM ledger_counters")}
    _compare(diffs, "counter", stored, counters, [0] * 6)
    _compare(diffs, "counter (from orders)", stored, _from_orders(db), [0] * 6)
    for pk, values in stored.items():
        if min(values) < 0:
            diffs.append(f"counter {pk}: negative {values}")
    caps = {r[0]: (Limits.model_validate_json(r[1]), r[2])
            for r in db.rows("SELECT limit_key, spec, currency FROM ledger_limits")}
    for (key, scope, period), v in stored.items():
        if scope == "" and key in caps:
            lim, currency = caps[key]
            for name, cap, taken in (("uses", lim.uses, v[0] + v[3]),
                                     ("budget", lim.budget_minor(currency), v[1] + v[4]),
                                     ("units", lim.units, v[2] + v[5])):
                if cap is not None and taken > cap:
                    diffs.append(f"{key!r} {period}: {name} {taken} over its limit {cap}")
    _compare(diffs, "points of", {str(r[0]): int(r[1]) for r in db.rows(
        "SELECT customer, balance FROM ledger_points")}, points, 0)
    _compare(diffs, "coupon", {str(r[0]): str(r[1]) for r in db.rows(
        "SELECT code, state FROM ledger_coupons")}, coupons, None)
    _compare(diffs, "history of", {str(r[0]): [int(r[1]), int(r[2])] for r in db.rows(
        "SELECT customer, orders, spend FROM ledger_customers")}, history, [0, 0])
    _compare(diffs, "order", {str(r[0]): str(r[1]) for r in db.rows(
        "SELECT order_id, state FROM ledger_orders")}, orders, None)
    return VerifyResult(entries=len(entries), differences=tuple(diffs))


def _from_orders(db: Db) -> dict[Pk, list[int]]:
    """Counters recomputed from the orders: reserved ones as reserved, committed ones as used
    less what their refunds gave back."""
    out: dict[Pk, list[int]] = {}
    for state, consumption, periods, refunded in db.rows(
            "SELECT state, consumption, periods, refunded FROM ledger_orders "
            "WHERE state IN ('reserved', 'committed')"):
        c = Consumption.from_dict(json.loads(consumption))
        back = Consumption.from_dict(json.loads(refunded)).limits if refunded != "{}" else {}
        for key, pks in json.loads(periods).items():
            use, gone = c.limits[key], back.get(key)
            amounts = [use.uses, use.budget, use.units]
            if gone is not None:
                amounts = [amounts[0] - gone.uses, amounts[1] - gone.budget,
                           amounts[2] - gone.units]
            offset = 3 if state == "reserved" else 0
            for pk in pks:
                row = out.setdefault((pk[0], pk[1], pk[2]), [0] * 6)
                for i in range(3):
                    row[offset + i] += amounts[i]
    return out


def _compare(diffs: list[str], what: str, stored: Mapping[Any, Any],
             replayed: Mapping[Any, Any], zero: object) -> None:
    for key in sorted(set(stored) | set(replayed), key=repr):
        have, want = stored.get(key, zero), replayed.get(key, zero)
        if have != want:
            diffs.append(f"{what} {key}: stored {have}, recomputed {want}")
