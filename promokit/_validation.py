"""Whole-file validation: every problem in a campaign or cart, located, in one error.

pydantic checks each value; :func:`_cross_check` and :func:`_cart_check` check what spans values
(ids, stages, bases, groups, decimals per currency) on the raw data, so both kinds of problem are
reported together in one run. :func:`_problem` rewords pydantic's generic messages so that each
names the field, the value and what was expected, with a "did you mean" drawn from the names that
are valid at that place in the file (a rule kind's own fields, a selection's, a ladder step's).
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, ValidationError

from ._documents import Document, render_path
from ._errors import CampaignError, CartError, MoneyError, Problem
from ._money import MINOR_UNITS, parse_decimal
from ._types import Amount, Count, Ident, Percent
from .rules import RULE_KINDS
from .rules._base import RuleSpec

if TYPE_CHECKING:
    from ._campaign import CampaignSpec
    from ._cart import Cart

DEFAULT_STAGES = ("item", "shop", "cross_store", "platform", "cash")
BASES = ("running", "list")  # threshold bases that are not stage names
CURRENCY_ALIASES = {"RMB": "CNY", "YUAN": "CNY", "元": "CNY", "¥": "CNY", "$": "USD", "€": "EUR"}
Loc = tuple[Any, ...]
LineOf = typing.Callable[[Sequence[Any]], "int | None"]


class Number(Decimal):
    """A Decimal shown as the merchant wrote it (``is: 19.90``, not ``is: Decimal('19.90')``)."""

    def __repr__(self) -> str:
        return str(self)


class _Found(NamedTuple):
    """A problem before it is placed: a raw location instead of a rendered path."""

    message: str
    loc: Loc
    value: object = None
    expected: str | None = None


# --- entry points -----------------------------------------------------------------------------


def validate_campaign(data: object, doc: Document | None = None) -> CampaignSpec:
    """A validated spec, or a CampaignError listing every problem in the data."""
    from ._campaign import CampaignSpec

    file = doc.file if doc else None
    line_of = doc.line_of if doc else None
    if not isinstance(data, Mapping):
        found = [_not_a_mapping("a campaign", data, "keys campaign, currency, rules, ...")]
        raise CampaignError(_placed(found, data, line_of, file), file=file)
    found = _cross_check(data)
    try:
        spec = CampaignSpec.model_validate(data)
    except ValidationError as exc:  # whole-model checks may repeat ours: keep ours
        found = _not_ours(_convert(exc, CampaignSpec, data), found) + found
    if found:
        raise CampaignError(_placed(found, data, line_of, file), file=file)
    return spec


def load_cart_data(data: object, file: str | None = None) -> Cart:
    """A validated cart from parsed data, or a CartError listing every problem."""
    from ._cart import Cart

    if not isinstance(data, Mapping):
        found = [_not_a_mapping("a cart", data, "keys currency, lines, ...")]
        raise CartError(_placed(found, data, None, file), file=file)
    found = _cart_check(data)
    try:
        cart = Cart.model_validate(data)
    except ValidationError as exc:  # whole-model checks may repeat ours: keep ours
        found = _not_ours(_convert(exc, Cart, data), found) + found
    if found:
        raise CartError(_placed(found, data, None, file), file=file)
    return cart


def _not_ours(theirs: list[_Found], ours: list[_Found]) -> list[_Found]:
    """``theirs`` without the problems ``ours`` already reports (same place, or same words)."""
    def gist(f: _Found) -> tuple[object, str]:
        return f.loc[-1:], re.split(r" \(|; |:", f.message, maxsplit=1)[0]

    places, gists = {f.loc for f in ours}, {gist(f) for f in ours}
    return [f for f in theirs if f.loc not in places and gist(f) not in gists]


def _not_a_mapping(what: str, data: object, expected: str) -> _Found:
    kind = "empty" if data is None else f"a {_kind_of(data)}"
    return _Found(f"{what} must be a mapping, but the file is {kind}", (), _shown(data), expected)


def _placed(found: Iterable[_Found], data: object, line_of: LineOf | None,
            file: str | None) -> list[Problem]:
    """Problems with rule ids, cart line ids, lines and file; no repeats; in file order."""
    seen: set[tuple[Loc, str]] = set()
    out = []
    for f in found:
        if (f.loc, f.message) in seen:
            continue
        seen.add((f.loc, f.message))
        rule, message = None, f.message
        if f.loc[:1] == ("rules",) and len(f.loc) > 1 and isinstance(f.loc[1], int):
            rid = _get_path(data, ("rules", f.loc[1], "id"))
            rule = str(rid) if isinstance(rid, str | int) and rid != "" else f"#{f.loc[1]}"
        if f.loc[:1] == ("lines",) and len(f.loc) > 1:
            lid = _get_path(data, ("lines", f.loc[1], "id"))
            if isinstance(lid, str | int) and lid != "":
                message = f"line {str(lid)!r}: {message}"
        out.append(Problem(message, render_path(f.loc), rule, f.value, f.expected, file,
                           line_of(f.loc) if line_of else None))
    return sorted(out, key=lambda p: p.line or 0)


# --- what is where: the model at a location, its fields, its raw data -------------------------


@cache
def _hints(model: type[BaseModel]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(model, include_extras=True)
    except (NameError, TypeError):  # pragma: no cover - an unresolvable forward reference
        return {name: f.annotation for name, f in model.model_fields.items()}


def _drop_none(hint: Any) -> Any:
    """``hint`` without ``| None`` (``Annotated`` kept)."""
    if typing.get_origin(hint) in (typing.Union, UnionType) and NoneType in typing.get_args(hint):
        args = tuple(a for a in typing.get_args(hint) if a is not NoneType)
        return args[0] if len(args) == 1 else typing.Union[args]  # noqa: UP007
    return hint


def _strip(hint: Any) -> Any:
    """``hint`` without ``Annotated`` and without ``| None``."""
    while True:
        hint = _drop_none(hint)
        if typing.get_origin(hint) is not typing.Annotated:
            return hint
        hint = typing.get_args(hint)[0]


def _resolve(hint: Any, raw: object) -> type[BaseModel] | None:
    """The model a value of type ``hint`` is read as; a union picks its member by ``kind``."""
    hint = _strip(hint)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return hint
    if typing.get_origin(hint) not in (typing.Union, UnionType):
        return None
    members = [m for m in typing.get_args(hint) if isinstance(m, type) and issubclass(m, BaseModel)]
    kind = raw.get("kind") if isinstance(raw, Mapping) else None
    for m in members:
        tag = _hints(m).get("kind")
        if len(members) == 1 or (typing.get_origin(tag) is typing.Literal
                                 and kind in typing.get_args(tag)):
            return m
    return None


def _child(hint: Any, part: object, raw: object) -> Any:
    """The type found at ``part`` inside a value of type ``hint`` whose data is ``raw``."""
    model = _resolve(hint, raw)
    if model is not None:
        return _hints(model).get(str(part))
    hint = _strip(hint)
    origin = typing.get_origin(hint)
    if origin in (tuple, list) and isinstance(part, int):
        return typing.get_args(hint)[0]
    return typing.get_args(hint)[1] if origin is dict else None


def _at(root: type[BaseModel], data: object, loc: Loc) -> type[BaseModel] | None:
    """The model at ``loc`` in ``data`` read as ``root`` (None where it cannot be known)."""
    hint: Any = root
    for n, part in enumerate(loc):
        hint = _child(hint, part, _get_path(data, loc[:n]))
        if hint is None:
            return None
    return _resolve(hint, _get_path(data, loc))


def _get_path(data: object, loc: Sequence[Any]) -> object:
    for part in loc:
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _label(model: type[BaseModel]) -> str:
    """How a place is named in a message: ``percent_off rules``, ``ladder steps``, ..."""
    if issubclass(model, RuleSpec):
        kinds = [k for k, cls in RULE_KINDS.items() if cls is model]
        return f"{kinds[0]} rules" if kinds else "rules"
    labels = {"Step": "ladder steps", "Line": "cart lines", "CampaignSpec": "a campaign",
              "ExclusiveGroup": "exclusive groups", "Customers": "a customers condition",
              "Coupon": "coupons", "Exclude": "an exclude"}
    name = model.__name__
    return labels.get(name, "a " + name.lower())


@cache
def _vocabulary() -> tuple[str, ...]:
    """Every field of every model a campaign or a cart is made of (the did-you-mean fallback)."""
    from ._campaign import CampaignSpec
    from ._cart import Cart

    models: set[type[BaseModel]] = set()
    todo: list[Any] = [CampaignSpec, Cart, *RULE_KINDS.values()]
    while todo:
        hint = todo.pop()
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            if hint not in models:
                models.add(hint)
                todo += _hints(hint).values()
        else:
            todo += typing.get_args(hint)
    return tuple(sorted({name for m in models for name in m.model_fields}))


def _suggest(word: object, choices: Iterable[object]) -> str | None:
    """The closest of ``choices`` to ``word``, if one is close."""
    names = [str(c) for c in choices]
    text = str(word)
    for name in names:  # case slips first: cny -> CNY
        if name.lower() == text.lower():
            return name
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
    if close:
        return close[0]
    short = [n for n in names if len(text) >= 3 and _abbreviates(text.lower(), n.lower())]
    return short[0] if len(short) == 1 else None  # qty -> quantity


def _abbreviates(short: str, name: str) -> bool:
    """Is ``short`` an abbreviation of ``name``: the same first letter, its letters in order?"""
    rest = iter(name)
    return name.startswith(short[0]) and all(ch in rest for ch in short)


def _did_you_mean(word: object, choices: Iterable[object]) -> str:
    close = _suggest(word, choices)
    return f"; did you mean {close!r}?" if close and close != word else ""


# --- what a field expects ---------------------------------------------------------------------

_SPECIAL = {"campaign": "a campaign id such as double11-2026",
            "currency": "an ISO 4217 code such as CNY, USD, EUR, JPY",
            "timezone": "an IANA time zone such as Asia/Shanghai",
            "threshold_base": "running, list or a stage name",
            "base": "running, list or the name of an earlier stage",
            "stage": "the name of a stage declared in stages",
            "exclusive": "the name of a group declared in exclusive_groups"}
_TIME = "an ISO-8601 time such as 2026-11-11T00:00:00 or 2026-11-11T00:00:00+08:00"


def _expects(model: type[BaseModel] | None, field: object) -> str | None:
    """What a field of ``model`` accepts, in words, or None when not known."""
    if model is None or not isinstance(field, str) or field not in model.model_fields:
        return None
    if field in _SPECIAL:
        return _SPECIAL[field]
    hint = _drop_none(_hints(model)[field])
    known = {Amount: "an amount >= 0 written as a decimal, such as 19.90",
             Percent: "a percent from 0 to 100, such as 15 for 15% off",
             Count: "a whole number >= 1", Ident: "a non-empty name"}
    for alias, words in known.items():
        if hint == alias:
            return words
    hint = _strip(hint)
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return "one of " + ", ".join(repr(m.value) for m in hint)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return f"a mapping with the fields of {_label(hint)}"
    if origin in (tuple, list):
        return "a list of names" if typing.get_args(hint)[0] is str else "a list"
    simple = {str: "text", int: "a whole number", bool: "true or false", datetime: _TIME}
    return "a mapping" if origin is dict else simple.get(hint)


# --- pydantic errors as problems --------------------------------------------------------------

_GENERIC = {
    "int_parsing": "not a whole number", "int_type": "not a whole number",
    "int_from_float": "not a whole number", "string_type": "not text",
    "bool_type": "not true or false", "bool_parsing": "not true or false",
    "tuple_type": "not a list", "list_type": "not a list", "dict_type": "not a mapping",
    "model_type": "not a mapping", "model_attributes_type": "not a mapping",
    "datetime_parsing": "not a date and time", "datetime_from_date_parsing": "not a date and time",
    "datetime_type": "not a date and time", "decimal_parsing": "not a decimal number",
}
_BOUNDS = {"greater_than_equal": (">=", "ge"), "greater_than": (">", "gt"),
           "less_than_equal": ("<=", "le"), "less_than": ("<", "lt")}
_EXPECTED = re.compile(r"^(?P<message>.*?);? expected (?P<expected>.*)$", re.S)
_IS = re.compile(r"^(?P<message>.*?) \(is: .*\)$", re.S)
_PART = re.compile(r"^(?P<path>[\w-]+(?:\.[\w-]+)*): (?P<message>.*)$"
                   r"|^(?P<dotted>[A-Za-z_][\w-]*(?:\.[\w-]+)+) (?P<rest>.*)$", re.S)
_ONE_OF = re.compile(r"^give exactly one of (?P<names>[\w, ]+)$")
_LADDER = re.compile(r"^ladder (does not increase|benefit drops)")
_WINDOW = re.compile(r"^window end .* is not after its start")


def _convert(exc: ValidationError, root: type[BaseModel], data: object) -> list[_Found]:
    """Every pydantic error of ``exc``; cascades of one mistake are reported once."""
    errors = [(err, _clean(err["loc"])) for err in exc.errors()]
    guessed: set[Loc] = set()  # missing fields that an unknown field's did-you-mean explains
    for err, loc in errors:
        if err["type"] == "extra_forbidden":
            model = _at(root, data, loc[:-1])
            close = _suggest(loc[-1], model.model_fields if model else ())
            guessed.add((*loc[:-1], close))
    out: list[_Found] = []
    for err, loc in errors:
        if err["type"] == "missing" and loc in guessed:
            continue
        if err["type"] == "too_short" and isinstance(err.get("input"), list) and err["input"]:
            continue  # every item failed on its own, and each is reported where it is
        found = _problem(err, loc, root, data)
        out += found if isinstance(found, list) else [found]
    return out


def _clean(loc: Sequence[Any]) -> Loc:
    """A pydantic location without the tag a discriminated union adds: rules.3.threshold.x."""
    parts = list(loc)
    if len(parts) >= 3 and parts[0] == "rules" and parts[2] in RULE_KINDS:
        del parts[2]
    return tuple(parts)


def _problem(err: Any, loc: Loc, root: type[BaseModel], data: object) -> _Found | list[_Found]:
    """One pydantic error in our words."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    field = loc[-1] if loc else None
    parent = _at(root, data, loc[:-1])
    expected = _expects(parent, field)
    if kind == "extra_forbidden":
        return _unknown_field(loc, parent)
    if kind == "missing":
        where = f" for {_label(parent)}" if parent is not None and parent is not root else ""
        return _Found(f"missing required field {field!r}{where}", loc, None, expected)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = ctx.get("tag")
        what = f"unknown rule kind {tag!r}{_did_you_mean(tag, RULE_KINDS)}" if tag is not None \
            else "missing required field 'kind'"
        return _Found(what, (*loc, "kind"), tag, "one of " + ", ".join(RULE_KINDS))
    if kind in ("literal_error", "enum"):
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return _Found(f"unknown value {value!r}{_did_you_mean(value, options)}", loc,
                      _shown(value), "one of " + ", ".join(map(repr, options)))
    if kind == "value_error":
        return _value_error(str(ctx.get("error", err["msg"])), loc, root, data, value, expected)
    message = err["msg"]
    if kind in _GENERIC:
        message = _GENERIC[kind]
        if kind.endswith(("model_type", "attributes_type", "dict_type")):
            expected = expected or "a mapping of field: value"
        expected = expected or (_TIME if kind.startswith("datetime") else None)
    elif kind in _BOUNDS:
        sign, key = _BOUNDS[kind]
        bound = ctx.get(key)
        message = f"{value} is too {'small' if sign[0] == '>' else 'large'}"
        if expected is None or f"{sign} {bound}" not in expected:
            expected = f"{expected or 'a number'} {sign} {bound}"
    elif kind == "string_too_short":
        message, expected = "must not be empty", "non-empty text"
    elif kind == "string_too_long":
        message = f"is longer than {ctx.get('max_length')} characters"
    elif kind == "too_short":
        n = ctx.get("min_length")
        message = f"needs at least {n} item{'s' if n != 1 else ''}"
        expected = f"a list of at least {n} item{'s' if n != 1 else ''}"
    return _Found(message, loc, _shown(value), expected)


