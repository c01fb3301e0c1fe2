"""The compile shortcuts: shared matchers, amounts converted without re-parsing, single
thresholds compiled without a Step model -- each giving what the long way gave."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from promokit import Campaign, Cart, MoneyError
from promokit._spec.campaign import compile_env


def _campaign(rules: list[dict[str, Any]]) -> Campaign:
    return Campaign.from_dict({"campaign": "c", "currency": "CNY", "rules": rules})


def test_rules_selecting_alike_share_a_matcher_and_each_still_applies() -> None:
    """Two 满100减10 rules (stages item, then shop) with one selection, shop A: a 150.00 line in A
    pays 150 - 10 - 10 = 130.00 (the second judged on 140.00, still above 100); the line in B
    is selected by neither and pays 150.00. Their compiled matchers are one object."""
    select = {"shops": ["A"]}
    campaign = _campaign([
        {"id": "one", "kind": "threshold", "stage": "item", "scope": "shop", "select": select,
         "min_spend": 100, "discount": 10},
        {"id": "two", "kind": "threshold", "stage": "shop", "scope": "shop", "select": select,
         "min_spend": 100, "discount": 10}])
    one, two = campaign._plan.rules
    assert one.matcher is two.matcher
    cart = Cart.model_validate({"currency": "CNY", "lines": [
        {"id": "a", "sku": "S", "shop": "A", "unit_price": "150.00", "quantity": 1},
        {"id": "b", "sku": "S", "shop": "B", "unit_price": "150.00", "quantity": 1}]})
    result = campaign.price(cart)
    assert {ln.id: str(ln.net.amount) for ln in result.lines} == {"a": "130.00", "b": "150.00"}
    assert [a.rule for a in result.applied] == ["one", "two"]


@pytest.mark.parametrize(("value", "minor"), [
    (Decimal("19.90"), 1990), (Decimal("0"), 0), (Decimal("1E+3"), 100_000),
    (Decimal("200"), 20_000), ("12.34", 1234), (7, 700)])
def test_env_minor_is_exact(value: Any, minor: int) -> None:
    """Validated Decimals take the short way, anything else to_minor's: the same minor units."""
    env = compile_env(_campaign([]).spec)
    assert env.minor(value) == minor


def test_env_minor_still_refuses_more_decimals_than_the_currency_has() -> None:
    env = compile_env(_campaign([]).spec)
    with pytest.raises(MoneyError, match="more than 2 decimal places"):
        env.minor(Decimal("1.001"))


def test_single_threshold_compiles_as_a_ladder_of_one() -> None:
    """满200减20 compiles to the rung (by spend, 20000 fen, fixed, 2000 fen); 满2件9折 (10% off
    from 2 units) to (by quantity, 2 units, percent, 10/100): the rungs the Step model gave."""
    plan = _campaign([
        {"id": "s", "kind": "threshold", "stage": "shop", "min_spend": 200, "discount": 20},
        {"id": "q", "kind": "threshold", "stage": "shop", "min_qty": 2, "percent": 10},
        {"id": "l", "kind": "threshold", "stage": "shop", "ladder": [
            {"min_spend": 200, "discount": 20}, {"min_spend": 300, "discount": 40}]}])._plan
    rungs = {r.id: r.rungs for r in plan.rules}  # type: ignore[attr-defined]
    assert rungs["s"] == ((False, 20_000, "amount", 2_000, 1),)
    assert rungs["q"] == ((True, 2, "percent", 10, 100),)
    assert rungs["l"] == ((False, 20_000, "amount", 2_000, 1), (False, 30_000, "amount", 4_000, 1))
