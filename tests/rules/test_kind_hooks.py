"""Every registered rule kind answers every hook; a kind that lacks one cannot be registered."""

from __future__ import annotations

from datetime import UTC
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promokit._money import Rounding
from promokit.rules import HOOKS, RULE_KINDS, RuleSpec, register
from promokit.rules._base import Env
from promokit.rules._kind import Reach, Worked
from promokit.testing._rules import _Config, _Draw

CONFIG = _Config(currency="CNY", digits=2, top=50000, presale=5000, stages=("item",),
                 kinds=tuple(RULE_KINDS), windows=True,
                 vocab={"skus": ("S1",), "shops": ("A",), "categories": (), "brands": (),
                        "tags": ()}, who={})


@pytest.mark.parametrize("kind", list(RULE_KINDS))
def test_kind_overrides_every_hook(kind: str) -> None:
    cls = RULE_KINDS[kind]
    for hook in HOOKS:
        assert getattr(cls, hook).__qualname__.startswith(cls.__name__ + "."), (kind, hook)


@pytest.mark.parametrize("kind", list(RULE_KINDS))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_every_hook_answers(kind: str, data: st.DataObject) -> None:
    """A drawn rule of each kind validates, compiles, describes, reaches, works and lists facts."""
    cls = RULE_KINDS[kind]
    fields = data.draw(st.composite(lambda draw: cls.draw_fields(_Draw(draw, CONFIG)))())
    spec = cls.model_validate({"id": "r", "kind": kind, "stage": "item", **fields})
    env = Env("CNY", 2, Rounding.HALF_UP, ("item",), "running", "lose", UTC)
    assert spec.compile(env).kind == kind
    assert spec.describe("zh") and spec.describe("en")
    assert cls.label("zh") != cls.label("en")
    assert isinstance(spec.reach(), Reach)
    assert isinstance(spec.worked(env, 10000), Worked)
    assert isinstance(spec.facts(), tuple)


def test_a_kind_without_its_hooks_is_refused() -> None:
    class Bare(RuleSpec):
        kind: Literal["bare"]

    with pytest.raises(TypeError, match="does not define compile, describe, label"):
        register(Bare)
    with pytest.raises(NotImplementedError, match="'reach' hook"):
        Bare(id="r", kind="bare", stage="item").reach()
    assert "bare" not in RULE_KINDS
