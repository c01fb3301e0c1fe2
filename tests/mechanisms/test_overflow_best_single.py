"""``overflow: best_single``: a combination of discounts that would take more off than the lines
allow is not given; the single discount that saves most is kept and every other member of the
combination is reported as not applied with reason ``overflow``.

DOMAIN.md ("The threshold base"): a 400 item with a "400 - 380" shop offer still qualifies for
"every 400 save 50" cross-store on a parallel base. With ``lose`` the second discount is capped at
the 20 left (the item costs 0); one platform instead drops the combination and keeps the best
single discount: 380 alone, the item costs 20.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import PROPS

from promokit.rules import Reason

from ._support import applied, campaign, cart, cny, core, line, missed, taken

STAGES = ["item", "shop", "cross_store"]
SHOP_380 = {"id": "shop380", "kind": "threshold", "stage": "shop", "scope": "shop",
            "min_spend": 400, "discount": 380}
CROSS_50 = {"id": "cross50", "kind": "threshold", "stage": "cross_store", "every": 400,
            "discount": 50, "base": "list"}


def _domain(overflow: str, *rules: dict[str, Any]) -> Any:
    return core(campaign(*(rules or (SHOP_380, CROSS_50)), stages=STAGES,
                         overflow=overflow).price(cart(line("a", "400.00"))))


def test_lose_caps_the_second_discount_at_what_is_left() -> None:
    """DOMAIN.md with the default policy: 380 + 20 (30 lost), the item costs 0.00."""
    r = _domain("lose")
    assert r.payable == cny("0.00")
    assert applied(r, "cross50").amount == cny("20.00")
    assert applied(r, "cross50").lost == cny("30.00")


def test_best_single_keeps_the_larger_discount_alone() -> None:
    """DOMAIN.md's platform policy: 380 + 50 = 430 > 400, so only the 380 is given: pays 20.00.
    The dropped cross-store discount says why and which discount was kept."""
    r = _domain("best_single")
    assert r.payable == cny("20.00")
    assert applied(r, "shop380").amount == cny("380.00")
    why = missed(r, "cross50")
    assert why.reason == Reason.OVERFLOW
    assert why.by == "shop380"
    assert "best single" in why.message
    assert all(a.rule != "cross50" for a in r.applied)


def test_best_single_keeps_the_later_discount_when_it_saves_more() -> None:
    """A 400 item: an item-stage 10% off (40.00) then a list-base 满400减390. 40 + 390 > 400:
    the threshold alone (390.00) beats 40.00, so the percent is dropped: pays 10.00."""
    ten = {"id": "ten", "kind": "percent_off", "stage": "item", "percent": 10}
    big = {"id": "big", "kind": "threshold", "stage": "shop", "min_spend": 400,
           "discount": 390, "base": "list"}
    r = _domain("best_single", ten, big)
    assert r.payable == cny("10.00")
    assert missed(r, "ten").reason == Reason.OVERFLOW
    assert missed(r, "ten").by == "big"
    assert taken(r, "a") == {"big": cny("390.00")}


def test_uneven_split_after_the_drop() -> None:
    """Lines 100.00 and 233.33 (333.33): 10% off takes 10.00 + 23.33; then a list-base 满300减310
    wants 310.00 but only 300.00 is left, so the combination overflows. 310.00 > 33.33: the
    percent is dropped and 310.00 is split by list price in fen, largest remainder:
    31000 x 10000/33333 = 9300.09 -> 9300; 31000 x 23333/33333 = 21699.90 -> 21699; the odd fen
    goes to b (.90): a 93.00, b 217.00. Nets 7.00 and 16.33; pays 23.33."""
    ten = {"id": "ten", "kind": "percent_off", "stage": "item", "percent": 10}
    big = {"id": "big", "kind": "threshold", "stage": "shop", "min_spend": 300,
           "discount": 310, "base": "list"}
    r = core(campaign(ten, big, stages=STAGES, overflow="best_single").price(
        cart(line("a", "100.00"), line("b", "233.33"))))
    assert [r.line(k).discount for k in "ab"] == [cny("93.00"), cny("217.00")]
    assert [r.line(k).net for k in "ab"] == [cny("7.00"), cny("16.33")]
    assert r.payable == cny("23.33")
    assert missed(r, "ten").reason == Reason.OVERFLOW


def test_rule_level_policy_overrides_the_campaign() -> None:
    """The campaign loses overflow but the cross-store rule asks for best_single (and the other
    way round): the rule's own policy decides for the discount that overflows."""
    r = _domain("lose", SHOP_380, {**CROSS_50, "overflow": "best_single"})
    assert r.payable == cny("20.00")
    assert missed(r, "cross50").reason == Reason.OVERFLOW
    r = _domain("best_single", SHOP_380, {**CROSS_50, "overflow": "lose"})
    assert r.payable == cny("0.00")
    assert applied(r, "cross50").lost == cny("30.00")


