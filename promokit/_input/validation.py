"""Whole-file validation: every problem in a campaign or cart, located, in one error.

pydantic checks each value; :func:`_cross_check` and :func:`_cart_check` check what spans values
(ids, stages, bases, groups, tier perks, pre-sale limits, decimals per currency) on the raw data,
so both kinds of problem are reported together in one run. pydantic's errors are reworded by
:mod:`promokit._input.messages`; here every problem gets its place: path, rule id, cart line,
file line.
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import UnionType
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from promokit._cart.cart import Cart
from promokit._errors import CampaignError, CartError, InputError, Problem
from promokit._input.documents import Document, render_path
from promokit._input.messages import (
    SPECIAL,
    Found,
    convert,
    did_you_mean,
    expects,
    kind_of,
    number,
    shown,
)
from promokit._input.schema import Loc, drop_none, get_path, hints, resolve, strip, walk
from promokit._money import MINOR_UNITS
from promokit._spec.campaign import DEFAULT_STAGES, CampaignSpec
from promokit._types import Amount

BASES = ("running", "list")  # threshold bases that are not stage names
_SELECT_FIELDS = ("skus", "shops", "categories", "brands", "tags")
_UNDERSCORED = re.compile(r"\s*[-+]?[0-9_]*[0-9][0-9_]*(?:\.[0-9_]*)?\s*\Z")
LineOf = typing.Callable[[Sequence[Any]], "int | None"]
_BOOL: TypeAdapter[bool] = TypeAdapter(bool)


# --- entry points -----------------------------------------------------------------------------


def placed(found: Iterable[Found], data: object, doc: Document | None) -> list[Problem]:
    """Problems found on a document's data, with rule ids, cart line ids, lines and file."""
    return _placed(found, data, doc.line_of if doc else None, doc.file if doc else None)


def validate_campaign(data: object, doc: Document | None = None) -> CampaignSpec:
    """A validated spec, or a CampaignError listing every problem in the data."""
    return _validate(CampaignSpec, data, _cross_check, CampaignError, "a campaign",
                     "keys campaign, currency, rules, ...", doc.file if doc else None,
                     doc.line_of if doc else None)


def load_cart_data(data: object, file: str | None = None) -> Cart:
    """A validated cart from parsed data, or a CartError listing every problem.

    The cart model checks values, line ids and the decimals of prices and fees itself; what it
    accepts that :func:`_cart_check` refuses is rare (an amount finer than the currency outside
    prices and fees, a number written with ``_``). So a cart is validated by the model first, and
    a cheap look at its numeric fields (:func:`_plainly_exact`) settles that the raw checks would
    find nothing; only otherwise -- the model refused the cart, or a number is unusual -- does the
    full walk run, to list every problem with its place, in the same words as ever.
    """
    if isinstance(data, Mapping):
        try:
            cart = Cart.model_validate(data)
        except ValidationError:
            pass
        else:
            currency = data.get("currency")
            digits = MINOR_UNITS.get(currency) if isinstance(currency, str) else None
            if digits is not None and _cart_numbers()(data, _amount_re(digits)):
                return cart
    return _validate(Cart, data, _cart_check, CartError, "a cart", "keys currency, lines, ...",
                     file, None)


# --- the fast look at a valid cart's numbers ---------------------------------------------------

#: How the numeric fields sit in a model's data: (name, kind, below) per field worth visiting.
#: kind: "amount" (an Amount), "number" (another int or Decimal field), "model" (a nested model:
#: ``below`` is its own list), "items" / "values" (a list / a mapping of ``below``), "unknown" (a
#: union of models: cannot be read without the model's ``kind``, so the full walk runs).
NumberPlan = list[tuple[str, str, Any]]


@functools.cache
def _numbers_of(model: type[BaseModel]) -> NumberPlan:
    """Where ``model``'s data holds numbers, as :func:`walk` would find them (see NumberPlan)."""
    out: NumberPlan = []
    for name, hint in hints(model).items():
        part = _number_part(hint)
        if part is not None:
            out.append((name, *part))
    return out


