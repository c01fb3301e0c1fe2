"""The proof of docs/adding-a-rule-kind.md: the page's kind, built from the page alone, prices,
explains, documents, audits and is drawn by promokit.testing with no other file changed."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings

import promokit
from promokit.audit import audit
from promokit.explain import rule_docs
from promokit.rules import RULE_KINDS, register, unregister
from promokit.testing import campaigns

PAGE = Path(__file__).parents[2] / "docs" / "adding-a-rule-kind.md"


@pytest.fixture
def every_nth(tmp_path: Path) -> Iterator[ModuleType]:
    """The page's module, written to a temporary file, imported and registered; removed after."""
    block = re.search(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert block is not None, "the page has no python block"
    path = tmp_path / "every_nth_kind.py"
    path.write_text(block.group(1), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("every_nth_kind", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["every_nth_kind"] = module
    spec.loader.exec_module(module)
    register(module.EveryNth)
    try:
        yield module
    finally:
        unregister("every_nth")
        del sys.modules["every_nth_kind"]


def campaign(every: int = 3) -> promokit.Campaign:
    return promokit.Campaign.from_dict({
        "campaign": "nth", "currency": "CNY", "stages": ["item", "shop"],
        "rules": [{"id": "third", "kind": "every_nth", "stage": "item", "every": every,
                   "percent": 50, "select": {"skus": ["TEA"]}}]})


def cart(qty: int) -> promokit.Cart:
    return promokit.Cart.model_validate({
        "currency": "CNY",
        "lines": [{"id": "l1", "sku": "TEA", "shop": "A", "unit_price": "30.00",
                   "quantity": qty}]})


def test_it_prices(every_nth: ModuleType) -> None:
    """Every third unit at half price: 7 units of 30.00 take 2 x 15.00 off."""
    assert "every_nth" in RULE_KINDS
    assert campaign().price(cart(7)).payable.minor == 18000
    missed = campaign().price(cart(2))
    assert [n.reason for n in missed.not_applied] == ["not_enough_units"]


def test_it_explains_in_both_languages(every_nth: ModuleType) -> None:
    result = campaign().price(cart(3))
    assert "同款每第3件立减50%" in result.explain("zh", fmt="md")
    assert "every 3th unit of an item at 50% off" in result.explain("en", fmt="md")


def test_it_is_on_the_rule_page_with_a_worked_example(every_nth: ModuleType) -> None:
    """Named by its label; a cart of 2 units misses, one of 3 applies (the engine's numbers)."""
    en = rule_docs(campaign(), lang="en", audience="operator")
    zh = rule_docs(campaign(), lang="zh", audience="operator")
    assert "| Kind | every Nth unit off |" in en and "第N件优惠" in zh
    assert "| at 3 item(s) | 3 × CN¥100.00 | CN¥300.00 | saves CN¥50.00 | CN¥250.00 |" in en
    assert "needs 3 items for one application, has 2" in en


def test_the_audit_sees_that_it_never_applies(every_nth: ModuleType) -> None:
    report = audit(campaign(every=1000), max_examples=5, max_seconds=10, seed=0)
    [flaw] = report.of_kind("never_applies")
    assert flaw.facts["check"] == "unreachable_quantity" and flaw.facts["needs"] == 1000


def test_strategies_draw_it(every_nth: ModuleType) -> None:
    @settings(max_examples=20, deadline=None)
    @given(campaigns(kinds=["every_nth"], max_rules=2))
    def check(drawn: promokit.Campaign) -> None:
        assert {r.kind for r in drawn.spec.rules} <= {"every_nth"}

    check()


def test_registering_does_not_leak() -> None:
    """The fixture removed the kind after each test: campaigns refuse it again."""
    assert "every_nth" not in RULE_KINDS
    with pytest.raises(promokit.PromokitError, match="every_nth"):
        campaign()
