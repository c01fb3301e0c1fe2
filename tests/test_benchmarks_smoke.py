"""Smoke test of the benchmark suite's generators: the campaigns validate, the carts price.

Speed is measured by ``benchmarks/run.py``, which prints figures; nothing here is timed. These
tests keep the generated workload what benchmarks/README.md says it is: every rule kind, most
rules scoped away from the cart, at most 10 rules able to match, a hand loop that computes what
the engine computes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed; import it from this checkout
    sys.path.insert(0, str(ROOT))

import promokit  # noqa: E402
from benchmarks import generate, reference_loop  # noqa: E402
from benchmarks.run import json_to_json  # noqa: E402
from promokit.pricing.engine import cart_lines  # noqa: E402

ITEM_KINDS = {"percent_off", "amount_off", "special_price", "multibuy", "bundle"}


@pytest.fixture(scope="module")
def campaigns() -> dict[int, promokit.Campaign]:
    return {n: generate.build_campaign(n) for n in generate.RULE_SIZES}


@pytest.fixture(scope="module")
def carts() -> dict[int, promokit.Cart]:
    return {n: generate.build_cart(n) for n in generate.LINE_SIZES}


def threshold_form(rule: dict[str, object]) -> str:
    if "ladder" in rule:
        return "ladder"
    if "every" in rule or "every_qty" in rule:
        return "every"
    return "single"


def matched(campaign: promokit.Campaign, cart: promokit.Cart) -> dict[str, list[int]]:
    return campaign._plan.match(cart_lines(cart, campaign._plan.env.digits))


@pytest.mark.parametrize("n_rules", generate.RULE_SIZES)
def test_campaign_validates_with_its_size(campaigns: dict[int, promokit.Campaign],
                                          n_rules: int) -> None:
    campaign = campaigns[n_rules]
    assert len(campaign.spec.rules) == n_rules
    assert len(campaign._plan.rules) == n_rules
    assert campaign.id == f"bench-{n_rules}"


def test_generators_are_deterministic() -> None:
    assert generate.campaign_data(1000) == generate.campaign_data(1000)
    assert generate.cart_json(50) == generate.cart_json(50)
    assert generate.cart_json(50) != generate.cart_json(50, seed=1)
    # a smaller campaign's filler is a prefix of a larger one's
    assert generate.campaign_data(100)["rules"] == generate.campaign_data(1000)["rules"][:100]


@pytest.mark.parametrize("n_rules", [generate.CORE_RULES, 20, 100, 1000])
def test_every_rule_kind_form_and_scope_is_used(n_rules: int) -> None:
    rules = generate.campaign_data(n_rules)["rules"]
    assert {r["kind"] for r in rules} >= ITEM_KINDS | {"threshold"}
    thresholds = [r for r in rules if r["kind"] == "threshold"]
    assert {threshold_form(r) for r in thresholds} == {"single", "every", "ladder"}
    assert {r["scope"] for r in thresholds} == {"shop", "pool", "order"}


def shops_named(rule: dict[str, object]) -> set[str]:
    """The shops a rule's selection names, directly or through its SKUs."""
    select = rule.get("select", {})
    assert isinstance(select, dict)
    return set(select.get("shops", ())) | {sku.split("-")[0] for sku in select.get("skus", ())}


def test_large_campaign_is_a_real_sale() -> None:
    data = generate.campaign_data(1000)
    rules = data["rules"]
    assert len(set().union(*map(shops_named, rules))) == generate.N_SHOPS
    away = [r for r in rules if shops_named(r) and not shops_named(r) & set(generate.CART_SHOPS)]
    assert len(away) > 0.85 * len(rules)  # most rules are for shops no cart touches
    assert data["exclusive_groups"]
    assert any("window" in r for r in rules)


@pytest.mark.parametrize("n_lines", generate.LINE_SIZES)
def test_cart_shape(carts: dict[int, promokit.Cart], n_lines: int) -> None:
    cart = carts[n_lines]
    assert len(cart.lines) == n_lines
    assert {ln.shop for ln in cart.lines} == set(generate.CART_SHOPS[:n_lines])
    assert len({(ln.shop, ln.sku) for ln in cart.lines}) == n_lines
    assert json.loads(generate.cart_json(n_lines)) == generate.cart_data(n_lines)


@pytest.mark.parametrize("n_rules", generate.RULE_SIZES)
@pytest.mark.parametrize("n_lines", generate.LINE_SIZES)
def test_carts_price(campaigns: dict[int, promokit.Campaign], carts: dict[int, promokit.Cart],
                     n_rules: int, n_lines: int) -> None:
    campaign, cart = campaigns[n_rules], carts[n_lines]
    result = campaign.price(cart)
    nets = sum((ln.net for ln in result.lines), promokit.Money.zero("CNY"))
    assert nets + result.shipping_total == result.payable
    assert result.payable < result.subtotal + result.shipping_total  # something applied
    hits = matched(campaign, cart)
    assert len(hits) <= generate.MAX_MATCHING
    named = {a.rule for a in result.applied} | {x.rule for x in result.not_applied}
    assert named <= set(hits)


@pytest.mark.parametrize("n_lines", generate.LINE_SIZES)
def test_big_campaign_matches_no_more_than_the_core(campaigns: dict[int, promokit.Campaign],
                                                    carts: dict[int, promokit.Cart],
                                                    n_lines: int) -> None:
    big = matched(campaigns[1000], carts[n_lines])
    assert len(big) <= generate.MAX_MATCHING
    assert set(big) <= {r["id"] for r in generate.core_rules() + generate.extra_rules()}
    if n_lines >= 20:  # big enough to reach every core rule's selection
        assert set(matched(campaigns[generate.CORE_RULES], carts[n_lines])) \
            == {r["id"] for r in generate.core_rules()}


@pytest.mark.parametrize("n_lines", generate.LINE_SIZES)
@pytest.mark.parametrize("seed", range(5))
def test_reference_loop_agrees_with_the_engine(campaigns: dict[int, promokit.Campaign],
                                               n_lines: int, seed: int) -> None:
    cart = generate.build_cart(n_lines, seed)
    engine = campaigns[generate.REFERENCE_RULES].price(cart)
    hand = reference_loop.price_cart(cart)
    assert hand.payable == engine.payable.minor
    assert hand.nets == [ln.net.minor for ln in engine.lines]


def test_json_path_round_trips(campaigns: dict[int, promokit.Campaign],
                               carts: dict[int, promokit.Cart]) -> None:
    out = json.loads(json_to_json(campaigns[generate.CORE_RULES], generate.cart_json(10)))
    assert out["payable"] == campaigns[generate.CORE_RULES].price(carts[10]).payable.to_json()
    assert len(out["lines"]) == 10
