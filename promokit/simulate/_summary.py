"""Mergeable summaries: every figure an integer (money in minor units), merged by addition.

A :class:`Stats` sums the priced orders of one campaign design; a :class:`Summary` holds the stats
of design A (and B with ``--vs``), the comparison and the bad input. ``merge`` is associative and
commutative and exact, so the summaries of any partitioning of the orders merge into the summary of
the whole, to the cent: a process pool, Dask or Spark give the same figures as one loop.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from promokit import Money, Problem

#: Orders kept in "worst orders" and "biggest differences" lists.
TOP = 10
#: Problems kept (those first in file and line order); all are counted.
KEEP_PROBLEMS = 50
#: Buckets of the per-order discount rate: [0%, 5%), [5%, 10%), ... [95%, 100%].
RATE_BUCKETS = 20
#: Bins of order subtotals around a threshold T: 10 bins over [T - T/10, T + T/10).
BAND_BINS = 10

# A group's totals: [orders, gmv, discount, payable]
Totals = list[int]


def _add_into(target: dict[str, list[int]], source: Mapping[str, list[int]]) -> None:
    for key, values in source.items():
        mine = target.get(key)
        if mine is None:
            target[key] = list(values)
        else:
            for i, v in enumerate(values):
                mine[i] += v


def _rate(discount: int, gmv: int) -> Fraction:
    return Fraction(discount, gmv) if gmv else Fraction(0)


@dataclass(frozen=True, slots=True)
class OrderFigure:
    """One order in a top list: id, time, GMV, discount, payable (minor units)."""

    order: str
    at: str | None
    gmv: int
    discount: int
    payable: int
    other: int = 0   # with --vs: the payable under design B
    short: int = 0   # with costs: how far the lines sold below cost fall short of their cost


def _worst_key(o: OrderFigure) -> tuple[Fraction, str, str, int, int, int, int]:
    return (-_rate(o.discount, o.gmv), o.order, o.at or "", o.gmv, o.discount, o.payable,
            o.other)


def keep_top(top: list[OrderFigure], fig: OrderFigure,
             key: Callable[[OrderFigure], Any]) -> None:
    """Put ``fig`` into ``top`` (sorted by ``key``, at most :data:`TOP` long) where it belongs:
    the same list as sorting all and keeping the first ``TOP``, at one comparison per order
    that does not make the list."""
    if len(top) >= TOP and key(fig) >= key(top[-1]):
        return
    insort(top, fig, key=key)
    del top[TOP:]


def _short_key(o: OrderFigure) -> tuple[int, str, str, int, int, int]:
    return (-o.short, o.order, o.at or "", o.gmv, o.discount, o.payable)


def _delta_key(o: OrderFigure) -> tuple[int, str, str, int, int, int]:
    return (-abs(o.other - o.payable), o.order, o.at or "", o.gmv, o.payable, o.other)


@dataclass
class Stats:
    """The figures of one design over a set of orders (all money in minor units)."""

    orders: int = 0
    gmv: int = 0            # list subtotal of the goods
    discount: int = 0       # goods discount plus shipping discount: what the promotion costs
    payable: int = 0
    points: int = 0         # points issued (earned)
    by_rule: dict[str, list[int]] = field(default_factory=dict)     # rule: [orders, amount]
    by_funder: dict[str, list[int]] = field(default_factory=dict)   # funder: [amount]
    by_shop: dict[str, Totals] = field(default_factory=dict)
    by_tier: dict[str, Totals] = field(default_factory=dict)
    by_hour: dict[str, Totals] = field(default_factory=dict)
    rate_hist: list[int] = field(default_factory=lambda: [0] * RATE_BUCKETS)
    thresholds: dict[str, list[int]] = field(default_factory=dict)  # "rule@T": BAND_BINS counts
    coupons: dict[str, list[int]] = field(default_factory=dict)     # kind: [used, amount]
    worst: list[OrderFigure] = field(default_factory=list)
    # with costs: [orders with costs, orders below cost, lines below cost, shortfall]
    below_cost: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    below: list[OrderFigure] = field(default_factory=list)   # the orders most below cost

    def merge(self, other: Stats) -> Stats:
        """A new Stats: the figures of both sets of orders."""
        out = Stats(self.orders + other.orders, self.gmv + other.gmv,
                    self.discount + other.discount, self.payable + other.payable,
                    self.points + other.points,
                    rate_hist=[a + b for a, b in zip(self.rate_hist, other.rate_hist, strict=True)])
        for name in ("by_rule", "by_funder", "by_shop", "by_tier", "by_hour", "thresholds",
                     "coupons"):
            target: dict[str, list[int]] = getattr(out, name)
            _add_into(target, getattr(self, name))
            _add_into(target, getattr(other, name))
        out.worst = sorted([*self.worst, *other.worst], key=_worst_key)[:TOP]
        out.below_cost = [a + b for a, b in zip(self.below_cost, other.below_cost, strict=True)]
        out.below = sorted([*self.below, *other.below], key=_short_key)[:TOP]
        return out

    def to_dict(self, currency: str) -> dict[str, Any]:
        """The JSON form: money as decimal strings, rates as decimal strings of 4 places."""
        def m(minor: int) -> str:
            return Money(minor, currency).to_json()

        def group(d: Mapping[str, Totals]) -> dict[str, Any]:
            return {k: {"orders": v[0], "gmv": m(v[1]), "discount": m(v[2]), "payable": m(v[3]),
                        "discount_rate": _pct(v[2], v[1])} for k, v in sorted(d.items())}

        def fig(o: OrderFigure) -> dict[str, Any]:
            return {"order": o.order, "at": o.at, "gmv": m(o.gmv), "discount": m(o.discount),
                    "payable": m(o.payable), "discount_rate": _pct(o.discount, o.gmv)}

        bins = {}
        for key, counts in sorted(self.thresholds.items()):
            half = BAND_BINS // 2
            bins[key] = {"below": sum(counts[:half]), "above": sum(counts[half:]),
                         "bins": counts}
        return {
            "orders": self.orders, "gmv": m(self.gmv), "discount": m(self.discount),
            "payable": m(self.payable), "discount_rate": _pct(self.discount, self.gmv),
            "points_issued": self.points,
            "by_rule": {k: {"orders": v[0], "discount": m(v[1])}
                        for k, v in sorted(self.by_rule.items())},
            "by_funder": {k: m(v[0]) for k, v in sorted(self.by_funder.items())},
            "by_shop": group(self.by_shop), "by_tier": group(self.by_tier),
            "by_hour": group(self.by_hour),
            "discount_rate_histogram": {f"{5 * i}-{5 * i + 5}%": n
                                        for i, n in enumerate(self.rate_hist)},
            "thresholds": bins,
            "coupons": {k: {"used": v[0], "discount": m(v[1])}
                        for k, v in sorted(self.coupons.items())},
            "worst_orders": [fig(o) for o in self.worst],
            "below_cost": {"orders_with_costs": self.below_cost[0],
                           "orders": self.below_cost[1], "lines": self.below_cost[2],
                           "shortfall": m(self.below_cost[3]),
                           "worst": [{**fig(o), "shortfall": m(o.short)} for o in self.below]},
        }


def _pct(part: int, whole: int) -> str:
    """part / whole as a decimal fraction with 4 places, rounded half up, exactly."""
    if not whole:
        return "0.0000"
    q = (part * 20000 + whole) // (whole * 2)
    return f"{q // 10000}.{q % 10000:04d}"


@dataclass
class Comparison:
    """Design B against design A, order by order (money in minor units)."""

    both: int = 0       # orders priced under both designs
    cheaper: int = 0    # customer pays less under B (a winner)
    dearer: int = 0     # pays more under B (a loser)
    same: int = 0
    biggest: list[OrderFigure] = field(default_factory=list)

    def merge(self, other: Comparison) -> Comparison:
        """A new Comparison over both sets of orders."""
        return Comparison(self.both + other.both, self.cheaper + other.cheaper,
                          self.dearer + other.dearer, self.same + other.same,
                          sorted([*self.biggest, *other.biggest], key=_delta_key)[:TOP])


@dataclass
class LimitReport:
    """One limit key in one period after the replay: what was used, when it ran out."""

    key: str
    period: str
    uses: int = 0
    budget: int = 0
    units: int = 0
    exhausted: str | None = None        # which limit ran out: uses, budget or units
    exhausted_at: str | None = None     # the time of the order that took its last
    exhausted_by: str | None = None     # that order's id
    customers_at_limit: int = 0         # customers who reached a per-customer limit

    def to_dict(self, currency: str) -> dict[str, Any]:
        """The JSON form (money as a decimal string)."""
        return {"key": self.key, "period": self.period, "uses": self.uses,
                "budget": Money(self.budget, currency).to_json(), "units": self.units,
                "exhausted": self.exhausted, "exhausted_at": self.exhausted_at,
                "exhausted_by": self.exhausted_by,
                "customers_at_limit": self.customers_at_limit}


@dataclass
class Summary:
    """What a simulation found: design A's stats, B's and the comparison (``--vs``), bad input.

    Merge partition summaries with :meth:`merge` (or :func:`merge_all`); :meth:`to_dict` is the
    JSON form written as ``summary.json``.
    """

    campaign: str
    currency: str
    a: Stats = field(default_factory=Stats)
    vs: str | None = None
    b: Stats | None = None
    comparison: Comparison | None = None
    bad: int = 0
    problems: list[Problem] = field(default_factory=list)
    limits_a: list[LimitReport] = field(default_factory=list)   # the limit-aware replay's
    limits_b: list[LimitReport] = field(default_factory=list)

    def merge(self, other: Summary) -> Summary:
        """A new Summary of both partitions (the same campaigns)."""
        if (self.campaign, self.currency, self.vs) != (other.campaign, other.currency, other.vs):
            raise ValueError("cannot merge summaries of different campaigns")
        b = self.b.merge(other.b) if self.b is not None and other.b is not None else None
        comparison = (self.comparison.merge(other.comparison)
                      if self.comparison is not None and other.comparison is not None else None)
        problems = sorted([*self.problems, *other.problems], key=problem_key)[:KEEP_PROBLEMS]
        return Summary(self.campaign, self.currency, self.a.merge(other.a), self.vs, b,
                       comparison, self.bad + other.bad, problems,
                       [*self.limits_a, *other.limits_a], [*self.limits_b, *other.limits_b])

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: money as decimal strings in the campaign's currency."""
        data: dict[str, Any] = {
            "format": 1, "campaign": self.campaign, "currency": self.currency,
            "orders": self.a.orders, "bad_orders": self.bad,
            "problems": [p.render() for p in
                         sorted(self.problems, key=problem_key)[:KEEP_PROBLEMS]],
            "a": self.a.to_dict(self.currency),
        }
        if self.limits_a or self.limits_b:
            data["a"]["limits"] = [r.to_dict(self.currency) for r in self.limits_a]
        if self.b is not None and self.comparison is not None:
            data["vs"] = self.vs
            data["b"] = self.b.to_dict(self.currency)
            if self.limits_a or self.limits_b:
                data["b"]["limits"] = [r.to_dict(self.currency) for r in self.limits_b]
            data["comparison"] = _compare(self.a, self.b, self.comparison, self.currency)
        return data


