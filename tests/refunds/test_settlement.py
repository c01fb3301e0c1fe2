"""Per-shop settlement of an order and after each refund: hand-checked, and as properties (shops
sum to what the customer paid plus what the platform reimburses)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from support import PROPS, cny, gift_refund, gifts_deducted, random_orders, splits

import promokit
from promokit import (
    Campaign,
    Money,
    PriceResult,
    Refund,
    RefundPolicy,
    Settlement,
    refund,
    settle,
)
from promokit._money import format_minor

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples" / "refund"
CST = timezone(timedelta(hours=8))
CAMPAIGN = promokit.load_campaign(EXAMPLE / "campaign.yaml")


def rows(s: Settlement) -> dict[str, tuple[str, ...]]:
    """shop -> (gross, merchant, platform, shipping fee, paid, retained, receivable)."""
    return {x.shop: (x.gross.to_json(), x.merchant_funded.to_json(), x.platform_funded.to_json(),
                     x.shipping_fee.to_json(), x.paid.to_json(), x.retained.to_json(),
                     x.receivable.to_json()) for x in s.shops}


def example() -> PriceResult:
    return CAMPAIGN.price(promokit.load_cart(EXAMPLE / "cart.json"))


def test_the_example_order_hand_checked() -> None:
    """Shop A: 345.50 gross, 20.00 merchant (满200减20), 65.47 platform (55.47 of 每满300减50 and
    coupons + 10.00 free shipping), paid 270.03, receives 335.50; the shops receive 1103.50 =
    778.50 payable + 30.00 points + 100.00 deposit + 195.00 reimbursed (150 + 30 + 5 + 10)."""
    result = example()
    s = settle(result)
    assert rows(s) == {
        "A": ("345.50", "20.00", "65.47", "10.00", "270.03", "0.00", "335.50"),
        "B": ("800.00", "100.00", "119.30", "0.00", "580.70", "0.00", "700.00"),
        "C": ("60.00", "0.00", "10.23", "8.00", "57.77", "0.00", "68.00"),
    }
    assert s.platform_reimbursement == cny("195.00")
    assert s.receivable == cny("1103.50") == result.payable + cny("30.00") + cny("100.00") \
        + s.platform_reimbursement


def test_the_issues_order_sums_to_payable_plus_reimbursement() -> None:
    """No points, no deposit: the shops receive exactly the payable plus the reimbursement."""
    campaign = Campaign.from_dict({"campaign": "demo", "currency": "CNY", "rules": [
        {"id": "s200-20", "kind": "threshold", "stage": "shop", "scope": "shop",
         "min_spend": 200, "discount": 20, "funded_by": "platform"}]})
    result = campaign.price({"currency": "CNY", "shipping": {"S": "6.00"}, "lines": [
        {"id": "A", "sku": "A", "shop": "S", "unit_price": "100.00", "quantity": 1},
        {"id": "B", "sku": "B", "shop": "S", "unit_price": "110.00", "quantity": 1}]})
    s = settle(result)
    assert rows(s)["S"] == ("210.00", "0.00", "20.00", "6.00", "196.00", "0.00", "216.00")
    assert s.receivable == result.payable + s.platform_reimbursement
    # returning A (allocated): the platform no longer reimburses A's 9.52
    after = refund(result, {"A": 1}).settlement
    assert rows(after)["S"] == ("110.00", "0.00", "10.48", "6.00", "105.52", "0.00", "116.00")
    # re-priced, B alone misses the threshold: nothing is reimbursed, B pays 110
    repriced = refund(result, {"A": 1}, policy="reprice", campaign=campaign).settlement
    assert rows(repriced)["S"] == ("110.00", "0.00", "0.00", "6.00", "116.00", "0.00", "116.00")


def test_after_refunding_the_tv_under_each_policy() -> None:
    """allocated: A and C keep their numbers; reprice: their platform share falls to 65.00."""
    result = example()
    allocated = refund(result, {"b1": 1}).settlement
    assert rows(allocated)["B"] == ("0.00",) * 7
    assert rows(allocated)["A"] == rows(settle(result))["A"]
    repriced = refund(result, {"b1": 1}, policy="reprice", campaign=CAMPAIGN).settlement
    assert rows(repriced)["A"] == ("345.50", "20.00", "56.44", "10.00", "279.06", "0.00",
                                   "335.50")
    assert rows(repriced)["C"] == ("60.00", "0.00", "8.56", "8.00", "59.44", "0.00", "68.00")
    assert repriced.platform_reimbursement == cny("65.00")
    assert repriced.paid == cny("338.50") == result.total - cny("570.00")


def test_a_kept_deposit_stays_with_the_shop() -> None:
    """Deposit phase, the TV returned: shop B keeps and receives its 100.00 deposit."""
    result = CAMPAIGN.price(promokit.load_cart(EXAMPLE / "cart.json"), phase="deposit",
                            at=datetime(2026, 11, 1, 10, tzinfo=CST))
    after = refund(result, {"b1": 1}).settlement
    assert rows(after)["B"] == ("0.00", "0.00", "0.00", "0.00", "0.00", "100.00", "100.00")


def test_settle_after_refunds_is_the_last_refunds_settlement() -> None:
    """settle(result, refunds) == refunds[-1].settlement, from objects or JSON."""
    result = example()
    first = refund(result, {"a1": 2})
    second = refund(result, {"c1": 1}, earlier=[first], policy="reprice", campaign=CAMPAIGN)
    assert settle(result, [first, second]) == second.settlement
    as_json = [json.loads(json.dumps(r.to_dict())) for r in (first, second)]
    assert settle(result.to_dict(), as_json) == second.settlement
    assert second.settlement.refunds == 2
    json.dumps(second.settlement.to_dict())
    assert "receivable" in second.settlement.receipt()


# --- properties --------------------------------------------------------------------------------

CATALOG = (("TEA-1", "A", (1, 30000)), ("CUP-1", "A", (0, 9000)), ("TV-55", "B", (20001, 90000)),
           ("PEN-1", "C", (1, 5000)))


@st.composite
def example_orders(draw: st.DrawFn) -> tuple[Campaign, PriceResult]:
    """The example campaign (pre-sale, coupons, points, platform funding) over random carts, in
    either pre-sale phase."""
    picks = draw(st.lists(st.sampled_from(CATALOG), min_size=1, max_size=5))
    lines = [{"id": f"l{k}", "sku": sku, "shop": shop, "quantity": draw(st.integers(1, 3)),
              "unit_price": format_minor(draw(st.integers(*cents)), 2)}
             for k, (sku, shop, cents) in enumerate(picks)]
    deposit = draw(st.booleans())
    cart: dict[str, Any] = {
        "currency": "CNY", "lines": lines,
        "at": "2026-11-01T10:00:00+08:00" if deposit else "2026-11-11T10:00:00+08:00",
        "customer": {"points": 100000, "use_points": draw(st.integers(0, 20000))},
        "shipping": draw(st.dictionaries(st.sampled_from("ABCD"), st.sampled_from(
            ("0.00", "6.00", "12.50")))),
        "wallet": [{"id": "p1", "kind": "platform", "value": "30", "min_spend": "300"},
                   {"id": "r1", "kind": "red_envelope", "value": "5"}],
        "coupons": draw(st.lists(st.sampled_from(("p1", "r1")), unique=True)),
    }
    return CAMPAIGN, CAMPAIGN.price(cart, phase="deposit" if deposit else "balance")


def check(result: PriceResult, s: Settlement, refunded: Money) -> None:
    """Shops add up: paid (with what shops keep) = total - refunded; receivable = paid +
    reimbursement; per shop, paid = gross + fee - merchant - platform, nothing negative."""
    zero = Money.zero(result.currency)
    assert s.refunded == refunded
    assert s.paid == result.total - refunded == sum((x.paid + x.retained for x in s.shops), zero)
    assert s.receivable == s.paid + s.platform_reimbursement
    assert s.platform_reimbursement == sum((x.platform_funded for x in s.shops), zero)
    for x in s.shops:
        assert x.paid == x.gross + x.shipping_fee - x.merchant_funded - x.platform_funded
        assert x.receivable == x.paid + x.platform_funded + x.retained
        assert min(x.gross.minor, x.merchant_funded.minor, x.platform_funded.minor,
                   x.paid.minor, x.retained.minor) >= 0, x


def run(data: st.DataObject, campaign: Campaign, result: PriceResult) -> list[Refund]:
    """Refund the whole order in random steps, random policies, checking settlement each time."""
    zero = Money.zero(result.currency)
    done: list[Refund] = []
    for step in data.draw(splits(result)):
        method = data.draw(st.sampled_from(("allocated", "reprice")))
        policy = RefundPolicy(method, refund_deposit=data.draw(st.booleans()))  # type: ignore[arg-type]
        r = gift_refund(result, step, policy=policy, campaign=campaign, earlier=done)
        done.append(r)
        check(result, r.settlement, sum((x.amount for x in done), zero))
    return done


def test_the_order_settles_to_what_was_paid_plus_reimbursement_on_examples() -> None:
    """The shops of an unrefunded order match the result's own shop totals."""
    result = example()
    s = settle(result)
    for shop, x in zip(result.shops, s.shops, strict=True):
        assert (x.shop, x.gross, x.merchant_funded, x.platform_funded, x.paid) == (
            shop.shop, shop.subtotal, shop.merchant_funded, shop.platform_funded, shop.payable)