def _number_part(hint: Any) -> tuple[str, Any] | None:
    """How the numbers of a value of type ``hint`` are reached, or None when it holds none."""
    if drop_none(hint) == Amount:
        return "amount", None
    bare = strip(hint)
    if bare in (int, Decimal):
        return "number", None
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        below = _numbers_of(bare)
        return ("model", below) if below else None
    origin, args = typing.get_origin(bare), typing.get_args(bare)
    if origin in (typing.Union, UnionType):
        return ("unknown", None) if any(_number_part(a) for a in args) else None
    if origin in (tuple, list) and args:
        inner = _number_part(args[0])
        return None if inner is None else ("items", inner)
    if origin is dict and len(args) == 2:
        inner = _number_part(args[1])
        return None if inner is None else ("values", inner)
    return None


@functools.cache
def _amount_re(digits: int) -> re.Pattern[str]:
    """Plain amounts with at most ``digits`` decimals: ``128``, ``19.90``."""
    decimals = rf"(?:\.[0-9]{{0,{digits}}})?" if digits else ""
    pattern = re.compile(rf"[0-9]+{decimals}\Z")
    _DIGITS[pattern] = digits
    return pattern


_DIGITS: dict[re.Pattern[str], int] = {}  # the decimals each pattern of _amount_re allows


def _plainly_exact(plan: NumberPlan, raw: Mapping[Any, Any], plain: re.Pattern[str]) -> bool:
    """True when no number in ``raw`` (a model's data) has an ``_`` or more decimals than
    ``plain`` allows; False also when unsure (the full checks then decide)."""
    for name, kind, below in plan:
        value = raw.get(name)
        if value is not None and not _plain_value(kind, below, value, plain):
            return False
    return True


def _plain_value(kind: str, below: Any, value: object, plain: re.Pattern[str]) -> bool:
    if kind == "amount":
        if isinstance(value, str):
            return plain.match(value) is not None
        if isinstance(value, Decimal):  # the model took it: finite and of sensible size
            return value.scaleb(_DIGITS[plain]) % 1 == 0
        return True  # an int is whole; anything else is no number to the raw checks
    if kind == "number":
        return not isinstance(value, str) or "_" not in value
    if kind == "model":
        return not isinstance(value, Mapping) or _plainly_exact(below, value, plain)
    if kind == "items":
        inner, deeper = below
        return not isinstance(value, list) or all(
            item is None or _plain_value(inner, deeper, item, plain) for item in value)
    if kind == "values":
        inner, deeper = below
        return not isinstance(value, Mapping) or all(
            item is None or _plain_value(inner, deeper, item, plain) for item in value.values())
    return False


#: Checks a model's raw data as :func:`_plainly_exact` does: ``(data, plain) -> bool``.
NumberCheck = Callable[[Mapping[Any, Any], re.Pattern[str]], bool]


@functools.cache
def _cart_numbers() -> NumberCheck:
    """:func:`_plainly_exact` for a cart, as one function compiled from :func:`_numbers_of`."""
    return _compiled(_numbers_of(Cart))


