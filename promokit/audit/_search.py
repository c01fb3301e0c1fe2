"""The search: Hypothesis runs, one per flaw kind, each shrinking its first counterexample.

Each check is a *probe*: a function of a cart that returns a :class:`Hit` when the cart shows the
flaw. :func:`search` runs one probe as a ``@given`` test under a fixed seed (no example database,
no deadline, generate and shrink phases only, quiet); the probe's hit raises, Hypothesis shrinks
the cart, and the last hit recorded is the one Hypothesis replayed last: the minimal cart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from promokit._campaign import Campaign
from promokit._cart.cart import Cart
from promokit._errors import PricingError
from promokit._result.types import PriceResult


@dataclass(frozen=True, slots=True)
class Hit:
    """What a probe saw on one cart."""

    rules: tuple[str, ...]
    message: str
    facts: dict[str, Any] = field(default_factory=dict)
    results: tuple[PriceResult, ...] = ()
    orders: tuple[Cart, ...] = ()


Probe = Callable[[Cart], Hit | None]


class _Found(Exception):
    """Raised inside the @given test to make Hypothesis shrink the cart."""


@dataclass(slots=True)
class Outcome:
    """A search's minimal hit (if any) and how many carts it tried."""

    cart: Cart | None = None
    hit: Hit | None = None
    tried: int = 0


def search(carts: st.SearchStrategy[Cart], probe: Probe, *, max_examples: int, seed: int,
           seconds: float | None) -> Outcome:
    """Run ``probe`` over up to ``max_examples`` carts; the shrunk first hit, if any.

    ``seconds`` bounds the generate phase: past it, remaining examples are skipped (never the
    shrinking of a hit already found, so the replay Hypothesis ends with stays deterministic).
    """
    out = Outcome()
    stop = None if seconds is None else time.monotonic() + seconds

    def check(cart: Cart) -> None:
        if out.hit is None:
            if stop is not None and time.monotonic() > stop:
                return
            out.tried += 1
        hit = probe(cart)
        if hit is not None:
            out.cart, out.hit = cart, hit
            raise _Found

    test = settings(
        max_examples=max_examples, database=None, deadline=None, derandomize=False,
        phases=(Phase.generate, Phase.shrink), verbosity=Verbosity.quiet, print_blob=False,
        suppress_health_check=list(HealthCheck),
    )(given(carts)(check))
    try:
        hypothesis_seed(seed)(test)()
    except _Found:
        return out
    out.cart = out.hit = None   # no hit survived (cannot happen with a deterministic probe)
    return out


def collect(carts: st.SearchStrategy[Cart], visit: Callable[[Cart], None], *,
            max_examples: int, seed: int, seconds: float | None) -> int:
    """Call ``visit`` on up to ``max_examples`` generated carts (no shrinking); how many."""
    def probe(cart: Cart) -> None:
        visit(cart)
        return None

    return search(carts, probe, max_examples=max_examples, seed=seed, seconds=seconds).tried


def _price(campaign: Campaign, cart: Cart, phase: str | None = None) -> PriceResult | None:
    """The cart's result, with the best use of its wallet; None when the engine refuses it."""
    try:
        return campaign.price(cart, best_coupons=bool(cart.wallet), phase=phase)
    except PricingError:   # refused (a pre-sale line priced too low), or the search bound
        return None


@dataclass(slots=True)
class Pricer:
    """Prices carts for the probes in one pre-sale ``phase`` (None: the engine's default), and
    counts the carts the engine refuses: an audit that priced nothing has checked nothing."""

    campaign: Campaign
    phase: str | None = None
    priced: int = 0
    refused: int = 0
    first_refusal: tuple[str, Cart] | None = None

    def __call__(self, cart: Cart, campaign: Campaign | None = None) -> PriceResult | None:
        """``cart`` priced under ``campaign`` (default: the audited one), or None if refused."""
        try:
            out = (campaign or self.campaign).price(cart, best_coupons=bool(cart.wallet),
                                                    phase=self.phase)
        except PricingError as exc:   # a timed rule and no time, a window closed, the bound
            self.refused += 1
            if self.first_refusal is None:
                self.first_refusal = (str(exc), cart)
            return None
        self.priced += 1
        return out


def pricer(campaign: Campaign | Pricer) -> Pricer:
    """A Pricer for ``campaign`` (itself when it is one)."""
    return campaign if isinstance(campaign, Pricer) else Pricer(campaign)


def _m(result: PriceResult, name: str) -> Decimal:
    return getattr(result, name).amount  # type: ignore[no-any-return]


def _stackers(result: PriceResult) -> tuple[str, ...]:
    """Rules that took something off the goods, in the order they applied."""
    seen: dict[str, None] = {}
    for a in result.applied:
        if a.allocations:
            seen.setdefault(a.rule, None)
    return tuple(seen)


# --- probes -----------------------------------------------------------------------------------

