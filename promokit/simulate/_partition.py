"""The pure per-partition function: orders in, a mergeable :class:`Summary` out.

:func:`price_partition` is what every executor calls (the in-process loop, each process of the
pool, each Dask task) and what Spark's ``mapInPandas`` or Ray's ``map_batches`` can call: it reads
nothing but its arguments, and the summaries of any partitioning merge into the same whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from promokit import Campaign, Cart, Money, PriceResult, Problem, PromokitError

from ._orders import Item, Order
from ._summary import (
    BAND_BINS,
    KEEP_PROBLEMS,
    RATE_BUCKETS,
    Comparison,
    OrderFigure,
    Stats,
    Summary,
    _delta_key,
    _short_key,
    _worst_key,
    keep_top,
    problem_key,
)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A spend threshold a campaign declares: ``rule``, the amount ``at`` (minor units), whether
    it ``repeats`` (每满), and the shops it judges one by one (``shop`` scope) or None (order)."""

    rule: str
    at: int
    repeats: bool
    shops: tuple[str, ...] | None
    key: str   # "rule@300.00": how summaries name it


def thresholds(campaign: Campaign) -> tuple[Threshold, ...]:
    """The spend thresholds of a campaign's threshold rules (min_spend, every, ladder steps)."""
    spec = campaign.spec.model_dump(mode="json")
    currency = spec["currency"]
    found = []
    for rule in spec.get("rules") or ():
        if rule.get("kind") != "threshold":
            continue
        shops = None
        if rule.get("scope") == "shop":
            shops = tuple((rule.get("select") or {}).get("shops") or ()) or ("*",)
        steps = [(rule.get("min_spend"), False), (rule.get("every"), True)]
        steps += [(s.get("min_spend"), False) for s in rule.get("ladder") or ()]
        for amount, repeats in steps:
            money = Money.of(str(amount), currency) if amount is not None else None
            if money is not None and money.minor > 0:
                key = f"{rule['id']}@{money.to_json()}"
                found.append(Threshold(rule["id"], money.minor, repeats, shops, key))
    return tuple(found)


