"""Gifts on return (DOMAIN.md "Gift with purchase": 赠品退还): a gift rule's ``on_return``.

The worked case of docs/campaign-format.md: 3 TVs at 66.67 (200.01) reach 满200 and the cart carries
the bag (value 29.90) at 0.00; one TV (66.67) is returned and the bag kept, so the remaining
133.34 no longer earns the gift. Hand-checked per policy:

- no declaration: allocated refunds 66.67; reprice 66.67 - 29.90 = 36.77 (the bag is priced);
- keep: 66.67 under both policies;
- deduct: 66.67 - 29.90 = 36.77 under both (with a 0.01 token price: 66.67 - 29.89 = 36.78);
- return: refused unless the bag comes back too; with it, 66.67 + 0.00.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import campaign, cart, cny, line, splits

from promokit import Campaign, PriceResult, RefundError, load_campaign, load_cart, refund

BAG = {"sku": "BAG", "name": "帆布袋", "value": "29.90"}
POLICIES = ("allocated", "reprice")


def _campaign(**more: Any) -> Campaign:
    return campaign({"id": "g", "kind": "gift", "stage": "shop", "min_spend": 200, "gift": BAG,
                     **more})


def _order(c: Campaign, bag: bool = True) -> PriceResult:
    lines = [line("tv", "66.67", qty=3, sku="TV")]
    if bag:
        lines.append(line("bag", "29.90", sku="BAG"))
    return c.price(cart(*lines))


@pytest.mark.parametrize(("on_return", "policy", "refunded"), [
    (None, "allocated", "66.67"), (None, "reprice", "36.77"),
    ("keep", "allocated", "66.67"), ("keep", "reprice", "66.67"),
    ("deduct", "allocated", "36.77"), ("deduct", "reprice", "36.77"),
])
def test_one_tv_returned_the_bag_kept(on_return: str | None, policy: str,
                                      refunded: str) -> None:
    """The docs' worked example under each declaration and refund policy."""
    c = _campaign(**({"on_return": on_return} if on_return else {}))
    r = refund(_order(c), {"tv": 1}, policy=policy, campaign=c)
    assert r.amount == cny(refunded)
    if on_return == "deduct":
        assert [(g.rule, g.gifts, g.amount) for g in r.gifts] == [("g", 1, cny("29.90"))]
        assert any("on_return: deduct" in n and "29.90" in n for n in r.notes)
        assert r.settlement.shop("A").retained == cny("29.90")
        assert r.to_dict()["gifts"] == [{"rule": "g", "sku": "BAG", "gifts": 1,
                                         "policy": "deduct", "amount": "29.90"}]
    else:
        assert r.gifts == ()


@pytest.mark.parametrize("policy", POLICIES)
def test_deduct_takes_the_value_less_the_token_price_paid(policy: str) -> None:
    """With price 0.01 the bag cost 0.01: 29.90 - 0.01 = 29.89 off; 66.67 - 29.89 = 36.78."""
    c = _campaign(on_return="deduct", price="0.01")
    r = refund(_order(c), {"tv": 1}, policy=policy, campaign=c)
    assert (r.amount, r.gifts[0].amount) == (cny("36.78"), cny("29.89"))
    assert any("less the 0.01 paid for it" in n for n in r.notes)


@pytest.mark.parametrize("policy", POLICIES)
def test_return_refuses_a_refund_that_keeps_the_gift(policy: str) -> None:
    """on_return: return, the bag kept: refused, naming the rule, the gift and the line."""
    c = _campaign(on_return="return")
    with pytest.raises(RefundError) as err:
        refund(_order(c), {"tv": 1}, policy=policy, campaign=c)
    text = str(err.value)
    assert "'g'" in text and "帆布袋 (BAG)" in text and "bag:1" in text


