"""What the auditor sells: a catalog (read from a file, or derived from the campaign) and costs;
and when it sells it: the evaluation times a campaign's windows and schedules call for."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from promokit._cart.selection import Matcher, Selection
from promokit._cart.wallet import Coupon
from promokit._errors import AuditInputError, Problem
from promokit._input.documents import read_document
from promokit.rules._base import CartLine, RuleSpec
from promokit.rules._gates import Gate, Schedule, Window

Entry = Mapping[str, Any]
_ENTRY_KEYS = {"sku", "shop", "unit_price", "category", "brand", "tags"}
OTHER_SKU = "OTHER"


def load_catalog(path: str | os.PathLike[str]) -> tuple[dict[str, Any], ...]:
    """Read a catalog file: a JSON or YAML list of ``{sku, shop, unit_price, category, brand,
    tags}`` (``unit_price`` an amount or a ``[min, max]`` pair; only ``sku`` is required)."""
    doc = read_document(path, error=AuditInputError)
    return check_catalog(doc.data, doc.file)


def check_catalog(data: object, file: str | None = None) -> tuple[dict[str, Any], ...]:
    """A catalog as plain dicts, every problem reported at once."""
    problems: list[Problem] = []
    if not isinstance(data, list) or not data:
        raise AuditInputError([Problem("a catalog is a non-empty list of items", value=data,
                                       expected="[{sku: ..., shop: ..., unit_price: ...}]",
                                       file=file)], file=file)
    out = []
    for k, raw in enumerate(data):
        where = f"[{k}]"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("sku"), str):
            problems.append(Problem("a catalog item needs a sku", path=where, value=raw,
                                    expected="a mapping with a string sku", file=file))
            continue
        unknown = sorted(set(raw) - _ENTRY_KEYS)
        if unknown:
            problems.append(Problem(f"unknown keys {unknown}", path=where,
                                    expected=", ".join(sorted(_ENTRY_KEYS)), file=file))
        entry = dict(raw)
        price = raw.get("unit_price")
        try:
            if isinstance(price, list):
                if len(price) != 2:
                    raise InvalidOperation
                entry["unit_price"] = [_money(p) for p in price]
            elif price is not None:
                entry["unit_price"] = _money(price)
        except (InvalidOperation, ValueError):
            problems.append(Problem("bad unit_price", path=f"{where}.unit_price", value=price,
                                    expected="an amount above 0 or a [min, max] pair",
                                    file=file))
        entry["tags"] = list(raw.get("tags") or ())
        out.append(entry)
    if problems:
        raise AuditInputError(problems, file=file)
    return tuple(out)


def load_costs(path: str | os.PathLike[str]) -> dict[str, Decimal]:
    """Read a costs file: a JSON or YAML mapping ``{sku: unit cost}``."""
    doc = read_document(path, error=AuditInputError)
    return check_costs(doc.data, doc.file)


def check_costs(data: object, file: str | None = None) -> dict[str, Decimal]:
    """Costs as Decimals, every problem reported at once."""
    if not isinstance(data, Mapping):
        raise AuditInputError([Problem("costs are a mapping of sku to unit cost", value=data,
                                       expected="{SKU-1: 12.50, ...}", file=file)], file=file)
    out, problems = {}, []
    for sku, cost in data.items():
        try:
            out[str(sku)] = Decimal(_money(cost, zero=True))
        except (InvalidOperation, ValueError):
            problems.append(Problem("bad cost", path=str(sku), value=cost,
                                    expected="an amount >= 0", file=file))
    if problems:
        raise AuditInputError(problems, file=file)
    return out


def _money(value: object, zero: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(value)
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0 or (amount == 0 and not zero):
        raise ValueError(value)
    return str(amount)


# --- a catalog derived from the campaign ----------------------------------------------------

def selections(spec: RuleSpec) -> Iterator[Selection]:
    """The selections of a rule: ``select``, and a multibuy's ``reward``."""
    yield spec.select
    reward = getattr(spec, "reward", None)
    if reward is not None:
        yield reward


def derive_catalog(rules: Sequence[RuleSpec],
                   max_deposit_percent: Decimal | None = None) -> tuple[dict[str, Any], ...]:
    """Items every selection of ``rules`` matches, plus an ``OTHER`` item no selection names.

    Per selection: one item per sku it names (or one item when it names none), taking the first
    shop, category, brand and tag it names; items a pre-sale rule selects are priced above the
    pre-sale's ``counts_as + instant_reduction`` and, under the campaign's
    ``presale_limits.max_deposit_percent``, high enough for the deposit to be within it, so the
    engine can price them.
    """
    items: dict[tuple[Any, ...], dict[str, Any]] = {}
    for spec in rules:
        for n, sel in enumerate(selections(spec)):
            for sku in sel.skus or (f"{spec.id.upper()}-{n + 1}" if n else
                                    f"{spec.id.upper()}-ITEM",):
                item: dict[str, Any] = {"sku": sku}
                for key, field in (("shop", "shops"), ("category", "categories"),
                                   ("brand", "brands")):
                    values = getattr(sel, field)
                    if values:
                        item[key] = values[0]
                item["tags"] = list(sel.tags[:1])
                ident = (item["sku"], item.get("shop"), item.get("category"),
                         item.get("brand"), tuple(item["tags"]))
                items.setdefault(ident, item)
    items[(OTHER_SKU,)] = {"sku": OTHER_SKU, "tags": []}
    out = list(items.values())
    floors = _presale_floors(rules, max_deposit_percent)
    if floors:
        for item in out:
            need = [f for m, f in floors if _matches(m, item, None, presale=True)]
            if need:
                item["unit_price"] = [str(max(need) + Decimal("0.01")), None]
    return tuple(out)