def _compiled(plan: NumberPlan) -> NumberCheck:
    """:func:`_plainly_exact` for ``plan``, as straight-line Python: one call per cart instead
    of a few per number (the cost of ``price(dict)`` beyond the model). Only the plan's field
    names, which come from our own models, are written into the code, as string literals."""
    source = ["def check(raw, plain):", "    match = plain.match"]
    counter = iter(range(1 << 30))

    def emit(kind: str, below: Any, value: str, depth: int) -> None:
        pad = "    " * depth
        if kind == "amount":
            source.extend([f"{pad}if isinstance({value}, str):",
                           f"{pad}    if match({value}) is None: return False",
                           f"{pad}elif not amount({value}, plain): return False"])
        elif kind == "number":
            source.append(f"{pad}if isinstance({value}, str) and '_' in {value}: return False")
        elif kind == "model":
            source.append(f"{pad}if {value}.__class__ is dict or isinstance({value}, Mapping):")
            fields(below, value, depth + 1)
        elif kind in ("items", "values"):
            inner, deeper = below
            item = f"v{next(counter)}"
            over = value if kind == "items" else f"{value}.values()"
            test = (f"isinstance({value}, list)" if kind == "items" else
                    f"{value}.__class__ is dict or isinstance({value}, Mapping)")
            source.extend([f"{pad}if {test}:",
                           f"{pad}    for {item} in {over}:",
                           f"{pad}        if {item} is not None:"])
            emit(inner, deeper, item, depth + 3)
        else:   # "unknown": only the full checks can tell
            source.append(f"{pad}return False")

    def fields(plan: NumberPlan, raw: str, depth: int) -> None:
        pad = "    " * depth
        source.append(f"{pad}pass")
        for name, kind, below in plan:
            value = f"v{next(counter)}"
            source.extend([f"{pad}{value} = {raw}.get({name!r})", f"{pad}if {value} is not None:"])
            emit(kind, below, value, depth + 1)

    fields(plan, "raw", 1)
    source.append("    return True")
    scope: dict[str, Any] = {"Mapping": Mapping, "amount": _plain_amount, "str": str,
                             "list": list, "dict": dict, "isinstance": isinstance}
    exec("\n".join(source), scope)  # our own field names only, see above
    check: NumberCheck = scope["check"]
    return check


def _plain_amount(value: object, plain: re.Pattern[str]) -> bool:
    """An amount that is not a string, as :func:`_plain_value` judges it."""
    return _plain_value("amount", None, value, plain)


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: object, check: Callable[[Mapping[Any, Any]], list[Found]],
              error: type[InputError], what: str, keys: str, file: str | None,
              line_of: LineOf | None) -> M:
    """``data`` as ``model``, or ``error`` with our checks' and pydantic's problems together."""
    if not isinstance(data, Mapping):
        raise error(_placed([_not_a_mapping(what, data, keys)], data, line_of, file), file=file)
    found = check(data)
    try:
        value = model.model_validate(data)
    except ValidationError as exc:  # where pydantic and we report one place: keep ours
        found = _not_ours(convert(exc, model, data), found) + found
    if found:
        raise error(_placed(found, data, line_of, file), file=file)
    return value


def _not_ours(theirs: list[Found], ours: list[Found]) -> list[Found]:
    """``theirs`` without the problems ``ours`` already reports (same place, or same words)."""
    def gist(f: Found) -> tuple[object, str]:
        return f.loc[-1:], re.split(r" \(|; |:", f.message, maxsplit=1)[0]

    places, gists = {f.loc for f in ours}, {gist(f) for f in ours}
    return [f for f in theirs if f.loc not in places and gist(f) not in gists]


def _not_a_mapping(what: str, data: object, expected: str) -> Found:
    kind = "empty" if data is None else f"a {kind_of(data)}"
    return Found(f"{what} must be a mapping, but the file is {kind}", (), shown(data), expected)


def _placed(found: Iterable[Found], data: object, line_of: LineOf | None,
            file: str | None) -> list[Problem]:
    """Problems with rule ids, cart line ids, lines and file; no repeats; in file order."""
    seen: set[tuple[Loc, str]] = set()
    out = []
    for f in found:
        if (f.loc, f.message) in seen:
            continue
        seen.add((f.loc, f.message))
        rule = item = None
        if f.loc[:1] == ("rules",) and len(f.loc) > 1 and isinstance(f.loc[1], int):
            rid = get_path(data, ("rules", f.loc[1], "id"))
            rule = str(rid) if isinstance(rid, str | int) and rid != "" else f"#{f.loc[1]}"
        if f.loc[:1] == ("lines",) and len(f.loc) > 1:
            lid = get_path(data, ("lines", f.loc[1], "id"))
            item = str(lid) if isinstance(lid, str | int) and lid != "" else None
        out.append(Problem(f.message, render_path(f.loc), rule, f.value, f.expected, file,
                           line_of(f.loc) if line_of else None, item))
    return sorted(out, key=lambda p: p.line or 0)


# --- checks that span values ------------------------------------------------------------------


