"""Problems in our words: pydantic's errors reworded, what a field expects, and "did you mean".

:func:`convert` turns a pydantic ``ValidationError`` into :class:`Found` problems whose message
names the field, the value and what was expected, with a "did you mean" drawn from the names that
are valid at that place in the file (a rule kind's own fields, a selection's, a ladder step's).
What is valid where comes from :mod:`promokit._input.schema`: the model a place in the raw data is
read as.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from promokit._errors import MoneyError
from promokit._input.schema import Loc, at, drop_none, get_path, hints, strip, vocabulary
from promokit._money import MINOR_UNITS, parse_decimal
from promokit._types import Amount, Count, Ident, Percent
from promokit.rules import RULE_KINDS
from promokit.rules._base import RuleSpec

CURRENCY_ALIASES = {"RMB": "CNY", "YUAN": "CNY", "元": "CNY", "¥": "CNY", "$": "USD", "€": "EUR"}


class Found(NamedTuple):
    """A problem before it is placed: a raw location instead of a rendered path."""

    message: str
    loc: Loc
    value: object = None
    expected: str | None = None


# --- did you mean -----------------------------------------------------------------------------


def suggest(word: object, choices: Iterable[object]) -> str | None:
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


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """``; did you mean 'x'?`` for the closest of ``choices``, or nothing."""
    close = suggest(word, choices)
    return f"; did you mean {close!r}?" if close and close != word else ""


# --- what a field expects ---------------------------------------------------------------------

SPECIAL = {"campaign": "a campaign id such as double11-2026",
           "currency": "an ISO 4217 code such as CNY, USD, EUR, JPY",
           "timezone": "an IANA time zone such as Asia/Shanghai",
           "threshold_base": "running, list or a stage name",
           "base": "running, list or the name of an earlier stage",
           "stage": "the name of a stage declared in stages",
           "exclusive": "the name of a group declared in exclusive_groups"}
_TIME = "an ISO-8601 time such as 2026-11-11T00:00:00 or 2026-11-11T00:00:00+08:00"


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


def expects(model: type[BaseModel] | None, field: object) -> str | None:
    """What a field of ``model`` accepts, in words, or None when not known."""
    if model is None or not isinstance(field, str) or field not in model.model_fields:
        return None
    if field in SPECIAL:
        return SPECIAL[field]
    hint = drop_none(hints(model)[field])
    known = {Amount: "an amount >= 0 written as a decimal, such as 19.90",
             Percent: "a percent from 0 to 100, such as 15 for 15% off",
             Count: "a whole number from 1 to 100000", Ident: "a non-empty name"}
    for alias, words in known.items():
        if hint == alias:
            return words
    hint = strip(hint)
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
_PART = re.compile(r"^(?P<path>[\w-]+(?:\.[\w-]+)*): (?P<message>.*)$", re.S)
_ONE_OF = re.compile(r"^give exactly one of (?P<names>[\w, ]+)$")
_LADDER = re.compile(r"^ladder (does not increase|benefit drops)")
_WINDOW = re.compile(r"^window end .* is not after its start")


def convert(exc: ValidationError, root: type[BaseModel], data: object) -> list[Found]:
    """Every pydantic error of ``exc``; cascades of one mistake are reported once."""
    errors = [(err, _clean(err["loc"])) for err in exc.errors()]
    guessed: set[Loc] = set()  # missing fields that an unknown field's did-you-mean explains
    for err, loc in errors:
        if err["type"] == "extra_forbidden":
            model = at(root, data, loc[:-1])
            close = suggest(loc[-1], model.model_fields if model else ())
            guessed.add((*loc[:-1], close))
    out: list[Found] = []
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


def _problem(err: Any, loc: Loc, root: type[BaseModel], data: object) -> Found | list[Found]:
    """One pydantic error in our words."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    field = loc[-1] if loc else None
    parent = at(root, data, loc[:-1])
    expected = expects(parent, field)
    if kind == "extra_forbidden":
        return _unknown_field(loc, parent)
    if kind == "missing":
        where = f" for {_label(parent)}" if parent is not None and parent is not root else ""
        return Found(f"missing required field {field!r}{where}", loc, None, expected)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = ctx.get("tag")
        what = f"unknown rule kind {tag!r}{did_you_mean(tag, RULE_KINDS)}" if tag is not None \
            else "missing required field 'kind'"
        return Found(what, (*loc, "kind"), tag, "one of " + ", ".join(RULE_KINDS))
    if kind in ("literal_error", "enum"):
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return Found(f"unknown value {value!r}{did_you_mean(value, options)}", loc,
                     shown(value), "one of " + ", ".join(map(repr, options)))
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
        if expected is None or (f"{sign} {bound}" not in expected and str(bound) not in expected):
            expected = f"{expected or 'a number'} {sign} {bound}"
    elif kind == "string_too_short":
        message, expected = "must not be empty", "non-empty text"
    elif kind == "string_too_long":
        message = f"is longer than {ctx.get('max_length')} characters"
    elif kind == "too_short":
        n = ctx.get("min_length")
        message = f"needs at least {n} item{'s' if n != 1 else ''}"
        expected = f"a list of at least {n} item{'s' if n != 1 else ''}"
    return Found(message, loc, shown(value), expected)


