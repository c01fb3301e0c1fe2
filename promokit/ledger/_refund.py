"""Refunds: give back part or all of a committed order, exactly, once per refund id."""

from __future__ import annotations

import json
from typing import Any

from ._rows import (
    Db,
    add_history,
    add_points,
    dumps,
    journal,
    load_order,
    lock_counters,
    order_pks,
    write_counters,
)
from .errors import OrderStateError, RefundTooLargeError, UnknownOrderError
from .records import Consumption, LimitUse


def _left(consumed: Consumption, refunded: Consumption) -> Consumption:
    """What a refund may still give back."""
    limits = {}
    for key, use in consumed.limits.items():
        done = refunded.limits.get(key, LimitUse())
        limits[key] = LimitUse(use.uses - done.uses, use.budget - done.budget,
                               use.units - done.units)
    return Consumption(
        limits=limits, customer=consumed.customer, currency=consumed.currency,
        coupon_codes=tuple(c for c in consumed.coupon_codes if c not in refunded.coupon_codes),
        points_paid=consumed.points_paid - refunded.points_paid,
        points_earned=consumed.points_earned - refunded.points_earned,
        issued=tuple(i for i in consumed.issued
                     if i.code not in {r.code for r in refunded.issued}),
        spend=consumed.spend - refunded.spend,
    )


def _empty(c: Consumption) -> bool:
    """Nothing in it (what is left of an order refunded in full)."""
    return (all(u.empty for u in c.limits.values()) and not c.coupon_codes and not c.issued
            and not (c.points_paid or c.points_earned or c.spend))


def _check(order_id: str, ask: Consumption, left: Consumption) -> None:
    """Refuse a give-back larger than what is left, naming the first excess."""
    def too_much(what: str, asked: object, have: object) -> RefundTooLargeError:
        return RefundTooLargeError(
            f"refund of order {order_id!r} gives back {what} {asked}, but only {have} is left "
            "to give back (consumed less earlier refunds)")

    for key, use in ask.limits.items():
        have = left.limits.get(key)
        if have is None:
            raise too_much(f"{key!r}", "something", "nothing (the order did not use it)")
        for field in ("uses", "budget", "units"):
            if getattr(use, field) > getattr(have, field):
                raise too_much(f"{key!r} {field}", getattr(use, field), getattr(have, field))
    for code in ask.coupon_codes:
        if code not in left.coupon_codes:
            raise too_much("coupon code", repr(code), "not that code")
    if ask.points_paid > left.points_paid:
        raise too_much("points paid", ask.points_paid, left.points_paid)
    if ask.points_earned > left.points_earned:
        raise too_much("points earned", ask.points_earned, left.points_earned)
    if ask.spend > left.spend:
        raise too_much("spend (minor units)", ask.spend, left.spend)
    for issued in ask.issued:
        if issued.code not in {i.code for i in left.issued}:
            raise too_much("issued coupon", repr(issued.code), "not that coupon")


def _merge(a: Consumption, b: Consumption) -> Consumption:
    """``a`` plus ``b`` (refunded so far plus this refund)."""
    limits = dict(a.limits)
    for key, use in b.limits.items():
        old = limits.get(key, LimitUse())
        limits[key] = LimitUse(old.uses + use.uses, old.budget + use.budget,
                               old.units + use.units)
    return Consumption(
        limits=limits, customer=a.customer, currency=a.currency,
        coupon_codes=a.coupon_codes + b.coupon_codes,
        points_paid=a.points_paid + b.points_paid,
        points_earned=a.points_earned + b.points_earned, issued=a.issued + b.issued,
        spend=a.spend + b.spend,
    )