def _unknown_field(loc: Loc, model: type[BaseModel] | None) -> _Found:
    name = loc[-1]
    if model is None:
        return _Found(f"unknown field {name!r}{_did_you_mean(name, _vocabulary())}", loc, name,
                      "a documented field (see docs/campaign-format.md)")
    fields = list(model.model_fields)
    close = _suggest(name, fields)
    if close is not None:
        return _Found(f"unknown field {name!r}; did you mean {close!r}?", loc, name, repr(close))
    listed = f"a field of {_label(model)}: " + ", ".join(fields)
    owners = [k for k, cls in RULE_KINDS.items() if name in cls.model_fields]
    if issubclass(model, RuleSpec) and owners:
        return _Found(f"{name!r} is a field of {' and '.join(owners)} rules, not of "
                      f"{_label(model)}", loc, name, listed)
    return _Found(f"unknown field {name!r}", loc, name, listed)


def _value_error(text: str, loc: Loc, root: type[BaseModel], data: object, value: object,
                 expected: str | None) -> _Found | list[_Found]:
    """A validator's own message, split into message, value and expected, placed precisely."""
    raw = _get_path(data, loc)
    if not loc:  # a whole-model check, often naming its own paths: "lines.1.id: ...; ..."
        return [_model_part(part, data) for part in text.split("; ")]
    if loc[-1:] == ("currency",) and isinstance(value, str):
        hint = CURRENCY_ALIASES.get(value.upper()) or _suggest(value, MINOR_UNITS)
        return _Found(f"unknown currency {value!r}" + (f"; did you mean {hint!r}?" if hint else ""),
                      loc, value, _SPECIAL["currency"])
    text = _IS.sub(r"\g<message>", text).removeprefix("value ")  # parse_decimal's "value 'x'"
    one_of = _ONE_OF.match(text)
    if one_of and isinstance(raw, Mapping):
        names = [n.strip() for n in one_of["names"].split(",")]
        given = [n for n in names if raw.get(n) is not None]
        return _Found(f"{' and '.join(given) or 'none'} given; give exactly one of "
                      f"{', '.join(names)}", loc, ", ".join(given) or None,
                      "exactly one of " + ", ".join(names))
    if _LADDER.match(text):
        return _ladder_error(text, loc, raw)
    if _WINDOW.match(text) and isinstance(raw, Mapping):
        return _Found("the window ends before it starts", (*loc, "end"), _shown(raw.get("end")),
                      f"a time after {raw.get('start')}")
    shown = None if isinstance(raw, Mapping) else _shown(value)
    if isinstance(raw, Mapping):  # a check on a whole mapping: its field's type says nothing
        expected = None
    above = re.search(r" must be above (\S+)$", text)
    first = text.split(" ", 1)[0]  # "deposit 0 must be above 0": point at the field named first
    model = _at(root, data, loc)
    if model is not None and first in model.model_fields and isinstance(raw, Mapping):
        loc, shown, expected = (*loc, first), _shown(raw.get(first)), _expects(model, first)
    if above:
        expected = f"more than {above[1]}"
    split = _EXPECTED.match(text)
    if split:
        return _Found(split["message"], loc, shown, split["expected"])
    return _Found(text, loc, shown, expected)


