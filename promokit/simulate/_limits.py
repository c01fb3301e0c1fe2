"""The limit-aware replay: orders consume a campaign's limits in time order, exactly.

When a campaign has limited rules (``limits:``: uses, per-customer, budget, units, per period),
an order's price depends on the orders before it. The replay equals a strictly sequential replay
through a ledger (``promokit.checkout`` then ``commit`` per order, in time order), without
pricing every order one after the other:

1. every order is priced **in parallel** against an untouched ledger (nothing consumed yet);
2. the results are walked **in time order** (``at``, ties by order id) accumulating each limit's
   consumption (:func:`promokit.checkout.consumption`) in in-memory counters kept as the ledger
   keeps them (per period in the campaign's time zone, per customer);
3. each result is **checked** against the true counters at its place: it stands when every
   decision the engine takes on a limit comes out the same (a rule it applied still fits what is
   left, exactly the same budget is left where it was capped at the budget, and a rule it did not
   apply has no more left than when it was priced); the first that does not is re-priced
   against the true counters, and every later order that touched the same limit is re-priced
   **in parallel** against the counters at that point; the walk goes on, checking those too,
   until the end (each order re-priced at its own place is final, so it stops).

The summary then holds, for each limit and period, what was used and when it ran out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from promokit import Campaign, PriceResult
from promokit._campaign import plan_of
from promokit.checkout import consumption
from promokit.ledger import Consumption, Ledger, Limits
from promokit.ledger.limits import period_key
from promokit.ledger.records import Count, LimitSnapshot, WalletCoupon

from ._orders import Order
from ._summary import LimitReport

# counters of one limit key in one period: [uses, budget, units]
# per customer: [uses, units]


@dataclass
class Counters:
    """What the orders so far consumed, as a ledger counts it (all committed)."""

    limits: dict[str, Limits]
    zone: str
    currency: str
    total: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    customer: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    balance: dict[str, int] = field(default_factory=dict)
    # caches: budgets in minor units, period keys of an instant (shared by copies)
    _minor: dict[str, int | None] = field(default_factory=dict, repr=False, compare=False)
    _periods: dict[tuple[datetime, str], str] = field(default_factory=dict, repr=False,
                                                      compare=False)
    #: the snapshot last given to pricing (what the order priced against saw)
    last: dict[str, LimitSnapshot] = field(default_factory=dict, repr=False, compare=False)

    def copy(self) -> Counters:
        """An independent copy (the view a batch of orders is priced against)."""
        return Counters(self.limits, self.zone, self.currency,
                        {k: list(v) for k, v in self.total.items()},
                        {k: list(v) for k, v in self.customer.items()}, dict(self.balance),
                        self._minor, self._periods)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (for a worker) without the caches."""
        return {**self.__dict__, "_minor": {}, "_periods": {}, "last": {}}

    def snap(self, key: str, customer: str | None, at: datetime) -> LimitSnapshot:
        """The snapshot of one limit key for ``customer`` at ``at`` (as ``Ledger.snapshot``)."""
        lim = self.limits[key]
        period = self.period(at, key)
        if key not in self._minor:
            self._minor[key] = lim.budget_minor(self.currency)
        uses, budget, units = self.total.get((key, period), (0, 0, 0))
        mine = self.customer.get((key, period, customer or ""), (0, 0))
        return LimitSnapshot(
            key, period, Count(lim.uses, uses, 0),
            Count(self._minor[key], budget, 0), Count(lim.units, units, 0),
            Count(lim.per_customer, mine[0], 0) if customer else None,
            Count(lim.per_customer_units, mine[1], 0) if customer else None)

    def period(self, at: datetime, key: str) -> str:
        """The period key of ``at`` for the limit ``key``, in the campaign's time zone."""
        every = self.limits[key].period
        found = self._periods.get((at, every))
        if found is None:
            if len(self._periods) > 100_000:
                self._periods.clear()
            found = self._periods[(at, every)] = period_key(at, every, self.zone)
        return found

    # the read side of a Ledger that Campaign.price uses
    def snapshot(self, limits: Mapping[str, Limits], customer: str | None = None,
                 at: datetime | None = None, zone: Any = "UTC", currency: str = "CNY"
                 ) -> dict[str, LimitSnapshot]:
        assert at is not None
        seen = self.last = {key: self.snap(key, customer, at) for key in limits}
        return seen

    def points(self, customer: str) -> int:
        return self.balance.get(customer, 0)

    def wallet(self, customer: str, at: datetime | None = None) -> list[WalletCoupon]:
        return []   # the replay issues no coupons: a wallet coupon is "not issued", as in a ledger

    def take(self, result: PriceResult, used: Consumption) -> None:
        """Count what ``result`` consumes (``used``: reserve and commit at its time)."""
        assert result.at is not None
        for key, use in used.limits.items():
            period = self.period(result.at, key)
            t = self.total.setdefault((key, period), [0, 0, 0])
            t[0] += use.uses
            t[1] += use.budget
            t[2] += use.units
            if used.customer:
                c = self.customer.setdefault((key, period, used.customer), [0, 0])
                c[0] += use.uses
                c[1] += use.units
        if used.customer:
            self.balance[used.customer] = (self.balance.get(used.customer, 0)
                                           - used.points_paid + used.points_earned)


