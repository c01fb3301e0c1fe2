"""A seeded generator of synthetic Double 11 order logs, for examples, docs and benchmarks.

The same seed gives the same orders, byte for byte. What makes them look like a big sale:

- a catalog of six shops (tea, snacks, cups, beauty, electronics, apparel), prices drawn per
  category, and a skewed (Zipf) popularity, so a few SKUs sell most;
- customers with member tiers (silver, gold, diamond, or none);
- baskets of a few lines (``mean_lines`` on average), and 凑单: a share of baskets that end just
  under a 300/600/900 threshold get a cheap filler item that lifts them just over it;
- times through 11 November in Asia/Shanghai with a traffic peak at midnight and in the evening,
  in increasing order;
- optionally a platform coupon in some wallets (``coupons``, JSON Lines only).
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

#: What a unit costs each shop, in percent of its price (drawn from no random number, so adding
#: costs changed no generated order).
COST_PERCENT = {"A": 45, "B": 62, "C": 40, "D": 30, "E": 82, "F": 48}
SHOPS = {  # shop: (category, brand, lowest and highest price in yuan, SKUs)
    "A": ("tea", "west-lake", 30, 400, 30),
    "B": ("snack", "crunch", 5, 80, 40),
    "C": ("cup", "kiln", 20, 200, 25),
    "D": ("beauty", "bloom", 40, 600, 30),
    "E": ("digital", "volt", 60, 2000, 25),
    "F": ("apparel", "loom", 50, 500, 35),
}
#: Relative traffic of each hour of 11 November: the midnight rush, a lull, an evening peak.
HOURS = (30, 12, 5, 2, 1, 1, 1, 2, 4, 6, 7, 7, 8, 7, 6, 6, 6, 7, 8, 10, 14, 16, 18, 22)
TIERS = (("silver", 45), ("gold", 25), ("diamond", 8), (None, 22))
THRESHOLDS = (30000, 60000, 90000)  # 凑单 targets, in fen
START = datetime(2026, 11, 11, tzinfo=timezone(timedelta(hours=8)))


def _catalog(rng: random.Random) -> list[dict[str, Any]]:
    items = []
    for shop, (category, brand, low, high, count) in SHOPS.items():
        for i in range(count):
            # log-uniform prices, ending in .00 or .90 like real price tags
            yuan = int(low * (high / low) ** rng.random())
            fen = yuan * 100 + rng.choice((0, 0, 90, 80, 50))
            tags = ["double11"] if rng.random() < 0.85 else []
            items.append({"sku": f"{shop}-{i + 1:03d}", "shop": shop, "price": fen,
                          "category": category, "brand": brand, "tags": tags})
    rng.shuffle(items)
    return items


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def generate_carts(count: int, *, seed: int = 0, currency: str = "CNY", mean_lines: float = 4.0,
                   coupons: bool = False) -> Iterator[dict[str, Any]]:
    """``count`` synthetic carts in time order, each with ``order_id``, ``at`` and ``customer``."""
    rng = random.Random(seed)
    catalog = _catalog(rng)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(catalog))]
    cheap = [c for c in catalog if c["price"] <= 3000] or catalog
    customers = max(10, count // 3)
    total_weight = sum(HOURS)
    # per-hour quotas by the largest remainder, so the peak is there for any count
    quotas = [count * w // total_weight for w in HOURS]
    rest = sorted(range(24), key=lambda h: (-(count * HOURS[h] % total_weight), h))
    for h in rest[:count - sum(quotas)]:
        quotas[h] += 1
    number = 0
    for hour, quota in enumerate(quotas):
        seconds = sorted(rng.randrange(3600) for _ in range(quota)) if quota <= 50_000 else None
        for k in range(quota):
            second = seconds[k] if seconds is not None else k * 3600 // quota
            number += 1
            at = START + timedelta(hours=hour, seconds=second)
            yield _cart(rng, number, at, catalog, weights, cheap, customers, currency,
                        mean_lines, coupons)


def _cart(rng: random.Random, number: int, at: datetime, catalog: list[dict[str, Any]],
          weights: list[float], cheap: list[dict[str, Any]], customers: int, currency: str,
          mean_lines: float, coupons: bool) -> dict[str, Any]:
    size = 1 + min(15, int(rng.expovariate(1 / max(0.01, mean_lines - 1))))
    picks = rng.choices(catalog, weights=weights, k=size)
    lines = []
    for item in picks:
        qty = 1 if rng.random() < 0.8 else rng.randint(2, 3)
        lines.append((item, qty))
    subtotal = sum(item["price"] * qty for item, qty in lines)
    near = [t for t in THRESHOLDS if t * 8 // 10 <= subtotal < t]
    if near and rng.random() < 0.5:  # 凑单: top the basket up just over the threshold
        gap = near[0] - subtotal
        fits = [c for c in cheap if c["price"] >= gap] or [max(cheap, key=lambda c: c["price"])]
        lines.append((min(fits, key=lambda c: c["price"]), 1))
    tier = rng.choices([t for t, _ in TIERS], weights=[w for _, w in TIERS])[0]
    customer: dict[str, Any] = {"id": f"u{rng.randrange(customers) + 1:06d}"}
    if tier is not None:
        customer["tier"] = tier
    cart: dict[str, Any] = {
        "order_id": f"o{number:07d}", "currency": currency, "at": at.isoformat(),
        "customer": customer,
        "lines": [{"id": f"l{i + 1}", "sku": item["sku"], "shop": item["shop"],
                   "unit_price": _money(item["price"]), "quantity": qty,
                   "category": item["category"], "brand": item["brand"], "tags": item["tags"],
                   "unit_cost": _money(item["price"] * COST_PERCENT[item["shop"]] // 100)}
                  for i, (item, qty) in enumerate(lines)],
    }
    if coupons and rng.random() < 0.3:
        cart["wallet"] = [{"id": "plat-20", "kind": "platform", "value": "20.00",
                           "min_spend": "199.00", "name": "平台券 满199减20"}]
        cart["coupons"] = ["plat-20"]
    return cart


def write_orders(path: str | os.PathLike[str], count: int, *, seed: int = 0,
                 currency: str = "CNY", mean_lines: float = 4.0, coupons: bool = False) -> int:
    """Write ``count`` synthetic orders to ``path`` (``.jsonl`` carts or ``.csv`` order lines);
    returns the number of lines written."""
    file = os.fspath(path)
    carts = generate_carts(count, seed=seed, currency=currency, mean_lines=mean_lines,
                           coupons=coupons and not file.endswith(".csv"))
    written = 0
    with open(file, "w", encoding="utf-8", newline="") as out:
        if file.endswith(".csv"):
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(("order_id", "at", "customer_id", "tier", "sku", "shop", "unit_price",
                             "quantity", "category", "brand", "tags", "unit_cost"))
            for cart in carts:
                c = cart["customer"]
                for line in cart["lines"]:
                    writer.writerow((cart["order_id"], cart["at"], c["id"], c.get("tier", ""),
                                     line["sku"], line["shop"], line["unit_price"],
                                     line["quantity"], line["category"], line["brand"],
                                     "|".join(line["tags"]), line["unit_cost"]))
                    written += 1
        elif file.endswith((".jsonl", ".ndjson")):
            for cart in carts:
                out.write(json.dumps(cart, ensure_ascii=False, separators=(",", ":")) + "\n")
                written += 1
        else:
            raise ValueError(f"{file}: write .jsonl or .csv")
    return written