def _presale_floors(rules: Sequence[RuleSpec],
                    limit: Decimal | None) -> list[tuple[Matcher, Decimal]]:
    out = []
    for r in rules:
        if r.kind == "presale":
            floor: Decimal = r.counts_as + r.instant_reduction  # type: ignore[attr-defined]
            if limit:   # deposit * 100 <= price * limit
                floor = max(floor, r.deposit * 100 / limit)  # type: ignore[attr-defined]
            out.append((Matcher.of(r.select), floor))
    return out


def shops_of(rules: Sequence[RuleSpec], catalog: Sequence[Entry]) -> tuple[str, ...]:
    """Shops a cart may draw lines from: those the campaign and catalog name, or A and B."""
    named = {s for r in rules for sel in selections(r) for s in (*sel.shops, *sel.exclude.shops)}
    named |= {str(e["shop"]) for e in catalog if e.get("shop") is not None}
    return tuple(sorted(named)) or ("A", "B")


def _line(entry: Entry, shop: str, presale: bool) -> CartLine:
    return CartLine(index=0, id="probe", sku=str(entry["sku"]), shop=shop, unit=1, qty=1,
                    category=entry.get("category"), brand=entry.get("brand"),
                    tags=frozenset(entry.get("tags") or ()), presale=presale)


def _matches(matcher: Matcher, entry: Entry, shops: Sequence[str] | None,
             presale: bool | None = None) -> bool:
    where = [entry["shop"]] if entry.get("shop") is not None else list(shops or ["?"])
    flags = (False, True) if presale is None else (presale,)
    return any(matcher.matches(_line(entry, str(s), p)) for s in where for p in flags)


def matching(sel: Selection, catalog: Sequence[Entry], shops: Sequence[str]) -> list[Entry]:
    """The catalog items a selection can match (in some shop, pre-sale or not)."""
    matcher = Matcher.of(sel)
    return [e for e in catalog if _matches(matcher, e, shops)]


def top_price(entries: Sequence[Entry], max_price: Decimal) -> Decimal:
    """The highest unit price any of ``entries`` can have in a cart."""
    best = Decimal(0)
    for e in entries:
        price = e.get("unit_price")
        if isinstance(price, list | tuple):
            price = price[1]
        best = max(best, max_price if price is None else Decimal(str(price)))
    return best


def for_carts(catalog: Sequence[Entry], max_price: Decimal) -> list[dict[str, Any]]:
    """The catalog in the form ``promokit.testing.carts(catalog=...)`` takes."""
    out = []
    for e in catalog:
        item = {k: v for k, v in e.items() if v is not None and v != []}
        price = e.get("unit_price")
        if isinstance(price, list | tuple):
            high = max_price if price[1] is None else price[1]
            item["unit_price"] = (str(price[0]), str(high))
        out.append(item)
    return out


def load_coupons(path: str | os.PathLike[str]) -> tuple[Coupon, ...]:
    """Read the coupons a campaign plans to issue: a JSON or YAML list of coupons (the wallet
    format of a cart)."""
    doc = read_document(path, error=AuditInputError)
    return check_coupons(doc.data, doc.file)


def check_coupons(data: object, file: str | None = None) -> tuple[Coupon, ...]:
    """Coupons validated like a cart's wallet, every problem reported at once."""
    if not isinstance(data, list) or not data:
        raise AuditInputError([Problem("coupons are a non-empty list", value=data,
                                       expected="[{id: ..., kind: shop, shop: A, value: 20}]",
                                       file=file)], file=file)
    out, problems, seen = [], [], set()
    for k, item in enumerate(data):
        try:
            coupon = Coupon.model_validate(item)
        except ValidationError as exc:
            problems += [Problem(e["msg"].removeprefix("Value error, "),
                                 path=f"[{k}]" + "".join(f".{p}" for p in e["loc"]),
                                 file=file) for e in exc.errors()]
            continue
        if coupon.id in seen:
            problems.append(Problem(f"coupon id {coupon.id!r} repeats", path=f"[{k}].id",
                                    value=coupon.id, file=file))
        seen.add(coupon.id)
        out.append(coupon)
    if problems:
        raise AuditInputError(problems, file=file)
    return tuple(out)


