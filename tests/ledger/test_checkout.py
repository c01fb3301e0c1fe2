"""Pricing against the ledger: limits read at pricing, reserved at checkout, given back by refunds.

Every test runs on both stores (SQLite and a real PostgreSQL; see conftest.py). The figures are
hand-checked: a TV at 2999.00 with a flash price of 1999.00 (5 units of stock) and a cross-store
满300减50 with 7 uses.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from checkout_support import FLASH, cart, checkout_worker, hold_at

import promokit
from promokit.checkout import consumption, give_back
from promokit.ledger import (
    Consumption,
    IssuedCoupon,
    Ledger,
    Limits,
    LimitUse,
    open_ledger,
)
from promokit.testing import check_invariants

AT = "2026-11-11T00:00:00+08:00"
#: orders are reserved at their cart's time; payment comes a minute later, inside the TTL
PAID = datetime.fromisoformat(AT) + timedelta(minutes=1)


@pytest.fixture
def flash() -> promokit.Campaign:
    return promokit.Campaign.from_dict(FLASH)


def _reasons(result: promokit.PriceResult) -> dict[str, str]:
    return {n.rule: n.reason for n in result.not_applied}


def test_pricing_reads_what_is_left_and_never_writes(flash: promokit.Campaign,
                                                     ledger: Ledger) -> None:
    """Pricing with a ledger applies the flash price while stock is left and reserves nothing."""
    for _ in range(3):
        result = flash.price(cart("c1"), ledger=ledger)
        assert result.payable == promokit.Money.of("1949.00", "CNY")  # 1999.00 - 50.00
    snap = ledger.snapshot({"tv-flash": flash.spec.rules[0].limits}, "c1", at=result.at)
    assert snap["tv-flash"].units.used == snap["tv-flash"].units.reserved == 0


def test_stock_runs_out_then_the_flash_price_stops(flash: promokit.Campaign,
                                                  ledger: Ledger) -> None:
    """5 units of stock: an order of 3, then of 2, then the next pays the list price."""
    first = promokit.checkout(flash, cart("c1", 3), ledger, "o1")
    second = promokit.checkout(flash, cart("c2", 2), ledger, "o2")
    third = promokit.checkout(flash, cart("c3", 1), ledger, "o3")
    assert first.payable.to_json() == "5947.00"      # 3 x 1999.00 - 50.00
    assert second.payable.to_json() == "3948.00"     # 2 x 1999.00 - 50.00
    assert third.payable.to_json() == "2949.00"      # 2999.00 - 50.00: stock gone
    assert _reasons(third)["tv-flash"] == "limit_reached"
    assert consumption(first, flash).limits["tv-flash"] == LimitUse(uses=1, budget=300_000,
                                                                    units=3)


def test_an_order_larger_than_the_stock_left_is_refused_whole(flash: promokit.Campaign,
                                                              ledger: Ledger) -> None:
    """4 units left and an order of 5: the rule does not apply, naming the units."""
    promokit.checkout(flash, cart("c1", 1), ledger, "o1")
    result = flash.price(cart("c2", 5), ledger=ledger)
    [miss] = [n for n in result.not_applied if n.rule == "tv-flash"]
    assert miss.reason == "limit_reached" and "5 units asked, 4 left" in miss.message


def test_a_budget_gives_what_is_left_when_it_caps(ledger: Ledger) -> None:
    """满300减50 with a budget of 70.00 and on_exhausted cap: 50.00, then 20.00, then nothing."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "b", "currency": "CNY", "timezone": "Asia/Shanghai", "rules": [{
            "id": "x-300-50", "kind": "threshold", "stage": "cross_store", "scope": "pool",
            "min_spend": 300, "discount": 50,
            "limits": {"budget": "70.00", "on_exhausted": "cap"}}]})
    small = {"currency": "CNY", "at": AT, "lines": [
        {"id": "a", "sku": "S", "shop": "A", "unit_price": "200.00", "quantity": 1},
        {"id": "b", "sku": "T", "shop": "B", "unit_price": "110.00", "quantity": 1}]}
    got = [promokit.checkout(campaign, small, ledger, f"o{k}").discount_total.to_json()
           for k in range(3)]
    assert got == ["50.00", "20.00", "0.00"]
    capped = campaign.price(small, ledger=ledger)
    assert _reasons(capped)["x-300-50"] == "limit_reached"


