"""Property testing for promokit: Hypothesis strategies for carts and campaigns, and invariants.

Hypothesis is a test-only dependency (``pip install promokit[test]``).

>>> from hypothesis import given
>>> from promokit.testing import campaigns, carts, check_invariants
>>> @given(carts(min_price="50.01"), campaigns())
... def test_results_are_consistent(cart, campaign):
...     check_invariants(campaign.price(cart))

(Lines above ``max_presale``, 50.00 by default: the engine rightly refuses to price a pre-sale
line whose price is not above its boosted value.)

Every strategy builds its value through promokit's own validation (``Cart.model_validate``,
``Campaign.from_dict``), so what it generates is what a user could write in a file;
:func:`campaign_dicts` gives the campaign documents themselves, to print or save a failing one.
"""

from __future__ import annotations

import inspect
import json

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as exc:  # pragma: no cover - covered by a test that hides hypothesis
    raise ImportError(
        "promokit.testing needs hypothesis, a test-only dependency: pip install promokit[test]"
    ) from exc

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import cache
from typing import Any

from ._campaign import Campaign
from ._cart import Cart
from ._money import MINOR_UNITS, Money, Rounding, format_minor, to_minor
from ._result import PriceResult
from .rules import RULE_KINDS

__all__ = ["campaign_dicts", "campaigns", "carts", "check_invariants"]

SKUS = ("S1", "S2", "S3", "S4", "S5")
CATEGORIES = ("tea", "snack", "cup")
BRANDS = ("kiln", "crunch")
TAGS = ("double11", "3for2", "new")
STAGES = ("item", "shop", "cross_store", "platform")
_WINDOW_FROM = datetime(2026, 11, 10)
_UTC8 = timezone(timedelta(hours=8))


# --- carts ------------------------------------------------------------------------------------

def carts(
    *,
    currency: str = "CNY",
    shops: Sequence[str] = ("A", "B", "C"),
    catalog: Sequence[Mapping[str, Any]] | None = None,
    max_lines: int = 8,
    max_quantity: int = 5,
    min_price: str = "0.01",
    max_price: str = "999.99",
    at: datetime | st.SearchStrategy[datetime] | None = None,
    tiers: Sequence[str] | None = None,
    customer_tags: Sequence[str] | None = None,
    skus: Sequence[str] = SKUS,
    categories: Sequence[str] = CATEGORIES,
    brands: Sequence[str] = BRANDS,
    tags: Sequence[str] = TAGS,
    shipping: bool = True,
) -> st.SearchStrategy[Cart]:
    """Valid carts in ``currency``: 1 to ``max_lines`` lines with unique ids.

    Without a ``catalog`` each line draws its shop, sku, category, brand and tags from the given
    vocabularies, a unit price in ``[min_price, max_price]`` (rounded inward to the currency's
    minor unit) and a quantity in ``[1, max_quantity]``. With a ``catalog`` (dicts with ``sku`` and
    optionally ``shop``, ``unit_price`` as an amount or a ``(min, max)`` pair, ``category``,
    ``brand``, ``tags``) each line is a catalog entry. ``at`` is a fixed time, a strategy of times,
    or None for no time; ``tiers`` and ``customer_tags`` give the customer's possible tier and
    tags. With ``shipping`` some shops get a fee of up to 20.

    Shrinks towards one line of quantity 1 at ``min_price`` (or the first catalog entry), from the
    first shop, with no category, brand, tags, shipping or customer tier, and ids in line order.
    """
    digits = _digits(currency)
    if max_lines < 1 or max_quantity < 1:
        raise InvalidArgument(f"max_lines={max_lines} and max_quantity={max_quantity} "
                              "must both be at least 1")
    if not shops:
        raise InvalidArgument("shops must name at least one shop")
    price = _minor_range(min_price, max_price, digits, "price")
    if catalog is not None:
        if not catalog:
            raise InvalidArgument("catalog must hold at least one entry")
        line = st.sampled_from([_catalog_entry(e, shops, price, digits) for e in catalog]) \
            .flatmap(lambda s: s)
    elif not skus:
        raise InvalidArgument("skus must name at least one sku")
    else:
        line = st.fixed_dictionaries({
            "shop": st.sampled_from(tuple(shops)),
            "sku": st.sampled_from(tuple(skus)),
            "unit_price": st.integers(*price),
        }, optional={
            "category": st.sampled_from(tuple(categories)),
            "brand": st.sampled_from(tuple(brands)),
            "tags": st.lists(st.sampled_from(tuple(tags)), max_size=2, unique=True),
        })
    times = at if isinstance(at, st.SearchStrategy) else st.just(at)
    all_shops = tuple(shops) + tuple(str(e["shop"]) for e in catalog or () if "shop" in e)
    fees = st.dictionaries(st.sampled_from(all_shops), st.integers(0, 20 * 10**digits),
                           max_size=len(all_shops) if shipping else 0)
    who: dict[str, st.SearchStrategy[Any]] = {}
    if tiers:
        who["tier"] = st.sampled_from(tuple(tiers))
    if customer_tags:
        who["tags"] = st.lists(st.sampled_from(tuple(customer_tags)), min_size=1, max_size=2,
                               unique=True)
    customer = st.fixed_dictionaries({}, optional=who)
    return _carts(currency, digits, line, max_lines, max_quantity, times, fees, customer)


