"""Percent off shipping, with a cap (运费5折，最高减5): a free_shipping rule's ``percent`` and a
shipping coupon's ``percent`` with ``max_discount``. Fees per shop as in test_shipping.py; the
percent of a fee is rounded with the campaign's rounding (half up by default), then capped."""

from __future__ import annotations

from typing import Any

import pytest

from promokit import CartError

from ._support import ZERO, campaign, cart, cny, core, coupon, line

STAGES = ["item", "shop", "shipping"]
POLICY = {"kinds": {"shipping": {"stage": "shipping", "per": "shop"}}}


def _half(**more: Any) -> dict[str, Any]:
    return {"id": "half", "kind": "free_shipping", "stage": "shipping", "percent": 50, **more}


def _two_shops(fa: str, fb: str) -> dict[str, Any]:
    return cart(line("a", "100.00"), line("b", "50.00", shop="B"), shipping={"A": fa, "B": fb})


def test_half_off_an_uneven_fee_rounds_half_up() -> None:
    """A 8.75 fee: 50% is 4.375, half up 4.38 waived, 4.37 paid; B 12.00: 6.00 off, 6.00 paid.
    Total 150.00 + 4.37 + 6.00 = 160.37."""
    r = core(campaign(_half(), stages=STAGES).price(_two_shops("8.75", "12.00")))
    assert {s.shop: s.shipping for s in r.shops} == {"A": cny("4.37"), "B": cny("6.00")}
    assert r.total == cny("160.37")


def test_half_even_rounding_is_the_campaigns() -> None:
    """The same 8.75 fee under half_even: 4.375 -> 4.38 (8 is even); 8.85 -> 4.425 -> 4.42."""
    r = core(campaign(_half(), stages=STAGES, rounding="half_even").price(
        _two_shops("8.75", "8.85")))
    assert {s.shop: s.shipping_discount for s in r.shops} == {"A": cny("4.38"),
                                                              "B": cny("4.42")}


def test_percent_capped_per_shop() -> None:
    """运费5折 最高减5: 8.75 -> 4.38 (under the cap); 12.00 -> 6.00 capped at 5.00, pays 7.00."""
    r = core(campaign(_half(max_waived=5), stages=STAGES).price(_two_shops("8.75", "12.00")))
    assert {s.shop: s.shipping_discount for s in r.shops} == {"A": cny("4.38"),
                                                              "B": cny("5.00")}
    assert {s.shop: s.shipping for s in r.shops} == {"A": cny("4.37"), "B": cny("7.00")}


def test_percent_with_a_minimum_spend() -> None:
    """满99运费5折: shop A's 100.00 reaches 99, shop B's 50.00 does not (49.00 short)."""
    r = core(campaign(_half(min_spend=99), stages=STAGES).price(_two_shops("8.00", "8.00")))
    assert {s.shop: s.shipping for s in r.shops} == {"A": cny("4.00"), "B": cny("8.00")}
    assert any(n.rule == "half" and n.shortfall == cny("49.00") for n in r.not_applied)


def test_percent_shipping_coupon_with_a_cap() -> None:
    """A shipping coupon 50% off, at most 5.00: B's fee 12.00 -> 6.00 capped at 5.00; a second
    one for A on 8.75 -> 4.38. A value coupon still waives up to its value."""
    wallet = [{"id": "pB", "kind": "shipping", "shop": "B", "percent": 50, "max_discount": "5"},
              {"id": "pA", "kind": "shipping", "shop": "A", "percent": 50}]
    c = campaign(stages=STAGES, coupon_policy=POLICY)
    r = core(c.price({**_two_shops("8.75", "12.00"), "wallet": wallet,
                      "coupons": ["pB", "pA"]}))
    assert (coupon(r, "pA").amount, coupon(r, "pB").amount) == (cny("4.38"), cny("5.00"))
    assert r.total == cny("161.37")  # 150.00 + 4.37 + 7.00


def test_percent_off_shipping_described_in_both_languages() -> None:
    """The rule page sentence: 运费5折（最高减运费5） / 50% off shipping (up to 5 off the fee)."""
    from promokit.rules.shipping import FreeShipping
    spec = FreeShipping.model_validate(_half(max_waived=5, min_spend=99))
    assert spec.describe("zh") == "店铺满99运费5折（最高减运费5）"
    assert spec.describe("en") == "50% off shipping on 99 or more per shop (up to 5 off the fee)"


@pytest.mark.parametrize("pct", ["101", "-5", "half"])
def test_bad_percent_is_refused_with_its_field(pct: str) -> None:
    """A percent outside 0..100 (or not a number) names the wallet coupon's field."""
    wallet = [{"id": "pB", "kind": "shipping", "shop": "B", "percent": pct}]
    with pytest.raises(CartError, match="percent"):
        campaign(stages=STAGES, coupon_policy=POLICY).price(
            {**_two_shops("8.00", "8.00"), "wallet": wallet, "coupons": ["pB"]})


def test_no_fee_nothing_waived() -> None:
    """A shop without a fee: nothing to take 50% of."""
    r = core(campaign(_half(), stages=STAGES).price(_two_shops("0", "0")))
    assert all(s.shipping == ZERO for s in r.shops)