def _too_precise(root: type[BaseModel], data: Mapping[Any, Any]) -> list[Found]:
    """Amounts with more decimals than the currency has (20.005 CNY, 10.5 JPY)."""
    currency = data.get("currency")
    digits = MINOR_UNITS.get(currency) if isinstance(currency, str) else None
    if digits is None:
        return []
    expected = (f"a whole number of {currency} (it has no minor unit)" if digits == 0 else
                f"at most {digits} decimal place{'s' if digits != 1 else ''} for {currency}")
    out = []
    for loc, hint, value in walk(root, data):
        dec = number(value) if drop_none(hint) == Amount else None
        if dec is not None and dec.is_finite() and dec.adjusted() < 100 \
                and dec.scaleb(digits) % 1 != 0:
            out.append(Found(f"{value} has more decimals than {currency} has", loc, dec,
                             expected))
    return out


def _cross_check(data: Mapping[Any, Any]) -> list[Found]:
    """What spans values: declared stages, tiers and groups, bases before their stage, unique ids,
    perks that can take effect, deposits within presale_limits, decimals per currency."""
    stages = data.get("stages", DEFAULT_STAGES)
    stages = [s for s in stages if isinstance(s, str)] if isinstance(stages, list | tuple) else []
    out: list[Found] = []
    for k, s in enumerate(stages):
        if stages.index(s) != k:
            out.append(Found(f"stage {s!r} is declared twice", ("stages", k), s,
                             "each stage once"))
        if s in BASES:
            out.append(Found(f"{s!r} cannot name a stage: it is a threshold base",
                             ("stages", k), s, "a stage name other than running and list"))
    default_base = data.get("threshold_base", "running")
    if isinstance(default_base, str) and default_base not in (*BASES, *stages):
        out.append(Found(f"threshold_base {default_base!r} is not running, list or a declared "
                         f"stage{did_you_mean(default_base, [*BASES, *stages])}",
                         ("threshold_base",), default_base,
                         "one of " + ", ".join([*BASES, *stages])))
    levels = get_path(data, ("tiers", "levels"))
    tiers = [t.get("name") for t in levels if isinstance(t, Mapping)] \
        if isinstance(levels, list) else None
    for loc, hint, raw in walk(CampaignSpec, data):
        model = resolve(hint, raw)
        if model is None or not isinstance(raw, Mapping):
            continue
        for name in ("stage", "shipping_stage"):
            stage = raw.get(name) if name in model.model_fields else None
            if isinstance(stage, str) and stage and stage not in stages:
                out.append(Found(f"stage {stage!r} is not declared in stages"
                                 f"{did_you_mean(stage, stages)}", (*loc, name), stage,
                                 "one of " + ", ".join(stages) if stages else SPECIAL["stage"]))
        out += _tier_names(loc, model, raw, tiers)
        if "base" in model.model_fields:
            out += _base(loc, raw, stages, default_base)
    return [*out, *_rule_check(data), *_perk_check(data), *_presale_check(data),
            *_perk_stages(data, stages, default_base), *_reserved_ids(data), *presale_overlap(data),
            *_too_precise(CampaignSpec, data),
            *_underscored(CampaignSpec, data)]


def _underscored(root: type[BaseModel], data: Mapping[Any, Any]) -> list[Found]:
    """Numbers written with ``_`` (``1_000``): YAML keeps them strings, so they are refused where
    a number is expected rather than read as digit separators (docs/campaign-format.md)."""
    out = []
    for loc, hint, value in walk(root, data):
        if isinstance(value, str) and "_" in value and strip(hint) in (int, Decimal) \
                and _UNDERSCORED.match(value):
            plain = value.strip().replace("_", "")
            out.append(Found(f"{value!r} is text with '_' in it, not a number (underscores are "
                             "not read as digit separators)", loc, value,
                             f"a number without underscores, such as {plain}"))
    return out