def _compare(a: Stats, b: Stats, c: Comparison, currency: str) -> dict[str, Any]:
    def m(minor: int) -> str:
        return Money(minor, currency).to_json()

    def delta(x: Mapping[str, list[int]], y: Mapping[str, list[int]], i: int) -> dict[str, str]:
        keys = sorted({*x, *y})
        return {k: m(y.get(k, [0, 0])[i] - x.get(k, [0, 0])[i]) for k in keys
                if y.get(k, [0, 0])[i] != x.get(k, [0, 0])[i]}

    return {
        "orders": c.both, "winners": c.cheaper, "losers": c.dearer, "unchanged": c.same,
        "cost_delta": m(b.discount - a.discount), "payable_delta": m(b.payable - a.payable),
        "cost_ratio": _pct(b.discount, a.discount) if a.discount else None,
        "cost_delta_by_rule": delta(a.by_rule, b.by_rule, 1),
        "cost_delta_by_funder": delta(a.by_funder, b.by_funder, 0),
        "biggest_differences": [
            {"order": o.order, "at": o.at, "gmv": m(o.gmv), "payable_a": m(o.payable),
             "payable_b": m(o.other), "difference": m(o.other - o.payable)} for o in c.biggest],
    }


def problem_key(p: Problem) -> tuple[str, int, str, str]:
    """Problems sort by file, then line, then field, then message."""
    return (p.file or "", p.line or 0, p.path, p.message)


def merge_all(summaries: Iterable[Summary]) -> Summary:
    """The merge of one or more summaries (any grouping gives the same result)."""
    it = iter(summaries)
    total = next(it)
    for s in it:
        total = total.merge(s)
    return total