def _unknown_field(loc: Loc, model: type[BaseModel] | None) -> Found:
    name = loc[-1]
    if model is None:
        return Found(f"unknown field {name!r}{did_you_mean(name, vocabulary())}", loc, name,
                     "a documented field (see docs/campaign-format.md)")
    fields = list(model.model_fields)
    close = suggest(name, fields)
    if close is not None:
        return Found(f"unknown field {name!r}; did you mean {close!r}?", loc, name, repr(close))
    listed = f"a field of {_label(model)}: " + ", ".join(fields)
    owners = [k for k, cls in RULE_KINDS.items() if name in cls.model_fields]
    if issubclass(model, RuleSpec) and owners:
        return Found(f"{name!r} is a field of {' and '.join(owners)} rules, not of "
                     f"{_label(model)}", loc, name, listed)
    return Found(f"unknown field {name!r}", loc, name, listed)


def _value_error(text: str, loc: Loc, root: type[BaseModel], data: object, value: object,
                 expected: str | None) -> Found | list[Found]:
    """A validator's own message, split into message, value and expected, placed precisely."""
    raw = get_path(data, loc)
    if not loc:  # a whole-model check, naming its own paths: "wallet: ...; coupons: ..."
        return [_model_part(part, data) for part in text.split("; ")]
    if loc[-1:] == ("currency",) and isinstance(value, str):
        hint = CURRENCY_ALIASES.get(value.upper()) or suggest(value, MINOR_UNITS)
        return Found(f"unknown currency {value!r}" + (f"; did you mean {hint!r}?" if hint else ""),
                     loc, value, SPECIAL["currency"])
    text = _IS.sub(r"\g<message>", text).removeprefix("value ")  # parse_decimal's "value 'x'"
    one_of = _ONE_OF.match(text)
    if one_of and isinstance(raw, Mapping):
        names = [n.strip() for n in one_of["names"].split(",")]
        given = [n for n in names if raw.get(n) is not None]
        return Found(f"{' and '.join(given) or 'none'} given; give exactly one of "
                     f"{', '.join(names)}", loc, ", ".join(given) or None,
                     "exactly one of " + ", ".join(names))
    if _LADDER.match(text):
        return _ladder_error(text, loc, raw)
    if _WINDOW.match(text) and isinstance(raw, Mapping):
        return Found("the window ends before it starts", (*loc, "end"), shown(raw.get("end")),
                     f"a time after {raw.get('start')}")
    value = None if isinstance(raw, Mapping) else shown(value)
    if isinstance(raw, Mapping):  # a check on a whole mapping: its field's type says nothing
        expected = None
    above = re.search(r" must be above (\S+)$", text)
    first = text.split(" ", 1)[0]  # "deposit 0 must be above 0": point at the field named first
    model = at(root, data, loc)
    if model is not None and first in model.model_fields and isinstance(raw, Mapping):
        loc, value, expected = (*loc, first), shown(raw.get(first)), expects(model, first)
    if above:
        expected = f"more than {above[1]}"
    split = _EXPECTED.match(text)
    if split:
        return Found(split["message"], loc, value, split["expected"])
    return Found(text, loc, value, expected)


def _model_part(text: str, data: object) -> Found:
    """One part of a whole-model check's message: ``path: message (expected ...)``."""
    found = _PART.match(text)
    loc: Loc = ()
    if found:
        loc = tuple(int(x) if x.isdigit() else x for x in found["path"].split("."))
        text = found["message"]
    split = re.match(r"^(?P<message>.*) \(expected (?P<expected>[^()]*)\)$", text, re.S) \
        or _EXPECTED.match(text)
    message, expected = (split["message"], split["expected"]) if split else (text, None)
    return Found(message, loc, shown(get_path(data, loc)) if loc else None, expected)


def _ladder_error(text: str, loc: Loc, raw: object) -> Found:
    """Point a ladder ordering error at the step that breaks the order."""
    steps = get_path(raw, ("ladder",))
    steps = [s if isinstance(s, Mapping) else {} for s in steps] if isinstance(steps, list) else []
    increase = "increase" in text
    for k in range(1, len(steps)):
        for name in ("min_spend", "min_qty") if increase else ("discount", "percent"):
            a, b = number(steps[k - 1].get(name)), number(steps[k].get(name))
            if a is None or b is None or (b > a if increase else b >= a):
                continue
            if increase:
                return Found(f"ladder does not increase: step {k + 1} needs {b} after {a}",
                             (*loc, "ladder", k, name), b,
                             f"more than {a}: each step above the one before")
            return Found(f"ladder benefit drops: step {k + 1} gives {b} after {a}",
                         (*loc, "ladder", k, name), b, f"at least {a}: a higher step gives no less")
    return Found(text, (*loc, "ladder"))


# --- values -----------------------------------------------------------------------------------


def number(value: object) -> Decimal | None:
    """``value`` as a finite Decimal, or None when it is not a number (booleans are not)."""
    try:
        return None if isinstance(value, bool) else parse_decimal(value)
    except MoneyError:
        return None


def shown(value: object) -> object:
    """A value as a problem shows it: mappings not at all (their fields are shown instead)."""
    return None if isinstance(value, Mapping) else value


def kind_of(value: object) -> str:
    """What a non-mapping document is, in words: ``list``, ``string``, ``number``, ..."""
    return {list: "list", str: "string", int: "number"}.get(type(value), type(value).__name__)