def _catalog_entry(entry: Mapping[str, Any], shops: Sequence[str], price: tuple[int, int],
                   digits: int) -> st.SearchStrategy[dict[str, Any]]:
    if "sku" not in entry:
        raise InvalidArgument(f"catalog entry {dict(entry)!r} has no sku")
    unknown = set(entry) - {"sku", "shop", "unit_price", "category", "brand", "tags"}
    if unknown:
        raise InvalidArgument(f"catalog entry {entry['sku']!r} has unknown keys {sorted(unknown)}")
    fixed = {k: entry[k] for k in ("sku", "category", "brand") if entry.get(k) is not None}
    fields: dict[str, st.SearchStrategy[Any]] = {k: st.just(v) for k, v in fixed.items()}
    fields["tags"] = st.just(list(entry.get("tags", ())))
    fields["shop"] = st.just(entry["shop"]) if "shop" in entry else st.sampled_from(tuple(shops))
    unit = entry.get("unit_price")
    if isinstance(unit, tuple | list):
        fields["unit_price"] = st.integers(*_minor_range(unit[0], unit[1], digits, "unit_price"))
    elif unit is not None:
        fields["unit_price"] = st.just(_minor_range(unit, unit, digits, "unit_price")[0])
    else:
        fields["unit_price"] = st.integers(*price)
    return st.fixed_dictionaries(fields)


@st.composite
def _carts(draw: st.DrawFn, currency: str, digits: int, line: st.SearchStrategy[dict[str, Any]],
           max_lines: int, max_quantity: int, times: st.SearchStrategy[datetime | None],
           fees: st.SearchStrategy[dict[str, int]],
           customer: st.SearchStrategy[dict[str, Any]]) -> Cart:
    lines = draw(st.lists(line, min_size=1, max_size=max_lines))
    order = draw(st.permutations(range(1, len(lines) + 1)))
    out = []
    for k, raw in zip(order, lines, strict=True):
        quantity = draw(_int(1, max_quantity))
        out.append({**raw, "id": f"l{k}", "quantity": quantity,
                    "unit_price": format_minor(raw["unit_price"], digits)})
    data: dict[str, Any] = {
        "currency": currency, "lines": out,
        "shipping": {s: format_minor(f, digits) for s, f in draw(fees).items()},
    }
    when = draw(times)
    if when is not None:
        data["at"] = when
    who = draw(customer)
    if who:
        data["customer"] = who
    return Cart.model_validate(data)


