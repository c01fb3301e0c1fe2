"""Deterministic campaigns and carts for the benchmarks (seeded ``random``, no hypothesis).

The world is a Double 11 sale over 200 shops, ``S000`` .. ``S199``. Every cart touches the same
three shops (``S000`` tea, ``S001`` snacks, ``S002`` tableware) and only SKUs ``K00`` .. ``K59``
of each; the rest of a large campaign is scoped to other shops, or to SKUs no cart holds, as in a
real sale. The campaign sizes:

* **5 rules** -- the reference campaign that ``reference_loop.py`` prices by hand: 15% off tea,
  one 满减 per shop, a cross-store 每满300减50.
* **8 rules** -- the core: every rule kind and threshold form once (percent_off, amount_off,
  special_price, multibuy, bundle; threshold single / every / ladder over the scopes shop / pool /
  order), all of them able to match a cart.
* **n >= 10 rules** -- the core, two more rules that can match (a 满3件 percent threshold and a
  brand amount_off), and ``n - 10`` filler rules of every kind, round-robin over shops ``S003`` ..
  ``S199`` and over SKUs ``K60`` .. ``K99`` of the cart's shops. At most 10 rules can match a cart
  however large the campaign; the filler of a smaller campaign is a prefix of a larger one's.

Everything is a pure function of its arguments: the same call gives the same data, byte for byte.
"""

from __future__ import annotations

import json
import random
from typing import Any

import promokit

RULE_SIZES = (5, 8, 20, 100, 1000)
LINE_SIZES = (5, 10, 20, 50, 100)
REFERENCE_RULES = 5
CORE_RULES = 8
MAX_MATCHING = 10

N_SHOPS = 200
CART_SHOPS = ("S000", "S001", "S002")
CART_SKUS = 60  # carts hold K00 .. K59 of each cart shop; filler may target K60 .. K99
CART_AT = "2026-11-11T00:05:00+08:00"
STAGES = ["item", "shop", "cross_store", "platform", "cash"]
ACTIVE = {"start": "2026-11-10T20:00:00", "end": "2026-11-12T00:00:00"}
EXPIRED = {"start": "2026-11-01T00:00:00", "end": "2026-11-03T00:00:00"}

#: category and brand pairs of the cart shops (a SKU's number picks one of each)
CART_SHOP_GOODS = {
    "S000": (("tea", "teaware"), ("west-lake", "longjing")),
    "S001": (("snack", "drink"), ("crunch", "fizz")),
    "S002": (("cup", "bowl"), ("kiln", "clay")),
}
OTHER_CATEGORIES = ("apparel", "shoes", "beauty", "phone", "toy", "home", "pet", "book")


def shop_code(number: int) -> str:
    """``S007`` for shop 7."""
    return f"S{number:03d}"


def sku_code(shop: str, k: int) -> str:
    """``S001-K07``: SKU ``k`` of ``shop``."""
    return f"{shop}-K{k:02d}"