def test_the_20_00_left_is_shared_over_lines_as_the_discount_was(ledger: Ledger) -> None:
    """Capped at 20.00 of 50.00 on lines of 200.00 and 110.00: 12.90 + 7.10 (largest remainder:
    50.00 was 32.26 + 17.74; 20.00 x 3226/5000 = 12.904 -> 12.90, the rest 7.10)."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "b", "currency": "CNY", "rules": [{
            "id": "x", "kind": "threshold", "stage": "cross_store", "scope": "pool",
            "min_spend": 300, "discount": 50,
            "limits": {"budget": "20.00", "on_exhausted": "cap"}}]})
    result = campaign.price({"currency": "CNY", "at": AT, "lines": [
        {"id": "a", "sku": "S", "shop": "A", "unit_price": "200.00", "quantity": 1},
        {"id": "b", "sku": "T", "shop": "B", "unit_price": "110.00", "quantity": 1}]},
        ledger=ledger)
    assert [line.discount.to_json() for line in result.lines] == ["12.90", "7.10"]
    check_invariants(result)  # raises when line nets, allocations or totals do not add up


def test_a_per_customer_limit_never_applies_to_a_guest(ledger: Ledger) -> None:
    """每人限用1次: a cart without a customer id does not get it, with or without a ledger."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "p", "currency": "CNY", "rules": [{
            "id": "new-10", "kind": "amount_off", "stage": "item", "amount": 10,
            "limits": {"per_customer": 1}}]})
    guest = {"currency": "CNY", "at": AT, "lines": [
        {"id": "a", "sku": "S", "shop": "A", "unit_price": "100.00", "quantity": 1}]}
    for result in (campaign.price(guest), campaign.price(guest, ledger=ledger)):
        [miss] = result.not_applied
        assert miss.reason == "limit_reached" and "no customer id" in miss.message
    member = {**guest, "customer": {"id": "c9"}}
    assert promokit.checkout(campaign, member, ledger, "o1").payable.to_json() == "90.00"
    assert promokit.checkout(campaign, member, ledger, "o2").payable.to_json() == "100.00"


def test_release_and_refund_give_back_what_the_order_took(flash: promokit.Campaign,
                                                          ledger: Ledger) -> None:
    """A released order's stock returns; a refund of 2 of 3 units returns 2 units and 2/3 of
    the 3000.00 it saved (2000.00), a use only on the full return."""
    promokit.checkout(flash, cart("c1", 1), ledger, "o1")
    ledger.release("o1", at=PAID)
    result = promokit.checkout(flash, cart("c1", 3), ledger, "o2")
    ledger.commit("o2", at=PAID)
    refund = promokit.refund(result, {"l1": 2})
    back = give_back(refund, result, flash)
    assert back.limits["tv-flash"] == LimitUse(uses=0, budget=200_000, units=2)
    ledger.refund("o2", "r1", back)
    limits = {"tv-flash": flash.spec.rules[0].limits}
    snap = ledger.snapshot(limits, "c1", at=result.at)["tv-flash"]
    assert (snap.units.used, snap.units.left) == (1, 4)
    assert ledger.verify().ok