# --- campaigns --------------------------------------------------------------------------------

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
    Every campaign is built with ``Campaign.from_dict``, so the campaign validation runs on it.

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
               customer_tags: Sequence[str] | None) -> st.SearchStrategy[dict[str, Any]]:
    digits = _digits(currency)
    kinds = tuple(RULE_KINDS) if kinds is None else tuple(kinds)
    unknown = [k for k in kinds if k not in RULE_KINDS]
    if unknown or not kinds:
        raise InvalidArgument(f"kinds={kinds!r}: expected a non-empty selection of "
                              f"{', '.join(RULE_KINDS)}")
    missing = [k for k in kinds if k not in _KIND_FIELDS]
    if missing:
        raise InvalidArgument(f"promokit.testing cannot draw rule kinds {missing} yet")
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
        who={"tiers": tuple(tiers or ()), "tags": tuple(customer_tags or ())})
    return _campaigns(config, min_rules, max_rules)


def _compile(data: dict[str, Any]) -> Campaign:
    """``Campaign.from_dict``; a refusal or crash shows the document that caused it."""
    try:
        return Campaign.from_dict(data)
    except Exception as exc:
        doc = json.dumps(data, ensure_ascii=False, default=str)
        raise AssertionError(f"Campaign.from_dict raised {type(exc).__name__} on a campaign "
                             f"promokit.testing generated as valid: {exc}\n{doc}") from exc


@dataclass(frozen=True)
class _Config:
    currency: str
    digits: int
    top: int
    presale: int
    stages: tuple[str, ...]
    kinds: tuple[str, ...]
    windows: bool
    vocab: dict[str, tuple[str, ...]]
    who: dict[str, tuple[str, ...]]


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
        rule.update(_KIND_FIELDS[rule["kind"]](d))
        if rule["kind"] in ("threshold", "free_shipping"):
            # running, list or an earlier stage; the campaign's default only when it is one
            bases = ["running", "list", *stages[:at]]
            inherit = default_base in ("running", "list") or stages.index(default_base) < at
            base = draw(_opt(_of(*bases))) if inherit else draw(_of(*bases))
            if base is not None:
                rule["base"] = base
        rule.update(_common(d, stages[at]))
        rules.append(rule)
    groups = sorted({r["exclusive"] for r in rules if "exclusive" in r})
    return {
        "campaign": "generated", "currency": config.currency, "stages": list(stages),
        "threshold_base": default_base,
        "overflow": draw(_of("lose", "spill")),
        "rounding": draw(_of(*(r.value for r in Rounding))),
        "timezone": draw(_of("UTC", "Asia/Shanghai", "America/New_York")),
        "exclusive_groups": {g: {"pick": draw(_of("first", "best"))} for g in groups},
        "rules": rules,
    }


class _Draw:
    """What the per-kind field builders draw with: the draw function and the configuration."""

    def __init__(self, draw: st.DrawFn, config: _Config) -> None:
        self.draw, self.config, self.digits = draw, config, config.digits

    def money(self, low: int = 0, high: int | None = None) -> str:
        """An amount in [low, high or max_amount] minor units; shrinks towards ``low``."""
        top = self.config.top if high is None else high
        return format_minor(self.minor(low, top), self.digits)

    def minor(self, low: int, high: int) -> int:
        """Minor units in [low, high]; shrinks towards ``low``."""
        return self.draw(_int(low, max(low, high)))

    def percent(self) -> str:
        """A percent, whole or in tenths; shrinks towards 0."""
        tenths = self.draw(_int(0, 1000))
        return str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"

    def maybe(self, strategy: st.SearchStrategy[Any]) -> Any:
        """None or a value of ``strategy``; shrinks towards None."""
        return self.draw(_opt(strategy))

    def pick(self, *options: Any) -> Any:
        """One of ``options``; shrinks towards the first."""
        return self.draw(_of(*options))

    def selection(self) -> dict[str, Any]:
        """Up to two include fields and one exclude field; shrinks towards every line."""
        vocab = self.config.vocab
        sel: dict[str, Any] = {}
        fields = tuple(f for f, values in vocab.items() if values)
        for name in self.draw(_subset(fields, 0, 2)) if fields else ():
            sel[name] = self.draw(_subset(vocab[name], 1, 2))
        excluded = self.maybe(_of(*fields)) if fields else None
        if excluded is not None:
            sel["exclude"] = {excluded: self.draw(_subset(vocab[excluded], 1, 2))}
        return sel

    def window(self) -> dict[str, str] | None:
        """A window when windows are on, else None."""
        return self.maybe(_WINDOWS) if self.config.windows else None


