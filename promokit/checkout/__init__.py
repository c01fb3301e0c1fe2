"""Checkout against a ledger: price with what is left, reserve what the order takes, retry.

The order's life: :func:`checkout` prices the cart with a snapshot of the ledger's counters
(``Campaign.price(cart, ledger=...)``) and reserves what the result consumes
(:func:`consumption`: uses, budget and units of every limited rule that applied, the single-use
coupon codes used, points paid and earned), all or nothing. If a concurrent order took the last
of something in between, the reservation is refused; checkout prices again (the rule now shows
``limit_reached``) and retries, a bounded number of times. Payment is ``ledger.commit(order)``,
cancellation ``ledger.release(order)``; an unpaid reservation expires after its TTL.
:func:`give_back` says what a refund returns to the ledger.

>>> import promokit, tempfile
>>> from promokit.ledger import open_ledger
>>> campaign = promokit.Campaign.from_dict({"campaign": "flash", "currency": "CNY",
...     "rules": [{"id": "tv-flash", "kind": "special_price", "stage": "item",
...                "select": {"skus": ["TV"]}, "price": 1999, "limits": {"units": 1}}]})
>>> ledger = open_ledger(f"sqlite:///{tempfile.mkdtemp()}/ledger.db"); _ = ledger.init()
>>> cart = {"currency": "CNY", "at": "2026-11-11T00:00:00+08:00", "lines": [
...     {"id": "l1", "sku": "TV", "shop": "A", "unit_price": "2999.00", "quantity": 1}]}
>>> checkout(campaign, cart, ledger, "order-1").payable       # the one unit of flash stock
Money('1999.00', 'CNY')
>>> checkout(campaign, cart, ledger, "order-2").payable       # sold out: full price
Money('2999.00', 'CNY')
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from promokit._campaign import Campaign, plan_of
from promokit._cart.cart import Cart
from promokit._errors import ContentionError
from promokit._result.types import PriceResult
from promokit.ledger import Consumption, IssuedCoupon, Ledger, LimitReachedError, LimitUse
from promokit.ledger.base import DEFAULT_TTL
from promokit.pricing.limits import limit_key
from promokit.refunds import Refund
from promokit.refunds._order import Order, State, read_order
from promokit.rules import RULE_KINDS

#: How many times checkout prices again after a concurrent order took what it needed.
DEFAULT_RETRIES = 3


def _limited(campaign: Campaign | None, limited: Collection[str] | None) -> Collection[str]:
    """The ids of the limited rules: given, or those of ``campaign``."""
    if limited is not None:
        return limited
    if campaign is None:
        raise TypeError("give the campaign the order was priced with, or limited=rule ids")
    return plan_of(campaign).limited


def consumption(result: PriceResult, campaign: Campaign | None = None, *,
                limited: Collection[str] | None = None, order_id: str | None = None,
                at: datetime | None = None) -> Consumption:
    """What ``result`` takes from a ledger: for each limited rule that applied, one use, the
    money it gave (budget, minor units) and the units it took (the discounted lines' quantities,
    or what it gives: a gift's ``times``), a wallet coupon counting under its kind's key
    (``coupon-kind:<kind>``); the wallet coupons used; points paid and earned; what the
    customer pays (``spend``: ``payable``, for their history); and the coupons its
    ``issue_coupon`` rules issue to the customer (none to a guest, and only with ``campaign``).
    The limited keys are ``campaign``'s, or the ids in ``limited``.

    Issued coupons are valid from ``at`` (default: the cart's time, else now) and coded
    ``f"{order_id}:{rule}:{n}"`` (default: the order id the result records); without one,
    ``f"{rule}:{cart fingerprint}:{n}"`` (a hash of the cart: the same cart priced again issues
    the same codes).
    """
    limited = _limited(campaign, limited)
    if order_id is None:
        order_id = result.order_id
    # the cart's quantities (cheap); the result's lines (built on first use) only for a line
    # the cart does not have
    quantity = {line.id: line.quantity for line in result.cart.lines}
    budget: dict[str, int] = {}
    units: dict[str, int] = {}
    for applied in result.applied:
        key = limit_key(applied.rule, applied.kind)  # a wallet coupon counts under its kind
        if key not in limited:
            continue
        budget[key] = budget.get(key, 0) + applied.amount.minor
        kind = RULE_KINDS.get(applied.kind)
        if any(line not in quantity for line, _ in applied.allocations):
            quantity = {line.id: line.quantity for line in result.lines}
        lines = sum(quantity[line] for line, _ in applied.allocations)
        given = kind.units_given(applied.times, lines) if kind is not None else lines
        units[key] = units.get(key, 0) + given
    uses = {rule: LimitUse(uses=1, budget=budget[rule], units=units[rule]) for rule in budget}
    points = result.points
    customer = result.cart.customer.id
    return Consumption(
        limits=uses, customer=customer, currency=result.currency,
        coupon_codes=tuple(c.id for c in result.coupons if c.applied),
        points_paid=points.used if points and customer else 0,
        points_earned=points.earned if points and customer else 0,
        issued=_issued(result, campaign, customer, order_id, at),
        spend=result.payable.minor if customer else 0)


def _issued(result: PriceResult, campaign: Campaign | None, customer: str | None,
            order_id: str | None, at: datetime | None) -> tuple[IssuedCoupon, ...]:
    """The coupons the applied rules of ``result`` issue to ``customer`` (the ``issues`` hook)."""
    if customer is None or campaign is None:
        return ()
    specs = {spec.id: spec for spec in campaign.spec.rules}
    when = at or result.at or datetime.now(UTC)
    prefix = order_id
    if prefix is None:
        cart = json.dumps(result.cart.model_dump(mode="json"), sort_keys=True)
        prefix = hashlib.sha256(cart.encode()).hexdigest()[:12]
    out: list[IssuedCoupon] = []
    for applied in result.applied:
        spec = specs.get(applied.rule)
        if spec is None:
            continue
        code = f"{order_id}:{applied.rule}" if order_id is not None \
            else f"{applied.rule}:{prefix}"
        out += spec.issues(applied.times, customer, code, when, result.currency)
    return tuple(out)


def checkout(campaign: Campaign, cart: Cart | Mapping[str, Any], ledger: Ledger, order_id: str,
             *, at: datetime | None = None, phase: str | None = None,
             best_coupons: bool = False, ttl: timedelta = DEFAULT_TTL,
             retries: int = DEFAULT_RETRIES) -> PriceResult:
    """Price ``cart`` against what the ledger has left and reserve what it takes for
    ``order_id``, atomically; price again and retry (at most ``retries`` times) when a
    concurrent order took the last of something first. The same order id reserved again with
    the same result is the same reservation (counted once).

    Raises :class:`~promokit.ContentionError` when contention outlasts the retries.
    """
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    zone = campaign.spec.timezone
    refused: LimitReachedError | None = None
    for _attempt in range(retries + 1):
        result = campaign.price(cart, at=at, phase=phase, best_coupons=best_coupons,
                                ledger=ledger, order_id=order_id)
        when = result.at or datetime.now(ZoneInfo(zone))
        try:
            used = consumption(result, campaign, order_id=order_id, at=when)
            ledger.reserve(order_id, used, plan_of(campaign).limited,
                           at=when, ttl=ttl, zone=zone)
        except LimitReachedError as exc:
            refused = exc
            continue
        return result
    raise ContentionError(order_id, retries, str(refused))


def give_back(refund: Refund, result: PriceResult, campaign: Campaign | None = None, *,
              limited: Collection[str] | None = None,
              gifts: Mapping[str, int] | None = None) -> Consumption:
    """What ``refund`` (of the order ``result`` priced) returns to the ledger: of each limited
    rule, the money it gave on the returned units and those units. The money is the rule's
    discount on each returned line times the units returned so far (this refund's included)
    over the line's quantity, rounded down, less the same for the units returned before: so the
    refunds of every unit give back exactly what the rule gave, and never more. On a full
    return, a use of every limited rule the order applied, and the coupon codes; points paid
    with, given back, and points earned, taken back. The limited rules are ``campaign``'s, or
    the ids in ``limited`` (e.g. the keys of the order's consumption in the ledger).

    Gifts (a rule that gives items, not a discount on lines: ``gift``) are not lines of the
    refund: their stock (``limits: {units: N}``) comes back with the gifts. By default every
    gift comes back on a full return and none on a partial one (the customer keeps it);
    ``gifts`` says otherwise: ``{rule id: gifts returned with this refund}``, at most what the
    rule gave (when partial refunds returned some, say on the full return what is left: the
    ledger refuses to take back more gifts than the order got).

    Under the ``reprice`` refund policy the remaining lines may lose discount (a threshold no
    longer met): the budget given back is then what the order's discount fell by, per rule,
    the discount clawed back from the remaining lines included (each line's discount split over
    its rules as in the order)."""
    limited = _limited(campaign, limited)
    returned = {line.id: line.units for line in refund.lines}
    left = _units_left(refund)
    money: dict[str, int] = {}
    units: dict[str, int] = {}
    keys = {a.rule: limit_key(a.rule, a.kind) for a in result.applied}
    for line in result.lines:
        back = returned.get(line.id, 0)
        if not back:
            continue
        # units of the line returned before this refund and with it: each refund gives back
        # the difference of the cumulative shares, so the refunds of all units add up to the
        # whole discount, to the minor unit, and never to more
        after = line.quantity - left.get(line.id, line.quantity - back)
        before = after - back
        for d in line.discounts:
            key = keys.get(d.rule, d.rule)
            if key in limited:
                share = (d.amount.minor * after // line.quantity
                         - d.amount.minor * before // line.quantity)
                money[key] = money.get(key, 0) + share
                units[key] = units.get(key, 0) + back
    if refund.full_return:  # the use of every limited rule the order applied comes back,
        for key in keys.values():  # also one whose lines went back in earlier refunds
            if key in limited:
                money.setdefault(key, 0)
                units.setdefault(key, 0)
    if refund.policy.method == "reprice" and refund.lines:
        # the discount clawed back from the remaining lines comes back too
        for key, amount in _repriced_fall(refund, result, limited).items():
            if amount or key in money:
                money[key] = amount
                units.setdefault(key, 0)
    for rule, count in _gifts_back(result, limited, refund.full_return, gifts).items():
        money.setdefault(rule, 0)
        units[rule] = units.get(rule, 0) + count
    uses = {rule: LimitUse(uses=1 if refund.full_return else 0, budget=money[rule],
                           units=units[rule]) for rule in money}
    customer = result.cart.customer.id
    return Consumption(
        limits=uses, customer=customer, currency=result.currency,
        coupon_codes=tuple(c.id for c in refund.coupons if c.returned),
        points_paid=refund.points if customer else 0,
        points_earned=refund.points_clawed_back if customer else 0,
        spend=refund.cash.minor if customer else 0)


def _repriced_fall(refund: Refund, result: PriceResult, limited: Collection[str]
                   ) -> dict[str, int]:
    """Under the ``reprice`` policy, per limited rule the order applied, the budget by which
    the order's discount fell with ``refund`` (never below 0): what the rule's discount was on
    what remained before the refund less what it is on what remains after it (see
    :func:`_carried`). The refund's state says what remains after it; what remained before is
    that with the returned units back and the claw-backs undone. Both are the same function of
    what remains, so the refunds of a whole order give back all the rules gave on its lines."""
    order = read_order(result)
    state = State.from_json(json.loads(refund.state), order)
    units = {k: p.units for k, p in state.lines.items()}
    paid = {k: p.paid for k, p in state.lines.items()}
    claw = {c.id: c.amount.minor for c in refund.clawbacks if c.what == "line"}
    back = {line.id: (line.units, line.paid.minor) for line in refund.lines}
    was = _carried(result, order, limited,
                   {k: n + back.get(k, (0, 0))[0] for k, n in units.items()},
                   {k: v - claw.get(k, 0) + back.get(k, (0, 0))[1] for k, v in paid.items()})
    now = _carried(result, order, limited, units, paid)
    applied = {limit_key(a.rule, a.kind) for a in result.applied}
    return {key: max(0, was.get(key, 0) - now.get(key, 0)) for key in applied
            if key in limited}


def _carried(result: PriceResult, order: Order, limited: Collection[str],
             units: dict[str, int], paid: dict[str, int]) -> dict[str, int]:
    """The discount per limited rule that what remains of the order (``units`` of each line,
    ``paid`` for them) carries: each line's gross less what it is paid, split over the rules in
    proportion to their discounts on it in the order, rounded down (exactly those discounts
    before any refund, nothing once the line is returned)."""
    keys = {a.rule: limit_key(a.rule, a.kind) for a in result.applied}
    out: dict[str, int] = {}
    for line in result.lines:
        whole = order.lines[line.id]
        whole_discount = sum(d.amount.minor for d in line.discounts)
        # never more than the line's discount in the order: a rule never gives back more than
        # it took, whatever re-pricing made of the line
        carried = min(whole.gross * units[line.id] // whole.quantity - paid[line.id],
                      whole_discount)
        if carried <= 0:
            continue
        for d in line.discounts:
            key = keys.get(d.rule, d.rule)
            if key in limited:  # rounded down: a rule's share never grows as the line's falls
                out[key] = out.get(key, 0) + carried * d.amount.minor // whole_discount
    return out


def _gifts_back(result: PriceResult, limited: Collection[str], full_return: bool,
                gifts: Mapping[str, int] | None) -> dict[str, int]:
    """Stock units given back with the gifts returned: ``gifts``, or all of them on a full
    return. A gift is an applied rule with no line allocations whose kind counts what it gives
    (``units_given(times, 0)``)."""
    given: dict[str, int] = {}
    for applied in result.applied:
        kind = RULE_KINDS.get(applied.kind)
        if applied.rule in limited and not applied.allocations and kind is not None:
            count = kind.units_given(applied.times, 0)
            if count:
                given[applied.rule] = given.get(applied.rule, 0) + count
    if gifts is None:
        return given if full_return else {}
    for rule, count in gifts.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError(f"gifts[{rule!r}]: expected a count of gifts returned (0 or "
                             f"more), not {count!r}")
        if count > given.get(rule, 0):
            raise ValueError(f"gifts[{rule!r}]: {count} returned, but the order got "
                             f"{given.get(rule, 0)} gifts of a limited rule {rule!r}")
    return {rule: count for rule, count in gifts.items() if count}


def _units_left(refund: Refund) -> dict[str, int]:
    """Units of each line the order still has after ``refund`` (its recorded state)."""
    lines = json.loads(refund.state).get("lines", {})
    return {k: int(v["units"]) for k, v in lines.items()}


__all__ = ["DEFAULT_RETRIES", "checkout", "consumption", "give_back"]
