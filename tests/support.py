"""Helpers shared by the tests: CNY campaigns, carts and amounts, result lookups, random orders.

Test modules anywhere under tests/ import it as ``from support import ...`` (tests/conftest.py
puts tests/ on sys.path).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, reject, settings
from hypothesis import strategies as st

from promokit import Campaign, Money, PriceResult, PricingError, Refund, RefundError, refund
from promokit._cart.wallet import Coupon
from promokit._spec.coupons import CouponPolicy, valid_together
from promokit.testing import campaigns, carts

ZERO = Money.zero("CNY")

#: Hypothesis settings of the refund and settlement properties.
PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def cny(text: str) -> Money:
    """A CNY amount."""
    return Money.of(text, "CNY")


def campaign(*rules: dict[str, Any], **top: Any) -> Campaign:
    """A CNY campaign with the default stages and these rules."""
    return Campaign.from_dict({"campaign": "t", "currency": "CNY", "rules": list(rules), **top})


def line(lid: str, unit: str, qty: int = 1, shop: str = "A", **extra: Any) -> dict[str, Any]:
    """A cart line whose sku is its id in upper case."""
    return {"id": lid, "sku": lid.upper(), "shop": shop, "unit_price": unit, "quantity": qty,
            **extra}


def cart(*lines: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A CNY cart of these lines."""
    return {"currency": "CNY", "lines": list(lines), **top}


def price(c: Campaign, *lines: dict[str, Any]) -> PriceResult:
    """Price a CNY cart of these lines."""
    return c.price(cart(*lines))


def applied(result: PriceResult, rule: str) -> Any:
    """The one applied record of ``rule`` (fails when it did not apply, or applied per shop)."""
    found = [a for a in result.applied if a.rule == rule]
    assert len(found) == 1, f"{rule} applied {len(found)} times: {result.applied}"
    return found[0]


def missed(result: PriceResult, rule: str) -> Any:
    """The one not-applied record of ``rule``."""
    found = [n for n in result.not_applied if n.rule == rule]
    assert len(found) == 1, f"{rule} missed {len(found)} times: {result.not_applied}"
    return found[0]


@st.composite
def random_orders(draw: st.DrawFn, max_quantity: int = 3) -> tuple[Campaign, PriceResult]:
    """A random cart priced under a random campaign (promokit.testing)."""
    campaign = draw(campaigns(max_rules=4, max_presale="5.00"))
    cart = draw(carts(max_lines=5, max_quantity=max_quantity, min_price="5.01"))
    try:
        return campaign, campaign.price(cart)
    except PricingError:  # a line under two pre-sale rules is refused, rightly
        reject()


@st.composite
def splits(draw: st.DrawFn, result: PriceResult) -> list[dict[str, int]]:
    """The order's units, shuffled, cut into one to four successive returns."""
    units = draw(st.permutations([x.id for x in result.lines for _ in range(x.quantity)]))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(units) - 1)), max_size=3)))
    steps, start = [], 0
    for end in [*cuts, len(units)]:
        if end > start:
            step: dict[str, int] = {}
            for lid in units[start:end]:
                step[lid] = step.get(lid, 0) + 1
            steps.append(step)
            start = end
    return steps


# --- best coupons by brute force, by the tie-break stated in promokit/pricing/search.py -------

def _expiry(c: Coupon, tz: ZoneInfo) -> tuple[int, float]:
    """Sooner first, no expiry last; naive ends are read in ``tz`` (the campaign's zone)."""
    if c.end is None:
        return (1, 0.0)
    end = c.end if c.end.tzinfo is not None else c.end.replace(tzinfo=tz)
    return (0, end.timestamp())


def brute_force(c: Campaign, the_cart: dict[str, Any],
                tz: str = "Asia/Shanghai") -> tuple[tuple[str, ...], PriceResult]:
    """Price every valid subset of the wallet in selected mode; the minimum by lowest payable,
    then fewest coupons, then the coupons' (expiry, id) pairs, sooner first, sorted and
    compared in order. (the sorted ids of the winner, its result)"""
    policy = c.spec.coupon_policy
    assert isinstance(policy, CouponPolicy)
    zone = ZoneInfo(tz)
    wallet = [Coupon.model_validate(w) for w in the_cart["wallet"]]
    accepted = [w for w in wallet if w.kind in policy.kinds]
    best: tuple[Any, ...] | None = None
    for k in range(len(accepted) + 1):
        for subset in combinations(accepted, k):
            if not valid_together(subset, policy):
                continue
            r = c.price({**the_cart, "coupons": [x.id for x in subset]})
            key = (r.payable.minor, k, sorted((_expiry(x, zone), x.id) for x in subset))
            if best is None or key < best[0]:
                best = (key, tuple(sorted(x.id for x in subset)), r)
    assert best is not None
    return best[1], best[2]


def gift_refund(*args: Any, **kw: Any) -> Refund:
    """``refund(...)``, an example rejected when a gift rule with ``on_return: return`` rightly
    refuses it (a carried gift the rest no longer earns must come back with the return;
    tests/refunds/test_gift_returns.py checks that refusal itself)."""
    try:
        return refund(*args, **kw)
    except RefundError as exc:
        if "(on_return: return)" in str(exc):
            reject()
        raise


def gifts_deducted(done: list[Refund], currency: str) -> Money:
    """What the refunds deducted for gifts the rest no longer earned (the shop keeps it)."""
    return sum((g.amount for r in done for g in r.gifts), Money.zero(currency))