def _common(d: _Draw, stage: str) -> dict[str, Any]:
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
    return out


@st.composite
def _windows(draw: st.DrawFn) -> dict[str, str]:
    """A window around 2026-11-11, naive (campaign time zone) or at UTC+8; end after start."""
    start = _WINDOW_FROM + timedelta(minutes=draw(_int(0, 3 * 24 * 60)))
    end = start + timedelta(minutes=draw(_int(1, 2 * 24 * 60)))
    if draw(st.booleans()):
        start, end = start.replace(tzinfo=_UTC8), end.replace(tzinfo=_UTC8)
    out = {"start": start.isoformat(), "end": end.isoformat()}
    drop = draw(_of(None, "start", "end"))
    if drop is not None:
        del out[drop]
    return out


_WINDOWS = _windows()


def _percent_off(d: _Draw) -> dict[str, Any]:
    return {"percent": d.percent()}


def _amount_off(d: _Draw) -> dict[str, Any]:
    return {"amount": d.money()}


def _special_price(d: _Draw) -> dict[str, Any]:
    return {"price": d.money()}


def _multibuy(d: _Draw) -> dict[str, Any]:
    out: dict[str, Any] = {"buy": d.draw(_int(1, 3)), "get": d.draw(_int(1, 2))}
    benefit = d.pick("percent_off", "amount_off", "price")
    out[benefit] = d.percent() if benefit == "percent_off" else d.money()
    out["pick"] = d.pick("cheapest", "most_expensive")
    if d.pick(False, True):
        out["reward"] = d.selection()
    for name, high in (("limit", 3), ("max_units", 4)):
        value = d.maybe(_int(1, high))
        if value is not None:
            out[name] = value
    return out


def _bundle(d: _Draw) -> dict[str, Any]:
    out: dict[str, Any] = {"size": d.draw(_int(1, 4)), "price": d.money(),
                           "pick": d.pick("most_expensive", "cheapest")}
    limit = d.maybe(_int(1, 3))
    if limit is not None:
        out["limit"] = limit
    return out


def _threshold(d: _Draw) -> dict[str, Any]:
    out: dict[str, Any] = {"scope": d.pick("pool", "shop", "order")}
    form = d.pick("min_spend", "min_qty", "every", "every_qty", "ladder")
    if form == "ladder":
        out["ladder"] = _ladder(d)
    else:
        out[form] = d.money(1 if form == "every" else 0) if form in ("min_spend", "every") \
            else d.draw(_int(1, 6))
        percent = form in ("min_spend", "min_qty") and d.pick(False, True)
        out["percent" if percent else "discount"] = d.percent() if percent else d.money()
    if d.pick(False, True):
        out["cap"] = d.money()
    overflow = d.maybe(_of("lose", "spill"))
    if overflow is not None:
        out["overflow"] = overflow
    return out


def _ladder(d: _Draw) -> list[dict[str, Any]]:
    """1 to 4 strictly increasing rungs; a benefit never drops below the rung before of its kind."""
    by_qty = d.pick(False, True)
    reaches = sorted(d.draw(_rungs(8 if by_qty else d.config.top, by_qty)))
    steps: list[dict[str, Any]] = []
    for value in reaches:
        step: dict[str, Any] = {"min_qty": value} if by_qty \
            else {"min_spend": format_minor(value, d.digits)}
        kind = d.pick("discount", "percent")
        benefit = Decimal(d.percent() if kind == "percent" else d.money())
        if steps and kind in steps[-1]:
            benefit = max(benefit, Decimal(steps[-1][kind]))
        step[kind] = str(benefit)
        steps.append(step)
    return steps


