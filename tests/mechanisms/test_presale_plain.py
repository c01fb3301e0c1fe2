"""Plain pre-sales (issue 15): a deposit that counts only as itself (定金, no 膨胀), and 付定金立减
alone. Per DOMAIN.md "Pre-sale: deposit, boost, balance": thresholds of later stages are judged
on deposit + balance (after any 立减), the deposit phase and the forfeit rule are unchanged.
Every number is worked by hand in its comment.
"""

from __future__ import annotations

from typing import Any

import pytest

from promokit import CampaignError
from promokit.rules import Reason
from promokit.rules.presale import Presale

from ._support import applied, campaign, cart, cny, core, line, missed

STAGES = ["item", "presale", "shop", "member", "cross_store", "platform"]
DEPOSIT_AT = "2026-10-25T12:00:00+08:00"
BALANCE_AT = "2026-11-11T10:00:00+08:00"
LATE_AT = "2026-11-12T10:00:00+08:00"
WINDOWS = {"deposit_window": {"start": "2026-10-20T20:00:00", "end": "2026-11-01T00:00:00"},
           "balance_window": {"start": "2026-11-10T20:00:00", "end": "2026-11-12T00:00:00"}}
TV = line("tv", "800.00")


def plain(rid: str = "ps", deposit: str = "100", **more: Any) -> dict[str, Any]:
    """A plain pre-sale on sku TV: no counts_as, Double 11 windows."""
    return {"id": rid, "kind": "presale", "stage": "presale", "select": {"skus": ["TV"]},
            "deposit": deposit, **WINDOWS, **more}


@pytest.mark.parametrize("terms", [{}, {"counts_as": "100"}])
def test_plain_deposit_on_800_pays_100_then_700(terms: dict[str, Any]) -> None:
    """Deposit 100 counting as itself on 800: 100 now, 700 at the balance, 800 in all."""
    c = campaign(plain(**terms), stages=STAGES)
    deposit = core(c.price(cart(TV, at=DEPOSIT_AT), phase="deposit"))
    balance = core(c.price(cart(TV, at=BALANCE_AT), phase="balance"))
    assert deposit.payable == cny("100")
    tv = balance.line("tv")
    assert tv.presale is not None
    assert (tv.presale["deposit"], tv.presale["counts_as"], tv.presale["boost"]) == (
        cny("100"), cny("100"), cny("0"))
    # 800 - 0 boost = 800 net; 100 prepaid; 700 due
    assert (tv.net, tv.prepaid, tv.due) == (cny("800"), cny("100"), cny("700"))
    assert deposit.payable + balance.payable == balance.total == cny("800")
    assert not [n for n in balance.not_applied if n.rule == "ps"]  # nothing to explain away


def test_instant_reduction_alone() -> None:
    """付定金立减50 with a plain deposit of 100 on 800: net 750, due 650."""
    r = core(campaign(plain(instant_reduction="50"), stages=STAGES).price(
        cart(TV, at=BALANCE_AT)))
    tv = r.line("tv")
    assert (tv.net, tv.prepaid, tv.due) == (cny("750"), cny("100"), cny("650"))
    assert applied(r, "ps.instant_reduction").amount == cny("50")


def test_threshold_is_judged_on_deposit_plus_balance() -> None:
    """满750减50 across shops: 800 - 立减50 = 750 = deposit 100 + balance 650 reaches it, so the
    balance due is 750 - 50 - 100 = 600 (on the balance alone, 650, it would not)."""
    spend = {"id": "x", "kind": "threshold", "stage": "cross_store", "min_spend": 750,
             "discount": 50}
    r = core(campaign(plain(instant_reduction="50"), spend, stages=STAGES).price(
        cart(TV, at=BALANCE_AT)))
    assert applied(r, "x").amount == cny("50")
    assert (r.total, r.prepaid_total, r.payable) == (cny("700"), cny("100"), cny("600"))


def test_percent_threshold_on_an_uneven_price() -> None:
    """A plain deposit of 100 on 799.99 and 满500打95折: 5% of 799.99 = 39.9995 -> 40.00 (half up);
    net 759.99, due 659.99."""
    pct = {"id": "x", "kind": "threshold", "stage": "cross_store", "min_spend": 500, "percent": 5}
    r = core(campaign(plain(), pct, stages=STAGES).price(
        cart(line("tv", "799.99"), at=BALANCE_AT)))
    assert applied(r, "x").amount == cny("40.00")
    assert (r.total, r.payable) == (cny("759.99"), cny("659.99"))


def test_no_promotion_goes_below_the_deposit() -> None:
    """An amount_off of 750 on the 800 TV stops at the deposit floor: net 100, nothing due."""
    cut = {"id": "big", "kind": "amount_off", "stage": "item", "amount": 750}
    r = core(campaign(plain(), cut, stages=STAGES).price(cart(TV, at=BALANCE_AT)))
    assert (r.line("tv").net, r.payable) == (cny("100"), cny("0"))


def test_balance_outside_its_window_forfeits_the_deposit_and_the_reduction() -> None:
    """Paid late: no credit for the deposit and no 立减: the full 800 is due."""
    r = core(campaign(plain(instant_reduction="50"), stages=STAGES).price(
        cart(TV, at=LATE_AT)))
    assert r.payable == cny("800")
    assert missed(r, "ps").reason == Reason.BALANCE_WINDOW_MISSED


def test_counts_as_below_the_deposit_is_still_an_error() -> None:
    """A deposit worth less than itself makes no sense: refused at load, naming both."""
    with pytest.raises(CampaignError, match="counts_as 90 is below the deposit 100"):
        campaign(plain(counts_as="90"), stages=STAGES)


def test_plain_deposit_describes_itself() -> None:
    """The sentence says the deposit is credited, not boosted, in both languages."""
    spec = Presale.model_validate(plain(instant_reduction="50"))
    assert spec.describe("zh") == "预售：付定金100，尾款时全额抵扣，付定金立减50"
    assert spec.describe("en") == ("pre-sale: a deposit of 100, credited in full against the "
                                   "price, and paying it takes 50 off the price")
