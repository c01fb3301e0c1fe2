"""Stacking across stages: DOMAIN.md "The threshold base: parallel or sequential", pooling and
overflow, and independence from the order rules are listed in.
"""

from __future__ import annotations

from typing import Any

import pytest
from support import campaign, cny, line, price


def th(rid: str, stage: str, **fields: Any) -> dict[str, Any]:
    """A threshold rule."""
    return {"id": rid, "kind": "threshold", "stage": stage, **fields}


# --- sequential base (DOMAIN.md: older Tmall wording) -------------------------------------------

RED_PACKET = th("red5", "shop", scope="shop", min_spend=0, discount=5)   # 店铺红包 5.00
EVERY_200 = th("x200", "cross_store", scope="pool", every=200, discount=20)


def test_sequential_red_packet_then_every_200() -> None:
    """600 less a 5.00 red packet is 595, so every-200-save-20 gives 40, not 60 (DOMAIN.md)."""
    r = price(campaign(RED_PACKET, EVERY_200), line("a", "600.00"))
    # running base after the shop stage: 600 - 5 = 595; 595 // 200 = 2 -> 40; 595 - 40 = 555
    x = next(a for a in r.applied if a.rule == "x200")
    assert (x.base, x.times, x.amount) == (cny("595.00"), 2, cny("40.00"))
    assert r.payable == cny("555.00")
    assert [n.message for n in r.nudges] == ["add 5.00 more to save 20.00"]  # 600 - 595


@pytest.mark.parametrize("top", [{}, {"threshold_base": "running"}])
def test_running_is_the_default_base(top: dict[str, Any]) -> None:
    """Without a declared base (or with running) thresholds are judged sequentially."""
    assert price(campaign(RED_PACKET, EVERY_200, **top), line("a", "600.00")).payable == cny(
        "555.00")


@pytest.mark.parametrize(("rule_base", "top"), [("list", {}), ("item", {}),
                                                (None, {"threshold_base": "item"})])
def test_same_cart_on_an_earlier_base(rule_base: str | None, top: dict[str, Any]) -> None:
    """Judged on list price or after the item stage, 600 qualifies three times: 60 off."""
    rule = {**EVERY_200, "base": rule_base} if rule_base else EVERY_200
    r = price(campaign(RED_PACKET, rule, **top), line("a", "600.00"))
    # 600 // 200 = 3 -> 60; 600 - 5 - 60 = 535
    assert r.payable == cny("535.00")


# --- parallel base (DOMAIN.md: Taobao 2020 平行满减) ---------------------------------------------

COUPON_380 = th("c380", "shop", scope="shop", select={"shops": ["A"]}, min_spend=400,
                discount=380)                                            # 店铺券 400 - 380
EVERY_400 = th("x400", "cross_store", scope="pool", every=400, discount=50, base="item",
               funded_by="platform")                                     # 跨店每满400减50


def test_parallel_base_caps_at_what_is_left_and_loses_the_rest() -> None:
    """A 400 item with a 400-380 coupon still earns every-400-save-50, capped at the 20 left."""
    r = price(campaign(COUPON_380, EVERY_400), line("a", "400.00"))
    # base after item stage = 400 -> 1 x 50 wanted; line holds 400 - 380 = 20 -> 20 given, 30 lost
    x = next(a for a in r.applied if a.rule == "x400")
    assert (x.base, x.amount, x.lost) == (cny("400.00"), cny("20.00"), cny("30.00"))
    assert r.line("a").net == cny("0.00")
    assert r.payable == cny("0.00")
    shop = r.shops[0]
    assert (shop.merchant_funded, shop.platform_funded) == (cny("380.00"), cny("20.00"))


def test_same_cart_sequentially_misses_the_cross_store_threshold() -> None:
    """Judged on the running amount (20 left) the cross-store rule is 380.00 short."""
    r = price(campaign(COUPON_380, {**EVERY_400, "base": "running"}), line("a", "400.00"))
    (miss,) = r.not_applied
    assert (miss.rule, miss.reason, miss.shortfall) == ("x400", "below_threshold", cny("380.00"))
    assert r.payable == cny("20.00")


# --- pooling across shops -----------------------------------------------------------------------

EVERY_300 = th("x300", "cross_store", scope="pool", select={"tags": ["d11"]}, every=300,
               discount=50)


def test_pool_reaches_what_no_shop_reaches_alone() -> None:
    """250.00 in A and 150.00 in B pool to 400: one 50.00, 31.25 + 18.75; C is not in the pool."""
    r = price(campaign(EVERY_300), line("a", "250.00", shop="A", tags=["d11"]),
              line("b", "150.00", shop="B", tags=["d11"]), line("c", "500.00", shop="C"))
    # 400 // 300 = 1; 5000 x 250/400 = 3125, x 150/400 = 1875
    assert [ln.discount for ln in r.lines] == [cny("31.25"), cny("18.75"), cny("0.00")]
    assert r.payable == cny("850.00")  # 900.00 - 50.00
    assert [n.message for n in r.nudges] == ["add 200.00 more to save 50.00"]  # 600 - 400