@pytest.mark.parametrize("policy", POLICIES)
def test_return_with_the_gift_line_refunds_in_full(policy: str) -> None:
    """The TV and the bag come back together: 66.67 + 0.00 refunded, nothing deducted."""
    c = _campaign(on_return="return")
    r = refund(_order(c), {"tv": 1, "bag": 1}, policy=policy, campaign=c)
    assert (r.amount, r.gifts) == (cny("66.67"), ())


@pytest.mark.parametrize("policy", POLICIES)
def test_return_of_a_gift_given_without_a_line_deducts_it(policy: str) -> None:
    """No bag line: nothing can come back through the refund, so its value is deducted."""
    c = _campaign(on_return="return")
    r = refund(_order(c, bag=False), {"tv": 1}, policy=policy, campaign=c)
    assert (r.amount, r.gifts[0].policy) == (cny("36.77"), "return")


@pytest.mark.parametrize("policy", POLICIES)
def test_a_deduction_never_exceeds_the_refund(policy: str) -> None:
    """A 99.00 warranty given without a line; one 66.67 TV returned: at most 66.67 is taken,
    0.00 refunded, and the note says the deduction was capped."""
    c = campaign({"id": "g", "kind": "gift", "stage": "shop", "min_spend": 200,
                  "gift": {"sku": "EXT", "name": "延保1年", "value": "99.00"},
                  "on_return": "deduct"})
    r = refund(_order(c, bag=False), {"tv": 1}, policy=policy, campaign=c)
    assert (r.amount, r.gifts[0].amount) == (cny("0.00"), cny("66.67"))
    assert any("only 66.67" in n for n in r.notes)


@pytest.mark.parametrize("policy", POLICIES)
def test_a_full_return_never_deducts(policy: str) -> None:
    """Everything back at once (the bag included or not: the order is over): all paid."""
    c = _campaign(on_return="deduct")
    r = refund(_order(c), {"tv": 3, "bag": 1}, policy=policy, campaign=c)
    assert (r.amount, r.gifts, r.full_return) == (cny("200.01"), (), True)


@pytest.mark.parametrize("policy", POLICIES)
def test_a_gift_is_settled_once(policy: str) -> None:
    """First TV back: 29.90 deducted; second TV back: the gift is settled, 66.67 in full.
    Replayed as earlier refunds, the chain gives the same."""
    c = _campaign(on_return="deduct")
    order = _order(c)
    first = refund(order, {"tv": 1}, policy=policy, campaign=c)
    second = refund(order, {"tv": 1}, policy=policy, campaign=c, earlier=[first.to_dict()])
    assert (first.amount, second.amount, second.gifts) == (cny("36.77"), cny("66.67"), ())


def test_a_declared_policy_needs_the_campaign() -> None:
    """Without the campaign the refund cannot judge what the rest earns: a clear error."""
    c = _campaign(on_return="deduct")
    with pytest.raises(RefundError, match=r"on_return: deduct.*needs the campaign"):
        refund(_order(c), {"tv": 1})


def test_keep_says_so() -> None:
    """on_return: keep under reprice names the gift the customer keeps in the notes (under
    allocated it changes nothing, and needs no campaign)."""
    c = _campaign(on_return="keep")
    assert refund(_order(c), {"tv": 1}).amount == cny("66.67")
    r = refund(_order(c), {"tv": 1}, policy="reprice", campaign=c)
    assert any("on_return: keep" in n and "帆布袋" in n for n in r.notes)


