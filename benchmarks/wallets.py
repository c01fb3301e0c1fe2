"""Deterministic wallets for the best-coupon benchmark (seeded ``random``).

The campaign is the 8-rule core of ``generate.py`` plus a coupon policy in the usual Double 11
shape: one shop coupon per shop, one platform coupon or one allowance (they do not combine),
product coupons, one shipping coupon per shop, red envelopes without limit. A wallet of ``n``
coupons cycles through those kinds over the three cart shops, with face values and thresholds
drawn from a fixed seed, so a larger wallet extends a smaller one.
"""

from __future__ import annotations

import random
from typing import Any

import promokit

from .generate import CART_SHOPS, campaign_data, cart_data

WALLET_SIZES = (5, 10, 20, 40)
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
