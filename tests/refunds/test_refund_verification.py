"""Properties of verified refunds over random carts and campaigns (promokit.testing):
honest results pass every mode; any sequence of partial refunds stays within what was paid per
line and in total, and a full sequence refunds exactly what was paid; a random single-field
mutation of a stored result is either refused or refunds no more than the honest result."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import gift_refund, gifts_deducted, random_orders, splits

from promokit import Campaign, PriceResult, Refund, RefundError
from promokit.refunds import refund, settle, sign, verify

KEY = b"property-test-key-0123456789"
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def stored(result: PriceResult) -> dict[str, Any]:
    return json.loads(json.dumps(result.to_dict()))


@PROPS
@given(random_orders(max_quantity=4), st.data())
def test_partial_refunds_never_exceed_what_was_paid(order: tuple[Campaign, PriceResult],
                                                    data: st.DataObject) -> None:
    """Random steps and policies, every refund verified (campaign and signature) and chained
    through signed JSON: per line (allocated) and in total within what was paid; the full
    sequence refunds exactly the total."""
    campaign, result = order
    doc = sign(stored(result), KEY)
    verify(doc, campaign=campaign, key=KEY)
    steps = data.draw(splits(result))
    stop = data.draw(st.integers(1, len(steps)))  # a prefix: partial, or all of them
    allocated_only = data.draw(st.booleans())
    done: list[Refund] = []
    history: list[dict[str, Any]] = []
    for step in steps[:stop]:
        policy = "allocated" if allocated_only else data.draw(
            st.sampled_from(("allocated", "reprice")))
        r = gift_refund(doc, step, policy=policy, campaign=campaign, earlier=history, key=KEY)
        done.append(r)
        history.append(json.loads(json.dumps(sign(r, KEY))))
    total = sum(r.amount.minor for r in done)
    assert 0 <= total <= result.total.minor
    for line in result.lines:
        got = sum(x.refund.minor for r in done for x in r.lines if x.id == line.id)
        clawed = sum(c.amount.minor for r in done for c in r.clawbacks
                     if c.what == "line" and c.id == line.id and c.amount.minor > 0)
        assert 0 <= got <= line.net.minor + clawed
        if allocated_only:
            assert got <= line.net.minor
    if stop == len(steps):
        assert total + sum(r.kept.minor for r in done) \
            + gifts_deducted(done, result.currency).minor == result.total.minor
    # the same history, unsigned and without the campaign, settles the same (unless a gift
    # rule declares on_return return/deduct: those refunds are recomputed from the campaign)
    plain = [r.to_dict() for r in done]
    needs = any(a.kind == "gift" and a.detail.endswith(("return: return", "return: deduct"))
                for a in result.applied)
    assert settle(stored(result), plain, campaign=campaign if needs else None) \
        == done[-1].settlement


LEAF_VALUES = st.one_of(
    st.integers(-(10**20), 10**20), st.sampled_from([0, 1, -1, 10**9, 100_000, 100_001]),
    st.sampled_from(["0.00", "0.01", "-0.01", "99999.99", "1e400", "NaN", "", "x", "3333.00"]),
    st.booleans(), st.none(), st.just([]), st.just({}))


def leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in leaves(v, (*path, k))]
    if isinstance(obj, list):
        return [p for k, v in enumerate(obj) for p in leaves(v, (*path, k))]
    return [path]


def mutated(doc: dict[str, Any], path: tuple[Any, ...], value: Any, bump: int | None
            ) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    target: Any = out
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    if bump is not None and isinstance(old, str) and old.replace(".", "").isdigit():
        whole, _, frac = old.partition(".")  # an amount moved by a few minor units
        minor = int(whole + frac) + bump
        digits = len(frac)
        text = str(max(minor, 0)).rjust(digits + 1, "0")
        target[path[-1]] = f"{text[:-digits]}.{text[-digits:]}" if digits else text
    elif bump is not None and isinstance(old, int) and not isinstance(old, bool):
        target[path[-1]] = old + bump
    else:
        target[path[-1]] = value
    return out


@PROPS
@given(random_orders(max_quantity=4), st.data())
def test_a_single_field_mutation_is_refused_or_refunds_no_more(
        order: tuple[Campaign, PriceResult], data: st.DataObject) -> None:
    _, result = order
    honest_doc = stored(result)
    paths = leaves(honest_doc)
    path = data.draw(st.sampled_from(paths))
    value = data.draw(LEAF_VALUES)
    bump = data.draw(st.one_of(st.none(), st.integers(-500, 500).filter(bool)))
    doc = mutated(honest_doc, path, value, bump)
    line = data.draw(st.sampled_from([x.id for x in result.lines]))
    units = data.draw(st.integers(1, result.line(line).quantity))
    try:
        honest = refund(honest_doc, {line: units})
    except RefundError as exc:  # a gift rule declares on_return: the refund needs the campaign
        assert "needs the campaign" in str(exc)
        return
    try:
        got = refund(doc, {line: units})
    except RefundError:
        return
    assert got.amount <= honest.amount, (path, doc)
    for x in got.lines:
        assert x.refund.minor <= result.line(x.id).net.minor