def refund_tx(db: Db, order_id: str, refund_id: str, give_back: Consumption | None,
              t: int) -> Consumption:
    """One refund, inside the caller's transaction; see :meth:`Ledger.refund`."""
    if not isinstance(refund_id, str) or not refund_id:
        raise ValueError("refund id must be a non-empty string")
    row = load_order(db, order_id)
    if row is None:
        raise UnknownOrderError(order_id)
    done = db.rows("SELECT order_id, give_back FROM ledger_refunds WHERE refund_id = ?",
                   (refund_id,))
    if done:
        earlier = Consumption.from_dict(json.loads(done[0][1]))
        if done[0][0] != order_id or (give_back is not None and dumps(
                give_back.to_dict()) != dumps(earlier.to_dict())):
            raise OrderStateError(order_id, row[0], "refund",
                                  f"refund id {refund_id!r} was used for another refund")
        return earlier
    if row[0] != "committed":
        raise OrderStateError(order_id, row[0], "refund",
                              "only a committed order is refunded; release a reservation")
    consumed = Consumption.from_dict(json.loads(row[4]))
    refunded = Consumption.from_dict(json.loads(row[6])) if row[6] != "{}" else Consumption(
        customer=consumed.customer, currency=consumed.currency)
    left = _left(consumed, refunded)
    revoke_all = give_back is None
    if give_back is None:
        give_back = Consumption(
            limits={k: u for k, u in left.limits.items() if not u.empty},
            customer=consumed.customer, currency=consumed.currency,
            coupon_codes=left.coupon_codes, points_paid=left.points_paid,
            points_earned=left.points_earned, issued=left.issued, spend=left.spend)
    _check(order_id, give_back, left)

    pks = order_pks(row)
    touched = [pk for key in give_back.limits for pk in pks.get(key, [])]
    before, caps = lock_counters(db, touched)
    after = {pk: list(v) for pk, v in before.items()}
    for key, use in give_back.limits.items():
        for pk in pks.get(key, []):
            after[pk][0] -= use.uses
            after[pk][1] -= use.budget
            after[pk][2] -= use.units
    deltas = write_counters(db, before, after, t, caps)
    coupons: list[Any] = []
    for code in sorted(give_back.coupon_codes):
        db.run("UPDATE ledger_coupons SET state = 'available', order_id = NULL WHERE code = ?",
               (code,))
        coupons.append([code, "available", None])
    revoked = []
    for issued in sorted(give_back.issued, key=lambda i: i.code):
        state = db.rows(f"SELECT state FROM ledger_coupons WHERE code = ?{db.lock}",
                        (issued.code,))
        if state and state[0][0] == "available":
            db.run("UPDATE ledger_coupons SET state = 'revoked' WHERE code = ?", (issued.code,))
            coupons.append([issued.code, "revoked", None])
            revoked.append(issued)
        elif not revoke_all:
            raise OrderStateError(order_id, "committed", "refund",
                                  f"issued coupon {issued.code!r} is no longer unused")
    if revoke_all:
        give_back = Consumption(
            limits=give_back.limits, customer=give_back.customer, currency=give_back.currency,
            coupon_codes=give_back.coupon_codes, points_paid=give_back.points_paid,
            points_earned=give_back.points_earned, issued=tuple(revoked),
            spend=give_back.spend)
    points: list[Any] = []
    customer = consumed.customer
    if customer is not None:
        delta = give_back.points_paid - give_back.points_earned
        if delta:
            add_points(db, customer, delta)
            points.append([customer, delta])
    total = _merge(refunded, give_back)
    customers: list[Any] = []
    if customer is not None:
        # the order leaves the customer's history once all of it is refunded, or all the
        # money it paid (its spend) is
        whole = revoke_all or (consumed.spend > 0 and total.spend == consumed.spend)
        was_whole = refunded.spend == consumed.spend and consumed.spend > 0
        gone = 1 if whole and not was_whole and not _empty(left) else 0
        if gone or give_back.spend:
            customers.append(add_history(db, customer, -gone, -give_back.spend))
    db.run("UPDATE ledger_orders SET refunded = ? WHERE order_id = ?",
           (dumps(total.to_dict()), order_id))
    db.run("INSERT INTO ledger_refunds (refund_id, order_id, give_back, at) VALUES (?, ?, ?, ?)",
           (refund_id, order_id, dumps(give_back.to_dict()), t))
    journal(db, t, order_id, "refund", {"counters": deltas, "points": points,
                                        "coupons": coupons, "state": "committed",
                                        "customers": customers}, refund_id=refund_id)
    return give_back