def _presale(d: _Draw) -> dict[str, Any]:
    """Deposit < counts_as, counts_as + instant reduction <= max_presale (< any price)."""
    top = d.config.presale
    deposit = d.minor(1, top - 1)
    counts_as = d.minor(deposit + 1, top)
    out: dict[str, Any] = {"deposit": format_minor(deposit, d.digits),
                           "counts_as": format_minor(counts_as, d.digits)}
    cut = d.maybe(_int(0, top - counts_as))
    if cut is not None:
        out["instant_reduction"] = format_minor(cut, d.digits)
    if d.pick(False, True):
        out["price"] = d.money(counts_as + (cut or 0) + 1, top + d.config.top)
    for name in ("deposit_window", "balance_window"):
        window = d.window()
        if window is not None:
            out[name] = window
    return out


def _free_shipping(d: _Draw) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("min_spend", "max_waived"):
        if d.pick(False, True):
            out[name] = d.money()
    return out


_KIND_FIELDS = {
    "percent_off": _percent_off, "amount_off": _amount_off, "special_price": _special_price,
    "multibuy": _multibuy, "bundle": _bundle, "threshold": _threshold, "presale": _presale,
    "free_shipping": _free_shipping,
}


@cache
def _int(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@cache
def _of(*options: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)


@cache
def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@cache
def _subset(options: tuple[str, ...], low: int, high: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(options), min_size=low, max_size=high, unique=True)


@cache
def _rungs(high: int, by_qty: bool) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(1 if by_qty else 0, high), min_size=1, max_size=4, unique=True)


def _digits(currency: str) -> int:
    if currency not in MINOR_UNITS:
        raise InvalidArgument(f"unknown currency {currency!r}; expected one of "
                              f"{', '.join(sorted(MINOR_UNITS))}")
    return MINOR_UNITS[currency]


def _minor_range(low: object, high: object, digits: int, what: str) -> tuple[int, int]:
    """``[low, high]`` in major units as minor units, rounded inward to the currency's unit."""
    try:
        lo = Decimal(str(low)).scaleb(digits).to_integral_value(ROUND_CEILING)
        hi = Decimal(str(high)).scaleb(digits).to_integral_value(ROUND_FLOOR)
    except ArithmeticError:
        raise InvalidArgument(f"{what} bounds {low!r}, {high!r} are not decimal amounts") from None
    if not 0 <= lo <= hi:
        raise InvalidArgument(f"{what} bounds {low!r}, {high!r}: expected 0 <= low <= high, with "
                              f"at least one amount of {digits} decimal places between them")
    return int(lo), int(hi)


# --- invariants -------------------------------------------------------------------------------

def check_invariants(result: PriceResult) -> None:
    """Raise AssertionError naming the broken invariant and its numbers, if any fails.

    Checked, all in exact minor units and in the result's one currency:

    * lines mirror ``result.cart`` (ids, order, sku, shop, unit price, quantity); a line's
      subtotal is unit price x quantity (in the deposit phase a pre-sale line's is its deposit);
      ``0 <= prepaid <= net <= subtotal``, ``due = net - prepaid``, and ``discount = subtotal -
      net`` is the sum of the line's recorded discounts, each positive;
    * order: ``subtotal`` and ``prepaid_total`` are sums over lines; ``discount_total = subtotal -
      sum(nets)``; ``total = sum(nets) + shipping_total``; ``payable = total - prepaid_total -
      points used`` and ``payable >= 0``;
    * each applied rule: its allocations are positive and name distinct cart lines (of its shop,
      for a per-shop outcome), its shipping reductions are positive and name distinct shops, and
      together they add up to its amount; the goods part never exceeds its ``base`` (what it was
      judged on: running, list or earlier-stage amounts, never less than what was left on its
      lines); ``lost >= 0``, ``times >= 1``;
    * replaying the applied rules in order from the line subtotals and shop fees, each rule
      takes from a line or a fee no more than is left on it at that moment, and the lines'
      recorded discounts are exactly these allocations, in this order;
    * shops: listed once each, sorted, covering every line's shop; subtotal and discount are sums
      over the shop's lines; ``shipping = shipping_fee - shipping_discount`` within ``[0,
      shipping_fee]``, the fee being the cart's (or 0 in the deposit phase); shipping_discount
      is the sum of the shipping reductions applied to the shop; ``merchant_funded +
      platform_funded = discount + shipping_discount``, each the sum of what its funder's rules
      took; ``payable = subtotal - discount + shipping``; over all shops subtotal, discount,
      shipping fee, shipping and payable add up to the order's subtotal, discount_total,
      shipping_fee_total, shipping_total and total;
    * a rule reports at most once per shop (or once, unscoped), applied or not; a nudge asks for
      a positive amount more to save a positive amount.
    """
    _Checker(result).run()


