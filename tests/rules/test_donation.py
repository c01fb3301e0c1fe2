"""``kind: donation`` (每单捐赠1元): a pledge per order (or per shop in the order) funded by the
shop or the platform; shown in ``applied[]`` (amount 0.00, the pledge in its detail, its funder
and shop), on the receipt and in both languages; it never changes what the customer pays."""

from __future__ import annotations

from typing import Any

import pytest
from support import applied, campaign, cart, cny, line, missed

from promokit import CampaignError
from promokit.testing import check_invariants

ONE_YUAN = {"id": "give", "kind": "donation", "stage": "shop", "amount": 1, "to": "希望工程"}
TEN_OFF = {"id": "ten", "kind": "percent_off", "stage": "item", "percent": 10}


def _two_shops() -> dict[str, Any]:
    """A 33.33 x 3 = 99.99 in shop A, 10.01 in shop B, fee 6.00 for A."""
    return cart(line("a", "33.33", qty=3), line("b", "10.01", shop="B"), shipping={"A": "6.00"})


def test_pledge_never_changes_what_the_customer_pays() -> None:
    """With and without the pledge: 99.99 + 10.01 - 10% per line (9.999 -> 10.00, 1.001 ->
    1.00) + 6.00 = 105.00 either way."""
    with_it = campaign(TEN_OFF, ONE_YUAN).price(_two_shops())
    without = campaign(TEN_OFF).price(_two_shops())
    assert with_it.payable == without.payable == cny("105.00")
    assert [x.net for x in with_it.lines] == [x.net for x in without.lines]
    check_invariants(with_it)


def test_per_order_pledge_is_one_record_with_its_funder() -> None:
    """每单捐赠1元 funded by the platform: one applied record, amount 0.00, no allocations."""
    r = campaign({**ONE_YUAN, "funded_by": "platform"}).price(_two_shops())
    a = applied(r, "give")
    assert (a.amount, a.times, a.shop, a.funded_by, a.allocations) == (
        cny("0"), 1, None, "platform", ())
    assert a.detail == "pledges 1.00 to 希望工程, funded by platform"
    assert "pledges 1.00 to 希望工程" in r.receipt()


def test_per_shop_pledge_once_per_shop_for_settlement() -> None:
    """per: shop, funded by the merchant: shop A and shop B each pledge 1.00 (two records, each
    naming its shop, so each shop's settlement shows its own pledge); base = each shop's goods."""
    r = campaign({**ONE_YUAN, "per": "shop"}).price(_two_shops())
    got = {a.shop: (a.base, a.detail) for a in r.applied if a.rule == "give"}
    assert got == {"A": (cny("99.99"), "pledges 1.00 to 希望工程, funded by merchant"),
                   "B": (cny("10.01"), "pledges 1.00 to 希望工程, funded by merchant")}


def test_minimum_spend_an_uneven_amount() -> None:
    """满100 per shop: A's 99.99 is 0.01 short (below_threshold, no saving to nudge); B's
    10.01 too. With 0.50 per order and no minimum, the uneven 0.50 is stated exactly."""
    r = campaign({**ONE_YUAN, "per": "shop", "min_spend": 100}).price(_two_shops())
    short = {n.shop: n.shortfall for n in r.not_applied if n.rule == "give"}
    assert short == {"A": cny("0.01"), "B": cny("89.99")}
    assert not r.nudges
    r = campaign({**ONE_YUAN, "amount": "0.50"}).price(_two_shops())
    assert applied(r, "give").detail.startswith("pledges 0.50 to")


def test_gates_apply_like_any_rule() -> None:
    """A pledge for first orders only: a customer with earlier orders gets none, with why."""
    rule = {**ONE_YUAN, "customers": {"first_order": True}}
    r = campaign(rule).price({**_two_shops(), "customer": {"orders": 2}})
    assert missed(r, "give").reason == "not_first_order"


def test_explained_in_both_languages() -> None:
    """The customer's sentence says who gives and that the customer pays nothing more."""
    from promokit.rules.donation import Donation
    spec = Donation.model_validate(ONE_YUAN)
    assert spec.describe("zh") == "每单由店铺捐赠1元给希望工程（不影响您的实付金额）"
    assert spec.describe("en") == ("the shop donates 1 to 希望工程 per order "
                                   "(you pay nothing more)")
    r = campaign(ONE_YUAN).price(_two_shops())
    assert "希望工程" in r.explain("zh") and "希望工程" in r.explain("en")


@pytest.mark.parametrize(("field", "value"), [("amount", 0), ("amount", "-1"),
                                              ("per", "week"), ("amount", "1.001")])
def test_bad_pledges_are_refused_naming_the_field(field: str, value: Any) -> None:
    """A pledge of 0 or less, an unknown ``per`` or sub-fen amount names the rule and field."""
    with pytest.raises(CampaignError, match=field):
        campaign({**ONE_YUAN, field: value})
