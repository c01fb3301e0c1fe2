"""``to_dict`` on a fresh result is made straight from the engine's numbers; these tests hold it
to the typed records it skips: the same JSON, key for key and byte for byte."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promokit
from promokit import Campaign, Cart, PriceResult, PricingError
from promokit.testing import campaign_dicts, carts

ROOT = Path(__file__).resolve().parents[2]


def typed(result: PriceResult) -> PriceResult:
    """The same result with its records built: to_dict goes record by record."""
    return dataclasses.replace(result, lines=tuple(result.lines), shops=tuple(result.shops),
                               applied=tuple(result.applied),
                               not_applied=tuple(result.not_applied),
                               nudges=tuple(result.nudges))


def same(fresh: PriceResult, again: PriceResult) -> None:
    direct = fresh.to_dict()
    recorded = typed(again).to_dict()
    assert direct == recorded
    assert json.dumps(direct, ensure_ascii=False) == json.dumps(recorded, ensure_ascii=False)


def test_every_example_cart() -> None:
    count = 0
    for campaign_file in sorted(ROOT.glob("examples/*/campaign.yaml")):
        campaign = promokit.load_campaign(campaign_file)
        for cart_file in sorted(campaign_file.parent.glob("cart*.json")):
            cart = promokit.load_cart(cart_file)
            for phase in ("deposit", "balance"):
                for best in (False, True):
                    try:
                        fresh = campaign.price(cart, phase=phase, best_coupons=best)
                    except PricingError:
                        continue
                    same(fresh, campaign.price(cart, phase=phase, best_coupons=best))
                    count += 1
    assert count >= 10


def test_records_read_first_give_the_same_json() -> None:
    campaign = promokit.load_campaign(ROOT / "examples/double11/campaign.yaml")
    cart = promokit.load_cart(ROOT / "examples/double11/cart.json")
    result = campaign.price(cart)
    before = typed(campaign.price(cart)).to_dict()
    _ = [result.lines, result.shops[0], result.nudges]  # read some records first
    assert result.to_dict() == before


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_generated_campaigns_and_carts(data: st.DataObject) -> None:
    doc = data.draw(campaign_dicts())
    campaign = Campaign.from_dict(doc)
    cart: Cart = data.draw(carts(currency=campaign.spec.currency))
    try:
        fresh = campaign.price(cart)
    except PricingError:
        return
    same(fresh, campaign.price(cart))
