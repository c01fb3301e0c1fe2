"""Whole-file validation: every problem in a campaign or cart, located, in one error.

pydantic checks each value; :func:`_cross_check` checks what spans rules (ids, stages, bases,
groups) on the raw data, so both kinds of problem are reported together in one run.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ._documents import Document
from ._errors import CampaignError, CartError, Problem
from ._selection import Exclude, Selection
from .rules import RULE_KINDS
from .rules._base import Window
from .rules.threshold import Step

if TYPE_CHECKING:
    from ._campaign import CampaignSpec
    from ._cart import Cart

DEFAULT_STAGES = ("item", "shop", "cross_store", "platform", "cash")


def _vocabulary() -> list[str]:
    from ._campaign import CampaignSpec, ExclusiveGroup

    return sorted(
        {name for kind in RULE_KINDS.values() for name in kind.model_fields}
        | set(CampaignSpec.model_fields) | set(Selection.model_fields)
        | set(Exclude.model_fields) | set(Step.model_fields) | set(Window.model_fields)
        | set(ExclusiveGroup.model_fields)
    )


def validate_campaign(data: object, doc: Document | None = None) -> CampaignSpec:
    """A validated spec, or a CampaignError listing every problem in the data."""
    from ._campaign import CampaignSpec

    file = doc.file if doc else None
    problems: list[Problem] = []
    spec = None
    try:
        spec = CampaignSpec.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(err, data, doc) for err in exc.errors()]
    problems += _cross_check(data, doc)
    if problems:
        seen: set[tuple[str, str | None, str]] = set()
        unique = []
        for p in problems:
            key = (p.path, p.rule, p.message)
            if key not in seen:
                seen.add(key)
                unique.append(p)
        raise CampaignError(unique, file=file)
    assert spec is not None  # no problems means pydantic accepted it
    return spec


def _rule_id(data: object, index: object) -> str | None:
    if isinstance(data, Mapping) and isinstance(index, int):
        rules = data.get("rules")
        if isinstance(rules, list) and 0 <= index < len(rules) \
                and isinstance(rules[index], Mapping):
            rid = rules[index].get("id")
            return str(rid) if rid is not None else f"#{index}"
    return None


def _problem(err: Any, data: object, doc: Document | None) -> Problem:
    loc = list(err["loc"])
    # a discriminated union puts the kind tag into the location: rules.3.threshold.ladder
    if len(loc) >= 3 and loc[0] == "rules" and loc[2] in RULE_KINDS:
        del loc[2]
    rule = _rule_id(data, loc[1]) if len(loc) >= 2 and loc[0] == "rules" else None
    message = err["msg"].removeprefix("Value error, ")
    expected = None
    if err["type"] == "extra_forbidden":
        message = f"unknown field {loc[-1]!r}"
        close = difflib.get_close_matches(str(loc[-1]), _vocabulary(), n=1)
        expected = f"did you mean {close[0]!r}?" if close else "a documented field"
    elif err["type"] == "union_tag_invalid":
        message = f"unknown rule kind {err['input'].get('kind')!r}" \
            if isinstance(err.get("input"), Mapping) else message
        expected = "one of " + ", ".join(sorted(RULE_KINDS))
    elif err["type"] == "union_tag_not_found":
        message = "missing field 'kind'"
        expected = "one of " + ", ".join(sorted(RULE_KINDS))
    value = err.get("input") if err["type"] not in ("missing", "extra_forbidden") else None
    if isinstance(value, Mapping | list):
        value = None
    return Problem(message=message, path=".".join(map(str, loc)), rule=rule, value=value,
                   expected=expected, file=doc.file if doc else None,
                   line=doc.line_of(loc) if doc else None)


def _cross_check(data: object, doc: Document | None) -> list[Problem]:
    """Problems that span rules: ids, stages, bases and groups (pydantic checks one value)."""
    if not isinstance(data, Mapping):
        return [Problem("a campaign must be a mapping", value=type(data).__name__,
                        expected="keys campaign, currency, rules, ...")]
    stages = data.get("stages", DEFAULT_STAGES)
    stages = list(stages) if isinstance(stages, list | tuple) else []
    groups = data.get("exclusive_groups") or {}
    groups = groups if isinstance(groups, Mapping) else {}
    default_base = data.get("threshold_base", "running")
    problems: list[Problem] = []

    def add(message: str, path: str, rule: str | None = None, value: object = None,
            expected: str | None = None) -> None:
        loc = [int(p) if p.isdigit() else p for p in path.split(".")]
        problems.append(Problem(message, path, rule, value, expected,
                                doc.file if doc else None, doc.line_of(loc) if doc else None))

    for dup in sorted({s for s in stages if stages.count(s) > 1}, key=str):
        add(f"stage {dup!r} is declared twice", "stages", value=dup)
    if isinstance(default_base, str) and default_base not in ("running", "list", *stages):
        add(f"threshold_base {default_base!r} is not running, list or a declared stage",
            "threshold_base", value=default_base, expected="running, list, " + ", ".join(stages))
    rules = data.get("rules") or []
    rules = rules if isinstance(rules, list) else []
    seen: dict[str, int] = {}
    group_stage: dict[str, tuple[str, str]] = {}
    for i, raw in enumerate(rules):
        if not isinstance(raw, Mapping):
            continue
        rid = raw.get("id")
        rule = str(rid) if rid is not None else f"#{i}"
        if isinstance(rid, str):
            if rid in seen:
                add(f"duplicate rule id {rid!r} (first at rules.{seen[rid]})", f"rules.{i}.id",
                    rule, rid, "a unique id per rule")
            seen.setdefault(rid, i)
        stage = raw.get("stage")
        if isinstance(stage, str) and stage not in stages:
            add(f"stage {stage!r} is not declared in stages", f"rules.{i}.stage", rule, stage,
                "one of " + ", ".join(map(str, stages)))
        base = raw.get("base")
        if isinstance(base, str) and isinstance(stage, str) and stage in stages:
            earlier = stages[:stages.index(stage)]
            if base not in ("running", "list", *earlier):
                add(f"base {base!r} is not running, list or a stage before {stage!r}",
                    f"rules.{i}.base", rule, base,
                    "one of " + ", ".join(["running", "list", *map(str, earlier)]))
        elif base is None and raw.get("kind") == "threshold" and isinstance(stage, str) \
                and default_base in stages and stage in stages \
                and stages.index(default_base) >= stages.index(stage):
            add(f"campaign threshold_base {default_base!r} is not before this rule's stage "
                f"{stage!r}", f"rules.{i}.stage", rule, stage,
                f"a stage after {default_base!r}, or a base on the rule")
        group = raw.get("exclusive")
        if isinstance(group, str):
            if group not in groups:
                add(f"exclusive group {group!r} is not declared in exclusive_groups",
                    f"rules.{i}.exclusive", rule, group,
                    "one of " + (", ".join(map(str, groups)) or "(none declared)"))
            elif group in group_stage and group_stage[group][0] != stage:
                other = group_stage[group]
                add(f"exclusive group {group!r} spans stages {other[0]!r} ({other[1]}) and "
                    f"{stage!r}", f"rules.{i}.exclusive", rule, group,
                    "all rules of a group in one stage")
            group_stage.setdefault(group, (str(stage), rule))
    return problems



def load_cart_data(data: object, file: str | None = None) -> Cart:
    """A validated cart from parsed data, or a CartError listing every problem."""
    from ._cart import Cart

    try:
        return Cart.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = f"unknown field {err['loc'][-1]!r}"
            value = err.get("input") if err["type"] not in ("missing", "extra_forbidden") else None
            problems.append(Problem(message, ".".join(map(str, err["loc"])),
                                    value=None if isinstance(value, Mapping | list) else value,
                                    file=file))
        raise CartError(problems, file=file) from None
