"""Merging partition summaries, in any split and any grouping, equals one summary."""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

import promokit
from promokit.simulate import Pricer, Summary, generate_carts, merge_all, orders_from_carts
from promokit.simulate._orders import Item

from .conftest import EXAMPLES

N = 24


@lru_cache(maxsize=1)
def _setup() -> tuple[Pricer, list[Item], Summary]:
    pricer = Pricer(promokit.load_campaign(EXAMPLES / "design-a.yaml"),
                    promokit.load_campaign(EXAMPLES / "design-b.yaml"))
    carts = list(generate_carts(N, seed=5, coupons=True))
    carts[3]["currency"] = "USD"          # bad input is merged too
    items = list(orders_from_carts(carts, "CNY"))
    return pricer, items, pricer.partition(items)


def _tree(parts: list[Summary], shape: st.DataObject) -> Summary:
    """Merge in a random tree and a random order."""
    parts = list(parts)
    while len(parts) > 1:
        i = shape.draw(st.integers(0, len(parts) - 2))
        a, b = parts[i], parts.pop(i + 1)
        parts[i] = a.merge(b) if shape.draw(st.booleans()) else b.merge(a)
    return parts[0]


@settings(max_examples=25, deadline=None)
@given(cuts=st.sets(st.integers(1, N - 1), max_size=6), data=st.data())
def test_any_split_merges_to_the_whole(cuts: set[int], data: st.DataObject) -> None:
    pricer, items, whole = _setup()
    bounds = [0, *sorted(cuts), N]
    parts = [pricer.partition(items[a:b]) for a, b in pairwise(bounds)]
    assert _tree(parts, data).to_dict() == whole.to_dict()
    assert merge_all(parts).to_dict() == whole.to_dict()


def test_merging_an_empty_partition_changes_nothing() -> None:
    pricer, _, whole = _setup()
    assert whole.merge(pricer.empty()).to_dict() == whole.to_dict()
    assert pricer.empty().merge(whole).to_dict() == whole.to_dict()
    assert whole.bad == 1
