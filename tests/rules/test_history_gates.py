"""Customer-history gates: 新用户首单立减10元, 老客专属折扣(历史消费满额解锁), order-count ranges.

The cart's customer carries ``orders`` (earlier orders) and ``past_spend``; a rule's ``customers``
asks ``first_order``, ``min_orders``, ``max_orders``, ``min_past_spend``. A spend condition is
inclusive (DOMAIN.md, "Gifts, Nth-item discounts, caps and limits": "满99" qualifies at 99.00), and
a rule that does not apply leaves the normal price (DOMAIN.md, "Limits and budgets"). Numbers
hand-checked in the docstrings.
"""

from __future__ import annotations

from typing import Any

import pytest
from support import applied, campaign, cart, cny, line, missed

import promokit
from promokit import CampaignError, Reason
from promokit.explain import explain
from promokit.testing import check_invariants

NEW_10 = {"id": "new-user-10", "name": "新用户首单立减10元", "kind": "threshold",
          "stage": "shop", "scope": "order", "min_spend": "0.01", "discount": 10,
          "customers": {"first_order": True}}
LOYAL_95 = {"id": "loyal-95", "name": "老客专属折扣", "kind": "percent_off", "stage": "item",
            "percent": 5, "customers": {"min_past_spend": 1000}}


@pytest.fixture(scope="module")
def history() -> promokit.Campaign:
    """The docs' customer-history example."""
    return campaign(LOYAL_95, NEW_10, stages=["item", "shop"])


def priced(c: promokit.Campaign, customer: dict[str, Any]) -> promokit.PriceResult:
    """33.33 x 1 + 66.67 x 2 = 166.67 for ``customer``."""
    r = c.price(cart(line("a", "33.33"), line("b", "66.67", 2), customer=customer))
    check_invariants(r)
    return r


def test_first_order_gets_ten_off(history: promokit.Campaign) -> None:
    """orders 0: 10.00 over 33.33 : 133.34 -> 10 x 3333/16667 = 1.9998 -> 2.00 and 8.0002 ->
    8.00; 166.67 - 10.00 = 156.67. No past spend given but no earlier order: spent 0, 1000
    short."""
    r = priced(history, {"orders": 0})
    new = applied(r, "new-user-10")
    assert (new.amount, dict(new.allocations)) == (cny("10.00"), {"a": cny("2.00"),
                                                                  "b": cny("8.00")})
    assert r.total == cny("156.67")
    loyal = missed(r, "loyal-95")
    assert loyal.reason == Reason.BELOW_PAST_SPEND == "below_past_spend"
    assert "1000 short" in loyal.message


def test_returning_customer_is_not_a_first_order(history: promokit.Campaign) -> None:
    """orders 2, past spend 999.99: 0.01 short of 1000; neither applies, 166.67 to pay."""
    r = priced(history, {"orders": 2, "past_spend": "999.99"})
    assert missed(r, "new-user-10").reason == Reason.NOT_FIRST_ORDER
    assert "0.01 short" in missed(r, "loyal-95").message
    assert r.total == cny("166.67")


def test_past_spend_at_the_threshold_unlocks(history: promokit.Campaign) -> None:
    """past spend exactly 1000.00 qualifies (inclusive). 5% of 33.33 = 1.6665 -> 1.67, of 133.34
    = 6.667 -> 6.67 (half up, per line): 8.34 off, 158.33 to pay."""
    r = priced(history, {"orders": 5, "past_spend": "1000.00"})
    loyal = applied(r, "loyal-95")
    assert (loyal.amount, dict(loyal.allocations)) == (cny("8.34"), {"a": cny("1.67"),
                                                                     "b": cny("6.67")})
    assert r.total == cny("158.33")
    assert missed(r, "new-user-10").reason == Reason.NOT_FIRST_ORDER


def test_unknown_history_gives_nothing(history: promokit.Campaign) -> None:
    """A cart that does not say: both rules report history_unknown; the normal price."""
    r = priced(history, {})
    assert {n.rule: n.reason for n in r.not_applied} == {
        "new-user-10": Reason.HISTORY_UNKNOWN, "loyal-95": Reason.HISTORY_UNKNOWN}
    assert r.total == cny("166.67")


@pytest.mark.parametrize(("orders", "reason"), [
    (0, Reason.TOO_FEW_ORDERS), (1, Reason.TOO_FEW_ORDERS), (2, None), (4, None),
    (5, Reason.TOO_MANY_ORDERS)])
def test_order_count_range(orders: int, reason: Reason | None) -> None:
    """min_orders 2, max_orders 4 (both inclusive): 10% of 50.00 = 5.00 inside the range."""
    c = campaign({"id": "p", "kind": "percent_off", "stage": "item", "percent": 10,
                  "customers": {"min_orders": 2, "max_orders": 4}})
    r = c.price(cart(line("a", "50.00"), customer={"orders": orders}))
    check_invariants(r)
    if reason is None:
        assert (applied(r, "p").amount, r.total) == (cny("5.00"), cny("45.00"))
    else:
        assert (missed(r, "p").reason, r.total) == (reason, cny("50.00"))


def test_first_order_false_means_returning_customers() -> None:
    """first_order: false opens for a customer with at least one earlier order."""
    c = campaign({"id": "p", "kind": "percent_off", "stage": "item", "percent": 10,
                  "customers": {"first_order": False}})
    assert missed(c.price(cart(line("a", "50.00"), customer={"orders": 0})), "p").reason \
        == Reason.TOO_FEW_ORDERS
    assert c.price(cart(line("a", "50.00"), customer={"orders": 1})).total == cny("45.00")


def test_history_with_tier_both_must_hold() -> None:
    """A gold-only first-order rule: a silver first order gets tier_not_eligible."""
    c = campaign({"id": "p", "kind": "percent_off", "stage": "item", "percent": 10,
                  "customers": {"tiers": ["gold"], "first_order": True}})
    r = c.price(cart(line("a", "50.00"), customer={"tier": "silver", "orders": 0}))
    assert missed(r, "p").reason == Reason.TIER_NOT_ELIGIBLE
    r = c.price(cart(line("a", "50.00"), customer={"tier": "gold", "orders": 0}))
    assert r.total == cny("45.00")


@pytest.mark.parametrize("who", [{"first_order": True, "min_orders": 1},
                                 {"min_orders": 3, "max_orders": 2},
                                 {"first_order": False, "max_orders": 0}])
def test_a_range_no_customer_is_in_is_refused(who: dict[str, Any]) -> None:
    with pytest.raises(CampaignError, match="no customer has at least"):
        campaign({"id": "p", "kind": "percent_off", "stage": "item", "percent": 10,
                  "customers": who})


def test_negative_orders_refused(history: promokit.Campaign) -> None:
    with pytest.raises(promokit.CartError, match="orders"):
        history.price(cart(line("a", "1.00"), customer={"orders": -1}))


def test_explained_in_both_languages(history: promokit.Campaign) -> None:
    """The reasons are phrased from the rule's condition, in zh and en."""
    r = priced(history, {"orders": 2, "past_spend": "999.99"})
    zh = explain(r, history, lang="zh", fmt="text")
    assert "仅限新用户首单，当前顾客已有下单记录" in zh
    assert "仅限历史消费满¥1,000.00的顾客" in zh
    en = explain(r, history, lang="en", fmt="text")
    assert "first order" in en and "1,000.00" in en
