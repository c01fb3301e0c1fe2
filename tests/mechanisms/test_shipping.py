"""Shipping (DOMAIN.md "Mechanisms and their usual order", stage 8): per shop; never counted in
any threshold, never reduced by item discounts; 满99包邮, free-shipping perks and shipping coupons
act on it."""

from __future__ import annotations

from typing import Any

import pytest

from promokit.rules import Reason

from ._support import ZERO, applied, campaign, cart, cny, core, coupon, line, missed

STAGES = ["item", "shop", "cross_store", "shipping"]
TEN_OFF = {"id": "ten", "kind": "percent_off", "stage": "item", "percent": 10}
FEES = {"A": "8.00", "B": "12.00", "C": "6.00"}


def ship99(base: str | None = None, **more: Any) -> dict[str, Any]:
    """满99包邮, per shop, at the shipping stage, on a declared base."""
    return {"id": "ship99", "kind": "free_shipping", "stage": "shipping", "min_spend": 99,
            **({"base": base} if base else {}), **more}


def three_shops() -> dict[str, Any]:
    """A 100, B 110, C 50, with fees A 8, B 12, C 6 (26 in all)."""
    return cart(line("a", "100.00"), line("b", "110.00", shop="B"),
                line("c", "50.00", shop="C"), shipping=FEES)


def test_fees_are_per_shop() -> None:
    """No shipping rule: each shop pays its own fee; 260 + 26 = 286."""
    r = core(campaign(stages=STAGES).price(three_shops()))
    assert {s.shop: s.shipping for s in r.shops} == {"A": cny("8"), "B": cny("12"),
                                                     "C": cny("6")}
    assert {s.shop: s.payable for s in r.shops} == {"A": cny("108"), "B": cny("122"),
                                                    "C": cny("56")}
    assert (r.shipping_fee_total, r.shipping_total, r.total) == (cny("26"), cny("26"),
                                                                 cny("286"))


def test_free_shipping_over_99_per_shop_on_the_item_base() -> None:
    """After 10% off: A 90, B 99, C 45. Judged per shop on base 'item': only B (99 >= 99) ships
    free; A is 9.00 short of saving its 8.00 fee; C 54.00 short of its 6.00."""
    r = core(campaign(TEN_OFF, ship99("item"), stages=STAGES).price(three_shops()))
    b = applied(r, "ship99")
    assert (b.shop, b.base, b.amount, b.shipping) == ("B", cny("99"), cny("12"),
                                                      (("B", cny("12")),))
    short = {n.shop: (n.shortfall, n.would_save) for n in r.not_applied if n.rule == "ship99"}
    assert short == {"A": (cny("9"), cny("8")), "C": (cny("54"), cny("6"))}
    # goods 234 + shipping 8 + 6 = 248
    assert (r.shipping_total, r.total) == (cny("14"), cny("248"))


def test_free_shipping_base_is_declared() -> None:
    """The same rule on base 'list' (A 100, B 110, C 50): A and B ship free; 234 + 6 = 240."""
    r = core(campaign(TEN_OFF, ship99("list"), stages=STAGES).price(three_shops()))
    assert sorted(a.shop for a in r.applied if a.rule == "ship99") == ["A", "B"]
    assert (r.shipping_total, r.total) == (cny("6"), cny("240"))


def test_max_waived_caps_the_free_shipping() -> None:
    """包邮 up to 5.00: A 8 -> 3, B 12 -> 7, C 6 -> 1 with no minimum; 260 + 11 = 271."""
    rule = {"id": "five", "kind": "free_shipping", "stage": "shipping", "max_waived": 5}
    r = core(campaign(rule, stages=STAGES).price(three_shops()))
    assert {s.shop: s.shipping for s in r.shops} == {"A": cny("3"), "B": cny("7"),
                                                     "C": cny("1")}
    assert r.total == cny("271")


def test_tier_free_shipping() -> None:
    """Diamond's perk waives every shop's fee at the campaign's shipping_stage; gold pays 26."""
    tiers = {"levels": [{"name": "gold", "rank": 1},
                        {"name": "diamond", "rank": 2, "perks": {"free_shipping": True}}]}
    c = campaign(stages=STAGES, tiers=tiers, shipping_stage="shipping")
    diamond = core(c.price({**three_shops(), "customer": {"tier": "diamond"}}))
    assert (diamond.shipping_fee_total, diamond.shipping_total, diamond.payable) == (
        cny("26"), ZERO, cny("260"))
    waived = applied_all(diamond, "tier-diamond-free-shipping")
    assert {s: m for a in waived for s, m in a.shipping} == {"A": cny("8"), "B": cny("12"),
                                                             "C": cny("6")}
    gold = core(c.price({**three_shops(), "customer": {"tier": "gold"}}))
    assert gold.payable == cny("286")
    assert missed(gold, "tier-diamond-free-shipping").reason == Reason.TIER_NOT_ELIGIBLE


