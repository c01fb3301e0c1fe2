"""``counts_toward_thresholds``: a gift whose reference value counts in the spend of later stages.

The default (false) keeps what DOMAIN.md reports of Western engines: a gift's value counts toward
no threshold. With ``true`` every rule of a LATER stage that judges a spend counts the gift at its
reference value (token price included, not twice), on whatever base it judges; a rule of the
gift's own stage does not see it. Hand-checked figures: 3 TVs at 66.67 (200.01, DOMAIN.md's
"满99 is inclusive" reading applied to 满200), a bag worth 29.90, a later 满229.90减25.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import applied, campaign, cart, cny, line, missed

from promokit import Campaign, CampaignError, Cart
from promokit._spec.campaign import CampaignSpec
from promokit.pricing import fast
from promokit.testing import check_invariants

BAG = {"sku": "BAG", "name": "帆布袋", "value": "29.90"}
STAGES = ["item", "shop", "platform"]


def _gift(**more: Any) -> dict[str, Any]:
    return {"id": "g", "kind": "gift", "stage": "shop", "min_spend": 200, "gift": BAG,
            "counts_toward_thresholds": True, **more}


def _later(**more: Any) -> dict[str, Any]:
    return {"id": "t", "kind": "threshold", "stage": "platform", "min_spend": "229.90",
            "discount": 25, **more}


def _tvs() -> list[dict[str, Any]]:
    """200.01 in two lines: 2 x 66.67 = 133.34 and 1 x 66.67."""
    return [line("tv1", "66.67", qty=2, sku="TV"), line("tv2", "66.67", sku="TV")]


def test_by_default_the_gift_counts_toward_no_threshold() -> None:
    """Without the declaration the later 满229.90 judges 200.01 alone: 29.89 short."""
    r = campaign(_gift(counts_toward_thresholds=False), _later(),
                 stages=STAGES).price(cart(*_tvs()))
    assert missed(r, "t").shortfall == cny("29.89")
    assert r.payable == cny("200.01")


def test_a_gift_given_as_a_record_counts_its_value_later() -> None:
    """200.01 + 29.90 = 229.91 reaches 满229.90: 25.00 off, allocated 133.34 : 66.67 =
    25 x 13334 / 20001 = 16.6667 -> 16.67 and 8.3333 -> 8.33 (largest remainder); 175.01 paid."""
    r = campaign(_gift(), _later(), stages=STAGES).price(cart(*_tvs()))
    g, t = applied(r, "g"), applied(r, "t")
    assert g.detail == ("gives 1 x 帆布袋 (BAG, value 29.90); its value counts toward later "
                        "thresholds")
    assert (t.base, t.amount) == (cny("229.91"), cny("25.00"))
    assert dict(t.allocations) == {"tv1": cny("16.67"), "tv2": cny("8.33")}
    assert r.payable == cny("175.01")
    check_invariants(r)


def test_a_carried_gift_line_counts_its_value_once() -> None:
    """The bag carried at 29.90 goes to 0.00; the later running base sees 200.01 + 0.00 and the
    gift adds 29.90 - 0.00: 229.91 again, and the bag line (weight 0) takes none of the 25.00."""
    r = campaign(_gift(), _later(), stages=STAGES).price(
        cart(*_tvs(), line("bag", "29.90", sku="BAG")))
    t = applied(r, "t")
    assert (t.base, t.amount) == (cny("229.91"), cny("25.00"))
    assert r.line("bag").net == cny("0.00")
    assert r.payable == cny("175.01")
    check_invariants(r)


def test_a_token_price_is_not_counted_twice() -> None:
    """With price 0.01 the carried bag costs 0.01; judged: 200.01 + 0.01 + (29.90 - 0.01) =
    229.91, the value once. The 25.00 now spreads over 133.34 : 66.67 : 0.01 = 16.67, 8.33, 0.00
    (the bag's share 25 x 1 / 20002 rounds to nothing); paid 200.02 - 25.00 = 175.02."""
    r = campaign(_gift(price="0.01"), _later(), stages=STAGES).price(
        cart(*_tvs(), line("bag", "29.90", sku="BAG")))
    t = applied(r, "t")
    assert (t.base, t.amount) == (cny("229.91"), cny("25.00"))
    assert r.payable == cny("175.02")
    check_invariants(r)


def test_a_list_base_counts_the_carried_line_once() -> None:
    """On ``list`` the carried bag still holds its cart price 29.90: that share is replaced by
    the gift's value (29.90), so the spend is 229.91 with or without the declaration."""
    for counts in (True, False):
        r = campaign(_gift(counts_toward_thresholds=counts), _later(base="list"),
                     stages=STAGES).price(cart(*_tvs(), line("bag", "29.90", sku="BAG")))
        assert applied(r, "t").base == cny("229.91")


def test_a_list_base_counts_a_record_gift() -> None:
    """On ``list`` a gift given as a record still adds its value: "whatever its base"."""
    r = campaign(_gift(), _later(base="list"), stages=STAGES).price(cart(*_tvs()))
    assert applied(r, "t").base == cny("229.91")


def test_rules_of_the_gift_stage_do_not_see_it() -> None:
    """A threshold in the gift's own stage, after it by priority, judges 200.01 alone."""
    same = _later(stage="shop", priority=1)
    r = campaign(_gift(), same, stages=STAGES).price(cart(*_tvs()))
    assert missed(r, "t").shortfall == cny("29.89")


def test_counted_once_per_order_at_the_line_that_earned_it() -> None:
    """Shop-scoped 满100减10 in two shops after a gift earned by both: shop A (the first line
    earning the gift) counts the 29.90; shop B does not. A: 80.00 + 29.90 = 109.90 reaches
    满100; B: 120.00 reaches it on its own."""
    gift = _gift(min_spend=200)
    shop = {"id": "t", "kind": "threshold", "stage": "platform", "scope": "shop",
            "min_spend": 100, "discount": 10}
    r = campaign(gift, shop, stages=STAGES).price(
        cart(line("a", "80.00", shop="A"), line("b", "120.00", shop="B")))
    bases = {a.shop: a.base for a in r.applied if a.rule == "t"}
    assert bases == {"A": cny("109.90"), "B": cny("120.00")}
    check_invariants(r)


def test_a_later_gift_judges_the_earlier_gift_too() -> None:
    """A second gift (满229.90) in a later stage is any rule judging a spend: it is reached."""
    second = {"id": "g2", "kind": "gift", "stage": "platform", "min_spend": "229.90",
              "gift": {"sku": "MUG", "name": "mug", "value": "9.90"}}
    r = campaign(_gift(), second, stages=STAGES).price(cart(*_tvs()))
    assert applied(r, "g2").base == cny("229.91")


def test_a_selection_without_the_earning_lines_does_not_count_it() -> None:
    """A later threshold over another shop's goods does not count a gift earned elsewhere."""
    other = _later(select={"shops": ["B"]}, min_spend=50)
    r = campaign(_gift(), other, stages=STAGES).price(
        cart(*_tvs(), line("x", "40.00", shop="B")))
    assert missed(r, "t").shortfall == cny("10.00")


_SETTINGS = settings(max_examples=120, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _cases(draw: st.DrawFn) -> tuple[Campaign, Cart]:
    """A counted gift (any base, maybe a token price) and later thresholds of every form, over a
    cart that may carry the gift line."""
    units = st.integers(1, 30000).map(lambda n: f"{n // 100}.{n % 100:02d}")
    gift = _gift(base=draw(st.sampled_from(["running", "list", "item"])),
                 min_spend=draw(st.sampled_from(["0", "50", "200"])),
                 quantity=draw(st.integers(1, 2)))
    if draw(st.booleans()):
        gift["price"] = "0.01"
    later = {"id": "t", "kind": "threshold", "stage": "platform",
             "base": draw(st.sampled_from(["running", "list", "item", "shop"])),
             "scope": draw(st.sampled_from(["pool", "shop"]))}
    if draw(st.booleans()):
        later |= {"every": draw(st.sampled_from(["50", "100"])), "discount": 7}
    else:
        later |= {"min_spend": draw(st.sampled_from(["100", "229.90"])), "discount": "33.33"}
    lines = [line(f"l{k}", draw(units), qty=draw(st.integers(1, 3)),
                  shop=draw(st.sampled_from("AB"))) for k in range(draw(st.integers(1, 4)))]
    if draw(st.booleans()):
        lines.append(line("bag", "29.90", qty=draw(st.integers(1, 3)), sku="BAG"))
    doc = {"campaign": "p", "currency": "CNY", "stages": STAGES, "rules": [gift, later]}
    return Campaign.from_dict(doc), Cart.model_validate(cart(*lines))


@_SETTINGS
@given(_cases())
def test_both_engines_agree_and_invariants_hold(case: tuple[Campaign, Cart]) -> None:
    """The fast path's inline threshold judgement counts the gift exactly as the general engine
    does; line nets + shipping = total, nothing below zero."""
    c, the_cart = case
    quick = c.price(the_cart)
    fast.ENABLED = False
    try:
        reference = c.price(the_cart)
    finally:
        fast.ENABLED = True
    assert quick.to_dict() == reference.to_dict()
    check_invariants(quick)


@_SETTINGS
@given(_cases())
def test_counting_the_gift_never_lowers_a_later_spend(case: tuple[Campaign, Cart]) -> None:
    """The declaration only adds (the gift's value, once) to later spends: each later base is at
    least what it is without it, and at most that plus the value of the gifts given."""
    c, the_cart = case
    doc = c.spec.model_dump(mode="json", exclude_none=True)
    doc["rules"][0]["counts_toward_thresholds"] = False
    plain = Campaign.from_dict(doc).price(the_cart)
    counted = c.price(the_cart)
    given_value = sum(a.times for a in counted.applied if a.rule == "g") * cny("29.90").minor
    by = {(a.shop, a.rule): a.base.minor for a in plain.applied if a.rule == "t"}
    misses = {(n.shop, n.rule) for n in plain.not_applied if n.rule == "t"}
    for a in counted.applied:
        if a.rule == "t" and (a.shop, a.rule) in by:
            assert by[(a.shop, a.rule)] <= a.base.minor <= by[(a.shop, a.rule)] + given_value
    assert misses or by or not any(a.rule == "t" for a in counted.applied)


def test_a_free_shipping_minimum_counts_it_too() -> None:
    """满229.90包邮 in the shipping stage: 200.01 + 29.90 = 229.91 waives the 8.00 fee."""
    ship = {"id": "s", "kind": "free_shipping", "stage": "platform", "min_spend": "229.90"}
    r = campaign(_gift(), ship, stages=STAGES).price(cart(*_tvs(), shipping={"A": "8.00"}))
    assert applied(r, "s").base == cny("229.91")
    assert r.payable == cny("200.01")


def test_the_campaign_schema_declares_both_fields() -> None:
    """``promokit schema`` (CampaignSpec's JSON Schema) carries the two declarations."""
    props = CampaignSpec.model_json_schema()["$defs"]["Gift"]["properties"]
    assert props["counts_toward_thresholds"]["default"] is False
    assert props["on_return"]["anyOf"][0]["enum"] == ["keep", "return", "deduct"]


def test_bad_declarations_are_named() -> None:
    """A wrong value names the rule, the field, the value and what was expected."""
    with pytest.raises(CampaignError) as err:
        campaign(_gift(on_return="refund", counts_toward_thresholds="sometimes"))
    text = str(err.value)
    assert "rule 'g': rules[0].on_return: unknown value 'refund'; did you mean 'return'?" in text
    assert "rules[0].counts_toward_thresholds" in text and "expected: true or false" in text


def test_the_rule_page_and_sentence_say_it() -> None:
    """Customer sentences (zh, en) and the operator page's terms name both declarations."""
    spec = campaign(_gift(on_return="deduct")).spec.rules[0]
    assert "赠品价值计入后续满减门槛" in spec.describe("zh")
    assert "退货后不再满足条件从退款扣除赠品价值" in spec.describe("zh")
    assert "its value counts toward later thresholds" in spec.describe("en")
    assert "deducted from a refund" in spec.describe("en")
    keys = {getattr(f, "key", None) for f in spec.facts()}
    assert {"gift_counts", "gift_return_deduct"} <= keys