def _model_part(text: str, data: object) -> _Found:
    """One part of a whole-model check's message: ``path: message (expected ...)``."""
    found = _PART.match(text)
    loc: Loc = ()
    rule = re.match(r"^rule '(?P<id>[^']*)': (?P<message>.*)$", text, re.S)
    rules = _get_path(data, ("rules",))
    ids = [r.get("id") if isinstance(r, Mapping) else None
           for r in (rules if isinstance(rules, list) else [])]
    if found:
        path = found["path"] or found["dotted"]
        loc = tuple(int(x) if x.isdigit() else x for x in path.split("."))
        text = found["message"] or found["rest"]
    elif rule and rule["id"] in ids:  # "rule 'p': deposit 300 is above ...": point at deposit
        loc, text = ("rules", ids.index(rule["id"])), rule["message"]
        first, raw = text.split(" ", 1)[0], _get_path(data, loc)
        if isinstance(raw, Mapping) and first in raw:
            loc = (*loc, first)
    split = re.match(r"^(?P<message>.*) \(expected (?P<expected>[^()]*)\)$", text, re.S) \
        or _EXPECTED.match(text)
    message, expected = (split["message"], split["expected"]) if split else (text, None)
    return _Found(message, loc, _shown(_get_path(data, loc)) if loc else None, expected)


