"""Gift options: a choice of several gift SKUs (the cart picks one by carrying its line, else the
first declared is given), and a token price (the gift line at 0.01 instead of 0).

A cart that carries a gift line (at its reference value) has it brought down to the token price
by the gift rule, at most the gifts earned; the customer pays the token price per gift.
"""

from __future__ import annotations

from typing import Any

import pytest
from support import applied, campaign, cart, cny, line

from promokit import CampaignError
from promokit.testing import check_invariants

MUG = {"sku": "MUG", "name": "马克杯", "value": "39.90"}
BAG = {"sku": "BAG", "name": "帆布袋", "value": "29.90"}


def _rule(**more: Any) -> dict[str, Any]:
    return {"id": "g", "kind": "gift", "stage": "shop", "min_spend": 200,
            "choices": [MUG, BAG], **more}


def _tv(unit: str = "66.67", qty: int = 3) -> dict[str, Any]:
    return {"id": "tv", "sku": "TV", "shop": "S", "unit_price": unit, "quantity": qty}


def test_no_gift_line_the_first_declared_choice_is_given() -> None:
    """200.01 of TV reaches 满200; the cart carries no gift line: the mug (first declared) is
    given, nothing is charged for it."""
    r = campaign(_rule()).price(cart(_tv()))
    a = applied(r, "g")
    assert (a.amount, a.times, a.detail) == (cny("0"), 1,
                                             "gives 1 x 马克杯 (MUG, value 39.90)")
    assert r.payable == cny("200.01")
    check_invariants(r)


def test_the_cart_picks_the_bag_by_carrying_it_free() -> None:
    """The cart carries the bag at its value 29.90: the gift rule takes all of it off (token
    price 0); the TV's 200.01 alone qualifies (the bag does not count toward 满200)."""
    r = campaign(_rule()).price(cart(_tv(), line("bag", "29.90", sku="BAG")))
    a = applied(r, "g")
    assert a.detail == "gives 1 x 帆布袋 (BAG, value 29.90), 1 in the cart at 0.00 each"
    assert (a.amount, a.base) == (cny("29.90"), cny("200.01"))
    assert (r.line("bag").net, r.payable) == (cny("0.00"), cny("200.01"))
    check_invariants(r)


def test_token_price_on_two_of_three_carried_units() -> None:
    """Token price 0.01; 3 TVs reach every_qty 3 once, quantity 2: two gifts earned. The cart
    carries 3 mugs at 39.90 (they do not count as qualifying units). Two go down to 0.01 each:
    39.90 x 3 = 119.70; two units' share 119.70 x 2 / 3 = 79.80, minus 0.02 token = 79.78 off;
    the mug line nets 119.70 - 79.78 = 39.92 (one mug at 39.90 + two at 0.01)."""
    rule = {"id": "g", "kind": "gift", "stage": "shop", "every_qty": 3, "quantity": 2,
            "choices": [MUG, BAG], "price": "0.01"}
    r = campaign(rule).price(cart(_tv(), line("mug", "39.90", qty=3, sku="MUG")))
    a = applied(r, "g")
    assert (a.amount, a.times) == (cny("79.78"), 2)
    assert r.line("mug").net == cny("39.92")
    assert r.payable == cny("239.93")  # 200.01 + 39.92
    check_invariants(r)


def test_below_the_spend_the_carried_gift_is_paid_in_full() -> None:
    """198.99 of TV is 1.01 short: the bag the cart carries is not a gift, it costs 29.90."""
    r = campaign(_rule()).price(cart(_tv("66.33"), line("bag", "29.90", sku="BAG")))
    assert r.payable == cny("228.89")
    assert any(n.rule == "g" and n.shortfall == cny("1.01") for n in r.not_applied)


def test_a_carried_gift_does_not_count_toward_a_later_threshold() -> None:
    """满230减30 in a later stage, on the running amounts: TV 200.01 + bag at 0 after the gift
    = 200.01, below 230 (the bag's 29.90 value does not count)."""
    later = {"id": "t", "kind": "threshold", "stage": "platform", "min_spend": 230,
             "discount": 30}
    r = campaign(_rule(), later).price(cart(_tv(), line("bag", "29.90", sku="BAG")))
    assert r.payable == cny("200.01")
    assert any(n.rule == "t" for n in r.not_applied)


def test_described_with_the_choice_in_both_languages() -> None:
    """任选 / one of, and the token price."""
    from promokit.rules.gift import Gift
    spec = Gift.model_validate(_rule(price="0.01"))
    assert spec.describe("zh") == "满200赠（马克杯/帆布袋任选）1件（价值39.90元），赠品0.01元"
    assert spec.describe("en") == ("spend 200 and receive one of 马克杯 / 帆布袋 for 0.01 "
                                   "(worth up to 39.90)")


@pytest.mark.parametrize(("more", "says"), [
    ({"gift": MUG}, "exactly one of gift, choices"),
    ({"choices": [MUG, MUG]}, "repeat a gift sku"),
    ({"choices": []}, "at least one"),
    ({"price": "29.90"}, "not below the value"),
])
def test_bad_options_are_refused(more: dict[str, Any], says: str) -> None:
    """Both gift and choices, a repeated sku, no choice, a token price not below a value."""
    with pytest.raises(CampaignError, match=says):
        campaign(_rule(**more))


def test_returning_the_qualifying_items_with_a_carried_gift() -> None:
    """What a refund does with a carried gift line today (the two refund policies):

    TV 3 x 66.67 = 200.01 and the bag (29.90, gift: nets 0.00); pays 200.01.
    - ``allocated``, the TVs and the bag returned together: 200.01 + 0.00 = all that was paid.
    - ``reprice``, one TV returned and the bag kept: the rest (133.34) is below 满200, so the bag
      costs its 29.90 again; the refund is 200.01 - (133.34 + 29.90) = 36.77, i.e. the TV's
      66.67 less the gift's value 29.90: the gift's value is deducted from the refund.
    """
    import promokit
    c = campaign(_rule())
    r = c.price(cart(_tv(), line("bag", "29.90", sku="BAG")))
    whole = promokit.refund(r, {"tv": 3, "bag": 1})
    assert whole.amount == cny("200.01")
    one = promokit.refund(r, {"tv": 1}, policy="reprice", campaign=c)
    assert one.amount == cny("36.77")
