"""A result priced against a ledger re-prices exactly, and refunds what the ledger says was paid.

The campaign (hand-checked figures): a TV at 2999.00 with a flash price of 1999.00 and one unit
of stock, and a cross-store 满300减50 with a budget of 60.00 that caps (``on_exhausted: cap``).

* order o1 (customer c1): the flash price and the whole 50.00: 1999.00 - 50.00 = 1949.00; the
  budget has 10.00 left;
* order o2 (customer c2): the stock is gone (1 used of 1), so 2999.00, and the budget gives the
  10.00 left: 2999.00 - 10.00 = 2989.00.

The result of o2 records both effects (``limit_effects``); re-pricing it replays them, so it
re-prices to itself and a refund verified against the campaign and the ledger pays 2989.00.
A record edited to say a limit ran out when it did not (o1 "without stock") is self-consistent
and re-prices to itself, but the ledger's record of o1 (the flash price taken, 1949.00 paid)
refuses it: never a payout above what the order paid.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import promokit
from promokit._campaign import plan_of
from promokit._result.document import result_schema
from promokit._result.types import LimitEffect
from promokit.ledger import Ledger, open_ledger
from promokit.pricing.checkout import price
from promokit.pricing.limits import replayed

AT = "2026-11-11T00:00:00+08:00"
PAID = "2026-11-11T00:01:00+08:00"
CAMPAIGN = promokit.Campaign.from_dict({
    "campaign": "limits-reprice", "currency": "CNY", "timezone": "Asia/Shanghai", "rules": [
        {"id": "tv-flash", "kind": "special_price", "stage": "item", "select": {"skus": ["TV"]},
         "price": "1999.00", "limits": {"units": 1}},
        {"id": "x-300-50", "kind": "threshold", "stage": "cross_store", "scope": "pool",
         "min_spend": 300, "discount": 50,
         "limits": {"budget": "60.00", "on_exhausted": "cap"}}]})


def cart(customer: str) -> dict[str, Any]:
    return {"currency": "CNY", "at": AT, "customer": {"id": customer}, "lines": [
        {"id": "l1", "sku": "TV", "shop": "A", "unit_price": "2999.00", "quantity": 1}]}


def stored(result: promokit.PriceResult) -> dict[str, Any]:
    """The result as a backend stores it: JSON text, read back."""
    data: dict[str, Any] = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    return data


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(f"sqlite:///{tmp_path}/ledger.db") as opened:
        opened.init()
        yield opened


@pytest.fixture
def orders(ledger: Ledger) -> tuple[promokit.PriceResult, promokit.PriceResult]:
    """o1 and o2, checked out and paid."""
    from datetime import datetime

    out = []
    for customer, order in (("c1", "o1"), ("c2", "o2")):
        out.append(promokit.checkout(CAMPAIGN, cart(customer), ledger, order))
        ledger.commit(order, at=datetime.fromisoformat(PAID))
    return out[0], out[1]


def test_a_result_priced_after_a_limit_ran_out_records_it(
        orders: tuple[promokit.PriceResult, promokit.PriceResult]) -> None:
    """o1 records nothing (no limit bit; its stored form has no limit_effects key); o2 records
    the stock refused as read (1 used, 0 reserved of 1) and the budget capped to 10.00."""
    first, second = orders
    assert first.payable.to_json() == "1949.00" and first.limit_effects == ()
    assert "limit_effects" not in first.to_dict()
    assert second.payable.to_json() == "2989.00"
    assert second.limit_effects == (
        LimitEffect("tv-flash", "units", "refused", of=1, used=1, reserved=0),
        LimitEffect("x-300-50", "budget", "capped", left=promokit.Money.of("10.00", "CNY")))
    assert stored(second)["limit_effects"] == [
        {"rule": "tv-flash", "limit": "units", "effect": "refused", "left": None, "of": 1,
         "used": 1, "reserved": 0},
        {"rule": "x-300-50", "limit": "budget", "effect": "capped", "left": "10.00",
         "of": None, "used": None, "reserved": None}]


def test_it_reprices_to_itself_and_refunds_what_was_paid(
        orders: tuple[promokit.PriceResult, promokit.PriceResult], ledger: Ledger) -> None:
    """o2 re-prices to its stored form (typed and from JSON); a full return verified against
    the campaign and the ledger refunds the 2989.00 paid (allocated: the line's net)."""
    second = orders[1]
    data = stored(second)
    assert CAMPAIGN.reprice(second).to_dict() == second.to_dict()
    assert CAMPAIGN.reprice(data).to_dict() == data
    done = promokit.refund(data, {"l1": 1}, campaign=CAMPAIGN, ledger=ledger)
    assert done.amount.to_json() == "2989.00"
    promokit.refunds.verify(stored(orders[0]), campaign=CAMPAIGN, ledger=ledger)


def test_without_the_record_the_refund_is_refused(
        orders: tuple[promokit.PriceResult, promokit.PriceResult]) -> None:
    """The record is what makes it re-price: o2 without limit_effects re-prices with the flash
    price and the whole 50.00 (1949.00), so verification refuses it (it pays nothing)."""
    data = stored(orders[1])
    del data["limit_effects"]
    assert CAMPAIGN.reprice(data).payable.to_json() == "1949.00"
    with pytest.raises(promokit.RefundError, match="not what its campaign gives"):
        promokit.refund(data, {"l1": 1}, campaign=CAMPAIGN)


def _forged_o1() -> dict[str, Any]:
    """o1 as a forger would write it: priced as though the flash stock had run out (a record
    that makes the rule apply less), every field consistent: 2999.00 - 50.00 = 2949.00."""
    effects = [LimitEffect("tv-flash", "units", "refused", of=1, used=1, reserved=0)]
    result = price(plan_of(CAMPAIGN), promokit.Cart.model_validate(cart("c1")),
                   limits=replayed(effects), order_id="o1")
    return stored(result)


def test_a_forged_limit_record_never_pays_more_than_the_order_paid(
        orders: tuple[promokit.PriceResult, promokit.PriceResult], ledger: Ledger) -> None:
    """The forged o1 says 2949.00 was paid; it re-prices to itself, so without a ledger (or a
    signature) it is as trusted as its cart. Against the ledger, whose record of o1 took the
    flash stock and 1949.00, it is refused, naming the rule and the payable: a full return
    never pays more than the 1949.00 the genuine o1 refunds."""
    forged = _forged_o1()
    assert forged["payable"] == "2949.00"
    assert CAMPAIGN.reprice(forged).to_dict() == forged
    with pytest.raises(promokit.RefundError) as refused:
        promokit.refund(forged, {"l1": 1}, campaign=CAMPAIGN, ledger=ledger)
    said = " ".join(f"{p.path} {p.message}" for p in refused.value.problems)
    assert "'tv-flash'" in said and "payable" in said and "1949.00" in said
    genuine = promokit.refund(stored(orders[0]), {"l1": 1}, campaign=CAMPAIGN, ledger=ledger)
    assert genuine.amount.to_json() == "1949.00"


def test_a_budget_record_lowered_is_refused_by_the_ledger(
        orders: tuple[promokit.PriceResult, promokit.PriceResult], ledger: Ledger) -> None:
    """o2's cap edited from 10.00 to 0.01 left (and the result priced to match: 2998.99) is
    refused: the ledger took 10.00 of x-300-50's budget for o2 and counted 2989.00 paid."""
    effects = [LimitEffect("tv-flash", "units", "refused", of=1, used=1, reserved=0),
               LimitEffect("x-300-50", "budget", "capped",
                           left=promokit.Money.of("0.01", "CNY"))]
    forged = stored(price(plan_of(CAMPAIGN), promokit.Cart.model_validate(cart("c2")),
                          limits=replayed(effects), order_id="o2"))
    assert forged["payable"] == "2998.99"
    with pytest.raises(promokit.RefundError, match="x-300-50"):
        promokit.refunds.verify(forged, campaign=CAMPAIGN, ledger=ledger)


@pytest.mark.parametrize(("at", "edit", "says"), [
    (0, {"rule": "tv-flash", "limit": "uses", "effect": "refused", "of": 1, "used": 1,
         "reserved": 0}, "declares no uses limit"),
    (0, {"rule": "nobody", "limit": "units", "effect": "refused", "of": 1, "used": 1,
         "reserved": 0}, "not a limited rule"),
    (0, {"rule": "tv-flash", "limit": "units", "effect": "refused", "of": 1000,
         "used": 1000, "reserved": 0}, "the campaign declares 1"),
    (1, {"rule": "x-300-50", "limit": "budget", "effect": "capped", "left": "70.00"},
     "more than the budget of 60.00"),
    (2, {"rule": "x-300-50", "limit": "budget", "effect": "capped", "left": "1.00"},
     "recorded twice"),
])
def test_a_record_the_campaign_cannot_produce_is_refused(
        orders: tuple[promokit.PriceResult, promokit.PriceResult], at: int,
        edit: dict[str, Any], says: str) -> None:
    """A limit the rule does not declare, a rule that is not limited, a stock of 1000 where the
    campaign declares 1 (each in place of the stock's entry), 70.00 left of a 60.00 budget (in
    place of the cap's), a rule recorded twice (added): re-pricing refuses the record, naming
    the entry; a refund pays nothing."""
    data = stored(orders[1])
    effects = data["limit_effects"]
    data["limit_effects"] = [*effects[:at], edit, *effects[at + 1:]]
    with pytest.raises(promokit.InputError) as bad:
        CAMPAIGN.reprice(data)
    assert says in bad.value.problems[0].message
    assert bad.value.problems[0].path == f"limit_effects[{at}]"
    with pytest.raises(promokit.RefundError):
        promokit.refund(data, {"l1": 1}, campaign=CAMPAIGN)


@pytest.mark.parametrize("entry", [
    {"rule": "tv-flash", "limit": "units", "effect": "capped", "of": 1, "used": 1,
     "reserved": 0},                                                  # a count never caps
    {"rule": "x-300-50", "limit": "budget", "effect": "capped"},      # no amount left
    {"rule": "x-300-50", "limit": "budget", "effect": "capped", "left": "-1.00"},
    {"rule": "tv-flash", "limit": "units", "effect": "refused", "left": "1.00"},
    {"rule": "tv-flash", "limit": "stock", "effect": "refused", "of": 1, "used": 1,
     "reserved": 0},
])
def test_a_malformed_record_is_refused_on_reading(
        orders: tuple[promokit.PriceResult, promokit.PriceResult], entry: dict[str, Any]
        ) -> None:
    """An entry of the wrong shape is refused by ``PriceResult.from_dict``, with its place."""
    data = stored(orders[1])
    data["limit_effects"] = [entry]
    with pytest.raises(promokit.InputError) as bad:
        promokit.PriceResult.from_dict(data)
    assert bad.value.problems[0].path.startswith("limit_effects.0")


def test_the_published_schema_takes_the_record(
        orders: tuple[promokit.PriceResult, promokit.PriceResult]) -> None:
    """Both stored results validate against the result's JSON Schema; an unknown limit name or
    a float in the record does not."""
    validator = Draft202012Validator(result_schema())
    for result in orders:
        validator.validate(stored(result))
    bad = stored(orders[1])
    for wrong in ({"limit": "stock"}, {"of": 1.5}):
        broken = copy.deepcopy(bad)
        broken["limit_effects"][0].update(wrong)
        assert not validator.is_valid(broken)


def test_a_coupon_kinds_limit_replays_under_the_coupon(ledger: Ledger) -> None:
    """Shop coupons may be used once in all (``coupon_policy.kinds.shop.limits.uses: 1``). c1
    uses A-1 (20.00 off 100.00: 80.00); then c2's A-2 is refused for the kind's uses (1 used of
    1), recorded under rule ``coupon:A-2``; c2 pays 100.00, the result re-prices to itself and
    a full return against the campaign and the ledger refunds 100.00."""
    from datetime import datetime

    from promokit.ledger import Consumption, IssuedCoupon

    paid = datetime.fromisoformat(PAID)
    campaign = promokit.Campaign.from_dict({
        "campaign": "coupon-limit", "currency": "CNY", "timezone": "Asia/Shanghai",
        "rules": [], "coupon_policy": {"kinds": {"shop": {"stage": "shop",
                                                          "limits": {"uses": 1}}}}})
    for n, customer in ((1, "c1"), (2, "c2")):
        ledger.reserve(f"seed{n}", Consumption(customer=customer, currency="CNY", issued=(
            IssuedCoupon(code=f"A-{n}", customer=customer, face=2000, kind="shop",
                         shop="A"),)), {})
        ledger.commit(f"seed{n}", at=paid)

    def data(n: int) -> dict[str, Any]:
        return {"currency": "CNY", "at": AT, "customer": {"id": f"c{n}"},
                "lines": [{"id": "a", "sku": "S", "shop": "A", "unit_price": "100.00",
                           "quantity": 1}],
                "wallet": [{"id": f"A-{n}", "kind": "shop", "shop": "A", "value": "20.00"}],
                "coupons": [f"A-{n}"]}

    first = promokit.checkout(campaign, data(1), ledger, "o1")
    ledger.commit("o1", at=paid)
    assert first.payable.to_json() == "80.00"
    second = promokit.checkout(campaign, data(2), ledger, "o2")
    ledger.commit("o2", at=paid)
    assert second.payable.to_json() == "100.00"
    assert second.limit_effects == (
        LimitEffect("coupon:A-2", "uses", "refused", of=1, used=1, reserved=0),)
    assert {c.id: c.reason for c in second.coupons}["A-2"] == "limit_reached"
    assert campaign.reprice(stored(second)).to_dict() == stored(second)
    done = promokit.refund(stored(second), {"a": 1}, campaign=campaign, ledger=ledger)
    assert done.amount.to_json() == "100.00"


def test_a_best_coupon_result_replays_the_refusals_its_search_met(ledger: Ledger) -> None:
    """Best-coupon mode, shop coupons usable once in all, platform coupons with a 25.00 budget,
    满50减10 with a 15.00 budget that caps. c1 (100.00) takes S1 (20.00) and P1 (20.00), then
    10.00: 50.00 paid; 0 shop uses, 5.00 of the platform budget and 5.00 of the 满减's are left.
    c2's search finds every coupon refused (S1 and S2: uses; P1: 20.00 asked, 5.00 left), none
    chosen, and the 满减 capped to 5.00: 95.00. The refusals the search met are recorded too,
    so the result re-prices to itself and refunds 95.00."""
    from datetime import datetime

    from promokit.ledger import Consumption, IssuedCoupon

    paid = datetime.fromisoformat(PAID)
    campaign = promokit.Campaign.from_dict({
        "campaign": "best-limits", "currency": "CNY", "timezone": "Asia/Shanghai",
        "rules": [{"id": "x-50-10", "kind": "threshold", "stage": "cross_store",
                   "scope": "pool", "min_spend": 50, "discount": 10,
                   "limits": {"budget": "15.00", "on_exhausted": "cap"}}],
        "coupon_policy": {"kinds": {
            "shop": {"stage": "shop", "limits": {"uses": 1}},
            "platform": {"stage": "platform", "limits": {"budget": "25.00"}}}}})
    n = 0
    for c in ("c1", "c2"):
        for code, kind, face, shop in ((f"{c}-S1", "shop", 2000, "A"),
                                       (f"{c}-S2", "shop", 1500, "A"),
                                       (f"{c}-P1", "platform", 2000, None)):
            n += 1
            ledger.reserve(f"seed{n}", Consumption(customer=c, currency="CNY", issued=(
                IssuedCoupon(code=code, customer=c, face=face, kind=kind, shop=shop),)), {})
            ledger.commit(f"seed{n}", at=paid)
    got = []
    for k, c in enumerate(("c1", "c2")):
        data = {"currency": "CNY", "at": AT, "customer": {"id": c},
                "lines": [{"id": "a", "sku": "S", "shop": "A", "unit_price": "100.00",
                           "quantity": 1}],
                "wallet": [w.to_cart() for w in ledger.wallet(c, paid)]}
        got.append(promokit.checkout(campaign, data, ledger, f"o{k}", best_coupons=True))
        ledger.commit(f"o{k}", at=paid)
    first, second = got
    assert first.payable.to_json() == "50.00" and first.chosen_coupons == ("c1-S1", "c1-P1")
    assert second.payable.to_json() == "95.00" and second.chosen_coupons == ()
    assert [(e.rule, e.limit, e.effect) for e in second.limit_effects] == [
        ("coupon:c2-P1", "budget", "refused"), ("coupon:c2-S1", "uses", "refused"),
        ("coupon:c2-S2", "uses", "refused"), ("x-50-10", "budget", "capped")]
    for result, refunded in ((first, "50.00"), (second, "95.00")):
        data = stored(result)
        assert campaign.reprice(data).to_dict() == data
        done = promokit.refund(data, {"a": 1}, campaign=campaign, ledger=ledger)
        assert done.amount.to_json() == refunded