# --- evaluation times -------------------------------------------------------------------------

#: Occurrences of each schedule sampled (member days, happy hours), each at its start and middle.
OCCURRENCES = 3
#: Most evaluation times an audit samples from; more are thinned evenly.
MAX_TIMES = 64

Span = tuple[datetime | None, datetime | None]


def _aware(value: datetime | None, tz: tzinfo) -> datetime | None:
    return value if value is None or value.tzinfo is not None else value.replace(tzinfo=tz)


def _in_span(at: datetime, span: Span) -> bool:
    start, end = span
    return (start is None or at >= start) and (end is None or at < end)


def _window_times(span: Span) -> list[datetime]:
    """A window's start, middle and last minute (what is known of an open-ended one)."""
    start, end = span
    out = [t for t in (start, None if end is None else end - timedelta(minutes=1)) if t]
    if start is not None and end is not None:
        out.append(start + (end - start) / 2)
    elif end is not None:
        out.append(end - timedelta(days=1))
    return [t for t in out if _in_span(t, span)]


def _schedule_times(schedule: Schedule, span: Span, period: Span, tz: tzinfo) -> list[datetime]:
    """The start and middle of the first occurrences inside the rule's window (else inside the
    campaign's period, else from the schedule's start)."""
    if "INTERVAL=0" in schedule.rrule.upper().replace(" ", ""):
        return []   # never repeats; the campaign check refuses it
    gate = Gate.build(None, schedule, None, tz, {})
    assert gate is not None and gate.recurrence is not None
    rule = gate.recurrence
    low: datetime = span[0] or period[0] or rule[0]
    high = span[1] or period[1]
    out: list[datetime] = []
    occurrence = rule.after(low - timedelta(hours=schedule.hours), inc=True)
    while occurrence is not None and len(out) < 2 * OCCURRENCES:
        if high is not None and occurrence >= high:
            break
        for t in (max(occurrence, low), occurrence + timedelta(hours=schedule.hours) / 2):
            if _in_span(t, span):
                out.append(t)
        occurrence = rule.after(occurrence)
    return out


def evaluation_times(rules: Sequence[RuleSpec], timezone: str,
                     coupons: Sequence[Coupon] = ()) -> tuple[datetime, ...]:
    """The times an audit prices its carts at: the start, middle and last minute of every
    validity window (rules, tier perks, coupons, pre-sale deposit and balance windows) and the
    start and middle of the first :data:`OCCURRENCES` occurrences of every schedule (member
    days), inside its rule's window or the campaign's period. Every rule that can be open is
    open at one of them, and so is the busiest overlap of windows (it begins at some start).
    Sorted, at most :data:`MAX_TIMES`; empty when nothing in the campaign depends on time.
    """
    tz = ZoneInfo(timezone)
    spans: list[Span] = []
    schedules: list[tuple[Schedule, Span]] = []
    for rule in rules:
        window: Window | None = getattr(rule, "window", None)
        span = window.aware(tz) if window is not None else (None, None)
        if window is not None:
            spans.append(span)
        schedule: Schedule | None = getattr(rule, "schedule", None)
        if schedule is not None:
            schedules.append((schedule, span))
        for name in ("deposit_window", "balance_window"):
            phase: Window | None = getattr(rule, name, None)
            if phase is not None:
                spans.append(phase.aware(tz))
    spans += [(_aware(c.start, tz), _aware(c.end, tz)) for c in coupons if c.start or c.end]
    starts = [s for s, _e in spans if s is not None]
    ends = [e for _s, e in spans if e is not None]
    period: Span = (min(starts) if starts else None, max(ends) if ends else None)
    times = {t for span in spans for t in _window_times(span)}
    for schedule, span in schedules:
        times.update(_schedule_times(schedule, span, period, tz))
    out = sorted(times)
    if len(out) > MAX_TIMES:
        step = len(out) / MAX_TIMES
        out = [out[int(k * step)] for k in range(MAX_TIMES)]
    return tuple(out)


def phase_times(rules: Sequence[RuleSpec], timezone: str,
                times: Sequence[datetime]) -> dict[str | None, tuple[datetime, ...]]:
    """The pre-sale phases to audit, each with the times it is priced at: with pre-sale rules,
    ``deposit`` at the times inside a deposit window (a deposit is refused outside it) and
    ``balance`` at every time (a late balance forfeits the deposit: a case to audit); without,
    the engine's default phase (None) at every time."""
    presales = [r for r in rules if r.kind == "presale"]
    if not presales:
        return {None: tuple(times)}
    tz = ZoneInfo(timezone)
    windows = [w.aware(tz) for r in presales
               if (w := getattr(r, "deposit_window", None)) is not None]
    deposit = tuple(t for t in times if all(_in_span(t, w) for w in windows)) or tuple(times)
    return {"deposit": deposit, "balance": tuple(times)}
