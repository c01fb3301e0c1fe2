"""Points (DOMAIN.md, member tiers: "100 points = 1 yuan; points earned are a function of the
amount paid and the tier's multiplier; paying with points is a payment, not a discount")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mechanisms._support import ZERO, campaign, cart, cny, core, line

import promokit

SNACK = Path(__file__).resolve().parents[2] / "examples" / "snack-tiers" / "campaign.yaml"
OFF_DAY = "2026-11-10T10:00:00+08:00"


@pytest.fixture(scope="module")
def snack() -> promokit.Campaign:
    """Seed campaign: 1 point per yuan rounded down; gold x1.5, diamond x2; 100 points = 1 yuan,
    at most 50% of the amount due."""
    return promokit.load_campaign(SNACK)


def seed_cart(customer: dict[str, Any]) -> dict[str, Any]:
    """325.90 of snacks plus 12.00 shipping (see test_tiers.py for the discounts)."""
    return cart(line("nuts", "128.00", 2, shop="SNACK"), line("jerky", "69.90", shop="SNACK"),
                at=OFF_DAY, customer=customer, shipping={"SNACK": "12.00"})


@pytest.mark.parametrize(("spend", "earned", "multiplier"), [
    ("120", 275, "1"),       # goods paid 275.90 x 1 = 275.9 -> 275 (down; shipping not counted)
    ("450", 393, "1.5"),     # 262.10 x 1.5 = 393.15 -> 393
    ("2400", 551, "2")])     # 275.90 x 2 = 551.8 -> 551
def test_points_earned_round_down_with_the_tier_multiplier(
        snack: promokit.Campaign, spend: str, earned: int, multiplier: str) -> None:
    """Earned on the goods paid, at the tier's multiplier, rounded down."""
    r = core(snack.price(seed_cart({"spend": spend})))
    assert r.points is not None
    assert (r.points.earned, str(r.points.multiplier), r.points.used) == (earned, multiplier, 0)


def test_redeeming_100_points_per_yuan_is_a_payment_not_a_discount(
        snack: promokit.Campaign) -> None:
    """Gold uses 5000 of 6000 points = 50.00: total stays 274.10, payable 224.10.

    Discounts and the total ignore points; payable = total - points value. Points are then
    earned on what was paid in money for goods: (262.10 - 50.00) x 1.5 = 318.15 -> 318.
    """
    r = core(snack.price(seed_cart({"spend": "450", "points": 6000, "use_points": 5000})))
    assert r.points is not None
    assert (r.points.used, r.points.value, r.points.earned) == (5000, cny("50.00"), 318)
    assert (r.discount_total, r.total) == (cny("63.80"), cny("274.10"))
    assert r.payable == r.total - r.points.value == cny("224.10")


def test_redemption_is_capped_at_max_percent_of_the_amount_due(
        snack: promokit.Campaign) -> None:
    """max_percent 50: silver's 287.90 due allows 143.95 = 14395 points of the 20000 asked."""
    r = core(snack.price(seed_cart({"spend": "10", "points": 20000, "use_points": 20000})))
    assert r.points is not None
    assert (r.points.used, r.points.value) == (14395, cny("143.95"))
    assert r.payable == cny("143.95")


def test_redemption_is_capped_by_the_balance(snack: promokit.Campaign) -> None:
    """Asking for 3000 with 1234 on the account uses 1234 = 12.34."""
    r = core(snack.price(seed_cart({"spend": "10", "points": 1234, "use_points": 3000})))
    assert r.points is not None
    assert (r.points.used, r.points.value, r.payable) == (1234, cny("12.34"), cny("275.56"))


def test_max_points_and_whole_fen_only() -> None:
    """max_points 50 caps at 0.50; a rate of 150 points per yuan keeps multiples of 3 points
    (3 points = 2 fen): 100 asked -> 99 used = 0.66."""
    shop = cart(line("a", "19.99"), customer={"points": 1000, "use_points": 100})
    capped = core(campaign(points={"max_points": 50}).price(shop))
    assert capped.points is not None
    assert (capped.points.used, capped.points.value, capped.payable) == (
        50, cny("0.50"), cny("19.49"))
    odd = core(campaign(points={"redeem_rate": 150}).price(shop))
    assert odd.points is not None
    assert (odd.points.used, odd.points.value, odd.payable) == (99, cny("0.66"), cny("19.33"))


@pytest.mark.parametrize(("basis", "earned"), [("goods", 5), ("total", 15)])
def test_earning_basis_goods_or_total(basis: str, earned: int) -> None:
    """19.99 goods + 10.00 shipping = 29.99 due; max 50% = 14.99 paid in points (1499).
    goods basis: 19.99 - 14.99 = 5.00 -> 5; total basis: 29.99 - 14.99 = 15.00 -> 15."""
    c = campaign(points={"max_percent": 50, "basis": basis})
    r = core(c.price(cart(line("a", "19.99"), shipping={"A": "10.00"},
                          customer={"points": 100000, "use_points": 100000})))
    assert r.points is not None
    assert (r.points.used, r.points.value, r.payable, r.points.earned) == (
        1499, cny("14.99"), cny("15.00"), earned)


def test_no_points_earned_on_a_deposit() -> None:
    """The deposit phase earns nothing; the balance phase earns on the whole goods (700)."""
    ps = {"id": "ps", "kind": "presale", "stage": "item", "select": {"skus": ["TV"]},
          "deposit": 100, "counts_as": 200}
    c = campaign(ps, points={})
    deposit = core(c.price(cart(line("tv", "800.00")), phase="deposit"))
    balance = core(c.price(cart(line("tv", "800.00")), phase="balance"))
    assert deposit.points is not None and balance.points is not None
    assert (deposit.points.earned, balance.points.earned) == (0, 700)
    assert (deposit.payable, balance.payable) == (cny("100"), cny("600"))


def test_without_a_points_policy_there_are_no_points() -> None:
    """points: None in the result; payable = total - prepaid."""
    r = core(campaign().price(cart(line("a", "10.00"), customer={"points": 500,
                                                                 "use_points": 500})))
    assert (r.points, r.payable, r.prepaid_total) == (None, cny("10.00"), ZERO)