def test_a_wallet_coupon_is_honoured_only_as_the_ledger_issued_it(ledger: Ledger) -> None:
    """With a ledger, a coupon it never issued is refused (not_issued), and an issued one is
    used on the ledger's terms even when the cart claims a bigger face value."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "w", "currency": "CNY", "timezone": "Asia/Shanghai", "rules": [],
        "coupon_policy": {"kinds": {"shop": {"stage": "shop"}}}})
    ledger.reserve("seed", Consumption(customer="c1", currency="CNY", issued=(
        IssuedCoupon(code="A-20", customer="c1", face=2000, kind="shop", shop="A"),)), {})
    ledger.commit("seed", at=PAID)
    data = {"currency": "CNY", "at": AT, "customer": {"id": "c1"},
            "lines": [{"id": "a", "sku": "S", "shop": "A", "unit_price": "100.00",
                       "quantity": 1}],
            "wallet": [{"id": "A-20", "kind": "shop", "shop": "A", "value": "90.00"},
                       {"id": "FORGED", "kind": "shop", "shop": "A", "value": "50.00"}],
            "coupons": ["A-20", "FORGED"]}
    result = campaign.price(data, ledger=ledger)
    uses = {c.id: c for c in result.coupons}
    assert uses["A-20"].applied and uses["A-20"].amount.to_json() == "20.00"
    assert not uses["FORGED"].applied and uses["FORGED"].reason == "not_issued"
    assert result.payable.to_json() == "80.00"
    order = promokit.checkout(campaign, data, ledger, "o1")
    ledger.commit("o1", at=PAID)
    again = campaign.price(data, ledger=ledger)          # a single-use code, now used
    assert {c.id: c.reason for c in again.coupons}["A-20"] == "not_issued"
    assert consumption(order, campaign).coupon_codes == ("A-20",)


def test_points_are_the_ledgers_balance_not_the_carts(ledger: Ledger) -> None:
    """A cart claiming 10,000 points pays with none when the ledger holds none."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "pts", "currency": "CNY", "rules": [],
        "points": {"per": "1", "points": 1, "redeem_rate": 100}})
    data = {"currency": "CNY", "at": AT,
            "customer": {"id": "c1", "points": 10_000, "use_points": 10_000},
            "lines": [{"id": "a", "sku": "S", "shop": "A", "unit_price": "100.00",
                       "quantity": 1}]}
    assert campaign.price(data).payable.to_json() == "0.00"          # trusting the cart
    assert campaign.price(data, ledger=ledger).payable.to_json() == "100.00"


def test_eight_processes_never_sell_more_than_the_stock(url: str) -> None:
    """8 spawned processes check out 3 one-TV orders each against 5 units and 7 uses of 满减:
    exactly 5 orders get the flash price and 7 the 满减, and the journal replays clean."""
    start_at = time.time() + 1.0
    spawn = multiprocessing.get_context("spawn")
    # the barrier makes the 8 jobs run in 8 processes at once, however slowly some start
    with spawn.Pool(8, initializer=hold_at, initargs=(spawn.Barrier(8),)) as pool:
        results = pool.map_async(checkout_worker, [(url, w, 3, start_at) for w in range(8)],
                                 chunksize=1).get(timeout=240)
    assert len({pid for pid, _ in results}) == 8
    paid = sorted(Decimal(p) for _, orders in results for _, p in orders)
    assert len(paid) == 24
    assert paid.count(Decimal("1949.00")) + paid.count(Decimal("1999.00")) == 5
    assert sum(p in (Decimal("1949.00"), Decimal("2949.00")) for p in paid) == 7
    with open_ledger(url) as ledger:
        rows = {row.key: row for row in ledger.report()}
        assert rows["tv-flash"].units.used == 5 and rows["x-300-50"].uses.used == 7
        assert ledger.verify().ok


GIFTS = {"campaign": "gifts", "currency": "CNY", "timezone": "Asia/Shanghai", "rules": [
    {"id": "mug", "kind": "gift", "stage": "shop", "min_spend": 100,
     "gift": {"sku": "MUG", "name": "mug", "value": "39.00"}, "limits": {"units": 2}}]}


def _gift_cart(customer: str, qty: int) -> dict[str, object]:
    return {"currency": "CNY", "at": AT, "customer": {"id": customer}, "lines": [
        {"id": "l1", "sku": "TEA", "shop": "A", "unit_price": "120.00", "quantity": qty}]}