def _perk_stages(data: Mapping[Any, Any], stages: list[str], default: object) -> list[Found]:
    """Tier perks compile to rules judged on the campaign's threshold_base: a perk's stage must
    come after that base's stage (a perk cannot name a base of its own)."""
    if not isinstance(default, str) or default not in stages:
        return []
    after = stages[stages.index(default) + 1:]
    expected = ("one of " + ", ".join(after)) if after else "a stage after threshold_base"
    why = f"is not after threshold_base {default!r}, which tier perks are judged on"
    out = []
    levels = get_path(data, ("tiers", "levels"))
    for k, tier in enumerate(levels if isinstance(levels, list) else []):
        stage = get_path(tier, ("perks", "discount", "stage"))
        if isinstance(stage, str) and stage in stages and stage not in after:
            out.append(Found(f"the discount perk's stage {stage!r} {why}",
                             ("tiers", "levels", k, "perks", "discount", "stage"), stage,
                             expected))
    ship = data.get("shipping_stage")
    wants_ship = any(get_path(t, ("perks", "free_shipping")) is True
                     for t in (levels if isinstance(levels, list) else []))
    if wants_ship and isinstance(ship, str) and ship in stages and ship not in after:
        out.append(Found(f"shipping_stage {ship!r} {why} (the free-shipping perks run there)",
                         ("shipping_stage",), ship, expected))
    return out


def perk_ids(data: Mapping[Any, Any]) -> dict[str, Loc]:
    """The rule ids tier perks compile to, each with the place of the perk that makes it."""
    out: dict[str, Loc] = {}
    levels = get_path(data, ("tiers", "levels"))
    for k, tier in enumerate(levels if isinstance(levels, list) else []):
        name = get_path(tier, ("name",))
        if not isinstance(name, str):
            continue
        if isinstance(get_path(tier, ("perks", "discount")), Mapping):
            out[f"tier-{name}-discount"] = ("tiers", "levels", k, "perks", "discount")
        if get_path(tier, ("perks", "free_shipping")) is True and data.get("shipping_stage"):
            out[f"tier-{name}-free-shipping"] = ("tiers", "levels", k, "perks", "free_shipping")
    return out


def _reserved_ids(data: Mapping[Any, Any]) -> list[Found]:
    """A rule id may not be one a tier perk compiles to, nor a coupon's (``coupon:<id>``): one
    would silently replace the other and change the price."""
    perks = perk_ids(data)
    out = []
    for i, raw in _rules(data):
        rid = raw.get("id")
        if isinstance(rid, str) and rid in perks:
            out.append(Found(f"rule id {rid!r} is the id the tier perk at "
                             f"{render_path(perks[rid])} compiles to", ("rules", i, "id"), rid,
                             "an id that does not start with 'tier-<name>-' of a perk"))
        elif isinstance(rid, str) and rid.startswith("coupon:"):
            out.append(Found(f"rule id {rid!r} starts with 'coupon:', which names wallet coupons",
                             ("rules", i, "id"), rid, "an id that does not start with 'coupon:'"))
    return out


def presale_overlap(data: Mapping[Any, Any]) -> list[Found]:
    """Two pre-sale rules, always open together, whose selections certainly share a possible line:
    a line has one set of deposit terms, so the campaign is refused. Pre-sales that may meet only
    under a schedule or a customer gate are not provable here: pricing refuses a cart line that
    two of them select at once (``presale_overlap``)."""
    presales = [(i, raw) for i, raw in _rules(data) if raw.get("kind") == "presale"
                and raw.get("schedule") is None and raw.get("customers") is None]
    out = []
    for n, (i, a) in enumerate(presales):
        for j, b in presales[:n]:
            if _windows_meet(a.get("window"), b.get("window")) \
                    and _selections_meet(a.get("select"), b.get("select")):
                other = b.get("id") if isinstance(b.get("id"), str) else f"#{j}"
                out.append(Found(f"selects the same lines as pre-sale rule {other!r} "
                                 f"({render_path(('rules', j))}); a line has one set of deposit "
                                 "terms", ("rules", i, "select"), None,
                                 "selections that share no line, or windows that do not overlap"))
                break
    return out