def _ladder_error(text: str, loc: Loc, raw: object) -> _Found:
    """Point a ladder ordering error at the step that breaks the order."""
    steps = _get_path(raw, ("ladder",))
    steps = [s if isinstance(s, Mapping) else {} for s in steps] if isinstance(steps, list) else []
    increase = "increase" in text
    for k in range(1, len(steps)):
        for name in ("min_spend", "min_qty") if increase else ("discount", "percent"):
            a, b = _number(steps[k - 1].get(name)), _number(steps[k].get(name))
            if a is None or b is None or (b > a if increase else b >= a):
                continue
            if increase:
                return _Found(f"ladder does not increase: step {k + 1} needs {b} after {a}",
                              (*loc, "ladder", k, name), Number(b),
                              f"more than {a}: each step above the one before")
            return _Found(f"ladder benefit drops: step {k + 1} gives {b} after {a}",
                          (*loc, "ladder", k, name), Number(b),
                          f"at least {a}: a higher step gives no less")
    return _Found(text, (*loc, "ladder"))


# --- values -----------------------------------------------------------------------------------


def _number(value: object) -> Decimal | None:
    try:
        return None if isinstance(value, bool) else parse_decimal(value)
    except MoneyError:
        return None


def _shown(value: object) -> object:
    """A value as a problem shows it: decimals plainly, mappings not at all."""
    if isinstance(value, Decimal) and value.is_finite():
        return Number(value)
    return None if isinstance(value, Mapping) else value


