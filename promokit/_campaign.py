"""Campaign files: the pydantic model, whole-file validation, and compilation to a pricing plan."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._documents import Document, parse_document, read_document
from ._errors import CampaignError, Problem
from ._money import MINOR_UNITS, Rounding
from ._selection import Exclude, Selection
from .rules import RULE_KINDS, AnyRule
from .rules._base import Env, Overflow, Window
from .rules.threshold import Step

if TYPE_CHECKING:
    from ._cart import Cart
    from ._result import PriceResult
    from .pricing.plan import Plan

DEFAULT_STAGES = ("item", "shop", "cross_store", "platform", "cash")


class ExclusiveGroup(BaseModel):
    """Rules of one group never stack: ``first`` by priority applies, or the ``best`` saving."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pick: Literal["first", "best"] = "first"
    name: str | None = None


class CampaignSpec(BaseModel):
    """A campaign file, validated. See docs/campaign-format.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign: str = Field(min_length=1, description="campaign id, e.g. double11-2026")
    name: str | None = None
    currency: str
    timezone: str = "UTC"
    rounding: Rounding = Rounding.HALF_UP
    stages: tuple[str, ...] = Field(default=DEFAULT_STAGES, min_length=1)
    threshold_base: str = Field(default="running",
                                description="running, list, or a stage name (after that stage)")
    overflow: Overflow = "lose"
    exclusive_groups: dict[str, ExclusiveGroup] = Field(default_factory=dict)
    rules: tuple[AnyRule, ...] = ()

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value not in MINOR_UNITS:
            raise ValueError(f"unknown currency {value!r}; expected an ISO 4217 code "
                             "such as CNY, USD, EUR, JPY")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; expected an IANA name such as "
                             "Asia/Shanghai") from None
        return value


# --- whole-file validation -------------------------------------------------------------------

_VOCABULARY = sorted(
    {name for kind in RULE_KINDS.values() for name in kind.model_fields}
    | set(CampaignSpec.model_fields) | set(Selection.model_fields) | set(Exclude.model_fields)
    | set(Step.model_fields) | set(Window.model_fields) | set(ExclusiveGroup.model_fields)
)


def validate_campaign(data: object, doc: Document | None = None) -> CampaignSpec:
    """A validated spec, or a CampaignError listing every problem in the data."""
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
        close = difflib.get_close_matches(str(loc[-1]), _VOCABULARY, n=1)
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


# --- the compiled campaign -------------------------------------------------------------------

class Campaign:
    """A validated, compiled campaign: immutable, safe to share between threads, priced many times.

    >>> campaign = Campaign.from_dict({"campaign": "demo", "currency": "CNY", "rules": [
    ...     {"id": "a-200-20", "kind": "threshold", "stage": "shop", "scope": "shop",
    ...      "min_spend": 200, "discount": 20}]})
    >>> campaign.price({"currency": "CNY", "lines": [{"id": "l1", "sku": "S", "shop": "A",
    ...     "unit_price": "210.00", "quantity": 1}]}).payable
    Money('190.00', 'CNY')
    """

    __slots__ = ("__dict__", "file", "spec")

    def __init__(self, spec: CampaignSpec, *, file: str | None = None) -> None:
        self.spec = spec
        self.file = file

    @classmethod
    def from_dict(cls, data: object, *, file: str | None = None) -> Campaign:
        """Validate and compile a campaign from parsed data."""
        return cls(validate_campaign(data, Document(data, file)), file=file)

    @cached_property
    def env(self) -> Env:
        """What rules compile against."""
        s = self.spec
        return Env(currency=s.currency, digits=MINOR_UNITS[s.currency], rounding=s.rounding,
                   stages=s.stages, default_base=s.threshold_base, overflow=s.overflow,
                   tz=ZoneInfo(s.timezone))

    @cached_property
    def plan(self) -> Plan:
        """The compiled pricing plan (rules indexed by what they can match)."""
        from .pricing.plan import Plan

        return Plan.build(self.spec, self.env)

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of the spec: ties a result to the campaign that made it."""
        canon = json.dumps(self.spec.model_dump(mode="json"), sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()

    @property
    def id(self) -> str:
        """The campaign id."""
        return self.spec.campaign

    def price(self, cart: Cart | Mapping[str, Any], *, at: datetime | None = None) -> PriceResult:
        """Price a cart (a :class:`Cart` or its dict form) at ``at``, by default the cart's."""
        from ._cart import Cart
        from .pricing.engine import price

        if not isinstance(cart, Cart):
            cart = load_cart_data(cart)
        return price(self, cart, at=at)

    def __repr__(self) -> str:
        return f"<Campaign {self.id!r}: {len(self.spec.rules)} rules, {self.fingerprint[:19]}>"


def load_campaign(path: str | os.PathLike[str]) -> Campaign:
    """Read, validate and compile a campaign file (YAML, JSON or TOML)."""
    doc = read_document(path, error=CampaignError)
    return Campaign(validate_campaign(doc.data, doc), file=doc.file)


def parse_campaign(text: str, fmt: str = "yaml", *, file: str | None = None) -> Campaign:
    """Validate and compile a campaign from text in ``fmt`` (yaml, json or toml)."""
    doc = parse_document(text, fmt, file=file, error=CampaignError)
    return Campaign(validate_campaign(doc.data, doc), file=file)


def load_cart_data(data: object, file: str | None = None) -> Cart:
    """A validated cart from parsed data, or a CartError listing every problem."""
    from ._cart import Cart
    from ._errors import CartError

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


def load_cart(path: str | os.PathLike[str]) -> Cart:
    """Read and validate a cart JSON file (money as decimal strings; JSON floats are refused)."""
    from ._errors import CartError

    doc = read_document(path, error=CartError, json_floats="reject")
    return load_cart_data(doc.data, doc.file)
