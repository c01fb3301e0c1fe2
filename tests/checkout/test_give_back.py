"""What a refund gives back to the ledger's budgets: exact, whatever the order of the refunds.

A rule's discount on a line is given back pro rata to the units returned, on the cumulative
count: each refund gives back ``discount x returned so far // quantity`` less the same for the
units returned before it. So a run of partial refunds that returns every unit gives back
exactly the discount, never a minor unit more at any step (rounding each refund down on its own
would have kept 0.01 of a 100.00 discount over 3 units: 33.33 three times).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import promokit
from promokit.checkout import consumption, give_back
from promokit.ledger import open_ledger

CAMPAIGN = promokit.Campaign.from_dict({
    "campaign": "give-back", "currency": "CNY", "timezone": "Asia/Shanghai", "rules": [
        {"id": "flash", "kind": "special_price", "stage": "item", "select": {"skus": ["S1"]},
         "price": "33.33", "limits": {"units": 1000}},
        {"id": "every-100-30", "kind": "threshold", "stage": "shop", "scope": "shop",
         "every": 100, "discount": 30, "cap": None, "limits": {"budget": "100000.00"}}]})
AT = "2026-11-11T00:00:00+08:00"


def _cart(lines: list[tuple[int, int]]) -> dict[str, object]:
    return {"currency": "CNY", "at": AT, "customer": {"id": "u1"}, "lines": [
        {"id": f"l{k}", "sku": f"S{k}", "shop": "A",
         "unit_price": f"{cents // 100}.{cents % 100:02d}", "quantity": qty}
        for k, (cents, qty) in enumerate(lines)]}


def test_three_refunds_of_one_unit_give_back_the_whole_discount() -> None:
    """Every 100 off 30 on one line of 3 x 111.11 (333.33: 3 x 30.00 = 90.00 off); refunds
    of one unit each give back 30.00 each (cumulative shares 30.00, 60.00, 90.00), summing to
    the 90.00 the rule took."""
    result = CAMPAIGN.price(_cart([(11111, 3)]))
    took = consumption(result, CAMPAIGN).limits["every-100-30"]
    assert took.budget == 9000
    earlier: list[promokit.Refund] = []
    backs = []
    for _ in range(3):
        refund = promokit.refund(result, {"l0": 1}, earlier=earlier)
        earlier.append(refund)
        backs.append(give_back(refund, result, CAMPAIGN).limits["every-100-30"].budget)
    assert backs == [3000, 3000, 3000] and sum(backs) == took.budget


def test_a_discount_that_does_not_divide_gives_back_its_last_minor_unit_with_the_last_unit(
        ) -> None:
    """Every 100 off 30 on 7 x 15.00 (105.00: 30.00 off, 3000 / 7 = 428.57 a unit): returning
    1 unit gives back 3000 x 1 // 7 = 4.28, then the other 6 give back 30.00 - 4.28 = 25.72.
    (Rounding each refund down on its own would give 4.28 + 25.71: 0.01 never returned.)"""
    result = CAMPAIGN.price(_cart([(1500, 7)]))
    took = consumption(result, CAMPAIGN).limits["every-100-30"].budget
    assert took == 3000
    first = promokit.refund(result, {"l0": 1})
    rest = promokit.refund(result, {"l0": 6}, earlier=[first])
    one = give_back(first, result, CAMPAIGN).limits["every-100-30"]
    two = give_back(rest, result, CAMPAIGN).limits["every-100-30"]
    assert (one.budget, two.budget) == (428, 2572)
    assert (one.uses, two.uses, one.units, two.units) == (0, 1, 1, 6)


def test_a_reprice_refund_gives_back_the_discount_clawed_back_too() -> None:
    """Every 100 off 30 on 150.00 + 60.00 (210.00: 60.00 off, allocated 42.86 to the 150.00
    line and 17.14 to the 60.00 one). Returning the 60.00 line under ``reprice``: what remains
    (150.00) gets 30.00 off, so the order's discount fell by 30.00 (17.14 on the returned line
    plus 12.86 clawed back from the other) and 30.00 goes back to the budget, not the 17.14
    the allocated policy gives back; returning the rest gives back the other 30.00."""
    cart = _cart([(15000, 1), (6000, 1)])
    cart["lines"][1]["sku"] = "B"  # not the flash sale's S1
    result = CAMPAIGN.price(cart)
    assert consumption(result, CAMPAIGN).limits["every-100-30"].budget == 6000
    first = promokit.refund(result, {"l1": 1}, policy="reprice", campaign=CAMPAIGN)
    assert (first.amount.to_json(), first.clawback.to_json()) == ("30.00", "12.86")
    back = give_back(first, result, CAMPAIGN).limits["every-100-30"]
    assert (back.uses, back.budget, back.units) == (0, 3000, 1)
    allocated = give_back(promokit.refund(result, {"l1": 1}), result, CAMPAIGN)
    assert allocated.limits["every-100-30"].budget == 1714
    rest = promokit.refund(result, {"l0": 1}, policy="reprice", campaign=CAMPAIGN,
                           earlier=[first])
    assert rest.amount.to_json() == "120.00"
    last = give_back(rest, result, CAMPAIGN).limits["every-100-30"]
    assert (last.uses, last.budget, last.units) == (1, 3000, 1)


lines_st = st.lists(st.tuples(st.integers(1, 50_000), st.integers(1, 5)), min_size=1,
                    max_size=4)


@pytest.mark.parametrize("policy", ["allocated", "reprice"])
@settings(max_examples=40, deadline=None)
@given(lines=lines_st, data=st.data())
def test_refunds_of_every_unit_give_back_exactly_what_was_consumed(
        policy: str, lines: list[tuple[int, int]], data: st.DataObject) -> None:
    """Random carts, returned in random partial refunds until nothing is left, under either
    refund policy: per limited rule, every refund gives back >= 0, the running total never
    exceeds what the order took, and the total is exactly what it took (budget, units, and the
    one use on the full return); the ledger accepts each give-back and ends with nothing
    used."""
    result = CAMPAIGN.price(_cart(lines))
    took = consumption(result, CAMPAIGN)
    left = {f"l{k}": qty for k, (_, qty) in enumerate(lines)}
    earlier: list[promokit.Refund] = []
    total: dict[str, list[int]] = {}
    paid = datetime.fromisoformat(AT) + timedelta(minutes=1)
    with open_ledger("sqlite:///:memory:") as ledger:
        ledger.init()
        limits = {r.id: r.limits for r in CAMPAIGN.spec.rules if r.limits is not None}
        ledger.reserve("o", took, limits, at=datetime.fromisoformat(AT), zone="Asia/Shanghai")
        ledger.commit("o", at=paid)
        while any(left.values()):
            line = data.draw(st.sampled_from(sorted(k for k, v in left.items() if v)))
            units = data.draw(st.integers(1, left[line]))
            left[line] -= units
            refund = promokit.refund(result, {line: units}, earlier=earlier, policy=policy,
                                     campaign=CAMPAIGN)
            earlier.append(refund)
            back = give_back(refund, result, CAMPAIGN)
            for rule, use in back.limits.items():
                run = total.setdefault(rule, [0, 0, 0])
                run[0] += use.uses
                run[1] += use.budget
                run[2] += use.units
                have = took.limits[rule]
                assert use.budget >= 0
                assert run[1] <= have.budget and run[2] <= have.units and run[0] <= 1
            ledger.refund("o", f"r{len(earlier)}", back, at=paid)
        assert total == {rule: [use.uses, use.budget, use.units]
                         for rule, use in took.limits.items()}
        snap = ledger.snapshot(limits, "u1", at=datetime.fromisoformat(AT),
                               zone="Asia/Shanghai")
        assert all(s.budget.used == s.units.used == s.uses.used == 0 for s in snap.values())
        assert ledger.verify().ok
