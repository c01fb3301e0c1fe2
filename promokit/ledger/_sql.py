"""The ledger's logic over SQL, shared by the SQLite and PostgreSQL stores.

Each operation is one transaction. Rows are locked in one global order (the order row, then
limit specs, then counters sorted by key, then coupon codes sorted, then the points balance), so
concurrent transactions queue rather than deadlock; SQLite takes its single write lock up front
(``BEGIN IMMEDIATE``), PostgreSQL row locks (``SELECT ... FOR UPDATE``). Checks happen after the
locks and before any write, and a refusal rolls everything back.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, suppress
from datetime import datetime, timedelta, tzinfo
from typing import Any, TypeVar

from . import _sqlread
from ._refund import refund_tx
from ._rows import (
    Db,
    Pk,
    Row,
    add_history,
    add_points,
    dumps,
    journal,
    load_order,
    lock_counters,
    now,
    order_pks,
    record,
    send_lock,
    take_codes,
    write_counters,
)
from ._schema import FORMAT, MIGRATIONS, MIGRATIONS_TABLE, latest
from .base import DEFAULT_TTL, Ledger
from .errors import (
    LedgerError,
    LedgerReadOnlyError,
    LimitReachedError,
    OrderStateError,
    UnknownOrderError,
)
from .limits import Limits, period_key, resolve_zone
from .records import (
    Consumption,
    LedgerView,
    LimitSnapshot,
    OrderRecord,
    ReportRow,
    VerifyResult,
    WalletCoupon,
    us_from,
    utc_from_us,
)

T = TypeVar("T")

class SqlLedger(Ledger):
    """A ledger over a SQL store; the subclasses connect and translate driver errors."""

    dialect: str

    @abstractmethod
    def _transaction(self, write: bool = True, init: bool = False) -> AbstractContextManager[Db]:
        """A transaction (write: takes the store's write lock up front where it has one; init:
        may create the store)."""

    @abstractmethod
    def _prepare(self) -> None:
        """Store-specific set-up after the migrations ran (e.g. SQLite's WAL mode)."""

    @abstractmethod
    def _retry(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` translating driver errors, retrying transient conflicts."""

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        """One read-only statement (a store may run it outside a transaction)."""
        with self._transaction(write=False) as db:
            return db.rows(sql, params)

    # -- schema --------------------------------------------------------------------------

    def init(self) -> int:
        """See :meth:`Ledger.init`."""
        def run() -> int:
            with self._transaction(init=True) as db:
                _sqlread.refuse_foreign(db)
                db.run(MIGRATIONS_TABLE)
                done = {int(r[0]) for r in db.rows("SELECT version FROM ledger_migrations")}
                for version, name, statements in MIGRATIONS[self.dialect]:
                    if version in done:
                        continue
                    for statement in statements:
                        db.run(statement)
                    db.run("INSERT INTO ledger_migrations (version, name, applied_at) "
                           "VALUES (?, ?, ?)", (version, name, us_from(now())))
                    if version == 1:
                        db.run("INSERT INTO ledger_meta (key, value) VALUES ('format', ?)",
                               (FORMAT,))
            self._prepare()
            return latest(self.dialect)
        return self._retry(run)

    # -- lifecycle -------------------------------------------------------------------------

    def reserve(
        self, order_id: str, consumption: Consumption, limits: Mapping[str, Limits],
        at: datetime | None = None, ttl: timedelta = DEFAULT_TTL, zone: str | tzinfo = "UTC",
    ) -> OrderRecord:
        """See :meth:`Ledger.reserve`."""
        when = at or now()
        if not isinstance(order_id, str) or not order_id:
            raise ValueError("order id must be a non-empty string")
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        tz = resolve_zone(zone)
        zone_name = str(zone) if isinstance(zone, str) else str(tz)
        payload = dumps(consumption.to_dict())

        def run() -> OrderRecord:
            rec = self._retry(lambda: self._reserve(order_id, consumption, payload, limits,
                                                    when, ttl, tz, zone_name))
            if rec.state == "expired":  # a duplicate of a reservation whose TTL had passed
                raise OrderStateError(order_id, "expired", "reserve", "an order id is used once")
            return rec
        try:
            return run()
        except LimitReachedError:
            # Expired reservations are swept lazily: when one may hold what was refused,
            # sweep and try once more (the common path pays no extra round trip).
            if not self.expire(when):
                raise
            return run()

    def _reserve(self, order_id: str, c: Consumption, payload: str,
                 limits: Mapping[str, Limits], at: datetime, ttl: timedelta, tz: tzinfo,
                 zone_name: str) -> OrderRecord:
        t = us_from(at)
        used = {k: u for k, u in sorted(c.limits.items()) if not u.empty}
        specs = {k: limits.get(k, Limits()) for k in used}
        pks: dict[str, list[Pk]] = {}
        for key, lim in specs.items():
            period = period_key(at, lim.period, tz)
            pks[key] = [(key, "", period)]
            if lim.per_customer_limited:
                if c.customer is None:
                    which = "per_customer" if lim.per_customer is not None else \
                        "per_customer_units"
                    raise LimitReachedError(key, which, None, 1,
                                            "a per-customer limit needs a customer id; "
                                            "a guest cannot use it")
                pks[key].append((key, "c:" + c.customer, period))
        expires = us_from(at + ttl)
        with self._transaction() as db:
            # Claim the order id first: a concurrent duplicate waits here until this one ends,
            # then finds the order (rather than being refused by the counters we took). The
            # claim and the counter locks travel together (one round trip on PostgreSQL), so
            # the claim must lock an existing order row too: the order row comes first in the
            # global lock order, and a duplicate holding the counters while it waited for the
            # order row would deadlock with a commit of that order (which holds the order row
            # and wants the counters).
            claim = db.send(
                "INSERT INTO ledger_orders (order_id, state, customer, reserved_at, expires_at, "
                "consumption, periods, refunded) VALUES (?, 'reserved', ?, ?, ?, ?, ?, '{}') "
                + db.claim, (order_id, c.customer, t, expires, payload, dumps(pks)))
            locked = send_lock(db, [pk for v in pks.values() for pk in v])
            claimed = claim()
            if not (claimed and claimed[0][0]):
                row = load_order(db, order_id)
                if row is None:  # the claim that blocked us rolled back and was retried
                    raise UnknownOrderError(order_id)
                if row[4] != payload:
                    raise OrderStateError(order_id, row[0], "reserve",
                                          "the order id was reserved with another consumption")
                if row[0] == "reserved" and int(row[3]) <= t:
                    # its TTL has passed: expire it now (as a sweep would have) and refuse
                    self._unreserve(db, order_id, row, "expire", t)
                    return record(order_id, ("expired", *row[1:]))
                if row[0] in ("reserved", "committed"):
                    return record(order_id, row)
                raise OrderStateError(order_id, row[0], "reserve", "an order id is used once")
            before, _, stored = locked()
            for key, lim in specs.items():
                if key not in limits:
                    continue  # counted, unlimited here; keep whatever spec was stored
                spec = (lim.model_dump_json(), c.currency, zone_name)
                if stored.get(key) == spec:
                    continue  # unchanged: no write, no lock on the row
                db.run("INSERT INTO ledger_limits (limit_key, spec, currency, zone) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT (limit_key) DO UPDATE SET "
                       "spec = excluded.spec, currency = excluded.currency, zone = excluded.zone",
                       (key, *spec))
            after = {pk: list(v) for pk, v in before.items()}
            for key, lim in specs.items():
                use = used[key]
                glob = after[pks[key][0]]
                checks = [("uses", lim.uses, glob[0] + glob[3], use.uses),
                          ("budget", lim.budget_minor(c.currency), glob[1] + glob[4], use.budget),
                          ("units", lim.units, glob[2] + glob[5], use.units)]
                if len(pks[key]) > 1:
                    mine = after[pks[key][1]]
                    checks += [("per_customer", lim.per_customer, mine[0] + mine[3], use.uses),
                               ("per_customer_units", lim.per_customer_units,
                                mine[2] + mine[5], use.units)]
                for which, cap, taken, asked in checks:
                    if cap is not None and asked > 0 and taken + asked > cap:
                        raise LimitReachedError(key, which, max(0, cap - taken), asked)
                for pk in pks[key]:
                    row_ = after[pk]
                    row_[3] += use.uses
                    row_[4] += use.budget
                    row_[5] += use.units
            coupons = take_codes(db, order_id, c, t)
            for issued in c.issued:
                if db.rows("SELECT 1 FROM ledger_coupons WHERE code = ?", (issued.code,)):
                    raise LedgerError(f"coupon code {issued.code!r} to issue exists already")
            points: list[Any] = []
            if c.points_paid and c.customer is not None:
                add_points(db, c.customer, -c.points_paid)
                points.append([c.customer, -c.points_paid])
            caps = {k: (lim.uses, lim.budget_minor(c.currency), lim.units)
                    for k, lim in specs.items()}
            deltas = write_counters(db, before, after, t, caps)
            journal(db, t, order_id, "reserve", {"counters": deltas, "points": points,
                                                 "coupons": coupons, "state": "reserved"})
            return OrderRecord(order_id, "reserved", c.customer, utc_from_us(t),
                               utc_from_us(expires), c)

    def commit(self, order_id: str, at: datetime | None = None) -> OrderRecord:
        """See :meth:`Ledger.commit`."""
        when = at or now()
        expired, rec = self._retry(lambda: self._commit(order_id, us_from(when)))
        if expired:
            raise OrderStateError(order_id, "expired", "commit",
                                  "its reservation expired unpaid and was released")
        return rec

    def _commit(self, order_id: str, t: int) -> tuple[bool, OrderRecord]:
        with self._transaction() as db:
            row = load_order(db, order_id)
            if row is None:
                raise UnknownOrderError(order_id)
            if row[0] == "committed":
                return False, record(order_id, row)
            if row[0] != "reserved":
                raise OrderStateError(order_id, row[0], "commit")
            if int(row[3]) <= t:
                self._unreserve(db, order_id, row, "expire", t)
                return True, record(order_id, row)
            c = Consumption.from_dict(json.loads(row[4]))
            pks = order_pks(row)
            # Reserved becomes used: what is taken does not change, so no limit can be crossed
            # and nothing needs reading. Blind relative updates, in key order (lock order).
            deltas: list[Any] = []
            for pk, use in sorted((pk, c.limits[k]) for k, rows in pks.items() for pk in rows):
                d = (use.uses, use.budget, use.units)
                db.run("UPDATE ledger_counters SET used_uses = used_uses + ?, "
                       "used_budget = used_budget + ?, used_units = used_units + ?, "
                       "res_uses = res_uses - ?, res_budget = res_budget - ?, "
                       "res_units = res_units - ? WHERE limit_key = ? AND scope = ? "
                       "AND period = ?", (*d, *d, *pk))
                deltas.append([*pk, *d, *(-x for x in d)])
            coupons: list[Any] = []
            for code in sorted(c.coupon_codes):
                db.run("UPDATE ledger_coupons SET state = 'used' WHERE code = ?", (code,))
                coupons.append([code, "used", order_id])
            for issued in sorted(c.issued, key=lambda i: i.code):
                db.run("INSERT INTO ledger_coupons (code, customer, state, issued_by, "
                       "valid_from, valid_until, spec) VALUES (?, ?, 'available', ?, ?, ?, ?)",
                       (issued.code, issued.customer, order_id,
                        us_from(issued.valid_from) if issued.valid_from else None,
                        us_from(issued.valid_until) if issued.valid_until else None,
                        dumps(issued.to_dict())))
                coupons.append([issued.code, "available", None])
            points: list[Any] = []
            customers: list[Any] = []
            if c.customer is not None:
                if c.points_earned:
                    add_points(db, c.customer, c.points_earned)
                    points.append([c.customer, c.points_earned])
                customers.append(add_history(db, c.customer, 1, c.spend))
            db.run("UPDATE ledger_orders SET state = 'committed', closed_at = ? "
                   "WHERE order_id = ?", (t, order_id))
            journal(db, t, order_id, "commit", {"counters": deltas, "points": points,
                                                "coupons": coupons, "state": "committed",
                                                "customers": customers})
            return False, record(order_id, ("committed", *row[1:]))

    def release(self, order_id: str, at: datetime | None = None) -> OrderRecord:
        """See :meth:`Ledger.release`."""
        t = us_from(at or now())

        def run() -> OrderRecord:
            with self._transaction() as db:
                row = load_order(db, order_id)
                if row is None:
                    raise UnknownOrderError(order_id)
                if row[0] in ("released", "expired"):
                    return record(order_id, row)
                if row[0] != "reserved":
                    raise OrderStateError(order_id, row[0], "release",
                                          "a paid order is given back by a refund")
                action = "expire" if int(row[3]) <= t else "release"
                state = self._unreserve(db, order_id, row, action, t)
                return record(order_id, (state, *row[1:]))
        return self._retry(run)

    def expire(self, at: datetime | None = None) -> list[str]:
        """See :meth:`Ledger.expire`."""
        t = us_from(at or now())

        def due() -> list[str]:
            return [str(r[0]) for r in self._query(
                "SELECT order_id FROM ledger_orders WHERE state = 'reserved' "
                "AND expires_at <= ? ORDER BY order_id", (t,))]

        done: list[str] = []
        for order_id in self._retry(due):
            def one(order_id: str = order_id) -> bool:
                with self._transaction() as db:
                    row = load_order(db, order_id)
                    if row is None or row[0] != "reserved" or int(row[3]) > t:
                        return False  # another process got there first
                    self._unreserve(db, order_id, row, "expire", t)
                    return True
            if self._retry(one):
                done.append(order_id)
        return done

    def _unreserve(self, db: Db, order_id: str, row: Row, action: str, t: int) -> str:
        """Give back a reservation (release or expiry); returns the new state."""
        c = Consumption.from_dict(json.loads(row[4]))
        pks = order_pks(row)
        before, caps = lock_counters(db, [pk for v in pks.values() for pk in v])
        after = {pk: list(v) for pk, v in before.items()}
        for key, rows in pks.items():
            use = c.limits[key]
            for pk in rows:
                after[pk][3] -= use.uses
                after[pk][4] -= use.budget
                after[pk][5] -= use.units
        deltas = write_counters(db, before, after, t, caps)
        coupons: list[Any] = []
        for code in sorted(c.coupon_codes):
            db.run("UPDATE ledger_coupons SET state = 'available', order_id = NULL "
                   "WHERE code = ?", (code,))
            coupons.append([code, "available", None])
        points: list[Any] = []
        if c.points_paid and c.customer is not None:
            add_points(db, c.customer, c.points_paid)
            points.append([c.customer, c.points_paid])
        state = "expired" if action == "expire" else "released"
        db.run("UPDATE ledger_orders SET state = ?, closed_at = ? WHERE order_id = ?",
               (state, t, order_id))
        journal(db, t, order_id, action, {"counters": deltas, "points": points,
                                          "coupons": coupons, "state": state})
        return state

    def refund(
        self, order_id: str, refund_id: str, give_back: Consumption | None = None,
        at: datetime | None = None,
    ) -> Consumption:
        """See :meth:`Ledger.refund`."""
        t = us_from(at or now())

        def run() -> Consumption:
            with self._transaction() as db:
                return refund_tx(db, order_id, refund_id, give_back, t)
        return self._retry(run)

    # -- reading ---------------------------------------------------------------------------

    def _read(self, fn: Callable[[Db], T]) -> T:
        """Run ``fn`` in one read transaction (one consistent snapshot)."""
        def run() -> T:
            with self._transaction(write=False) as db:
                return fn(db)
        return self._retry(run)

    def order(self, order_id: str) -> OrderRecord:
        """See :meth:`Ledger.order`."""
        row = self._read(lambda db: load_order(db, order_id, lock=False))
        if row is None:
            raise UnknownOrderError(order_id)
        return record(order_id, row)

    def snapshot(
        self, limits: Mapping[str, Limits], customer: str | None = None,
        at: datetime | None = None, zone: str | tzinfo = "UTC", currency: str = "CNY",
    ) -> dict[str, LimitSnapshot]:
        """See :meth:`Ledger.snapshot`."""
        return self.view(limits, customer, at, zone, currency).limits

    def view(
        self, limits: Mapping[str, Limits], customer: str | None = None,
        at: datetime | None = None, zone: str | tzinfo = "UTC", currency: str = "CNY",
        wallet: bool = False,
    ) -> LedgerView:
        """See :meth:`Ledger.view`: one statement (one round trip). Only when a reservation is
        due to expire does it sweep (a write) and read again."""
        when = at or now()
        tz = resolve_zone(zone)
        sql, params, periods = _sqlread.view_query(limits, customer, when, tz, wallet)
        rows = self._retry(lambda: self._query(sql, params))
        if _sqlread.due(rows):
            with suppress(LedgerReadOnlyError):  # a read-only store keeps stale reservations
                if self.expire(when):
                    rows = self._retry(lambda: self._query(sql, params))
        return _sqlread.view_rows(rows, limits, customer, periods, currency, wallet)

    def wallet(self, customer: str, at: datetime | None = None) -> list[WalletCoupon]:
        """See :meth:`Ledger.wallet`."""
        t = us_from(at or now())
        return self._read(lambda db: _sqlread.wallet(db, customer, t))

    def points(self, customer: str) -> int:
        """See :meth:`Ledger.points`."""
        found = self._read(lambda db: db.rows(
            "SELECT balance FROM ledger_points WHERE customer = ?", (customer,)))
        return int(found[0][0]) if found else 0

    def report(self) -> list[ReportRow]:
        """See :meth:`Ledger.report`."""
        return self._read(_sqlread.report)

    def verify(self) -> VerifyResult:
        """See :meth:`Ledger.verify`."""
        return self._read(_sqlread.verify)


__all__ = ["SqlLedger"]