def test_gift_stock_comes_back_when_the_gift_is_returned(ledger: Ledger) -> None:
    """A stock of 2 mugs (满100赠马克杯, limits units 2). Two orders take both; the third gets
    none (limit_reached). A partial refund keeps the mug with the customer (nothing back); the
    refund of the rest of the order returns it (1 unit back), and the next order gets it. A
    refund can also say it returns the gift (``gifts=``) while the customer keeps some tea."""
    campaign = promokit.Campaign.from_dict(GIFTS)
    mug = {"mug": campaign.spec.rules[0].limits}
    first = promokit.checkout(campaign, _gift_cart("c1", 2), ledger, "o1")
    ledger.commit("o1", at=PAID)
    second = promokit.checkout(campaign, _gift_cart("c2", 2), ledger, "o2")
    ledger.commit("o2", at=PAID)
    assert [a.rule for a in first.applied] == ["mug"] == [a.rule for a in second.applied]
    third = promokit.checkout(campaign, _gift_cart("c3", 1), ledger, "o3")
    assert _reasons(third)["mug"] == "limit_reached"
    ledger.release("o3", at=PAID)

    part = promokit.refund(first, {"l1": 1})
    assert "mug" not in give_back(part, first, campaign).limits  # the customer keeps the mug
    ledger.refund("o1", "o1/r1", give_back(part, first, campaign), at=PAID)
    rest = promokit.refund(first, {"l1": 1}, earlier=[part])
    assert rest.full_return
    assert give_back(rest, first, campaign).limits["mug"] == LimitUse(uses=1, budget=0, units=1)
    ledger.refund("o1", "o1/r2", give_back(rest, first, campaign), at=PAID)
    snap = ledger.snapshot(mug, "c1", at=first.at)["mug"]
    assert (snap.units.used, snap.units.left) == (1, 1)

    fourth = promokit.checkout(campaign, _gift_cart("c4", 1), ledger, "o4")
    assert [a.rule for a in fourth.applied] == ["mug"]  # the returned mug, given again
    ledger.release("o4", at=PAID)

    keep_tea = promokit.refund(second, {"l1": 1})
    back = give_back(keep_tea, second, campaign, gifts={"mug": 1})
    assert back.limits["mug"] == LimitUse(uses=0, budget=0, units=1)
    ledger.refund("o2", "o2/r1", back, at=PAID)
    assert ledger.snapshot(mug, "c2", at=first.at)["mug"].units.used == 0
    with pytest.raises(ValueError, match="got 1 gifts"):
        give_back(keep_tea, second, campaign, gifts={"mug": 2})
    assert ledger.verify().ok


def _coupon_cart(customer: str, code: str, kind: str = "shop") -> dict[str, object]:
    coupon = {"id": code, "kind": kind, "value": "10.00"}
    if kind == "shop":
        coupon["shop"] = "A"
    return {"currency": "CNY", "at": AT, "customer": {"id": customer},
            "lines": [{"id": "a", "sku": "S", "shop": "A", "unit_price": "100.00",
                       "quantity": 2}],
            "wallet": [coupon], "coupons": [code]}


def _issue(ledger: Ledger, codes: dict[str, str], kind: str) -> None:
    """Put one coupon of face 10.00 in each customer's wallet ({code: customer})."""
    issued = tuple(IssuedCoupon(code=code, customer=who, face=1000, kind=kind,
                                shop="A" if kind == "shop" else None)
                   for code, who in codes.items())
    for coupon in issued:
        ledger.reserve(f"seed-{coupon.code}", Consumption(customer=coupon.customer,
                                                          issued=(coupon,)), {})
        ledger.commit(f"seed-{coupon.code}", at=PAID)