def discount_rate(campaign: Campaign | Pricer, limit: Decimal) -> Probe:
    """Discount total / goods subtotal above ``limit`` (shipping counts on neither side)."""
    price = pricer(campaign)

    def probe(cart: Cart) -> Hit | None:
        r = price(cart)
        if r is None or not _m(r, "subtotal"):
            return None
        rate = _m(r, "discount_total") / _m(r, "subtotal")
        if rate <= limit:
            return None
        return Hit(_stackers(r), f"discount {r.discount_total.to_json()} on goods of "
                   f"{r.subtotal.to_json()} is a rate of {rate:.4f}, above {limit}",
                   {"rate": f"{rate:.4f}", "limit": str(limit)}, (r,))
    return probe


def below_cost(campaign: Campaign | Pricer, costs: Mapping[str, Decimal]) -> Probe:
    """A line whose merchant receives less than ``cost x quantity`` for its sku.

    The merchant receives the line's net plus what the platform funds of its discounts (the
    platform reimburses those: a platform coupon does not sell the merchant's goods below cost);
    only merchant-funded discounts count against the merchant.
    """
    price = pricer(campaign)

    def probe(cart: Cart) -> Hit | None:
        r = price(cart)
        if r is None:
            return None
        for line in r.lines:
            cost = costs.get(line.sku)
            if cost is None:
                continue
            funded = sum((d.amount.amount for d in line.discounts if d.funded_by != "merchant"),
                         Decimal(0))
            received = line.net.amount + funded
            if received < Decimal(cost) * line.quantity:
                rules = tuple(dict.fromkeys(d.rule for d in line.discounts
                                            if d.funded_by == "merchant"))
                text = f"line {line.id} ({line.sku}) nets {line.net.to_json()}"
                if funded:
                    text += f" (the merchant receives {received}, {funded} platform-funded)"
                return Hit(rules, f"{text} for {line.quantity} unit(s) costing {cost} each",
                           {"line": line.id, "sku": line.sku, "net": line.net.to_json(),
                            "received": str(received), "platform_funded": str(funded),
                            "cost": str(Decimal(cost) * line.quantity)}, (r,))
        return None
    return probe


def free_order(campaign: Campaign | Pricer, near_free: Decimal) -> Probe:
    """Two or more rules together leave the goods at most ``near_free`` of their subtotal."""
    price = pricer(campaign)

    def probe(cart: Cart) -> Hit | None:
        r = price(cart)
        if r is None:
            return None
        rules = _stackers(r)
        nets = sum((x.net.amount for x in r.lines), Decimal(0))
        if len(rules) < 2 or nets > near_free * _m(r, "subtotal"):
            return None
        return Hit(rules, f"{len(rules)} rules stack to leave {nets} to pay for goods of "
                   f"{r.subtotal.to_json()} (at most {near_free:%} of it counts as near-free)",
                   {"goods_net": str(nets), "subtotal": r.subtotal.to_json()}, (r,))
    return probe


def two_orders(cart: Cart) -> Iterator[tuple[Cart, Cart]]:
    """Every split of the cart's lines into two non-empty orders (the first line in the first).

    Each order keeps the cart's shipping fee of every shop it has lines from.
    """
    lines = cart.lines
    rest = range(1, len(lines))
    for size in range(len(lines) - 1):
        for extra in combinations(rest, size):
            first = [lines[0], *(lines[k] for k in extra)]
            second = [x for k, x in enumerate(lines) if k and k not in extra]
            yield _order(cart, first), _order(cart, second)


def _order(cart: Cart, lines: list[Any]) -> Cart:
    shops = {x.shop for x in lines}
    return cart.model_copy(update={
        "lines": tuple(lines),
        "shipping": {s: f for s, f in cart.shipping.items() if s in shops}})


def split_arbitrage(campaign: Campaign | Pricer, tolerance: Decimal) -> Probe:
    """Two orders whose totals add up to less than the one order's, by more than ``tolerance``
    per cart line; the split that saves most is reported.

    The one order is the cart without fees of shops it has no line from (as each part is).
    """
    price = pricer(campaign)

    def probe(cart: Cart) -> Hit | None:
        if len(cart.lines) < 2:
            return None
        cart = _order(cart, list(cart.lines))   # no fee for a shop without lines
        whole = price(cart)
        if whole is None:
            return None
        allowed = tolerance * len(cart.lines)
        best: tuple[Decimal, tuple[PriceResult, PriceResult], tuple[Cart, Cart]] | None = None
        for a, b in two_orders(cart):
            ra, rb = price(a), price(b)
            if ra is None or rb is None:
                continue
            saving = _m(whole, "total") - _m(ra, "total") - _m(rb, "total")
            if saving > allowed and (best is None or saving > best[0]):
                best = (saving, (ra, rb), (a, b))
        if best is None:
            return None
        saving, (ra, rb), (a, b) = best
        rules = tuple(dict.fromkeys((*_stackers(ra), *_stackers(rb), *_stackers(whole))))
        ids = [[x.id for x in o.lines] for o in (a, b)]
        return Hit(rules, f"one order pays {whole.total.to_json()}; split into lines {ids[0]} "
                   f"and {ids[1]} it pays {ra.total.to_json()} + {rb.total.to_json()}, "
                   f"{saving} less (merging these orders pays {saving} more; tolerance "
                   f"{allowed})",
                   {"whole": whole.total.to_json(), "parts": [ra.total.to_json(),
                                                              rb.total.to_json()],
                    "saving": str(saving), "tolerance": str(allowed)},
                   (whole, ra, rb), (a, b))
    return probe