@st.composite
def _orders(draw: st.DrawFn) -> tuple[Campaign, PriceResult, list[dict[str, int]], str]:
    """A gift campaign with a random policy and token price; an order of TVs (and maybe the bag,
    maybe a shipping fee); its units cut into successive returns."""
    more: dict[str, Any] = {"on_return": draw(st.sampled_from(["keep", "return", "deduct"]))}
    if draw(st.booleans()):
        more["price"] = "0.01"
    if draw(st.booleans()):
        more["gift"] = {"sku": "EXT", "name": "延保", "value": draw(st.sampled_from(
            ["9.99", "99.00", "500.00"]))}
    c = _campaign(**more)
    n = draw(st.integers(1, 4))
    lines = [line(f"tv{k}", draw(st.sampled_from(["66.67", "33.33", "150.00"])),
                  qty=draw(st.integers(1, 3)), sku="TV") for k in range(n)]
    if draw(st.booleans()):
        lines.append(line("bag", "29.90", qty=draw(st.integers(1, 2)), sku="BAG"))
    ship = {"A": "8.00"} if draw(st.booleans()) else {}
    order = c.price(cart(*lines, shipping=ship))
    steps = draw(splits(order))
    return c, order, steps, draw(st.sampled_from(POLICIES))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_orders())
def test_refunds_never_exceed_what_was_paid(case: tuple[Campaign, PriceResult,
                                                        list[dict[str, int]], str]) -> None:
    """Each refund is at most what was paid for its returned lines (and their shop's shipping);
    all refunds of an order add up to at most its total; a refusal is a RefundError (on_return:
    return with the gift kept), never anything else."""
    c, order, steps, policy = case
    done: list[dict[str, Any]] = []
    total = 0
    for step in steps:
        try:
            r = refund(order, step, policy=policy, campaign=c, earlier=done)
        except RefundError as exc:
            assert "on_return: return" in str(exc)
            return
        paid = sum(x.paid.minor for x in r.lines) + sum(a.minor for _s, a in r.shipping)
        assert 0 <= r.amount.minor <= paid
        assert all(0 <= x.refund.minor <= x.paid.minor for x in r.lines)
        total += r.amount.minor
        done.append(r.to_dict())
    assert total <= order.total.minor


@pytest.mark.parametrize("policy", POLICIES)
def test_replaying_a_deduction_needs_the_campaign(policy: str) -> None:
    """An earlier refund that deducted a gift is recomputed, never trusted: without the
    campaign the next refund is refused with that reason."""
    c = _campaign(on_return="deduct")
    order = _order(c)
    first = refund(order, {"tv": 1}, policy=policy, campaign=c)
    with pytest.raises(RefundError, match="needs the campaign"):
        refund(order, {"tv": 1}, policy=policy, earlier=[first.to_dict()])


def test_the_receipt_shows_the_deduction() -> None:
    """The refund receipt lists the gift deducted with its rule and sku."""
    c = _campaign(on_return="deduct")
    text = refund(_order(c), {"tv": 1}, campaign=c).receipt()
    assert "gift deducted (g, 1 x BAG)" in text and "-29.90" in text


@pytest.mark.parametrize("policy", POLICIES)
def test_the_double11_example_deducts_its_bag(policy: str) -> None:
    """examples/double11-gifts declares on_return: deduct. One tea (121.94 paid) and the
    earbuds (665.86) come back; what remains, 3 nuts (99.75 after 第二件半价) and one tea
    (128.00), is 227.75, under 满300, and the bag stays: 787.80 - 29.90 = 757.90. The 29.90 is
    split 121.94 : 665.86 = 4.6281 -> 4.63 and 25.2718 -> 25.27, so tea refunds 117.31 and the
    earbuds 640.59 (under reprice the re-priced cart would refund 0.59 more than was paid:
    capped, then deducted)."""
    folder = Path(__file__).resolve().parents[2] / "examples" / "double11-gifts"
    c = load_campaign(folder / "campaign.yaml")
    order = c.price(load_cart(folder / "cart.json"))
    r = refund(order, {"earbuds": 1, "tea": 1}, policy=policy, campaign=c)
    assert r.amount == cny("757.90")
    assert {x.id: (x.paid, x.refund) for x in r.lines} == {
        "tea": (cny("121.94"), cny("117.31")), "earbuds": (cny("665.86"), cny("640.59"))}
    assert "its value 29.90 is deducted from the refund" in r.notes[-1]
