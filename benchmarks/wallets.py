"""Deterministic wallets for the best-coupon benchmark (seeded ``random``).

The campaign is the 8-rule core of ``generate.py`` plus a coupon policy in the usual Double 11
shape: one shop coupon per shop, one platform coupon or one allowance (they do not combine),
product coupons, one shipping coupon per shop, red envelopes without limit. A wallet of ``n``
coupons cycles through those kinds over the three cart shops, with face values and thresholds
drawn from a fixed seed, so a larger wallet extends a smaller one.

It also holds what the benchmark and the tests check the search with: the search's own report
(which path ran, units of work), brute force over every valid subset, and the general search
(the programme across shops and the closed-form tail switched off) as the exact reference
where brute force is too slow.
"""

from __future__ import annotations

import random
from itertools import combinations
from typing import Any

import promokit
from promokit._cart.wallet import Coupon
from promokit._spec.coupons import CouponPolicy, coupon_rule, valid_together
from promokit.pricing.engine import Setup
from promokit.pricing.search import Found, coupon_key, search_best
from promokit.rules._base import Rule

from .generate import CART_SHOPS, campaign_data, cart_data

WALLET_SIZES = (10, 20, 40, 60, 100, 200)
BRUTE_FORCE_MAX = 10   # wallets up to this size are checked against every valid subset
REFERENCE_MAX = 40     # ... and up to this size against the general search
POLICY = {"kinds": {
    "shop": {"stage": "shop", "per": "shop"},
    "product": {"stage": "item", "limit": 2},
    "platform": {"stage": "platform", "combines_with": ["shop", "product", "shipping",
                                                        "red_envelope"]},
    "allowance": {"stage": "cross_store", "combines_with": ["shop", "product", "shipping",
                                                             "red_envelope"]},
    "shipping": {"stage": "cash", "per": "shop"},
    "red_envelope": {"stage": "cash"},
}, "search_limit": 200_000}
_CYCLE = ("shop", "red_envelope", "platform", "shop", "product", "allowance", "shipping",
          "shop", "red_envelope", "platform")


def coupon(j: int, rng: random.Random) -> dict[str, Any]:
    """Coupon ``j`` of every wallet."""
    kind = _CYCLE[j % len(_CYCLE)]
    shop = CART_SHOPS[j % len(CART_SHOPS)]
    value = rng.choice((3, 5, 10, 20, 30, 50, 80))
    out: dict[str, Any] = {"id": f"c{j:02d}-{kind}", "kind": kind, "value": str(value)}
    if kind in ("shop", "shipping"):
        out["shop"] = shop
    if kind == "product":
        out["select"] = {"shops": [shop]}
    if kind not in ("red_envelope", "shipping"):
        out["min_spend"] = str(value * rng.choice((3, 5, 8, 10)))
    if kind == "shipping":
        out["value"] = "8"
    return out


def wallet(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """The first ``n`` coupons."""
    rng = random.Random(seed)
    return [coupon(j, rng) for j in range(n)]


def build(n_coupons: int, n_lines: int = 10) -> tuple[promokit.Campaign, promokit.Cart]:
    """The campaign with the coupon policy and a cart holding a wallet of ``n_coupons``."""
    data = campaign_data(8)
    data["coupon_policy"] = POLICY
    cart = cart_data(n_lines)
    cart["wallet"] = wallet(n_coupons)
    return promokit.Campaign.from_dict(data), promokit.Cart.model_validate(cart)


def search_setup(campaign: promokit.Campaign, cart: promokit.Cart
                 ) -> tuple[Setup, list[Coupon], dict[str, Rule], CouponPolicy]:
    """What best mode searches for ``cart``: its setup, usable coupons, their rules, the
    policy (as :func:`promokit.pricing.checkout.price` prepares them, without a ledger)."""
    policy = campaign.spec.coupon_policy
    assert policy is not None
    plan = campaign._plan
    rules = {c.id: coupon_rule(c, policy.kinds[c.kind], plan.env) for c in cart.wallet
             if c.kind in policy.kinds}
    setup = Setup(plan, cart, extra=tuple(rules.values()))
    usable = [c for c in cart.wallet if c.id in rules and rules[c.id].id in setup.eligible
              and setup.gate(rules[c.id]) is None]
    return setup, usable, rules, policy


def search(campaign: promokit.Campaign, cart: promokit.Cart, *,
           closed_tail: bool = True, shops: bool | None = None) -> Found:
    """The best-coupon search's own report: combination, payable, units, path. Both switches
    off: the general search, the exact reference the fast paths are held to."""
    return search_best(*search_setup(campaign, cart), closed_tail=closed_tail, shops=shops)


def brute_force(campaign: promokit.Campaign, cart: promokit.Cart) -> tuple[int, tuple[str, ...]]:
    """(payable, sorted coupon ids) of the best valid subset, every one priced in selected
    mode and ranked by the search's stated tie-break."""
    setup, usable, _rules, policy = search_setup(campaign, cart)
    best: tuple[Any, ...] | None = None
    for k in range(len(usable) + 1):
        for subset in combinations(usable, k):
            if not valid_together(subset, policy):
                continue
            r = campaign.price(cart.model_copy(update={"coupons": tuple(c.id for c in subset)}))
            key = (r.payable.minor, k, sorted(coupon_key(c, setup) for c in subset))
            if best is None or key < best[0]:
                best = (key, tuple(sorted(c.id for c in subset)))
    assert best is not None
    return best[0][0], best[1]