def applied_all(result: Any, rule: str) -> list[Any]:
    """Every applied record of a per-shop rule."""
    return [a for a in result.applied if a.rule == rule]


SHIP_POLICY = {"kinds": {"shipping": {"stage": "shipping", "per": "shop"}}}


def test_shipping_coupons_take_off_one_shops_fee() -> None:
    """运费券: B 5 off 12 -> 7; C 10 off a 6 fee -> 0 (capped at the fee, 4 not given); a coupon
    for a shop without a fee in the cart is not used."""
    wallet = [{"id": "sB", "kind": "shipping", "shop": "B", "value": "5"},
              {"id": "sC", "kind": "shipping", "shop": "C", "value": "10"},
              {"id": "sD", "kind": "shipping", "shop": "D", "value": "3"}]
    c = campaign(stages=STAGES, coupon_policy=SHIP_POLICY)
    r = core(c.price({**three_shops(), "wallet": wallet, "coupons": ["sB", "sC", "sD"]}))
    assert (coupon(r, "sB").amount, coupon(r, "sC").amount) == (cny("5"), cny("6"))
    assert coupon(r, "sD").reason == "no_eligible_lines"
    assert {s.shop: s.shipping for s in r.shops} == {"A": cny("8"), "B": cny("7"), "C": ZERO}
    assert r.total == cny("275")   # 260 + 8 + 7 + 0
    # a shipping coupon is a merchant-funded shipping discount of its shop
    b = next(s for s in r.shops if s.shop == "B")
    assert (b.shipping_discount, b.merchant_funded) == (cny("5"), cny("5"))


def test_shipping_coupon_threshold_is_on_goods() -> None:
    """A B shipping coupon 'min 120': B has 110 of goods (its 12.00 fee does not count)."""
    wallet = [{"id": "sB", "kind": "shipping", "shop": "B", "value": "5", "min_spend": "120"}]
    c = campaign(stages=STAGES, coupon_policy=SHIP_POLICY)
    r = core(c.price({**three_shops(), "wallet": wallet, "coupons": ["sB"]}))
    use = coupon(r, "sB")
    assert (use.applied, use.reason) == (False, "below_threshold")
    assert "add 10.00 more" in use.message
    assert r.total == cny("286")


@pytest.mark.parametrize("scope", ["shop", "pool", "order"])
def test_shipping_never_counts_toward_a_goods_threshold(scope: str) -> None:
    """95 of goods + 10 shipping = 105 is still 5 short of 满100减10, in every scope."""
    rule = {"id": "m100", "kind": "threshold", "stage": "shop", "scope": scope,
            "min_spend": 100, "discount": 10}
    r = core(campaign(rule, stages=STAGES).price(cart(line("a", "95.00"),
                                                     shipping={"A": "10.00"})))
    assert missed(r, "m100").shortfall == cny("5")
    assert r.payable == cny("105")


def test_goods_discounts_never_reduce_shipping() -> None:
    """100% off the goods and a 50 order discount that may spill: goods 0, shipping still 8."""
    rules = ({"id": "all", "kind": "percent_off", "stage": "item", "percent": 100},
             {"id": "big", "kind": "threshold", "stage": "shop", "scope": "order",
              "min_spend": 0, "discount": 50, "overflow": "spill"})
    r = core(campaign(*rules, stages=STAGES).price(cart(line("a", "10.00"),
                                                       shipping={"A": "8.00"})))
    assert (r.line("a").net, r.shipping_total, r.total, r.payable) == (
        ZERO, cny("8"), cny("8"), cny("8"))
    assert missed(r, "big").reason == Reason.NOTHING_LEFT


def test_no_fee_for_a_shop_with_no_lines() -> None:
    """Issue #11: the cart gives shop D a 9.99 fee but has no D lines: D is not charged and not
    listed; 260 + 26 = 286 as without it."""
    r = core(campaign(stages=STAGES).price({**three_shops(),
                                            "shipping": {**FEES, "D": "9.99"}}))
    assert [s.shop for s in r.shops] == ["A", "B", "C"]
    assert (r.shipping_fee_total, r.total) == (cny("26"), cny("286"))