def _kind_of(value: object) -> str:
    return {list: "list", str: "string", int: "number"}.get(type(value), type(value).__name__)


def _walk(hint: Any, raw: object, loc: Loc = ()) -> Iterator[tuple[Loc, Any, object]]:
    """Every value in ``raw`` read as ``hint``: (location, its type, its data), depth first."""
    yield loc, hint, raw
    model = _resolve(hint, raw)
    if model is not None:
        for name, sub in _hints(model).items():
            if isinstance(raw, Mapping) and raw.get(name) is not None:
                yield from _walk(sub, raw[name], (*loc, name))
        return
    hint = _strip(hint)
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (tuple, list) and isinstance(raw, list) and args:
        for k, item in enumerate(raw):
            yield from _walk(args[0], item, (*loc, k))
    elif typing.get_origin(hint) is dict and isinstance(raw, Mapping):
        for key, item in raw.items():
            yield from _walk(args[1], item, (*loc, key))


def _too_precise(root: type[BaseModel], data: Mapping[Any, Any]) -> list[_Found]:
    """Amounts with more decimals than the currency has (20.005 CNY, 10.5 JPY)."""
    currency = data.get("currency")
    digits = MINOR_UNITS.get(currency) if isinstance(currency, str) else None
    if digits is None:
        return []
    expected = (f"a whole number of {currency} (it has no minor unit)" if digits == 0 else
                f"at most {digits} decimal place{'s' if digits != 1 else ''} for {currency}")
    out = []
    for loc, hint, value in _walk(root, data):
        dec = _number(value) if _drop_none(hint) == Amount else None
        if dec is not None and dec.is_finite() and dec.scaleb(digits) % 1 != 0:
            out.append(_Found(f"{value} has more decimals than {currency} has", loc,
                              Number(dec), expected))
    return out


