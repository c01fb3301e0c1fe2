"""A compiled campaign is shared between threads: concurrent pricing matches sequential."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import promokit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_threads_sharing_a_campaign_get_the_sequential_results() -> None:
    """Forty carts priced from eight threads (fresh campaign: its lazy compile and its line
    memo are raced too) equal the same carts priced one after another."""
    base = json.loads((EXAMPLES / "double11" / "cart.json").read_text("utf-8"))
    carts = []
    for k in range(40):
        cart = json.loads(json.dumps(base))
        cart["lines"][k % len(cart["lines"])]["quantity"] = 1 + k % 4
        carts.append(cart)
    path = EXAMPLES / "double11" / "campaign.yaml"
    expected = [promokit.load_campaign(path).price(c).to_dict() for c in carts]
    shared = promokit.load_campaign(path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda c: shared.price(c).to_dict(), carts))
    assert got == expected


def test_threads_searching_best_coupons_agree() -> None:
    """Best-coupon searches on one campaign from several threads agree with a lone search."""
    folder = EXAMPLES / "wallet"
    cart = promokit.load_cart(folder / "cart.json")
    alone = promokit.load_campaign(folder / "campaign.yaml").price(cart, best_coupons=True)
    shared = promokit.load_campaign(folder / "campaign.yaml")
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda _: shared.price(cart, best_coupons=True).to_dict(), range(8)))
    assert got == [alone.to_dict()] * 8