def _windows_meet(a: object, b: object) -> bool:
    """Can two windows (raw data; missing: always open) be open at once? False when unsure."""
    spans: list[tuple[datetime | None, datetime | None]] = []
    for raw in (a, b):
        if raw is None:
            spans.append((None, None))
            continue
        if not isinstance(raw, Mapping):
            return False
        try:
            start, end = (None if raw.get(k) is None else datetime.fromisoformat(str(raw[k]))
                          for k in ("start", "end"))
        except ValueError:
            return False
        spans.append((start, end))
    times = [t for span in spans for t in span if t is not None]
    if len({t.tzinfo is None for t in times}) > 1:
        return False
    (s1, e1), (s2, e2) = spans
    return (s1 is None or e2 is None or s1 < e2) and (s2 is None or e1 is None or s2 < e1)


def _selections_meet(a: object, b: object) -> bool:
    """Is there certainly a line both selections (raw data) match? False when unsure."""
    sel: list[Mapping[Any, Any]] = []
    for raw in (a, b):
        if raw is None or raw == "all":
            raw = {}
        if not isinstance(raw, Mapping):
            return False
        sel.append(raw)
    excluded: dict[str, set[str]] = {}
    for raw in sel:
        exclude = raw.get("exclude") or {}
        if not isinstance(exclude, Mapping):
            return False
        for name in _SELECT_FIELDS:
            values: object = exclude.get(name) or []
            if not isinstance(values, list):
                return False
            excluded.setdefault(name, set()).update(map(str, values))
    presale: set[object] = {raw.get("presale") for raw in sel} - {None}
    if len(presale) > 1:
        return False
    for name in _SELECT_FIELDS:
        given = [raw.get(name) for raw in sel if raw.get(name)]
        lists = [g for g in given if isinstance(g, list)]
        if len(lists) != len(given):
            return False
        sets = [set(map(str, g)) - excluded[name] for g in lists]
        if name == "tags":  # a line may carry a tag of each
            if any(not s for s in sets):
                return False
        elif sets and not set.intersection(*sets):
            return False
    return True


def _base(loc: Loc, raw: Mapping[Any, Any], stages: list[str], default: object) -> list[Found]:
    """A threshold base, given or inherited from the campaign, is judged before the stage.

    Threshold and free_shipping rules and coupon kinds have a base; unknown stages are reported
    where they are named.
    """
    base, stage = raw.get("base"), raw.get("stage")
    if stage not in stages:
        return []
    at = stages.index(stage)
    earlier = [*BASES, *stages[:at]]
    if isinstance(base, str) and base not in earlier:
        why = ("a later stage" if base in stages[at + 1:] else "this rule's own stage"
               if base == stage else "not a declared stage" + did_you_mean(base, earlier))
        return [Found(f"base {base!r} is {why}; a threshold is judged on running, list or a "
                      f"stage before {stage!r}", (*loc, "base"), base,
                      "one of " + ", ".join(earlier))]
    if base is None and isinstance(default, str) and default in stages \
            and stages.index(default) >= at:
        return [Found(f"inherits threshold_base {default!r}, which is not before its stage "
                      f"{stage!r}; give it a base", (*loc, "stage"), stage,
                      f"a base ({', '.join(earlier)}), or a stage after {default!r}")]
    return []


def _tier_names(loc: Loc, model: type[BaseModel], raw: Mapping[Any, Any],
                tiers: list[object] | None) -> list[Found]:
    """A ``min_tier`` names a declared tier; so do ``tiers`` lists, when a ladder is declared."""
    out = []
    expected = "one of " + ", ".join(map(str, tiers)) if tiers else "a tier declared in tiers"
    named = [((*loc, "min_tier"), raw.get("min_tier"))] if "min_tier" in model.model_fields else []
    if tiers is not None and expects(model, "tiers") == "a list of names":
        listed = raw.get("tiers")
        named += [((*loc, "tiers", k), t) for k, t in enumerate(listed)] \
            if isinstance(listed, list) else []
    for at, name in named:
        if isinstance(name, str) and name not in (tiers or ()):
            out.append(Found(f"tier {name!r} is not declared in tiers"
                             f"{did_you_mean(name, map(str, tiers or ()))}", at, name, expected))
    return out