# --- checks that span values ------------------------------------------------------------------


def _cross_check(data: Mapping[Any, Any]) -> list[_Found]:
    """What spans values: declared stages, bases and groups, unique ids, decimals per currency."""
    from ._campaign import CampaignSpec

    stages = data.get("stages", DEFAULT_STAGES)
    stages = [s for s in stages if isinstance(s, str)] if isinstance(stages, list | tuple) else []
    out: list[_Found] = []
    for k, s in enumerate(stages):
        if stages.index(s) != k:
            out.append(_Found(f"stage {s!r} is declared twice", ("stages", k), s,
                              "each stage once"))
        if s in BASES:
            out.append(_Found(f"{s!r} cannot name a stage: it is a threshold base",
                              ("stages", k), s, "a stage name other than running and list"))
    default_base = data.get("threshold_base", "running")
    if isinstance(default_base, str) and default_base not in (*BASES, *stages):
        out.append(_Found(f"threshold_base {default_base!r} is not running, list or a declared "
                          f"stage{_did_you_mean(default_base, [*BASES, *stages])}",
                          ("threshold_base",), default_base,
                          "one of " + ", ".join([*BASES, *stages])))
    levels = _get_path(data, ("tiers", "levels"))
    tiers = [t.get("name") for t in levels if isinstance(t, Mapping)] \
        if isinstance(levels, list) else None
    for loc, hint, raw in _walk(CampaignSpec, data):
        model = _resolve(hint, raw)
        if model is None or not isinstance(raw, Mapping):
            continue
        for name in ("stage", "shipping_stage"):
            stage = raw.get(name) if name in model.model_fields else None
            if isinstance(stage, str) and stage and stage not in stages:
                out.append(_Found(f"stage {stage!r} is not declared in stages"
                                  f"{_did_you_mean(stage, stages)}", (*loc, name), stage,
                                  "one of " + ", ".join(stages) if stages else _SPECIAL["stage"]))
        out += _tier_names(loc, model, raw, tiers)
        base, stage = raw.get("base"), raw.get("stage")
        if "base" in model.model_fields and isinstance(base, str) and stage in stages:
            at = stages.index(stage)
            earlier = [*BASES, *stages[:at]]
            if base not in earlier:
                why = ("a later stage" if base in stages[at + 1:] else "this rule's own stage"
                       if base == stage else "not a declared stage" + _did_you_mean(base, earlier))
                out.append(_Found(f"base {base!r} is {why}; a threshold is judged on running, "
                                  f"list or a stage before {stage!r}", (*loc, "base"), base,
                                  "one of " + ", ".join(earlier)))
    return out + _rule_check(data, stages, default_base) + _too_precise(CampaignSpec, data)