@PROPS
@given(random_orders(), st.data())
def test_settlement_sums_over_random_orders_and_refunds(order: tuple[Campaign, PriceResult],
                                                        data: st.DataObject) -> None:
    """Random campaigns: the order settles to payable + reimbursement, and so after each refund."""
    campaign, result = order
    s = settle(result)
    check(result, s, Money.zero(result.currency))
    points = result.points.value if result.points else Money.zero(result.currency)
    assert s.receivable == result.payable + points + result.prepaid_total \
        + s.platform_reimbursement
    for shop, x in zip(result.shops, s.shops, strict=True):
        assert (x.merchant_funded, x.platform_funded, x.paid) == (
            shop.merchant_funded, shop.platform_funded, shop.payable)
    done = run(data, campaign, result)
    assert sum((r.amount for r in done), Money.zero(result.currency)) \
        + gifts_deducted(done, result.currency) == result.total


@PROPS
@given(example_orders(), st.data())
def test_settlement_with_deposits_points_and_coupons(order: tuple[Campaign, PriceResult],
                                                     data: st.DataObject) -> None:
    """Pre-sale, points and coupons: refunds + kept deposits add up to the total; points paid
    come back (all of them unless a deposit is kept); earned points are all taken back."""
    campaign, result = order
    check(result, settle(result), cny("0"))
    done = run(data, campaign, result)
    refunded = sum((r.amount for r in done), cny("0"))
    kept = sum((r.kept for r in done), cny("0"))
    assert refunded + kept == result.total
    used = result.points.used if result.points else 0
    given_back = sum(r.points for r in done)
    assert given_back == used or (kept and given_back < used)
    assert sum(r.points_clawed_back for r in done) == (result.points.earned if result.points
                                                       else 0)
    for r in done:
        assert r.cash.minor >= 0 and r.cash + r.points_value == r.amount
        assert all(c.returned == r.full_return for c in r.coupons)
