"""Every rule kind describes itself in both languages; every phrase and reason exists in both."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from promokit import Reason
from promokit.explain._terms import _STAGES
from promokit.explain._terms import KIND_LABELS as _KINDS
from promokit.explain._words import PHRASES, REASONS, Words
from promokit.rules import RULE_KINDS
from promokit.rules._base import RuleSpec

#: one valid spec of each rule kind; a new kind must add one here (the test below insists)
SAMPLES: dict[str, dict[str, Any]] = {
    "percent_off": {"percent": 15},
    "amount_off": {"amount": 10},
    "special_price": {"price": "9.90"},
    "multibuy": {"buy": 1, "get": 1, "percent_off": 50},
    "nth_item": {"nth": 2, "percent_off": 50},
    "bundle": {"size": 3, "price": 99},
    "threshold": {"every": 300, "discount": 50},
    "presale": {"deposit": 100, "counts_as": 200},
    "free_shipping": {"min_spend": 99},
    "gift": {"min_spend": 200, "gift": {"sku": "EXT-1", "name": "warranty", "value": 99}},
    "issue_coupon": {"min_spend": 200, "coupon": {"value": 20, "min_spend": 100}},
    "donation": {"amount": 1, "to": "Hope Project"},
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def sample(kind: str) -> RuleSpec:
    """The sample spec of ``kind``."""
    return RULE_KINDS[kind].model_validate({"id": f"r-{kind}", "kind": kind, "stage": "item",
                                            **SAMPLES[kind]})


def test_every_rule_kind_has_a_sample() -> None:
    """The samples cover exactly the registered rule kinds, so no kind escapes the next test."""
    assert set(SAMPLES) == set(RULE_KINDS)


@pytest.mark.parametrize("kind", sorted(RULE_KINDS))
def test_rule_kind_describes_itself_in_both_languages(kind: str) -> None:
    """A kind's own describe() gives a Chinese sentence and a different English one."""
    cls = RULE_KINDS[kind]
    assert cls.describe is not RuleSpec.describe, f"{kind} has no describe() of its own"
    zh, en = sample(kind).describe("zh"), sample(kind).describe("en")
    assert zh.strip() and en.strip() and zh != en
    assert CJK.search(zh), f"{kind}: Chinese description has no Chinese: {zh!r}"
    assert not CJK.search(en), f"{kind}: English description has Chinese: {en!r}"


@pytest.mark.parametrize("kind", sorted(RULE_KINDS))
def test_rule_kind_has_a_label(kind: str) -> None:
    """The rule pages name every kind in both languages."""
    assert kind in _KINDS and all(_KINDS[kind])


def _fields(text: str) -> set[str]:
    """The fields of a phrase; a percent is given as ``pct`` in English, ``zhe`` (折) in Chinese."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return {"pct" if name == "zhe" else name for name in names}


@pytest.mark.parametrize("table", [PHRASES, REASONS, _STAGES], ids=["phrases", "reasons", "stages"])
def test_every_phrase_exists_in_both_languages_with_the_same_fields(table: dict) -> None:
    """English and Chinese of every phrase are given and take the same fields."""
    for key, (en, zh) in table.items():
        assert isinstance(en, str) and isinstance(zh, str), key
        assert _fields(en) == _fields(zh), key


def test_every_reason_code_has_words() -> None:
    """Every Reason code the engine reports can be said in both languages."""
    assert {str(r) for r in Reason} <= set(REASONS)


def test_labels_do_not_shadow_dict_methods() -> None:
    """Template labels are read as t.name, so none may be named like a dict method."""
    assert set(Words("en", "CNY").labels()).isdisjoint(dir(dict))