def _tier_names(loc: Loc, model: type[BaseModel], raw: Mapping[Any, Any],
                tiers: list[object] | None) -> list[_Found]:
    """A ``min_tier`` names a declared tier; so do ``tiers`` lists, when a ladder is declared."""
    out = []
    expected = "one of " + ", ".join(map(str, tiers)) if tiers else "a tier declared in tiers"
    named = [((*loc, "min_tier"), raw.get("min_tier"))] if "min_tier" in model.model_fields else []
    if tiers is not None and _expects(model, "tiers") == "a list of names":
        listed = raw.get("tiers")
        named += [((*loc, "tiers", k), t) for k, t in enumerate(listed)] \
            if isinstance(listed, list) else []
    for at, name in named:
        if isinstance(name, str) and name not in (tiers or ()):
            out.append(_Found(f"tier {name!r} is not declared in tiers"
                              f"{_did_you_mean(name, map(str, tiers or ()))}", at, name, expected))
    return out


def _rule_check(data: Mapping[Any, Any], stages: list[str], default_base: object,
                ) -> list[_Found]:
    """Unique rule ids, the campaign's base before each threshold, declared exclusive groups."""
    groups = data.get("exclusive_groups")
    groups = [str(g) for g in groups] if isinstance(groups, Mapping) else []
    rules = data.get("rules")
    out: list[_Found] = []
    seen: dict[str, int] = {}
    group_stage: dict[str, tuple[str, int]] = {}
    for i, raw in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(raw, Mapping):
            continue
        rid, stage, group = raw.get("id"), raw.get("stage"), raw.get("exclusive")
        if isinstance(rid, str) and rid in seen:
            out.append(_Found(f"duplicate rule id {rid!r} (first at "
                              f"{render_path(('rules', seen[rid]))})", ("rules", i, "id"), rid,
                              "a unique id per rule"))
        if isinstance(rid, str):
            seen.setdefault(rid, i)
        if raw.get("base") is None and raw.get("kind") == "threshold" and stage in stages \
                and default_base in stages \
                and stages.index(default_base) >= stages.index(stage):  # type: ignore[arg-type]
            out.append(_Found(f"the campaign's threshold_base {default_base!r} is not before this "
                              f"rule's stage {stage!r}", ("rules", i, "stage"), stage,
                              f"a stage after {default_base!r}, or a base on the rule"))
        if isinstance(group, str) and group not in groups:
            out.append(_Found(f"exclusive group {group!r} is not declared in exclusive_groups"
                              f"{_did_you_mean(group, groups)}", ("rules", i, "exclusive"), group,
                              "one of " + (", ".join(groups) or "(none declared)")))
        elif isinstance(group, str):
            first_stage, first = group_stage.setdefault(group, (str(stage), i))
            if first_stage != stage:
                out.append(_Found(f"exclusive group {group!r} spans stages {first_stage!r} "
                                  f"({render_path(('rules', first))}) and {stage!r}",
                                  ("rules", i, "exclusive"), group,
                                  "all rules of a group in one stage"))
    return out


def _cart_check(data: Mapping[Any, Any]) -> list[_Found]:
    """Duplicate line ids and amounts finer than the currency's minor unit, on the raw cart."""
    from ._cart import Cart

    out = []
    lines = data.get("lines")
    seen: dict[str, int] = {}
    for i, line in enumerate(lines if isinstance(lines, list) else []):
        lid = line.get("id") if isinstance(line, Mapping) else None
        if isinstance(lid, str) and lid in seen:
            out.append(_Found(f"duplicate line id (first at {render_path(('lines', seen[lid]))})",
                              ("lines", i, "id"), lid, "a unique id per line"))
        if isinstance(lid, str):
            seen.setdefault(lid, i)
    return out + _too_precise(Cart, data)
