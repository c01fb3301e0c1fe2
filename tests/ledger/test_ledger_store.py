"""The ledger's lifecycle, on SQLite and PostgreSQL alike (the ``store`` fixture)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ledger_support import AT

import promokit
from promokit.ledger import (
    Consumption,
    InsufficientPointsError,
    IssuedCoupon,
    Ledger,
    LedgerError,
    LimitReachedError,
    Limits,
    LimitUse,
    OrderStateError,
    RefundTooLargeError,
    UnknownOrderError,
)

LIMITS = {"r": Limits(uses=3, budget="10.00", units=5, per_customer=2, per_customer_units=3)}


def take(customer: str | None = "u1", uses: int = 1, budget: int = 100, units: int = 1,
         **kw: object) -> Consumption:
    return Consumption({"r": LimitUse(uses, budget, units)}, customer=customer, **kw)  # type: ignore[arg-type]


def test_reserve_commit_counts_once_and_snapshot_shows_it(ledger: Ledger) -> None:
    rec = ledger.reserve("o1", take(), LIMITS, at=AT)
    assert rec.state == "reserved" and rec.expires_at == AT + timedelta(minutes=15)
    assert ledger.reserve("o1", take(), LIMITS, at=AT).state == "reserved"  # idempotent
    snap = ledger.snapshot(LIMITS, "u1", at=AT)["r"]
    assert (snap.uses.used, snap.uses.reserved, snap.uses.left) == (0, 1, 2)
    assert (snap.budget.reserved, snap.budget.left) == (100, 900)
    assert snap.per_customer is not None and snap.per_customer.left == 1
    assert ledger.commit("o1", at=AT).state == "committed"
    assert ledger.commit("o1", at=AT).state == "committed"  # idempotent
    assert ledger.reserve("o1", take(), LIMITS, at=AT).state == "committed"
    snap = ledger.snapshot(LIMITS, "u1", at=AT)["r"]
    assert (snap.uses.used, snap.uses.reserved, snap.units.used) == (1, 0, 1)
    assert ledger.verify().ok


def test_each_limit_refuses_and_names_itself(ledger: Ledger) -> None:
    ledger.reserve("a", take("u1", units=3), LIMITS, at=AT)
    with pytest.raises(LimitReachedError) as info:
        ledger.reserve("b", take("u1", units=1), LIMITS, at=AT)
    assert (info.value.key, info.value.limit, info.value.left) == ("r", "per_customer_units", 0)
    with pytest.raises(LimitReachedError) as info:
        ledger.reserve("b", take("u2", budget=901), LIMITS, at=AT)
    assert (info.value.limit, info.value.left, info.value.requested) == ("budget", 900, 901)
    with pytest.raises(LimitReachedError) as info:
        ledger.reserve("b", take("u2", units=3), LIMITS, at=AT)
    assert (info.value.limit, info.value.left) == ("units", 2)
    ledger.reserve("b", take("u2"), LIMITS, at=AT)
    ledger.reserve("c", take("u3"), LIMITS, at=AT)
    with pytest.raises(LimitReachedError) as info:
        ledger.reserve("d", take("u4"), LIMITS, at=AT)
    assert (info.value.limit, info.value.left) == ("uses", 0)
    assert isinstance(info.value, promokit.PromokitError)
    # nothing of the refused ones was written
    snap = ledger.snapshot(LIMITS, "u4", at=AT)["r"]
    assert (snap.uses.reserved, snap.budget.reserved, snap.units.reserved) == (3, 300, 5)
    assert ledger.verify().ok


def test_a_use_limit_of_n_allows_the_nth(ledger: Ledger) -> None:
    limits = {"r": Limits(uses=2)}
    ledger.reserve("a", Consumption({"r": LimitUse(uses=1)}), limits, at=AT)
    ledger.reserve("b", Consumption({"r": LimitUse(uses=1)}), limits, at=AT)
    with pytest.raises(LimitReachedError):
        ledger.reserve("c", Consumption({"r": LimitUse(uses=1)}), limits, at=AT)


def test_all_or_nothing_across_keys(ledger: Ledger) -> None:
    limits = {"a": Limits(uses=5), "b": Limits(uses=0)}
    both = Consumption({"a": LimitUse(uses=1), "b": LimitUse(uses=1)})
    with pytest.raises(LimitReachedError) as info:
        ledger.reserve("o", both, limits, at=AT)
    assert info.value.key == "b"
    assert ledger.snapshot(limits, at=AT)["a"].uses.reserved == 0
    with pytest.raises(UnknownOrderError):
        ledger.order("o")


def test_a_guest_cannot_use_a_per_customer_limit(ledger: Ledger) -> None:
    with pytest.raises(LimitReachedError, match="guest"):
        ledger.reserve("g", take(None), LIMITS, at=AT)
    ledger.reserve("g", take(None), {"r": Limits(uses=3)}, at=AT)  # no per-customer limit: fine


def test_release_gives_back_and_commit_after_release_is_an_error(ledger: Ledger) -> None:
    ledger.reserve("o", take(points_paid=0), LIMITS, at=AT)
    assert ledger.release("o", at=AT).state == "released"
    assert ledger.release("o", at=AT).state == "released"  # idempotent
    assert ledger.snapshot(LIMITS, "u1", at=AT)["r"].uses.reserved == 0
    with pytest.raises(OrderStateError, match="released"):
        ledger.commit("o", at=AT)
    with pytest.raises(OrderStateError):
        ledger.reserve("o", take(), LIMITS, at=AT)  # an order id is used once
    ledger.reserve("p", take(), LIMITS, at=AT)
    ledger.commit("p", at=AT)
    with pytest.raises(OrderStateError, match="refund"):
        ledger.release("p", at=AT)
    assert ledger.verify().ok


def test_unknown_order_and_changed_consumption_are_errors(ledger: Ledger) -> None:
    for act in (ledger.commit, ledger.release, ledger.order):
        with pytest.raises(UnknownOrderError, match="nope"):
            act("nope")
    with pytest.raises(UnknownOrderError):
        ledger.refund("nope", "rf")
    ledger.reserve("o", take(), LIMITS, at=AT)
    with pytest.raises(OrderStateError, match="another consumption"):
        ledger.reserve("o", take(budget=200), LIMITS, at=AT)


def test_unpaid_reservations_expire_after_their_ttl(ledger: Ledger) -> None:
    one = {"r": Limits(uses=1)}
    ledger.reserve("o", Consumption({"r": LimitUse(uses=1)}), one, at=AT,
                   ttl=timedelta(minutes=1))
    with pytest.raises(LimitReachedError):
        ledger.reserve("p", Consumption({"r": LimitUse(uses=1)}), one, at=AT)
    later = AT + timedelta(minutes=1)
    assert ledger.snapshot(one, at=later)["r"].uses.left == 1  # counted as released
    assert ledger.order("o").state == "expired"
    ledger.reserve("p", Consumption({"r": LimitUse(uses=1)}), one, at=later)
    with pytest.raises(OrderStateError, match="expired"):
        ledger.commit("o", at=later)
    assert ledger.release("o", at=later).state == "expired"
    assert ledger.verify().ok


def test_commit_after_the_ttl_expires_instead(ledger: Ledger) -> None:
    ledger.reserve("o", take(), LIMITS, at=AT, ttl=timedelta(seconds=30))
    with pytest.raises(OrderStateError, match="expired"):
        ledger.commit("o", at=AT + timedelta(seconds=30))
    assert ledger.order("o").state == "expired"
    assert ledger.snapshot(LIMITS, "u1", at=AT)["r"].uses.reserved == 0
    assert ledger.verify().ok


def test_reserving_an_order_id_again_after_its_ttl_expires_it_and_refuses(ledger: Ledger
                                                                          ) -> None:
    """A retried reserve of a reservation whose TTL has passed (no sweep ran in between) does
    not hand back the stale reservation: it expires it, giving back what it took, and refuses
    the order id as used."""
    ledger.reserve("o", take(), LIMITS, at=AT, ttl=timedelta(seconds=30))
    with pytest.raises(OrderStateError, match="expired"):
        ledger.reserve("o", take(), LIMITS, at=AT + timedelta(seconds=30))
    assert ledger.order("o").state == "expired"
    snap = ledger.snapshot(LIMITS, "u1", at=AT)["r"]
    assert (snap.uses.reserved, snap.budget.reserved) == (0, 0)
    assert ledger.verify().ok


def test_periods_reset_counters_in_the_campaign_zone(ledger: Ledger) -> None:
    daily = {"r": Limits(uses=1, period="day")}
    one = Consumption({"r": LimitUse(uses=1)})
    ledger.reserve("a", one, daily, at=AT, zone="Asia/Shanghai",  # 10:00 on 11-11 in Shanghai
                   ttl=timedelta(days=2))
    with pytest.raises(LimitReachedError):
        ledger.reserve("b", one, daily, at=AT + timedelta(hours=13), zone="Asia/Shanghai")
    ledger.reserve("b", one, daily, at=AT + timedelta(hours=14), zone="Asia/Shanghai")
    periods = [(row.key, row.period) for row in ledger.report()]
    assert periods == [("r", "2026-11-11"), ("r", "2026-11-12")]
    ledger.commit("a", at=AT)
    ledger.refund("a", "rf-a", at=AT + timedelta(days=3))  # gives back to its own day
    assert [row.uses.used for row in ledger.report()] == [0, 0]
    assert ledger.verify().ok


def test_refunds_give_back_exactly_once_and_never_more(ledger: Ledger) -> None:
    ledger.reserve("o", take(uses=1, budget=600, units=3), LIMITS, at=AT)
    ledger.commit("o", at=AT)
    part = Consumption({"r": LimitUse(budget=200, units=1)}, customer="u1")
    assert ledger.refund("o", "rf1", part, at=AT) == part
    assert ledger.refund("o", "rf1", part, at=AT) == part  # idempotent per refund id
    snap = ledger.snapshot(LIMITS, "u1", at=AT)["r"]
    assert (snap.uses.used, snap.budget.used, snap.units.used) == (1, 400, 2)
    with pytest.raises(RefundTooLargeError, match="budget 401"):
        ledger.refund("o", "rf2", Consumption({"r": LimitUse(budget=401)}), at=AT)
    with pytest.raises(OrderStateError, match="another refund"):
        ledger.refund("o", "rf1", Consumption({"r": LimitUse(budget=1)}), at=AT)
    rest = ledger.refund("o", "rf3", at=AT)  # all that is left
    assert rest.limits["r"] == LimitUse(1, 400, 2)
    assert ledger.refund("o", "rf4", at=AT).limits == {}
    snap = ledger.snapshot(LIMITS, "u1", at=AT)["r"]
    assert (snap.uses.used, snap.budget.used, snap.units.used) == (0, 0, 0)
    assert snap.per_customer is not None and snap.per_customer.used == 0
    ledger.reserve("r", take(), LIMITS, at=AT)
    with pytest.raises(OrderStateError, match="release"):
        ledger.refund("r", "rf5", at=AT)
    assert ledger.verify().ok


def test_issued_coupons_reach_the_wallet_at_commit_and_are_single_use(ledger: Ledger) -> None:
    coupon = IssuedCoupon("FUGOU-1", "u1", face=2000, min_spend=20000, kind="shop", shop="A",
                          valid_from=AT, valid_until=AT + timedelta(days=30))
    ledger.reserve("o", take(issued=(coupon,)), LIMITS, at=AT)
    assert ledger.wallet("u1", at=AT) == []  # not before payment
    ledger.commit("o", at=AT)
    [held] = ledger.wallet("u1", at=AT + timedelta(days=1))
    assert held.code == "FUGOU-1" and held.issued_by == "o"
    assert held.to_cart()["value"] == "20.00" and held.to_cart()["min_spend"] == "200.00"
    assert ledger.wallet("u1", at=AT + timedelta(days=30)) == []  # expired
    assert ledger.wallet("u2", at=AT) == []
    with pytest.raises(LimitReachedError, match="another customer"):
        ledger.reserve("x", take("u2", coupon_codes=("FUGOU-1",)), LIMITS, at=AT)
    ledger.reserve("y", take("u1", coupon_codes=("FUGOU-1",)), LIMITS, at=AT)
    with pytest.raises(LimitReachedError) as info:
        ledger.reserve("z", take("u2", coupon_codes=("FUGOU-1",)), LIMITS, at=AT)
    assert info.value.limit == "code"
    ledger.release("y", at=AT)
    ledger.reserve("y2", take("u1", coupon_codes=("FUGOU-1",)), LIMITS, at=AT)
    ledger.commit("y2", at=AT)
    assert ledger.wallet("u1", at=AT) == []
    ledger.refund("y2", "rf", at=AT)  # a full refund returns the coupon
    assert [c.code for c in ledger.wallet("u1", at=AT)] == ["FUGOU-1"]
    assert ledger.verify().ok


def test_a_code_the_ledger_never_saw_is_claimed_once(ledger: Ledger) -> None:
    free = {"r": Limits()}
    ledger.reserve("a", take("u1", coupon_codes=("PRINTED-9",)), free, at=AT)
    with pytest.raises(LimitReachedError, match="reserved"):
        ledger.reserve("b", take("u2", coupon_codes=("PRINTED-9",)), free, at=AT)
    ledger.commit("a", at=AT)
    with pytest.raises(LimitReachedError, match="used"):
        ledger.reserve("b", take("u2", coupon_codes=("PRINTED-9",)), free, at=AT)


def test_points_are_debited_at_reserve_credited_at_commit_never_negative(
        ledger: Ledger) -> None:
    free = {"r": Limits()}
    ledger.reserve("earn", take(points_earned=300), free, at=AT)
    assert ledger.points("u1") == 0
    ledger.commit("earn", at=AT)
    assert ledger.points("u1") == 300
    with pytest.raises(InsufficientPointsError) as info:
        ledger.reserve("pay", take(points_paid=301), free, at=AT)
    assert (info.value.left, info.value.requested) == (300, 301)
    ledger.reserve("pay", take(points_paid=200), free, at=AT)
    assert ledger.points("u1") == 100
    ledger.release("pay", at=AT)
    assert ledger.points("u1") == 300
    ledger.reserve("pay2", take(points_paid=250), free, at=AT)
    ledger.commit("pay2", at=AT)
    with pytest.raises(InsufficientPointsError):
        ledger.refund("earn", "rf-earn", at=AT)  # 300 earned, only 50 left to take back
    ledger.refund("pay2", "rf-pay2", at=AT)
    assert ledger.points("u1") == 300
    ledger.refund("earn", "rf-earn", at=AT)
    assert ledger.points("u1") == 0
    assert ledger.verify().ok


def test_report_says_when_a_limit_ran_out(ledger: Ledger) -> None:
    two = {"r": Limits(uses=2, budget="5.00")}
    ledger.reserve("a", Consumption({"r": LimitUse(1, 100)}), two, at=AT)
    ledger.reserve("b", Consumption({"r": LimitUse(1, 100)}), two, at=AT + timedelta(seconds=5))
    ledger.commit("a", at=AT)
    [row] = ledger.report()
    assert row.exhausted_at == AT + timedelta(seconds=5)
    assert (row.uses.used, row.uses.reserved, row.uses.left, row.budget.left) == (1, 1, 0, 300)
    ledger.release("b", at=AT)
    [row] = ledger.report()
    assert row.exhausted_at is None and row.uses.left == 1


def test_the_journal_is_append_only_and_verify_finds_tampering(
        ledger: Ledger, store: str, url: str) -> None:
    ledger.reserve("o", take(), LIMITS, at=AT)
    ledger.commit("o", at=AT)
    raw = _raw(store, url)
    with pytest.raises(Exception, match="append-only"):
        raw("DELETE FROM ledger_journal")
    raw("UPDATE ledger_counters SET used_budget = used_budget + 1 WHERE scope = ''")
    diffs = ledger.verify().differences
    assert any("stored [1, 101, 1" in d for d in diffs), diffs


def test_nothing_is_half_written_when_a_write_fails(ledger: Ledger) -> None:
    coupon = IssuedCoupon("DUP", "u1", face=100)
    ledger.reserve("a", take(issued=(coupon,)), LIMITS, at=AT)
    ledger.commit("a", at=AT)
    with pytest.raises(LedgerError, match="exists already"):
        ledger.reserve("b", take(issued=(coupon,)), LIMITS, at=AT)
    with pytest.raises(UnknownOrderError):
        ledger.order("b")
    assert ledger.snapshot(LIMITS, "u1", at=AT)["r"].uses.reserved == 0
    assert ledger.verify().ok


def _raw(store: str, url: str):  # type: ignore[no-untyped-def]
    """Run SQL on the ledger's database behind its back."""
    if store == "sqlite":
        import sqlite3

        def run_sqlite(sql: str) -> None:
            conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            try:
                conn.execute(sql)
            finally:
                conn.close()
        return run_sqlite
    import psycopg

    def run_pg(sql: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
    return run_pg


def test_a_key_reserved_without_limits_is_counted_and_keeps_its_stored_limits(
        ledger: Ledger) -> None:
    ledger.reserve("a", take(), LIMITS, at=AT)
    ledger.reserve("b", Consumption({"r": LimitUse(uses=1), "other": LimitUse(uses=1)}), {},
                   at=AT)
    rows = {row.key: row for row in ledger.report()}
    assert rows["r"].uses.limit == 3 and rows["r"].uses.reserved == 2
    assert rows["other"].uses.limit is None and rows["other"].uses.reserved == 1
    assert ledger.verify().ok


def test_view_reads_snapshot_points_and_wallet_as_the_separate_reads_do(ledger: Ledger) -> None:
    coupon = IssuedCoupon("FUGOU-V", "u1", face=500, valid_from=AT,
                          valid_until=AT + timedelta(days=3))
    ledger.reserve("o", take(issued=(coupon,), points_earned=250), LIMITS, at=AT)
    ledger.commit("o", at=AT)
    ledger.reserve("p", take(units=2), LIMITS, at=AT)  # reserved, not paid
    later = AT + timedelta(minutes=1)
    view = ledger.view(LIMITS, "u1", at=later, wallet=True)
    assert view.limits == ledger.snapshot(LIMITS, "u1", at=later)
    assert view.points == ledger.points("u1") == 250
    assert view.wallet == tuple(ledger.wallet("u1", at=later))
    assert [c.code for c in view.wallet] == ["FUGOU-V"]
    r = view.limits["r"]
    assert (r.uses.used, r.uses.reserved, r.units.reserved, r.units.left) == (1, 1, 2, 2)
    assert ledger.view(LIMITS, "u1", at=later).wallet is None  # not asked for
    guest = ledger.view(LIMITS, None, at=later, wallet=True)
    assert guest.points == 0 and guest.wallet == () and guest.limits["r"].per_customer is None
    # an expired reservation counts as released, and the read that finds it sweeps it
    after_ttl = ledger.view(LIMITS, "u1", at=AT + timedelta(minutes=15))
    assert after_ttl.limits["r"].units.reserved == 0
    assert ledger.order("p").state == "expired"
    assert ledger.verify().ok


def test_pricing_with_a_sqlite_ledger_is_one_statement(tmp_path: object) -> None:
    """What ``Campaign.price(cart, ledger=)`` reads (counters, points, wallet) is one SELECT:
    the statements the connection runs are counted, not timed."""
    from pathlib import Path

    from promokit.ledger import open_ledger

    campaign = promokit.Campaign.from_dict({"campaign": "one", "currency": "CNY", "rules": [
        {"id": "a", "kind": "threshold", "stage": "shop", "scope": "shop", "min_spend": 100,
         "discount": 10, "limits": {"uses": 5, "per_customer": 1}},
        {"id": "b", "kind": "special_price", "stage": "item", "select": {"skus": ["S"]},
         "price": "50.00", "limits": {"units": 9}}]})
    cart = {"currency": "CNY", "at": "2026-11-11T10:00:00+08:00", "customer": {"id": "u1"},
            "wallet": [{"id": "W1", "kind": "shop", "shop": "A", "value": "5.00"}],
            "lines": [{"id": "l1", "sku": "S", "shop": "A", "unit_price": "120.00",
                       "quantity": 2}]}
    with open_ledger(f"sqlite:///{Path(str(tmp_path)) / 'l.db'}") as sql_ledger:
        sql_ledger.init()
        campaign.price(cart, ledger=sql_ledger)  # the first read also checks the schema
        seen: list[str] = []
        conn = sql_ledger._conn  # type: ignore[attr-defined]
        conn.set_trace_callback(seen.append)
        result = campaign.price(cart, ledger=sql_ledger)
        conn.set_trace_callback(None)
    assert len(seen) == 1 and seen[0].startswith("SELECT"), seen
    assert result.payable.to_json() == "90.00"  # 2 x 50.00 special price, then 100 - 10


def test_a_reservation_past_its_ttl_never_refuses_another(ledger: Ledger) -> None:
    """Expired reservations are swept when they may matter: a reserve refused by one is retried
    after the sweep, with no read of the ledger in between."""
    one = {"r": Limits(uses=1)}
    ledger.reserve("o", Consumption({"r": LimitUse(uses=1)}), one, at=AT,
                   ttl=timedelta(minutes=1))
    later = AT + timedelta(minutes=2)
    assert ledger.reserve("p", Consumption({"r": LimitUse(uses=1)}), one,
                          at=later).state == "reserved"
    assert ledger.order("o").state == "expired"
    with pytest.raises(LimitReachedError):  # p is not expired: a real refusal stays one
        ledger.reserve("q", Consumption({"r": LimitUse(uses=1)}), one, at=later)
    assert ledger.verify().ok