class _Checker:
    def __init__(self, result: PriceResult) -> None:
        self.r = result
        self.digits = MINOR_UNITS[result.currency]

    def fail(self, invariant: str, detail: str) -> None:
        raise AssertionError(f"invariant {invariant!r} broken: {detail}")

    def m(self, money: Money) -> int:
        if money.currency != self.r.currency:
            self.fail("one currency", f"{money!r} in a {self.r.currency} result")
        return money.minor

    def show(self, minor: int) -> str:
        return format_minor(minor, self.digits)

    def run(self) -> None:
        self.lines()
        self.totals()
        self.applied()
        self.shops()
        self.reports()

    def lines(self) -> None:
        r, show = self.r, self.show
        if [x.id for x in r.lines] != [x.id for x in r.cart.lines]:
            self.fail("lines mirror the cart", f"result lines {[x.id for x in r.lines]} != "
                      f"cart lines {[x.id for x in r.cart.lines]}")
        for line, src in zip(r.lines, r.cart.lines, strict=True):
            unit, sub, net, disc, prepaid, due = (
                self.m(v) for v in (line.unit_price, line.subtotal, line.net, line.discount,
                                    line.prepaid, line.due))
            if (line.sku, line.shop, line.quantity) != (src.sku, src.shop, src.quantity) \
                    or unit != to_minor(src.unit_price, self.digits):
                self.fail("lines mirror the cart", f"line {line.id}: {line.sku}/{line.shop} "
                          f"{line.quantity} x {show(unit)} vs cart {src.sku}/{src.shop} "
                          f"{src.quantity} x {src.unit_price}")
            charged = r.phase == "deposit" and line.presale is not None
            want = self.m(line.presale["deposit"]) if charged else unit * line.quantity  # type: ignore[index]
            if sub != want:
                self.fail("line subtotal = unit price x quantity (deposit phase: the deposit)",
                          f"line {line.id}: {show(sub)} != {show(want)}")
            if not 0 <= prepaid <= net <= sub or due != net - prepaid:
                self.fail("0 <= prepaid <= net <= subtotal, due = net - prepaid",
                          f"line {line.id}: prepaid {show(prepaid)}, net {show(net)}, subtotal "
                          f"{show(sub)}, due {show(due)}")
            parts = [self.m(d.amount) for d in line.discounts]
            if disc != sub - net or sum(parts) != disc:
                self.fail("line discount = subtotal - net = sum of its discounts",
                          f"line {line.id}: discount {show(disc)}, subtotal - net "
                          f"{show(sub - net)}, discounts {[show(p) for p in parts]}")
            for d in line.discounts:
                if self.m(d.amount) <= 0 or d.funded_by not in ("merchant", "platform"):
                    self.fail("line discounts are positive and funded",
                              f"line {line.id}: rule {d.rule} {d.amount!r} by {d.funded_by!r}")

    def totals(self) -> None:
        r, show = self.r, self.show
        subtotal = sum(self.m(x.subtotal) for x in r.lines)
        nets = sum(self.m(x.net) for x in r.lines)
        prepaid = sum(self.m(x.prepaid) for x in r.lines)
        total, ship, payable = self.m(r.total), self.m(r.shipping_total), self.m(r.payable)
        points = self.m(r.points.value) if r.points is not None else 0
        if self.m(r.subtotal) != subtotal:
            self.fail("subtotal = sum of line subtotals",
                      f"{show(self.m(r.subtotal))} != {show(subtotal)}")
        if self.m(r.discount_total) != subtotal - nets:
            self.fail("discount_total = subtotal - sum of line nets",
                      f"{show(self.m(r.discount_total))} != {show(subtotal)} - {show(nets)}")
        if self.m(r.prepaid_total) != prepaid:
            self.fail("prepaid_total = sum of line prepaid",
                      f"{show(self.m(r.prepaid_total))} != {show(prepaid)}")
        if total != nets + ship:
            self.fail("total = sum of line nets + shipping_total",
                      f"{show(total)} != {show(nets)} + {show(ship)}")
        if payable != total - prepaid - points or points < 0:
            self.fail("payable = total - prepaid_total - points used",
                      f"{show(payable)} != {show(total)} - {show(prepaid)} - {show(points)}")
        if payable < 0:
            self.fail("payable >= 0", f"payable {show(payable)}")

    def applied(self) -> None:
        r, show = self.r, self.show
        shop_of = {x.id: x.shop for x in r.lines}
        left = {x.id: self.m(x.subtotal) for x in r.lines}
        fee_left = {s.shop: self.m(s.shipping_fee) for s in r.shops}
        replay: dict[str, list[tuple[str, int]]] = {x.id: [] for x in r.lines}
        for a in r.applied:
            amount, base, lost = self.m(a.amount), self.m(a.base), self.m(a.lost)
            allocs = [(line, self.m(v)) for line, v in a.allocations]
            ships = [(shop, self.m(v)) for shop, v in a.shipping]
            where = f"rule {a.rule}" + (f" in shop {a.shop}" if a.shop else "")
            ids, shops = [i for i, _ in allocs], [s for s, _ in ships]
            if len(set(ids)) != len(ids) or not set(ids) <= set(shop_of) \
                    or len(set(shops)) != len(shops) or not set(shops) <= set(fee_left):
                self.fail("allocations name distinct cart lines and shops",
                          f"{where}: lines {ids}, shops {shops}")
            if a.shop is not None and ({shop_of[i] for i in ids} | set(shops)) - {a.shop}:
                self.fail("a per-shop outcome stays within its shop",
                          f"{where}: lines {[(i, shop_of[i]) for i in ids]}, shops {shops}")
            goods = sum(v for _, v in allocs)
            if any(v <= 0 for _, v in allocs + ships) \
                    or goods + sum(v for _, v in ships) != amount:
                self.fail("applied allocations are positive and add up to the amount",
                          f"{where}: amount {show(amount)}, allocations "
                          f"{[(i, show(v)) for i, v in allocs]}, shipping "
                          f"{[(s, show(v)) for s, v in ships]}")
            if not 0 <= goods <= base or lost < 0 or a.times < 1:
                self.fail("0 <= goods taken <= the applied base, lost >= 0, times >= 1",
                          f"{where}: goods taken {show(goods)}, base {show(base)}, "
                          f"lost {show(lost)}, times {a.times}")
            for line, v in allocs:
                if v > left[line]:
                    self.fail("no allocation exceeds what is left on the line",
                              f"{where} takes {show(v)} from line {line} with "
                              f"{show(left[line])} left")
                left[line] -= v
                replay[line].append((a.rule, v))
            for shop, v in ships:
                if v > fee_left[shop]:
                    self.fail("no shipping reduction exceeds what is left of the fee",
                              f"{where} takes {show(v)} off shop {shop}'s shipping with "
                              f"{show(fee_left[shop])} left")
                fee_left[shop] -= v
        for line in r.lines:
            recorded = [(d.rule, self.m(d.amount)) for d in line.discounts]
            if recorded != replay[line.id]:
                self.fail("line discounts = applied allocations, in order",
                          f"line {line.id}: discounts {recorded} vs allocations {replay[line.id]}")

    def shops(self) -> None:
        r, show = self.r, self.show
        names = [s.shop for s in r.shops]
        if names != sorted(set(names)) or not {x.shop for x in r.lines} <= set(names):
            self.fail("shops listed once each, sorted, covering every line",
                      f"shops {names}, line shops {sorted({x.shop for x in r.lines})}")
        cart_fees = {s: to_minor(f, self.digits) for s, f in r.cart.shipping.items()}
        funded: dict[tuple[str, str], int] = {}
        ship_off: dict[str, int] = {}
        for a in r.applied:
            for shop, v in a.shipping:
                ship_off[shop] = ship_off.get(shop, 0) + self.m(v)
                key = (shop, a.funded_by)
                funded[key] = funded.get(key, 0) + self.m(v)
        for x in r.lines:
            for d in x.discounts:
                key = (x.shop, d.funded_by)
                funded[key] = funded.get(key, 0) + self.m(d.amount)
        sums = [0] * 5
        for s in r.shops:
            lines = [x for x in r.lines if x.shop == s.shop]
            sub, disc, merchant, platform, fee, fee_off, ship, pay = (
                self.m(v) for v in (s.subtotal, s.discount, s.merchant_funded, s.platform_funded,
                                    s.shipping_fee, s.shipping_discount, s.shipping, s.payable))
            want_sub = sum(self.m(x.subtotal) for x in lines)
            want_disc = sum(self.m(x.discount) for x in lines)
            if (sub, disc) != (want_sub, want_disc):
                self.fail("shop subtotal and discount = sums over its lines",
                          f"shop {s.shop}: subtotal {show(sub)} vs {show(want_sub)}, "
                          f"discount {show(disc)} vs {show(want_disc)}")
            cart_fee = cart_fees.get(s.shop, 0)
            if fee not in (cart_fee, 0 if r.phase == "deposit" else cart_fee) \
                    or fee_off != ship_off.get(s.shop, 0) or not 0 <= ship == fee - fee_off:
                self.fail("0 <= shipping = shipping_fee - applied shipping reductions",
                          f"shop {s.shop}: fee {show(fee)} (cart {show(cart_fee)}), shipping "
                          f"discount {show(fee_off)} (applied "
                          f"{show(ship_off.get(s.shop, 0))}), shipping {show(ship)}")
            by = (funded.get((s.shop, "merchant"), 0), funded.get((s.shop, "platform"), 0))
            if merchant + platform != disc + fee_off or (merchant, platform) != by:
                self.fail("merchant_funded + platform_funded = discount + shipping_discount",
                          f"shop {s.shop}: {show(merchant)} + {show(platform)} vs "
                          f"{show(disc)} + {show(fee_off)}; rules took {show(by[0])} funded "
                          f"by merchants, {show(by[1])} by the platform")
            if pay != sub - disc + ship:
                self.fail("shop payable = subtotal - discount + shipping",
                          f"shop {s.shop}: {show(pay)} != {show(sub)} - {show(disc)} + "
                          f"{show(ship)}")
            for k, v in enumerate((sub, disc, fee, ship, pay)):
                sums[k] += v
        order = [self.m(v) for v in (r.subtotal, r.discount_total, r.shipping_fee_total,
                                     r.shipping_total, r.total)]
        if sums != order:
            self.fail("shop totals add up to the order totals",
                      "subtotal, discount, shipping fee, shipping, payable: shops "
                      f"{[show(v) for v in sums]} vs order {[show(v) for v in order]}")

    def reports(self) -> None:
        r, show = self.r, self.show
        seen: set[tuple[str, str | None]] = set()
        for x in (*r.applied, *r.not_applied):
            key = (x.rule, x.shop)
            if key in seen:
                self.fail("a rule reports once per shop", f"rule {x.rule}, shop {x.shop}")
            seen.add(key)
        for n in r.nudges:
            short, save = self.m(n.shortfall), self.m(n.would_save)
            if short <= 0 or save <= 0:
                self.fail("nudges ask for more to save more",
                          f"rule {n.rule}: add {show(short)} to save {show(save)}")