def test_a_coupon_kind_with_limits_counts_every_coupon_of_the_kind(ledger: Ledger) -> None:
    """限量2张 on the shop coupon kind: two customers redeem theirs, the third's is not applied
    (limit_reached, naming the limit); a full refund gives the use back and the third can then
    redeem. Every coupon of the kind counts under the key ``coupon-kind:shop``."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "kind-limits", "currency": "CNY", "timezone": "Asia/Shanghai",
        "rules": [], "coupon_policy": {"kinds": {
            "shop": {"stage": "shop", "limits": {"uses": 2}}}}})
    _issue(ledger, {"S1": "c1", "S2": "c2", "S3": "c3"}, "shop")
    first = promokit.checkout(campaign, _coupon_cart("c1", "S1"), ledger, "o1")
    ledger.commit("o1", at=PAID)
    promokit.checkout(campaign, _coupon_cart("c2", "S2"), ledger, "o2")
    assert first.payable.to_json() == "190.00"  # 2 x 100.00 - 10.00
    assert consumption(first, campaign).limits == {"coupon-kind:shop": LimitUse(1, 1000, 2)}
    third = promokit.checkout(campaign, _coupon_cart("c3", "S3"), ledger, "o3")
    [s3] = third.coupons
    assert not s3.applied and s3.reason == "limit_reached"
    assert "uses limit is reached" in (s3.message or "")
    assert third.payable.to_json() == "200.00"
    ledger.release("o3", at=PAID)

    back = give_back(promokit.refund(first, {"a": 2}), first, campaign)
    assert back.limits["coupon-kind:shop"] == LimitUse(uses=1, budget=1000, units=2)
    ledger.refund("o1", "o1/r1", back, at=PAID)
    again = promokit.checkout(campaign, _coupon_cart("c3", "S3"), ledger, "o4")
    assert again.payable.to_json() == "190.00"
    [row] = [r for r in ledger.report() if r.key == "coupon-kind:shop"]
    assert (row.uses.used, row.uses.reserved, row.uses.left) == (0, 2, 0)
    assert ledger.verify().ok


def test_a_coupon_kind_budget_caps_what_is_left(ledger: Ledger) -> None:
    """A platform coupon budget of 15.00 with on_exhausted cap: the first 10.00 coupon gives
    10.00, the second is capped at the 5.00 left, the third gives nothing (limit_reached)."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "kind-budget", "currency": "CNY", "timezone": "Asia/Shanghai",
        "rules": [], "coupon_policy": {"kinds": {
            "platform": {"stage": "platform",
                         "limits": {"budget": "15.00", "on_exhausted": "cap"}}}}})
    _issue(ledger, {"P1": "c1", "P2": "c2", "P3": "c3"}, "platform")
    paid = []
    for n in (1, 2, 3):
        result = promokit.checkout(campaign, _coupon_cart(f"c{n}", f"P{n}", "platform"),
                                   ledger, f"o{n}")
        ledger.commit(f"o{n}", at=PAID)
        paid.append(result.payable.to_json())
    assert paid == ["190.00", "195.00", "200.00"]
    assert [c.reason for c in result.coupons] == ["limit_reached"]
    policy = campaign.spec.coupon_policy
    assert policy is not None and policy.kinds["platform"].limits is not None
    limits = {"coupon-kind:platform": policy.kinds["platform"].limits}
    snap = ledger.snapshot(limits, at=PAID)["coupon-kind:platform"]
    assert (snap.budget.used, snap.budget.left) == (1500, 0)
    assert ledger.verify().ok


HISTORY = {"campaign": "history", "currency": "CNY", "timezone": "Asia/Shanghai",
           "stages": ["item", "shop"], "rules": [
               {"id": "loyal-95", "kind": "percent_off", "stage": "item", "percent": 5,
                "customers": {"min_past_spend": 300}},
               {"id": "new-user-10", "kind": "threshold", "stage": "shop", "scope": "order",
                "min_spend": "0.01", "discount": 10, "customers": {"first_order": True}}]}


def _history_cart(customer: str | None, **history: object) -> dict[str, object]:
    who: dict[str, object] = {"id": customer, **history} if customer else {}
    return {"currency": "CNY", "at": AT, "customer": who, "lines": [
        {"id": "l1", "sku": "TEA", "shop": "A", "unit_price": "200.00", "quantity": 1}]}


def test_the_ledger_supplies_the_customers_history_unless_the_cart_says(
        ledger: Ledger) -> None:
    """A customer's first order gets 新用户首单立减10 (200.00 - 10.00 = 190.00), counted at
    commit with what it paid; the second order is not a first order and its past spend (190.00)
    is below 300: 200.00. After it (past spend 380.00) the third gets 5% off: 190.00. A full
    refund of the second order takes it out of the history: 1 order, 190.00 again, so the 5% is
    gone. What the cart states wins; a guest has no history (history_unknown)."""
    campaign = promokit.Campaign.from_dict(HISTORY)
    first = promokit.checkout(campaign, _history_cart("c1"), ledger, "o1")
    assert first.payable.to_json() == "190.00"
    assert campaign.price(_history_cart("c1"), ledger=ledger).payable.to_json() == "190.00"
    ledger.commit("o1", at=PAID)                       # reserved orders are not history yet
    second = promokit.checkout(campaign, _history_cart("c1"), ledger, "o2")
    assert second.payable.to_json() == "200.00"
    assert _reasons(second) == {"new-user-10": "not_first_order",
                                "loyal-95": "below_past_spend"}
    ledger.commit("o2", at=PAID)
    third = campaign.price(_history_cart("c1"), ledger=ledger)
    assert third.payable.to_json() == "190.00"        # 200.00 - 5%: past spend 380.00
    assert [a.rule for a in third.applied] == ["loyal-95"]
    # the cart's own facts win over the ledger's
    stated = campaign.price(_history_cart("c1", orders=0, past_spend="0.00"), ledger=ledger)
    assert [a.rule for a in stated.applied] == ["new-user-10"]
    # a full refund of o2 takes it out: 1 order, 190.00 spent
    back = give_back(promokit.refund(second, {"l1": 1}), second, campaign)
    assert back.spend == 20_000
    ledger.refund("o2", "o2/r1", back, at=PAID)
    again = campaign.price(_history_cart("c1"), ledger=ledger)
    assert again.payable.to_json() == "200.00"
    assert _reasons(again)["loyal-95"] == "below_past_spend"
    # a guest: no history to read
    guest = campaign.price(_history_cart(None), ledger=ledger)
    assert set(_reasons(guest).values()) == {"history_unknown"}
    assert ledger.view({}, "c1").history == (1, 19_000)
    assert ledger.verify().ok