def sku_goods(shop: str, k: int) -> tuple[str, str]:
    """(category, brand) of a cart shop's SKU ``k``."""
    cats, brands = CART_SHOP_GOODS[shop]
    return cats[k % 2], brands[(k // 2) % 2]


# --- campaigns -------------------------------------------------------------------------------

def reference_rules() -> list[dict[str, Any]]:
    """The 5-rule campaign the hand-written loop of ``reference_loop.py`` special-cases."""
    return [
        {"id": "r-tea-15", "name": "龙井85折", "kind": "percent_off", "stage": "item",
         "select": {"shops": ["S000"], "categories": ["tea"]}, "percent": 15},
        {"id": "r-s000-200-20", "kind": "threshold", "stage": "shop", "scope": "shop",
         "select": {"shops": ["S000"]}, "min_spend": 200, "discount": 20},
        {"id": "r-s001-100-10", "kind": "threshold", "stage": "shop", "scope": "shop",
         "select": {"shops": ["S001"]}, "min_spend": 100, "discount": 10},
        {"id": "r-s002-150-15", "kind": "threshold", "stage": "shop", "scope": "shop",
         "select": {"shops": ["S002"]}, "min_spend": 150, "discount": 15},
        {"id": "r-x-300-50", "name": "跨店每满300减50", "kind": "threshold",
         "stage": "cross_store", "scope": "pool", "select": {"tags": ["double11"]},
         "every": 300, "discount": 50, "cap": None},
    ]


def core_rules() -> list[dict[str, Any]]:
    """Eight rules, every kind and threshold form once, all able to match the cart shops."""
    return [
        {"id": "c-tea-15", "name": "龙井限时85折", "kind": "percent_off", "stage": "item",
         "select": {"shops": ["S000"], "categories": ["tea"]}, "percent": 15,
         "window": ACTIVE},
        {"id": "c-snack-half-2nd", "name": "零食第二件半价", "kind": "multibuy", "stage": "item",
         "select": {"shops": ["S001"], "categories": ["snack"]},
         "buy": 1, "get": 1, "percent_off": 50},
        {"id": "c-drink-3-off", "kind": "amount_off", "stage": "item",
         "select": {"shops": ["S001"], "categories": ["drink"]}, "amount": "3.00"},
        {"id": "c-cup-any3-99", "name": "杯子99元任选3件", "kind": "bundle", "stage": "item",
         "select": {"shops": ["S002"], "categories": ["cup"]}, "size": 3, "price": 99},
        {"id": "c-bowl-19.90", "kind": "special_price", "stage": "item",
         "select": {"shops": ["S002"], "categories": ["bowl"]}, "price": "19.90"},
        {"id": "c-shop-200-20", "name": "店铺满200减20", "kind": "threshold", "stage": "shop",
         "scope": "shop", "select": {"shops": list(CART_SHOPS)}, "min_spend": 200,
         "discount": 20},
        {"id": "c-x-300-50", "name": "跨店每满300减50", "kind": "threshold",
         "stage": "cross_store", "scope": "pool", "select": {"tags": ["double11"]},
         "every": 300, "discount": 50, "cap": None},
        {"id": "c-order-ladder", "name": "平台满500减20/满1000减50/满2000减120",
         "kind": "threshold", "stage": "platform", "scope": "order", "funded_by": "platform",
         "ladder": [{"min_spend": 500, "discount": 20}, {"min_spend": 1000, "discount": 50},
                    {"min_spend": 2000, "discount": 120}]},
    ]


def extra_rules() -> list[dict[str, Any]]:
    """The two further rules of a campaign of 10 or more that can match a cart."""
    return [
        {"id": "e-s002-3pcs-95", "name": "满3件95折", "kind": "threshold", "stage": "shop",
         "scope": "shop", "select": {"shops": ["S002"]}, "min_qty": 3, "percent": 5},
        {"id": "e-crunch-1-off", "kind": "amount_off", "stage": "item",
         "select": {"shops": ["S001"], "brands": ["crunch"]}, "amount": 1, "priority": 5},
    ]


def filler_rule(j: int, seed: int = 11) -> dict[str, Any]:
    """Filler rule ``j``: of kind ``j % 10``, for a shop no cart touches or a SKU no cart holds."""
    rng = random.Random(seed * 100_003 + j)
    kind = j % 10
    n = 3 + j % (N_SHOPS - 3)
    shop, other = shop_code(n), shop_code(3 + (n - 2) % (N_SHOPS - 3))
    cat = OTHER_CATEGORIES[j % len(OTHER_CATEGORIES)]
    skus = [sku_code(shop, k) for k in rng.sample(range(100), rng.randint(1, 4))]
    rid = f"f{j:04d}"
    if kind == 0:
        return {"id": f"{rid}-pct", "kind": "percent_off", "stage": "item",
                "select": {"skus": skus}, "percent": rng.choice([5, 10, 12, 15, 20, 30])}
    if kind == 1:
        return {"id": f"{rid}-off", "kind": "amount_off", "stage": "item",
                "select": {"skus": skus}, "amount": f"{rng.randint(1, 30)}.00"}
    if kind == 2:
        return {"id": f"{rid}-special", "kind": "special_price", "stage": "item",
                "select": {"skus": skus[:1]}, "price": f"{rng.randint(9, 199)}.90",
                "window": ACTIVE}
    if kind == 3:
        return {"id": f"{rid}-multibuy", "kind": "multibuy", "stage": "item",
                "select": {"shops": [shop], "categories": [cat]}, "buy": 2, "get": 1,
                "percent_off": 100, "limit": rng.randint(1, 3)}
    if kind == 4:
        return {"id": f"{rid}-bundle", "kind": "bundle", "stage": "item",
                "select": {"shops": [shop], "categories": [cat]}, "size": rng.randint(2, 4),
                "price": rng.randint(49, 199)}
    if kind == 5:
        spend = rng.choice([99, 150, 199, 299])
        return {"id": f"{rid}-shop-single", "kind": "threshold", "stage": "shop",
                "scope": "shop", "select": {"shops": [shop]}, "min_spend": spend,
                "discount": spend // 10}
    if kind == 6:
        return {"id": f"{rid}-shop-ladder", "kind": "threshold", "stage": "shop",
                "scope": "shop", "select": {"shops": [shop]},
                "ladder": [{"min_spend": 100, "discount": 10}, {"min_spend": 200, "discount": 25},
                           {"min_spend": 400, "discount": 60}]}
    if kind == 7:
        return {"id": f"{rid}-pool-every", "kind": "threshold", "stage": "cross_store",
                "scope": "pool", "select": {"shops": [shop, other], "tags": ["double11"]},
                "every": 200, "discount": 15, "cap": 90}
    if kind == 8:
        return {"id": f"{rid}-order-qty", "kind": "threshold", "stage": "platform",
                "scope": "order", "select": {"shops": [shop]}, "funded_by": "platform",
                "ladder": [{"min_qty": 2, "percent": 5}, {"min_qty": 4, "percent": 10}]}
    # kind 9: a cart shop, but SKUs no cart holds (K60 .. K99); half of them out of their window
    cart_shop = CART_SHOPS[j % len(CART_SHOPS)]
    return {"id": f"{rid}-cartshop-sku", "kind": "percent_off", "stage": "item",
            "select": {"skus": [sku_code(cart_shop, CART_SKUS + k)
                                for k in rng.sample(range(100 - CART_SKUS), 2)]},
            "percent": 10, "window": EXPIRED if (j // 10) % 2 else ACTIVE}


def campaign_data(n_rules: int, seed: int = 11) -> dict[str, Any]:
    """The campaign of ``n_rules`` rules as plain data (what a YAML or JSON file would hold)."""
    if n_rules == REFERENCE_RULES:
        rules = reference_rules()
    elif n_rules == CORE_RULES:
        rules = core_rules()
    elif n_rules >= MAX_MATCHING:
        rules = core_rules() + extra_rules()
        rules += [filler_rule(j, seed) for j in range(n_rules - len(rules))]
    else:
        raise ValueError(f"no benchmark campaign of {n_rules} rules; use 5, 8 or >= 10")
    groups: dict[str, dict[str, str]] = {}
    for rule in rules:  # filler percent_off and amount_off pair up in exclusive groups
        if rule["id"].startswith("f") and rule["kind"] in ("percent_off", "amount_off") \
                and "window" not in rule:
            decade = int(rule["id"][1:5]) // 10
            name = f"g{decade:03d}"
            rule["exclusive"] = name
            groups[name] = {"pick": "best" if decade % 2 == 0 else "first"}
    return {
        "campaign": f"bench-{n_rules}",
        "name": f"双11 benchmark, {n_rules} rules",
        "currency": "CNY",
        "timezone": "Asia/Shanghai",
        "stages": STAGES,
        "threshold_base": "running",
        "exclusive_groups": groups,
        "rules": rules,
    }


def build_campaign(n_rules: int, seed: int = 11) -> promokit.Campaign:
    """The campaign of ``n_rules`` rules, validated (not yet compiled: ``.plan`` is lazy)."""
    return promokit.Campaign.from_dict(campaign_data(n_rules, seed))


# --- carts -----------------------------------------------------------------------------------

def cart_data(n_lines: int, seed: int = 2026) -> dict[str, Any]:
    """A cart of ``n_lines`` lines over the three cart shops, as its JSON form (money as text)."""
    if not 1 <= n_lines <= CART_SKUS * len(CART_SHOPS):
        raise ValueError(f"a benchmark cart has 1 .. {CART_SKUS * len(CART_SHOPS)} lines")
    rng = random.Random(seed * 1_000 + n_lines)
    per_shop = {s: rng.sample(range(CART_SKUS), CART_SKUS) for s in CART_SHOPS}
    lines = []
    for i in range(n_lines):
        shop = CART_SHOPS[i % len(CART_SHOPS)]
        k = per_shop[shop][i // len(CART_SHOPS)]
        category, brand = sku_goods(shop, k)
        tags = ["double11"] if rng.random() < 0.85 else []
        if rng.random() < 0.1:
            tags.append("new-arrival")
        fen = rng.randrange(500, 30_000)
        lines.append({
            "id": f"L{i + 1:03d}", "sku": sku_code(shop, k), "shop": shop,
            "unit_price": f"{fen // 100}.{fen % 100:02d}",
            "quantity": rng.choice((1, 1, 1, 2, 2, 3)),
            "category": category, "brand": brand, "tags": tags,
        })
    return {
        "currency": "CNY",
        "at": CART_AT,
        "customer": {"id": "u42", "tier": "gold", "tags": ["new"]},
        "lines": lines,
        "shipping": {"S002": "8.00"},
    }


def cart_json(n_lines: int, seed: int = 2026) -> str:
    """The cart as JSON text, as a shop backend would send it."""
    return json.dumps(cart_data(n_lines, seed), ensure_ascii=False)


def build_cart(n_lines: int, seed: int = 2026) -> promokit.Cart:
    """The cart as a validated :class:`promokit.Cart`."""
    return promokit.Cart.model_validate(cart_data(n_lines, seed))
