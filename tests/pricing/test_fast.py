"""The fast engine path against the general engine, the reference it is tested against.

``promokit.pricing.fast`` replaces the general engine's steps for common rule shapes; every
result it gives must be the general engine's, field for field (trace, allocations, reasons,
nudges), on every random campaign and cart, and any refusal must be the same refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from promokit import Campaign, Cart, PricingError
from promokit.pricing import fast
from promokit.rules.percent_off import PercentOffRule
from promokit.rules.threshold import LadderRule, RepeatingRule
from promokit.testing import campaign_dicts, carts

_AT = st.datetimes(datetime(2026, 11, 9), datetime(2026, 11, 15),
                   timezones=st.just(timezone(timedelta(hours=8))))


@contextmanager
def general() -> Iterator[None]:
    """Price with the general engine only."""
    fast.ENABLED = False
    try:
        yield
    finally:
        fast.ENABLED = True


def outcome(campaign: Campaign, cart: Cart, **kw: Any) -> tuple[str, Any]:
    """The whole result document and the typed records, or the refusal's message."""
    try:
        result = campaign.price(cart, **kw)
    except PricingError as exc:
        return "refused", str(exc)
    return "priced", (result.to_dict(), result.lines, result.shops, result.applied,
                      result.not_applied, result.nudges, result.payable)


def same_both_ways(campaign: Campaign, cart: Cart, **kw: Any) -> None:
    fast_out = outcome(campaign, cart, **kw)
    with general():
        reference = outcome(campaign, cart, **kw)
    assert fast_out == reference


@st.composite
def inputs(draw: st.DrawFn, kinds: tuple[str, ...] | None, windows: bool) -> tuple[Campaign, Cart]:
    currency = draw(st.sampled_from(("CNY", "JPY", "KWD")))
    doc = draw(campaign_dicts(currency=currency, kinds=kinds, windows=windows,
                              tiers=("gold", "diamond") if windows else None,
                              customer_tags=("new", "vip") if windows else None))
    cart = draw(carts(currency=currency, at=_AT if windows else None,
                      min_price=draw(st.sampled_from(("0", "0.01", "50.01"))),
                      tiers=("silver", "gold"), customer_tags=("new",)))
    note(f"campaign: {doc}")
    note(f"cart: {cart.model_dump_json(exclude_defaults=True)}")
    return Campaign.from_dict(doc), cart


EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@EXAMPLES
@given(inputs(("threshold", "percent_off"), False))
def test_fast_shapes_price_as_the_general_engine(case: tuple[Campaign, Cart]) -> None:
    """Campaigns of only the specialised kinds (thresholds of every form, percent off): the
    fast path prices every rule itself, and gives the general engine's result."""
    campaign, cart = case
    same_both_ways(campaign, cart)


@EXAMPLES
@given(inputs(None, False))
def test_every_kind_prices_as_the_general_engine(case: tuple[Campaign, Cart]) -> None:
    """Every kind, groups and pre-sales, both phases: the same result or the same refusal."""
    campaign, cart = case
    for phase in ("balance", "deposit"):
        same_both_ways(campaign, cart, phase=phase)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs(None, True))
def test_gated_rules_price_as_the_general_engine(case: tuple[Campaign, Cart]) -> None:
    """Windows and customer conditions (rules the fast path hands to the general code)."""
    campaign, cart = case
    same_both_ways(campaign, cart)


def _cart(lines: list[tuple[str, str, str]]) -> Cart:
    return Cart.model_validate({"currency": "CNY", "lines": [
        {"id": i, "sku": "S", "shop": shop, "unit_price": price, "quantity": 1}
        for i, shop, price in lines]})


def test_tie_break_on_line_ranks_is_the_line_id_order() -> None:
    """满30减10 over three equal lines listed c, a, b: 10.00 = 1000 fen over weights 1000 each
    gives 333 each and 1 fen left over, which goes (equal remainders, equal weights) to the
    smallest line id, 'a' -- by hand: 1000 * 1000 // 3000 = 333, 3 * 333 = 999. The fast path
    ranks line ids as integers; the winner must still be 'a' in every listing order."""
    campaign = Campaign.from_dict({"campaign": "tie", "currency": "CNY", "rules": [
        {"id": "t", "kind": "threshold", "stage": "shop", "scope": "shop", "min_spend": 30,
         "discount": 10}]})
    for order in (["c", "a", "b"], ["b", "c", "a"], ["a", "b", "c"]):
        result = campaign.price(_cart([(i, "A", "10.00") for i in order]))
        nets = {ln.id: str(ln.net.amount) for ln in result.lines}
        assert nets == {"a": "6.66", "b": "6.67", "c": "6.67"}
        assert result.applied[0].allocations == tuple(
            (i, result.applied[0].allocations[k][1]) for k, i in enumerate(order))
        same_both_ways(campaign, _cart([(i, "A", "10.00") for i in order]))


def test_fast_path_runs_and_general_path_stays_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The specialised shapes are in use (their classes still have the fields they were written
    for), and switching the fast path off really prices with the general engine."""
    assert set(fast._FAST) == {PercentOffRule, RepeatingRule, LadderRule}
    campaign = Campaign.from_dict({"campaign": "c", "currency": "CNY", "rules": [
        {"id": "p", "kind": "percent_off", "stage": "item", "percent": 10}]})
    cart = _cart([("a", "A", "10.00")])
    calls: list[str] = []
    real = fast.run_fast

    def spy(*args: Any) -> Any:
        calls.append("fast")
        return real(*args)
    monkeypatch.setattr(fast, "run_fast", spy)
    import promokit.pricing.checkout as checkout
    monkeypatch.setattr(checkout, "run_fast", spy)
    assert str(campaign.price(cart).payable.amount) == "9.00"  # 10.00 less 10%
    with general():
        assert str(campaign.price(cart).payable.amount) == "9.00"
    assert calls == ["fast"]
