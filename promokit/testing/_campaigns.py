"""The ``campaigns()`` and ``campaign_dicts()`` strategies: valid campaigns of every rule kind.

The per-kind rule fields are drawn in :mod:`._rules`; here the campaign around them.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from promokit._campaign import Campaign
from promokit._input.validation import presale_overlap
from promokit._money import Rounding
from promokit.rules import RULE_KINDS
from promokit.testing._common import (
    BRANDS,
    CATEGORIES,
    SKUS,
    STAGES,
    TAGS,
    _digits,
    _int,
    _minor_range,
    _of,
    _opt,
    _subset,
)
from promokit.testing._rules import _Config, _Draw, kind_fields


def campaigns(
    *,
    currency: str = "CNY",
    shops: Sequence[str] = ("A", "B", "C"),
    skus: Sequence[str] = SKUS,
    categories: Sequence[str] = CATEGORIES,
    brands: Sequence[str] = BRANDS,
    tags: Sequence[str] = TAGS,
    min_rules: int = 1,
    max_rules: int = 6,
    stages: Sequence[str] = STAGES,
    kinds: Sequence[str] | None = None,
    max_amount: str = "1000.00",
    max_presale: str = "50.00",
    windows: bool = False,
    tiers: Sequence[str] | None = None,
    customer_tags: Sequence[str] | None = None,
    history: bool = False,
) -> st.SearchStrategy[Campaign]:
    """Valid campaigns in ``currency`` with ``min_rules`` to ``max_rules`` rules over ``stages``.

    Rules are drawn from ``kinds`` (default: every kind in ``promokit.rules.RULE_KINDS``) in every
    form each kind has: thresholds single, repeating (capped or not) and laddered, by spend or by
    quantity, fixed or percent, per shop, pool or order, judged on the running amounts, list
    prices or an earlier stage, losing or spilling what lines cannot take; multibuys with and
    without a reward selection; bundles; pre-sales with and without 付定金立减; free shipping
    with and without a minimum and a cap. Across kinds: priorities, exclusive groups (``first`` or
    ``best``), funding, and selections over the given vocabularies with exclusions.

    Money values lie in ``[0, max_amount]`` at the currency's minor unit; percents are whole or
    tenths. A pre-sale's ``counts_as`` plus its instant reduction is at most ``max_presale``: the
    engine refuses to price a pre-sale line whose unit price is not above that, so give the lines
    pre-sales select a higher price. With ``windows``, rules (and pre-sale balance windows) may
    have validity windows around 2026-11-11: price those campaigns with a cart ``at``. With
    ``tiers`` or ``customer_tags``, rules may be open only to customers of those tiers or tags.
    With ``history``, rules may be open only to a first order (or a returning customer), to a
    range of earlier orders or above a past spend: price them with ``carts(history=True)``.
    Two pre-sales certain to share a line are never drawn together (a campaign refuses them), so
    with ``kinds=("presale",)`` a campaign may hold fewer than ``min_rules`` rules. Every
    campaign is built with ``Campaign.from_dict``, so the campaign validation runs on it.

    Shrinks towards one ``percent_off`` rule (the first of ``kinds``) of 0% selecting every line
    in the first stage, priority 0, merchant-funded, outside any group, window or customer
    condition; campaign defaults ``threshold_base: running``, ``overflow: lose``,
    ``rounding: half_up``, UTC.
    """
    return campaign_dicts(**locals()).map(_compile)


def campaign_dicts(**options: Any) -> st.SearchStrategy[dict[str, Any]]:
    """The campaign documents :func:`campaigns` validates and compiles, as parsed data.

    Takes the keyword arguments of :func:`campaigns` and shrinks the same way. A document is
    what a campaign file holds (money and percents as decimal strings, times in ISO 8601), so a
    failing example can be saved as YAML or JSON, or altered before validation.
    """
    try:
        bound = inspect.signature(campaigns).bind(**options)
    except TypeError as exc:
        raise InvalidArgument(f"campaign_dicts: {exc}") from None
    bound.apply_defaults()
    return _configure(**bound.arguments)


def _configure(*, currency: str, shops: Sequence[str], skus: Sequence[str],
               categories: Sequence[str], brands: Sequence[str], tags: Sequence[str],
               min_rules: int, max_rules: int, stages: Sequence[str], kinds: Sequence[str] | None,
               max_amount: str, max_presale: str, windows: bool, tiers: Sequence[str] | None,
               customer_tags: Sequence[str] | None, history: bool
               ) -> st.SearchStrategy[dict[str, Any]]:
    digits = _digits(currency)
    kinds = tuple(RULE_KINDS) if kinds is None else tuple(kinds)
    unknown = [k for k in kinds if k not in RULE_KINDS]
    if unknown or not kinds:
        raise InvalidArgument(f"kinds={kinds!r}: expected a non-empty selection of "
                              f"{', '.join(RULE_KINDS)}")
    if not stages or len(set(stages)) != len(stages):
        raise InvalidArgument(f"stages={tuple(stages)!r}: expected distinct stage names")
    if not 0 <= min_rules <= max_rules:
        raise InvalidArgument(f"expected 0 <= min_rules <= max_rules, got {min_rules}, {max_rules}")
    presale = _minor_range("0", max_presale, digits, "max_presale")[1]
    if "presale" in kinds and presale < 2:
        raise InvalidArgument(f"max_presale={max_presale!r} leaves no room for a deposit below "
                              "its counts_as")
    config = _Config(
        currency=currency, digits=digits, top=_minor_range("0", max_amount, digits,
                                                           "max_amount")[1],
        presale=presale, stages=tuple(stages), kinds=kinds, windows=windows,
        vocab={"skus": tuple(skus), "shops": tuple(shops), "categories": tuple(categories),
               "brands": tuple(brands), "tags": tuple(tags)},
        who={"tiers": tuple(tiers or ()), "tags": tuple(customer_tags or ())}, history=history)
    return _campaigns(config, min_rules, max_rules)


def _compile(data: dict[str, Any]) -> Campaign:
    """``Campaign.from_dict``; a refusal or crash shows the document that caused it."""
    try:
        return Campaign.from_dict(data)
    except Exception as exc:
        doc = json.dumps(data, ensure_ascii=False, default=str)
        raise AssertionError(f"Campaign.from_dict raised {type(exc).__name__} on a campaign "
                             f"promokit.testing generated as valid: {exc}\n{doc}") from exc


@st.composite
def _campaigns(draw: st.DrawFn, config: _Config, min_rules: int, max_rules: int,
               ) -> dict[str, Any]:
    stages = config.stages
    default_base = draw(_of("running", "list", *stages[:-1]))
    d = _Draw(draw, config)
    rules = []
    for n in range(1, draw(_int(min_rules, max_rules)) + 1):
        at = draw(_int(0, len(stages) - 1))
        rule: dict[str, Any] = {"id": f"r{n}", "kind": draw(_of(*config.kinds)),
                                "stage": stages[at]}
        spec = RULE_KINDS[rule["kind"]]
        rule.update(kind_fields(rule["kind"], d))
        if "base" in spec.model_fields:
            # running, list or an earlier stage; the campaign's default only when it is one
            bases = ["running", "list", *stages[:at]]
            inherit = default_base in ("running", "list") or stages.index(default_base) < at
            base = draw(_opt(_of(*bases))) if inherit else draw(_of(*bases))
            if base is not None:
                rule["base"] = base
        rule.update(_shared_fields(d, stages[at]))
        if not spec.groupable:
            rule.pop("exclusive", None)  # e.g. deposit terms are fixed before stages: no groups
        rules.append(rule)
        if presale_overlap({"rules": rules}):
            # two pre-sales certain to share a line are refused at load: never drawn together
            rules.pop()
    groups = sorted({r["exclusive"] for r in rules if "exclusive" in r})
    return {
        "campaign": "generated", "currency": config.currency, "stages": list(stages),
        "threshold_base": default_base,
        "overflow": draw(_of("lose", "spill", "best_single")),
        "rounding": draw(_of(*(r.value for r in Rounding))),
        "timezone": draw(_of("UTC", "Asia/Shanghai", "America/New_York")),
        "exclusive_groups": {g: {"pick": draw(_of("first", "best"))} for g in groups},
        "rules": rules,
    }


def _shared_fields(d: _Draw, stage: str) -> dict[str, Any]:
    """What every rule kind may carry: selection, priority, group, funder, window, customers."""
    out: dict[str, Any] = {}
    select = d.selection()
    if select:
        out["select"] = select
    priority = d.draw(_int(-2, 2))
    if priority:
        out["priority"] = priority
    group = d.maybe(_int(0, 1))
    if group is not None:
        out["exclusive"] = f"{stage}-{group}"
    if d.pick("merchant", "platform") == "platform":
        out["funded_by"] = "platform"
    window = d.window()
    if window is not None:
        out["window"] = window
    who = [f for f, values in d.config.who.items() if values]
    field = d.maybe(_of(*who)) if who else None
    if field is not None:
        out["customers"] = {field: d.draw(_subset(d.config.who[field], 1, 2))}
    gate = d.maybe(_of("first_order", "returning", "min_orders", "max_orders",
                       "min_past_spend")) if d.config.history else None
    if gate is not None:
        out["customers"] = {**out.get("customers", {}), **_history(d, gate)}
    return out


def _history(d: _Draw, gate: str) -> dict[str, Any]:
    """One customer-history condition (新用户首单, 老客, order counts, 历史消费满额)."""
    if gate in ("first_order", "returning"):
        return {"first_order": gate == "first_order"}
    if gate == "min_past_spend":
        return {"min_past_spend": d.money()}
    return {gate: d.integer(0 if gate == "max_orders" else 1, 3)}