def test_no_combination_no_drop() -> None:
    """Under best_single, discounts that fit together are all given: 400.00 - 40.00 (10%) -
    50.00 (every 400 on list) = 310.00."""
    ten = {"id": "ten", "kind": "percent_off", "stage": "item", "percent": 10}
    r = _domain("best_single", ten, CROSS_50)
    assert r.payable == cny("310.00")
    assert not r.not_applied


def test_a_discount_alone_over_the_price_is_only_capped() -> None:
    """满400减450 on the 400 line with nothing else: no combination, so nothing is dropped; the
    discount is capped at the 400.00 there is (as with lose), 50.00 lost."""
    big = {"id": "big", "kind": "threshold", "stage": "shop", "min_spend": 400,
           "discount": 450}
    r = _domain("best_single", big)
    assert r.payable == cny("0.00")
    assert applied(r, "big").lost == cny("50.00")


def test_rule_order_does_not_matter() -> None:
    """Three discounts on the 400 item (10% = 40, list-base 380, list-base 50): 40 + 380 leave
    20 for the 50, so the three overflow together; the best single (380) is kept, the other two
    dropped: pays 20.00. Listed the other way round, the same result."""
    ten = {"id": "ten", "kind": "percent_off", "stage": "item", "percent": 10}
    shop = {**SHOP_380, "base": "list"}
    one = _domain("best_single", ten, shop, CROSS_50)
    two = _domain("best_single", CROSS_50, shop, ten)
    assert one.payable == cny("20.00")
    assert {n.rule: n.reason for n in one.not_applied} == {"ten": Reason.OVERFLOW,
                                                          "cross50": Reason.OVERFLOW}
    assert (one.applied, one.not_applied, one.lines) == (two.applied, two.not_applied, two.lines)


def test_explained_in_both_languages() -> None:
    """The dropped discount's reason reads in zh and en, naming the discount kept."""
    r = _domain("best_single")
    en, zh = r.explain("en"), r.explain("zh")
    assert "best single discount" in en
    assert "优惠更多" in zh


@pytest.mark.parametrize("overflow", ["lose", "spill", "best_single"])
def test_policy_is_accepted_at_both_levels(overflow: str) -> None:
    """Each policy validates at campaign and at rule level."""
    c = campaign({**CROSS_50, "overflow": overflow}, stages=STAGES, overflow=overflow)
    assert c.spec.overflow == overflow


@PROPS
@given(st.lists(st.integers(1, 90000), min_size=1, max_size=4),
       st.integers(1, 50000), st.integers(1, 99))
def test_best_single_never_pays_less_than_lose(units: list[int], off: int, pct: int) -> None:
    """Dropping a combination only ever takes discounts away: under best_single the payable is
    at least the payable under lose, and the invariants hold."""
    lines = [line(f"l{n}", f"{u // 100}.{u % 100:02d}") for n, u in enumerate(units)]
    rules = ({"id": "pct", "kind": "percent_off", "stage": "item", "percent": pct},
             {"id": "cut", "kind": "threshold", "stage": "shop", "min_spend": 0,
              "discount": f"{off // 100}.{off % 100:02d}", "base": "list"})
    got = {o: core(campaign(*rules, stages=STAGES, overflow=o).price(cart(*lines)))
           for o in ("lose", "best_single")}
    assert got["best_single"].payable >= got["lose"].payable


def test_best_coupons_under_best_single_price_every_combination_whole() -> None:
    """Best-coupon mode must score a combination as the whole run prices it. A 100.00 line with
    60% off (60.00) and one shop coupon of 50.00 or 30.00: with the 50.00, 60 + 50 > 100, so
    best_single keeps the 60.00 alone and drops the coupon (pays 40.00); the 30.00 fits (pays
    10.00). A stage-by-stage search chose the 50.00 and charged 40.00."""
    c = campaign({"id": "pct", "kind": "percent_off", "stage": "item", "percent": 60},
                 overflow="best_single", coupon_policy={"kinds": {"shop": {"stage": "shop"}}})
    data = {"currency": "CNY", "at": "2026-11-11T10:00:00+08:00", "customer": {"id": "u1"},
            "lines": [{"id": "a", "sku": "A", "shop": "A", "unit_price": "100.00",
                       "quantity": 1}],
            "wallet": [{"id": "big", "kind": "shop", "shop": "A", "value": "50.00"},
                       {"id": "small", "kind": "shop", "shop": "A", "value": "30.00"}]}
    assert c.price({**data, "coupons": ["big"]}).payable == cny("40.00")
    assert c.price({**data, "coupons": ["small"]}).payable == cny("10.00")
    best = c.price(data, best_coupons=True)
    assert best.payable == cny("10.00")
    assert [u.id for u in best.coupons if u.applied] == ["small"]