def _band_bin(subtotal: int, t: Threshold) -> int | None:
    """The bin of ``subtotal`` in the band [T - T/10, T + T/10) around the threshold, or None."""
    width = max(1, t.at // 10)
    if t.repeats:
        r = subtotal % t.at
        if r >= t.at - width:
            offset = r - t.at
        elif r < width and subtotal >= t.at:
            offset = r
        else:
            return None
    else:
        offset = subtotal - t.at
        if not -width <= offset < width:
            return None
    return min(BAND_BINS - 1, (offset + width) * BAND_BINS // (2 * width))


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One priced order (money in minor units); ``payable_b``/``discount_b`` with ``--vs``."""

    order: str
    file: str
    line: int
    at: str | None
    customer: str | None
    tier: str | None
    gmv: int
    discount: int
    payable: int
    points: int
    payable_b: int | None = None
    discount_b: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The row as a dict of plain values (for pandas, Arrow, CSV)."""
        return asdict(self)


class Pricer:
    """A campaign (and optionally a second design) ready to price orders into summaries."""

    def __init__(self, campaign: Campaign, vs: Campaign | None = None, *,
                 best_coupons: bool = False) -> None:
        self.campaign = campaign
        self.vs = vs
        self.best_coupons = best_coupons
        self.currency = campaign.spec.currency
        self.tz = ZoneInfo(campaign.spec.timezone)
        self.thresholds = (thresholds(campaign), thresholds(vs) if vs is not None else ())

    def empty(self) -> Summary:
        """A summary of no orders."""
        two = self.vs is not None
        return Summary(self.campaign.id, self.currency, Stats(),
                       self.vs.id if self.vs is not None else None,
                       Stats() if two else None, Comparison() if two else None)

    def price(self, order: Order) -> tuple[PriceResult, PriceResult | None] | Problem:
        """Both designs' results for an order, or the problem that stopped its pricing."""
        try:
            try:  # validated once for both designs; a bad cart is re-read for its problems
                cart: Cart | dict[str, Any] = Cart.model_validate(order.cart)
            except ValueError:
                cart = order.cart
            a = self.campaign.price(cart, best_coupons=self.best_coupons)
            b = (self.vs.price(cart, best_coupons=self.best_coupons)
                 if self.vs is not None else None)
        except PromokitError as exc:
            first = getattr(exc, "problems", None)
            if first:
                p = first[0]
                return Problem(message=f"order {order.id!r}: {p.message}", path=p.path,
                               value=p.value, expected=p.expected, file=order.file,
                               line=order.line, item=p.item)
            return Problem(message=f"order {order.id!r}: {exc}", file=order.file,
                           line=order.line)
        return a, b

    def partition(self, items: Iterable[Item]) -> Summary:
        """The summary of these orders (problems are counted and the first ones kept)."""
        summary = self.empty()
        for item in items:
            self.add(summary, item)
        return summary

    def add(self, summary: Summary, item: Item) -> OrderRow | None:
        """Price one order into ``summary``; its row, or None for bad input."""
        priced = item if isinstance(item, Problem) else self.price(item)
        if isinstance(priced, Problem):
            summary.bad += 1
            summary.problems.append(priced)
            if len(summary.problems) > 2 * KEEP_PROBLEMS:
                summary.problems = sorted(summary.problems, key=problem_key)[:KEEP_PROBLEMS]
            return None
        assert isinstance(item, Order)
        return self.record(summary, item, *priced)

    def record(self, summary: Summary, item: Order, a: PriceResult, b: PriceResult | None
               ) -> OrderRow:
        """Add one order's results (priced elsewhere: the limit-aware replay) to ``summary``."""
        row = self._add(summary.a, a, item, self.thresholds[0])
        if b is not None and summary.b is not None and summary.comparison is not None:
            row_b = self._add(summary.b, b, item, self.thresholds[1])
            c = summary.comparison
            c.both += 1
            c.cheaper += row_b.payable < row.payable
            c.dearer += row_b.payable > row.payable
            c.same += row_b.payable == row.payable
            fig = OrderFigure(item.id, row.at, row.gmv, row.discount, row.payable, row_b.payable)
            keep_top(c.biggest, fig, _delta_key)
            row = OrderRow(**{**row.to_dict(), "payable_b": row_b.payable,
                              "discount_b": row_b.discount})
        return row

    def _add(self, s: Stats, r: PriceResult, order: Order, marks: tuple[Threshold, ...]
             ) -> OrderRow:
        gmv = r.subtotal.minor
        cost = r.discount_total.minor + r.shipping_fee_total.minor - r.shipping_total.minor
        payable = r.payable.minor
        points = r.points.earned if r.points is not None else 0
        s.orders += 1
        s.gmv += gmv
        s.discount += cost
        s.payable += payable
        s.points += points
        for applied in r.applied:
            entry = s.by_rule.setdefault(applied.rule, [0, 0])
            entry[0] += 1
            entry[1] += applied.amount.minor
        for shop in r.shops:
            for funder, amount in (("merchant", shop.merchant_funded),
                                   ("platform", shop.platform_funded)):
                s.by_funder.setdefault(funder, [0])[0] += amount.minor
            _totals(s.by_shop, shop.shop, shop.subtotal.minor,
                    shop.discount.minor + shop.shipping_discount.minor, shop.payable.minor)
        at = r.at.astimezone(self.tz).isoformat() if r.at is not None else None
        _totals(s.by_tier, r.tier or "(none)", gmv, cost, payable)
        _totals(s.by_hour, at[:13] if at else "(no time)", gmv, cost, payable)
        bucket = min(RATE_BUCKETS - 1, cost * RATE_BUCKETS // gmv) if gmv else 0
        s.rate_hist[bucket] += 1
        shops = {shop.shop: shop.subtotal.minor for shop in r.shops}
        for t in marks:
            bases = ([gmv] if t.shops is None else
                     [v for k, v in shops.items() if t.shops == ("*",) or k in t.shops])
            for base in bases:
                i = _band_bin(base, t)
                if i is not None:
                    s.thresholds.setdefault(t.key, [0] * BAND_BINS)[i] += 1
        for coupon in r.coupons:
            if coupon.applied:
                entry = s.coupons.setdefault(coupon.kind, [0, 0])
                entry[0] += 1
                entry[1] += coupon.amount.minor
        fig = OrderFigure(order.id, at, gmv, cost, payable)
        keep_top(s.worst, fig, _worst_key)
        if order.costs:
            _below_cost(s, r, order, fig)
        customer = r.cart.customer.id
        return OrderRow(order.id, order.file, order.line, at, customer, r.tier, gmv, cost,
                        payable, points)

    def rows(self, items: Iterable[Item], summary: Summary | None = None) -> Iterator[OrderRow]:
        """Each priced order's row, in input order (bad input is counted into ``summary``)."""
        summary = summary if summary is not None else self.empty()
        for item in items:
            row = self.add(summary, item)
            if row is not None:
                yield row


def _below_cost(s: Stats, r: PriceResult, order: Order, fig: OrderFigure) -> None:
    """Count the lines of ``r`` whose net is below what their units cost the shop."""
    lines = short = 0
    for line in r.lines:
        unit = order.costs.get(line.id)
        if unit is not None and line.net.minor < unit * line.quantity:
            lines += 1
            short += unit * line.quantity - line.net.minor
    s.below_cost[0] += 1
    if lines:
        s.below_cost[1] += 1
        s.below_cost[2] += lines
        s.below_cost[3] += short
        keep_top(s.below, replace(fig, short=short), _short_key)


def _totals(d: dict[str, list[int]], key: str, gmv: int, discount: int, payable: int) -> None:
    entry = d.setdefault(key, [0, 0, 0, 0])
    entry[0] += 1
    entry[1] += gmv
    entry[2] += discount
    entry[3] += payable


def price_partition(items: Iterable[Item], campaign: Campaign, vs: Campaign | None = None, *,
                    best_coupons: bool = False) -> Summary:
    """The pure per-partition function: the :class:`Summary` of ``items`` (orders and problems,
    e.g. from :func:`orders_from_rows`) priced against ``campaign`` (and ``vs``). The summaries
    of the partitions of any split of the orders merge (:func:`merge_all`) into one summary."""
    return Pricer(campaign, vs, best_coupons=best_coupons).partition(items)