def test_pool_after_shop_thresholds() -> None:
    """Shop A's 满200减20 runs first; the pool then sees 230 + 150 = 380 (one 50.00)."""
    shop_a = th("a200", "shop", scope="shop", select={"shops": ["A"]}, min_spend=200, discount=20)
    r = price(campaign(shop_a, EVERY_300), line("a", "250.00", shop="A", tags=["d11"]),
              line("b", "150.00", shop="B", tags=["d11"]))
    # pool weights 230 : 150 of 380: 5000 x 230/380 = 3026.3 -> 3026, x 150/380 = 1973.7 -> 1974
    assert r.line("a").net == cny("199.74")   # 250 - 20 - 30.26
    assert r.line("b").net == cny("130.26")   # 150 - 19.74
    assert r.payable == cny("330.00")         # 400 - 20 - 50


# --- overflow: lose (default) or spill ----------------------------------------------------------

TWO_SHOPS = (line("a", "400.00", shop="A"), line("b", "400.00", shop="B"))


def test_overflow_lose_is_the_default() -> None:
    """every-400-save-50 on base 800 wants 100: a holds only 20, so 30 is lost, b gets 50."""
    r = price(campaign(COUPON_380, EVERY_400), *TWO_SHOPS)
    # 10000 over 400 : 400 = 5000 + 5000; a's room 2000 -> 3000 lost
    assert (r.line("a").net, r.line("b").net) == (cny("0.00"), cny("350.00"))
    x = next(a for a in r.applied if a.rule == "x400")
    assert (x.amount, x.lost) == (cny("70.00"), cny("30.00"))
    assert r.payable == cny("350.00")


@pytest.mark.parametrize(("top", "rule"), [({"overflow": "spill"}, {}),
                                           ({}, {"overflow": "spill"})])
def test_overflow_spill_moves_the_excess(top: dict[str, Any], rule: dict[str, Any]) -> None:
    """With overflow spill (campaign or rule) the 30 a cannot take goes to b: 20 + 80."""
    r = price(campaign(COUPON_380, {**EVERY_400, **rule}, **top), *TWO_SHOPS)
    assert (r.line("a").net, r.line("b").net) == (cny("0.00"), cny("320.00"))  # 400 - 80
    x = next(a for a in r.applied if a.rule == "x400")
    assert (x.amount, x.lost) == (cny("100.00"), cny("0.00"))
    assert r.payable == cny("320.00")


def test_rule_lose_overrides_campaign_spill() -> None:
    """A rule's own overflow lose wins over the campaign's spill."""
    r = price(campaign(COUPON_380, {**EVERY_400, "overflow": "lose"}, overflow="spill"),
              *TWO_SHOPS)
    assert r.payable == cny("350.00")


def test_no_line_below_zero_across_stages() -> None:
    """Item 90% off, then a 50.00 shop threshold on a 100.00 line: the line stops at 0.00."""
    pct = {"id": "p90", "kind": "percent_off", "stage": "item", "percent": 90}
    r = price(campaign(pct, th("s", "shop", scope="shop", base="list", min_spend=100,
                               discount=50)), line("a", "100.00"))
    # 100 - 90 = 10 left; 50 wanted on the list base, 10 given, 40 lost
    assert r.line("a").net == cny("0.00")
    assert next(a for a in r.applied if a.rule == "s").lost == cny("40.00")


# --- listing order never matters ----------------------------------------------------------------

MIXED = [
    {"id": "tea-15", "kind": "percent_off", "stage": "item", "select": {"skus": ["A"]},
     "percent": 15},
    {"id": "half-2nd", "kind": "multibuy", "stage": "item", "select": {"shops": ["B"]},
     "buy": 1, "get": 1, "percent_off": 50},
    th("a-200", "shop", scope="shop", select={"shops": ["A"]}, min_spend=200, discount=20),
    th("b-100", "shop", scope="shop", select={"shops": ["B"]}, min_spend=100, discount=10),
    th("x-300", "cross_store", scope="pool", every=300, discount=50),
]
MIXED_CART = (line("a", "128.00", qty=2, shop="A"), line("b", "39.90", qty=3, shop="B"),
              line("c", "33.33", shop="C"))


def test_listing_order_does_not_change_the_result() -> None:
    """Reversing or rotating the rule list gives the same prices and explanations."""
    base = price(campaign(*MIXED), *MIXED_CART).to_dict()
    base.pop("fingerprint")  # see tests/_pending_bugs.py: the fingerprint follows the order
    for order in (MIXED[::-1], MIXED[2:] + MIXED[:2]):
        got = price(campaign(*order), *MIXED_CART).to_dict()
        got.pop("fingerprint")
        assert got == base
    # tea: 25600 x 15% = 3840 -> 217.60; snacks: 11970 - 1995 = 99.75; A 217.60 >= 200: -20
    # B 99.75 < 100: miss; pool 197.60 + 99.75 + 33.33 = 330.68 -> one 50.00
    assert base["payable"] == "280.68"  # 330.68 - 50.00