def _rules(data: Mapping[Any, Any]) -> Iterator[tuple[int, Mapping[Any, Any]]]:
    """(index, data) of every rule that is a mapping."""
    rules = data.get("rules")
    for i, raw in enumerate(rules if isinstance(rules, list) else []):
        if isinstance(raw, Mapping):
            yield i, raw


def _rule_check(data: Mapping[Any, Any]) -> list[Found]:
    """Unique rule ids; declared exclusive groups, each within one stage."""
    groups = data.get("exclusive_groups")
    groups = [str(g) for g in groups] if isinstance(groups, Mapping) else []
    out: list[Found] = []
    seen: dict[str, int] = {}
    group_stage: dict[str, tuple[str, int]] = {}
    for i, raw in _rules(data):
        rid, stage, group = raw.get("id"), raw.get("stage"), raw.get("exclusive")
        if isinstance(rid, str) and rid in seen:
            out.append(Found(f"duplicate rule id {rid!r} (first at "
                             f"{render_path(('rules', seen[rid]))})", ("rules", i, "id"), rid,
                             "a unique id per rule"))
        if isinstance(rid, str):
            seen.setdefault(rid, i)
        if isinstance(group, str) and group not in groups:
            out.append(Found(f"exclusive group {group!r} is not declared in exclusive_groups"
                             f"{did_you_mean(group, groups)}", ("rules", i, "exclusive"), group,
                             "one of " + (", ".join(groups) or "(none declared)")))
        elif isinstance(group, str):
            first_stage, first = group_stage.setdefault(group, (str(stage), i))
            if first_stage != stage:
                out.append(Found(f"exclusive group {group!r} spans stages {first_stage!r} "
                                 f"({render_path(('rules', first))}) and {stage!r}",
                                 ("rules", i, "exclusive"), group,
                                 "all rules of a group in one stage"))
    return out


def _perk_check(data: Mapping[Any, Any]) -> list[Found]:
    """A tier's free-shipping perk needs the campaign's shipping_stage to take effect."""
    levels = get_path(data, ("tiers", "levels"))
    if data.get("shipping_stage") is not None or not isinstance(levels, list):
        return []
    out = []
    for k, tier in enumerate(levels):
        free = get_path(tier, ("perks", "free_shipping"))
        try:
            wanted = free is not None and _BOOL.validate_python(free)
        except ValidationError:
            continue  # not a boolean: reported by pydantic
        if wanted:
            out.append(Found("free shipping needs shipping_stage, the stage where free shipping "
                             "applies", ("tiers", "levels", k, "perks", "free_shipping"), free,
                             "a shipping_stage declared on the campaign"))
    return out


def _presale_check(data: Mapping[Any, Any]) -> list[Found]:
    """A pre-sale rule's deposit is within presale_limits of the price it declares."""
    limit = number(get_path(data, ("presale_limits", "max_deposit_percent")))
    if limit is None or not 0 <= limit <= 100:
        return []
    out = []
    for i, raw in _rules(data):
        price, deposit = number(raw.get("price")), number(raw.get("deposit"))
        if raw.get("kind") != "presale" or price is None or deposit is None or price < 0:
            continue
        if deposit * 100 > price * limit:
            out.append(Found(f"deposit {deposit} is above {limit}% of the price {price} "
                             "(presale_limits)", ("rules", i, "deposit"), deposit,
                             f"at most {limit}% of the price {price}"))
    return out


def _cart_check(data: Mapping[Any, Any]) -> list[Found]:
    """Duplicate line ids and amounts finer than the currency's minor unit, on the raw cart."""
    out = []
    lines = data.get("lines")
    seen: dict[str, int] = {}
    for i, line in enumerate(lines if isinstance(lines, list) else []):
        lid = line.get("id") if isinstance(line, Mapping) else None
        if isinstance(lid, str) and lid in seen:
            out.append(Found(f"duplicate line id (first at {render_path(('lines', seen[lid]))})",
                             ("lines", i, "id"), lid, "a unique id per line"))
        if isinstance(lid, str):
            seen.setdefault(lid, i)
    return out + _too_precise(Cart, data) + _underscored(Cart, data)