def _left(c: Count | None) -> int | None:
    return None if c is None else c.left


def _counts(s: LimitSnapshot) -> tuple[int | None, ...]:
    return (s.uses.left, s.budget.left, s.units.left, _left(s.per_customer),
            _left(s.per_customer_units))


def _fits(need: int, left: int | None) -> bool:
    return left is None or (left > 0 and left >= need)


Wrong = set[tuple[str, bool]]


def stands(result: PriceResult, consumed: Consumption, seen: Mapping[str, LimitSnapshot],
           seen_points: int, now: Counters, cart_points: int) -> Wrong:
    """The limit keys on which ``result`` (priced against ``seen``) would come out otherwise
    against the counters ``now``, each with whether only its customer's counters moved it
    (``"(points)"``: the customer's points balance); empty when the result stands."""
    assert result.at is not None
    customer = result.cart.customer.id
    used = consumed.limits
    wrong: Wrong = set()
    for key in now.limits:
        was, true = seen[key], now.snap(key, customer, result.at)
        if key in used:
            u = used[key]
            ok = (_fits(1, true.uses.left) and _fits(u.units, true.units.left)
                  and _fits(u.budget, true.budget.left))
            if ok and was.budget.left is not None and u.budget >= was.budget.left:
                ok = true.budget.left == was.budget.left   # capped at what was left
            mine = (_fits(1, _left(true.per_customer))
                    and _fits(u.units, _left(true.per_customer_units)))
        else:
            counts = list(zip(_counts(true), _counts(was), strict=True))
            ok = all(t is None if w is None else (t is not None and t <= w)
                     for t, w in counts[:3])
            mine = all(t is None if w is None else (t is not None and t <= w)
                       for t, w in counts[3:])
        if not ok:
            wrong.add((key, False))
        elif not mine:
            wrong.add((key, True))
    if cart_points and customer and now.points(customer) != seen_points:
        wrong.add(("(points)", True))
    return wrong


@dataclass
class Priced:
    """One order's result and the view it was priced against."""

    result: PriceResult
    seen: dict[str, LimitSnapshot]
    points: int
    used: Consumption


def price_against(campaign: Campaign, order: Order, view: Counters, best_coupons: bool
                  ) -> Priced:
    """``order`` priced against the counters ``view`` (a read-only in-memory ledger)."""
    if not view.limits:   # a design without limits prices as without a ledger
        plain = campaign.price(order.cart, best_coupons=best_coupons)
        return Priced(plain, {}, 0, consumption(plain, limited={}))
    view.last = {}
    result = campaign.price(order.cart, best_coupons=best_coupons, ledger=cast(Ledger, view))
    assert result.at is not None
    customer = result.cart.customer.id
    seen = view.last or view.snapshot(view.limits, customer, result.at)
    # the order id names issued coupons (no hash of the cart to compute; the replay issues none)
    return Priced(result, seen, view.points(customer) if customer else 0,
                  consumption(result, campaign, order_id=order.id))


_job: tuple[Campaign, bool] | None = None


def _start(campaign: Campaign, best_coupons: bool) -> None:
    global _job
    _job = (campaign, best_coupons)


def _batch(work: tuple[Counters, list[Order]]) -> list[Priced]:
    assert _job is not None
    return _price_batch(_job, work)