def test_a_partial_refund_lowers_past_spend_and_keeps_the_order(ledger: Ledger) -> None:
    """Two teas at 200.00 (first order: 400.00 - 10.00 = 390.00); returning one refunds its
    allocated net, 200.00 - 5.00 = 195.00: past spend 195.00, still 1 order; the rest of the
    order (195.00) takes the order out: 0 orders, 0.00."""
    campaign = promokit.Campaign.from_dict(HISTORY)
    two = _history_cart("c2")
    two["lines"] = [{"id": "l1", "sku": "TEA", "shop": "A", "unit_price": "200.00",
                     "quantity": 2}]
    result = promokit.checkout(campaign, two, ledger, "o1")
    assert result.payable.to_json() == "390.00"
    ledger.commit("o1", at=PAID)
    assert ledger.view({}, "c2").history == (1, 39_000)
    part = promokit.refund(result, {"l1": 1})
    ledger.refund("o1", "o1/r1", give_back(part, result, campaign), at=PAID)
    assert ledger.view({}, "c2").history == (1, 19_500)
    rest = promokit.refund(result, {"l1": 1}, earlier=[part])
    ledger.refund("o1", "o1/r2", give_back(rest, result, campaign), at=PAID)
    assert ledger.view({}, "c2").history == (0, 0)
    assert ledger.verify().ok


EVERY_100 = {"campaign": "reprice", "currency": "CNY", "timezone": "Asia/Shanghai", "rules": [
    {"id": "every-100-30", "kind": "threshold", "stage": "shop", "scope": "shop", "every": 100,
     "discount": 30, "cap": None, "limits": {"budget": "100.00"}}]}


def test_a_reprice_refund_gives_the_clawed_back_discount_back_to_the_budget(
        ledger: Ledger) -> None:
    """A budget of 100.00 for every 100 off 30. The order 150.00 + 60.00 takes 60.00 of it
    (40.00 left). Returning the 60.00 line under ``reprice`` refunds 30.00: the 150.00 left
    gets 30.00 off, so the order's discount fell by 30.00 (17.14 allocated to the returned
    line, 12.86 clawed back from the other) and the budget has 70.00 left; returning the rest
    gives back the other 30.00: 100.00 left, nothing used."""
    campaign = promokit.Campaign.from_dict(EVERY_100)
    order = {"currency": "CNY", "at": AT, "customer": {"id": "c1"}, "lines": [
        {"id": "a", "sku": "A", "shop": "S", "unit_price": "150.00", "quantity": 1},
        {"id": "b", "sku": "B", "shop": "S", "unit_price": "60.00", "quantity": 1}]}
    result = promokit.checkout(campaign, order, ledger, "o1")
    ledger.commit("o1", at=PAID)
    limits = {"every-100-30": Limits(budget="100.00")}

    def left() -> int:
        snap = ledger.snapshot(limits, "c1", at=PAID, zone="Asia/Shanghai")
        budget = snap["every-100-30"].budget
        assert budget.left is not None
        return budget.left

    assert left() == 4000
    first = promokit.refund(result, {"b": 1}, policy="reprice", campaign=campaign)
    assert first.amount.to_json() == "30.00"
    ledger.refund("o1", "o1/r1", give_back(first, result, campaign), at=PAID)
    assert left() == 7000
    rest = promokit.refund(result, {"a": 1}, policy="reprice", campaign=campaign,
                           earlier=[first])
    ledger.refund("o1", "o1/r2", give_back(rest, result, campaign), at=PAID)
    assert left() == 10000
    assert ledger.verify().ok
