"""The yardstick: a hand-written special-case loop for one fixed 5-rule campaign.

It prices exactly the campaign of ``generate.reference_rules()``, hard-coded, in integer fen:

1. ``item``: 15% off tea of shop S000, rounded half up per line;
2. ``shop``: 满200减20 in S000, 满100减10 in S001, 满150减15 in S002, each judged on the shop's
   amounts after stage 1 and split over the shop's lines by largest remainder;
3. ``cross_store``: 每满300减50 over every ``double11`` line, judged after stage 2, split the
   same way (a larger remainder first, then a larger weight, then the smaller line id -- the
   engine's stated tie-break).

No reasons, no nudges, no ``Money``: the payable and every line's net, which is what the issue's
"~25 µs for 10 lines" figure is about. The smoke test checks it agrees with the engine to the fen,
so the engine is compared with a loop that computes the same numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import promokit

TEA_SHOP, TEA_CATEGORY, TEA_PERCENT = "S000", "tea", 15
SHOP_THRESHOLDS = {"S000": (20_000, 2_000), "S001": (10_000, 1_000), "S002": (15_000, 1_500)}
POOL_TAG, EVERY, EVERY_OFF = "double11", 30_000, 5_000

#: one line in integer form: (id, shop, category, unit price in fen, quantity, has the pool tag)
IntLine = tuple[str, str, str | None, int, int, bool]


class ReferenceResult(NamedTuple):
    """What the hand loop computes: the payable and each line's net, in fen."""

    payable: int
    nets: list[int]


def _split(total: int, idxs: list[int], weights: list[int], ids: list[str]) -> list[int]:
    """``total`` over ``weights`` by largest remainder (tie-break: weight, then line id)."""
    whole = sum(weights)
    shares = []
    rems = []
    for w in weights:
        q, r = divmod(total * w, whole)
        shares.append(q)
        rems.append(r)
    left = total - sum(shares)
    if left:
        order = sorted(range(len(idxs)), key=lambda k: (-rems[k], -weights[k], ids[k]))
        for k in order[:left]:
            shares[k] += 1
    return shares


def price_int_lines(lines: list[IntLine], shipping: int) -> ReferenceResult:
    """The three stages over lines already in integer form."""
    amounts = []
    for _id, shop, category, unit, qty, _tagged in lines:
        amount = unit * qty
        if shop == TEA_SHOP and category == TEA_CATEGORY:
            amount -= (amount * TEA_PERCENT + 50) // 100  # half up
        amounts.append(amount)

    by_shop: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        by_shop.setdefault(line[1], []).append(i)
    start = amounts[:]  # the shop stage judges and splits on the amounts it started with
    for shop, idxs in by_shop.items():
        rule = SHOP_THRESHOLDS.get(shop)
        if rule is None:
            continue
        weights = [start[i] for i in idxs]
        if sum(weights) < rule[0]:
            continue
        shares = _split(rule[1], idxs, weights, [lines[i][0] for i in idxs])
        for i, share in zip(idxs, shares, strict=True):
            amounts[i] -= share

    pool = [i for i, line in enumerate(lines) if line[5]]
    weights = [amounts[i] for i in pool]
    times = sum(weights) // EVERY
    if times:
        shares = _split(times * EVERY_OFF, pool, weights, [lines[i][0] for i in pool])
        for i, share in zip(pool, shares, strict=True):
            amounts[i] -= share
    return ReferenceResult(sum(amounts) + shipping, amounts)


def int_lines(cart: promokit.Cart) -> tuple[list[IntLine], int]:
    """A validated cart in the loop's integer form, and its shipping in fen."""
    lines = [(ln.id, ln.shop, ln.category, int(ln.unit_price.scaleb(2)), ln.quantity,
              POOL_TAG in ln.tags) for ln in cart.lines]
    return lines, sum(int(fee.scaleb(2)) for fee in cart.shipping.values())


def price_cart(cart: promokit.Cart) -> ReferenceResult:
    """The hand loop on a validated cart: the same input as ``campaign.price(cart)``."""
    lines, shipping = int_lines(cart)
    return price_int_lines(lines, shipping)