def _price_batch(job: tuple[Campaign, bool], work: tuple[Counters, list[Order]]) -> list[Priced]:
    view, orders = work
    out = []
    for o in orders:
        p = price_against(job[0], o, view, job[1])
        p.result = slim(p.result)
        out.append(p)
    return out


def slim(r: PriceResult) -> PriceResult:
    """``r`` with only what the replay and the summary read, to cross processes cheaply (and
    without the lazy records, which do not pickle): lines without their discounts, the cart
    without its lines, no nudges, of the rules not applied those a limit stopped."""
    return replace(r, spec=None, lines=tuple(replace(line, discounts=(), presale=None)
                                            for line in r.lines),
                   shops=tuple(r.shops), applied=tuple(r.applied),
                   not_applied=tuple(m for m in r.not_applied if m.reason == "limit_reached"),
                   nudges=(), cart=r.cart.model_copy(update={"lines": (), "wallet": ()}))


Many = Callable[[Counters, Sequence[Order]], list[Priced]]

#: Orders priced in one first pass; each window is priced against the counters as the windows
#: before left them, so a limit that runs out early costs one window of re-pricing, not the sale.
WINDOW = 200


def _parts(view: Counters, orders: Sequence[Order], jobs: int
           ) -> list[tuple[Counters, list[Order]]]:
    size = -(-len(orders) // (4 * jobs))
    return [(view, list(orders[i:i + size])) for i in range(0, len(orders), size)]


def _pricer(campaign: Campaign, best_coupons: bool, jobs: int,
            pool: ProcessPoolExecutor | None, dask: Any = None) -> Many:
    shared = dask.scatter((campaign, best_coupons), broadcast=True) if dask is not None else None

    def many(view: Counters, orders: Sequence[Order]) -> list[Priced]:
        if (pool is None and dask is None) or len(orders) < 2 * jobs:
            return [price_against(campaign, o, view, best_coupons) for o in orders]
        parts = _parts(view, orders, jobs)
        if dask is not None:
            done = dask.gather(dask.map(_price_batch, [shared] * len(parts), parts, pure=False))
        else:
            assert pool is not None
            done = pool.map(_batch, parts)
        return [p for part in done for p in part]
    return many


def time_key(order: Order, zone: str = "UTC") -> tuple[datetime, str]:
    """Orders sort by time (a time without an offset is in ``zone``, the campaign's time zone,
    as pricing reads it), then id. Raises ``ValueError`` for an order without a time."""
    at = order.cart.get("at")
    if not at:
        raise ValueError(f"order {order.id!r} has no time")
    when = datetime.fromisoformat(str(at))
    return (when if when.tzinfo is not None else when.replace(tzinfo=ZoneInfo(zone)), order.id)


def limited(campaign: Campaign) -> dict[str, Limits]:
    """The campaign's limited rules: id -> limits (empty: nothing to replay)."""
    return dict(plan_of(campaign).limited)


def replay(orders: Sequence[Order], campaign: Campaign, *, best_coupons: bool = False,
           jobs: int = 1, work: dict[str, int] | None = None, window: int = WINDOW,
           dask: Any = None) -> tuple[list[PriceResult], list[LimitReport]]:
    """Each order's result when the orders (already in time order) consume ``campaign``'s
    limits one after the other, and each limit's report. ``jobs`` > 1 prices on a process pool,
    ``dask`` (a ``distributed.Client``) on its cluster, ``jobs`` tasks at a time.
    ``window``: orders priced in one first pass, against the counters the windows before left.
    ``work``, when given, counts the pricings: ``first`` (the parallel passes), ``batch``
    (re-priced in parallel after a limit moved) and ``in_place`` (re-priced during the walk)."""
    work = work if work is not None else {}
    for name in ("first", "batch", "in_place"):
        work.setdefault(name, 0)
    spec = campaign.spec
    fresh = Counters(limited(campaign), spec.timezone, spec.currency)
    pool = (ProcessPoolExecutor(max_workers=jobs, initializer=_start,
                                initargs=(campaign, best_coupons))
            if jobs > 1 and dask is None else None)
    priced: list[Priced] = []
    try:
        many = _pricer(campaign, best_coupons, jobs, pool, dask)
        true = fresh.copy()
        for begin in range(0, len(orders), max(1, window)):
            part = orders[begin:begin + max(1, window)]
            first = many(true.copy(), part)
            work["first"] += len(part)
            _walk(part, first, true, many, campaign, best_coupons, work)
            priced.extend(first)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return [p.result for p in priced], _reports(orders, priced, fresh)


def _walk(orders: Sequence[Order], priced: list[Priced], true: Counters, many: Many,
          campaign: Campaign, best_coupons: bool, work: dict[str, int]) -> None:
    """Walk ``orders`` (their first results in ``priced``, replaced where they do not stand) in
    time order, counting what each takes into ``true``."""
    # which orders touch which limit (all, and per customer): where to look for the orders
    # a moved limit moves next (a guide only: every order is checked in the walk)
    by_key: dict[str, list[int]] = {}
    by_customer: dict[tuple[str, str | None], list[int]] = {}
    for j, p in enumerate(priced):
        who = p.result.cart.customer.id
        keys = _touched(p) | ({"(points)"} if _use_points(orders[j]) else set())
        for key in keys:
            by_key.setdefault(key, []).append(j)
            by_customer.setdefault((key, who), []).append(j)
    for i, order in enumerate(orders):
        p = priced[i]
        wrong = stands(p.result, p.used, p.seen, p.points, true, _use_points(order))
        if not wrong:
            true.take(p.result, p.used)
            continue
        p = priced[i] = price_against(campaign, order, true, best_coupons)
        work["in_place"] += 1
        true.take(p.result, p.used)
        who = p.result.cart.customer.id
        near: set[int] = set()
        for key, mine in wrong:
            among = by_customer.get((key, who), []) if mine else by_key.get(key, [])
            near.update(among[bisect_right(among, i):])
        # speculate: of those, the ones the counters as they stand now already move
        later = sorted(j for j in near
                       if stands(priced[j].result, priced[j].used, priced[j].seen,
                                 priced[j].points, true, _use_points(orders[j])))
        if later:
            work["batch"] += len(later)
            view = true.copy()
            for j, again in zip(later, many(view, [orders[j] for j in later]), strict=True):
                priced[j] = again


def _use_points(order: Order) -> int:
    """The points the cart asks to pay with (its price depends on the balance if any)."""
    customer = order.cart.get("customer")
    return int(customer.get("use_points") or 0) if isinstance(customer, dict) else 0


def _touched(p: Priced) -> set[str]:
    """The limit keys an order's result depends on: the limited rules it applied, and those it
    missed because of a limit."""
    keys = set(p.used.limits)
    keys.update(m.rule for m in p.result.not_applied
                if m.reason == "limit_reached" and m.rule in p.seen)
    return keys


def _reports(orders: Sequence[Order], priced: Iterable[Priced], fresh: Counters
             ) -> list[LimitReport]:
    state = fresh.copy()
    reports: dict[tuple[str, str], LimitReport] = {}
    at_limit: set[tuple[str, str, str]] = set()
    zone = ZoneInfo(state.zone)
    for order, p in zip(orders, priced, strict=True):
        r, used = p.result, p.used
        state.take(r, used)
        assert r.at is not None
        customer = r.cart.customer.id
        for key in used.limits:
            snap = state.snap(key, customer, r.at)
            rep = reports.setdefault((key, snap.period), LimitReport(key, snap.period))
            rep.uses, rep.budget, rep.units = (snap.uses.used, snap.budget.used,
                                               snap.units.used)
            for what, count in (("uses", snap.uses), ("budget", snap.budget),
                                ("units", snap.units)):
                if rep.exhausted is None and count.left == 0:
                    rep.exhausted, rep.exhausted_at, rep.exhausted_by = (
                        what, r.at.astimezone(zone).isoformat(), order.id)
            full = any(c is not None and c.left == 0
                       for c in (snap.per_customer, snap.per_customer_units))
            if customer and full and (key, snap.period, customer) not in at_limit:
                at_limit.add((key, snap.period, customer))
                rep.customers_at_limit += 1
    for key in fresh.limits:
        if not any(k == key for k, _ in reports):
            reports[(key, "-")] = LimitReport(key, "-")
    return [reports[k] for k in sorted(reports)]

