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
from promokit.refunds import Refund
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
    or what it gives: a gift's ``times``); the wallet coupons used; points paid and earned; and
    the coupons its ``issue_coupon`` rules issue to the customer (none to a guest, and only with
    ``campaign``). The limited rules are ``campaign``'s, or the ids in ``limited``.

    Issued coupons are valid from ``at`` (default: the cart's time, else now) and coded
    ``f"{order_id}:{rule}:{n}"`` (default: the order id the result records); without one,
    ``f"{rule}:{cart fingerprint}:{n}"`` (a hash of the cart: the same cart priced again issues
    the same codes).
    """
    limited = _limited(campaign, limited)
    if order_id is None:
        order_id = result.order_id
    quantity = {line.id: line.quantity for line in result.lines}
    budget: dict[str, int] = {}
    units: dict[str, int] = {}
    for applied in result.applied:
        if applied.rule not in limited:
            continue
        budget[applied.rule] = budget.get(applied.rule, 0) + applied.amount.minor
        kind = RULE_KINDS.get(applied.kind)
        lines = sum(quantity[line] for line, _ in applied.allocations)
        given = kind.units_given(applied.times, lines) if kind is not None else lines
        units[applied.rule] = units.get(applied.rule, 0) + given
    uses = {rule: LimitUse(uses=1, budget=budget[rule], units=units[rule]) for rule in budget}
    points = result.points
    customer = result.cart.customer.id
    return Consumption(
        limits=uses, customer=customer, currency=result.currency,
        coupon_codes=tuple(c.id for c in result.coupons if c.applied),
        points_paid=points.used if points and customer else 0,
        points_earned=points.earned if points and customer else 0,
        issued=_issued(result, campaign, customer, order_id, at))


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
              limited: Collection[str] | None = None) -> Consumption:
    """What ``refund`` (of the order ``result`` priced) returns to the ledger: of each limited
    rule, the money it gave on the returned units (pro rata, rounded down, so never more than
    it took) and those units; a use and the coupon codes on a full return; points paid with,
    given back, and points earned, taken back. The limited rules are ``campaign``'s, or the ids
    in ``limited`` (e.g. the keys of the order's consumption in the ledger: what it took)."""
    limited = _limited(campaign, limited)
    returned = {line.id: line.units for line in refund.lines}
    money: dict[str, int] = {}
    units: dict[str, int] = {}
    for line in result.lines:
        back = returned.get(line.id, 0)
        if not back:
            continue
        for d in line.discounts:
            if d.rule in limited:
                money[d.rule] = money.get(d.rule, 0) + d.amount.minor * back // line.quantity
                units[d.rule] = units.get(d.rule, 0) + back
    uses = {rule: LimitUse(uses=1 if refund.full_return else 0, budget=money[rule],
                           units=units[rule]) for rule in money}
    customer = result.cart.customer.id
    return Consumption(
        limits=uses, customer=customer, currency=result.currency,
        coupon_codes=tuple(c.id for c in refund.coupons if c.returned),
        points_paid=refund.points if customer else 0,
        points_earned=refund.points_clawed_back if customer else 0)


__all__ = ["DEFAULT_RETRIES", "checkout", "consumption", "give_back"]
