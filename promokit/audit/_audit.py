"""``audit()``: every check over one campaign, bounded in examples and time, seeded."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from promokit._campaign import Campaign
from promokit._cart.cart import Cart
from promokit._cart.wallet import Coupon
from promokit._errors import AuditInputError, Problem
from promokit.audit import _search
from promokit.audit._catalog import (
    check_catalog,
    check_costs,
    check_coupons,
    derive_catalog,
    for_carts,
    shops_of,
)
from promokit.audit._report import FLAW_KINDS, AuditReport, Flaw
from promokit.audit._search import Hit, Outcome, search
from promokit.audit._static import never_applies
from promokit.rules import Reason
from promokit.testing import carts as cart_strategy

Progress = Callable[[str], None]


def _decimal(name: str, value: object, low: Decimal, high: Decimal | None) -> Decimal:
    try:
        out = Decimal(str(value))
        if out.is_finite() and out >= low and (high is None or out <= high):
            return out
    except InvalidOperation:
        pass
    expected = f"a number in [{low}, {high}]" if high is not None else f"a number >= {low}"
    raise AuditInputError([Problem(f"bad {name}", path=name, value=value, expected=expected)])


def audit(campaign: Campaign, *, catalog: Sequence[Mapping[str, Any]] | None = None,
          costs: Mapping[str, object] | None = None, max_discount_rate: object = None,
          max_examples: int = 200, seed: int = 0, max_seconds: float | None = 60.0,
          near_free: object = "0.05", split_tolerance: object = "0.01",
          max_lines: int = 6, max_quantity: int = 5, max_price: object = "999.99",
          at: datetime | None = None, progress: Progress | None = None,
          coupons: Sequence[Coupon] | None = None) -> AuditReport:
    """Search ``campaign`` for flaws with Hypothesis; a seeded, immutable :class:`AuditReport`.

    Carts come from :func:`promokit.testing.carts` over ``catalog`` (derived from the
    campaign's selections when None) with at most ``max_lines`` lines of ``max_quantity``
    units at up to ``max_price``. Each search tries up to ``max_examples`` carts;
    ``max_seconds`` bounds the whole audit's generate phases (shrinking a hit always finishes).

    * ``discount_rate`` (only with ``max_discount_rate``): discount total / goods subtotal above it;
    * ``below_cost`` (only with ``costs``, ``{sku: unit cost}``): a line's net under cost x qty;
    With ``coupons`` (those the merchant plans to issue), every cart but the split search's also
    carries a wallet of all of them, priced with the best combination the customer could pick
    (``best_coupons``): a stack of coupons that gives goods away is a flaw like any other.
    Customers are drawn over the campaign's tiers and the tags its rules ask for.

    * ``split_arbitrage``: some split into two orders pays (``total``) less than the one order
      by more than ``split_tolerance`` per line, i.e. merging them pays more;
    * ``free_order``: two or more rules leave the goods at most ``near_free`` of the subtotal;
    * ``never_applies``: a selection matching no catalog item, a threshold above what the
      largest cart can reach, or a ``first``-mode exclusive member that would apply on its own
      in some sampled cart but never applied in any (an earlier member always won).

    >>> import promokit, promokit.audit
    >>> campaign = promokit.load_campaign("examples/audit/clean.yaml")
    >>> promokit.audit.audit(campaign, max_examples=20).ok  # doctest: +SKIP
    True
    """
    if max_examples < 1 or max_lines < 1 or max_quantity < 1:
        raise AuditInputError([Problem("max_examples, max_lines and max_quantity must be >= 1",
                                       value=(max_examples, max_lines, max_quantity))])
    rate = None if max_discount_rate is None else \
        _decimal("max_discount_rate", max_discount_rate, Decimal(0), Decimal(1))
    near = _decimal("near_free", near_free, Decimal(0), Decimal(1))
    tol = _decimal("split_tolerance", split_tolerance, Decimal(0), None)
    top = _decimal("max_price", max_price, Decimal("0.01"), None)
    cost_table = check_costs(dict(costs)) if costs is not None else None
    rules = campaign.spec.all_rules()
    items = check_catalog(list(catalog)) if catalog is not None else derive_catalog(rules)
    shops = shops_of(rules, items)
    tiers = [t.name for t in campaign.spec.tiers.levels] if campaign.spec.tiers else None
    tags = sorted({t for r in rules if r.customers for t in r.customers.tags}) or None
    strategy = cart_strategy(currency=campaign.spec.currency, shops=shops,
                             catalog=for_carts(items, top), max_lines=max_lines,
                             max_quantity=max_quantity, max_price=str(top), at=at,
                             tiers=tiers, customer_tags=tags)
    shopper = strategy
    if coupons:
        issued = check_coupons([c.model_dump(mode="json", exclude_none=True) for c in coupons])
        # the worst case: a customer holding one of each, used at their best
        shopper = strategy.map(lambda cart: cart.model_copy(update={"wallet": issued}))
    say = progress or (lambda _text: None)
    stop = None if max_seconds is None else time.monotonic() + max_seconds

    def left() -> float | None:
        return None if stop is None else max(0.0, stop - time.monotonic())

    probes: dict[str, _search.Probe] = {}
    if rate is not None:
        probes["discount_rate"] = _search.discount_rate(campaign, rate)
    if cost_table is not None:
        probes["below_cost"] = _search.below_cost(campaign, cost_table)
    probes["split_arbitrage"] = _search.split_arbitrage(campaign, tol)
    probes["free_order"] = _search.free_order(campaign, near)
    flaws: list[Flaw] = []
    examples: dict[str, int] = {}
    for kind, probe in probes.items():
        say(f"searching for {kind} ...")
        carts = strategy if kind == "split_arbitrage" else shopper  # one wallet, one order
        found = search(carts, probe, max_examples=max_examples, seed=seed, seconds=left())
        examples[kind] = found.tried
        if found.hit is not None:
            flaws.append(_flaw(kind, found))
        say(f"  {kind}: {'found' if found.hit else 'none'} after {found.tried} carts")
    say("searching for never_applies ...")
    static = never_applies(rules, items, shops, max_lines=max_lines, max_quantity=max_quantity,
                           max_price=top)
    flagged = {r for f in static for r in f.rules}
    shadowed, tried = _shadowed(campaign, strategy, flagged, max_examples, seed, left)
    examples["never_applies"] = tried
    flaws += static + shadowed
    options = {"max_discount_rate": None if rate is None else str(rate),
               "costs": cost_table is not None, "catalog": "given" if catalog else "derived",
               "near_free": str(near), "split_tolerance": str(tol), "max_lines": max_lines,
               "max_quantity": max_quantity, "max_price": str(top)}
    order = {k: n for n, k in enumerate(FLAW_KINDS)}
    return AuditReport(campaign=campaign.id, seed=seed, max_examples=max_examples,
                       checks=(*probes, "never_applies"),
                       flaws=tuple(sorted(flaws, key=lambda f: order[f.kind])),
                       examples=examples, options=options)


def cart_json(cart: Cart) -> dict[str, Any]:
    """A cart as the JSON a cart file holds (defaults left out)."""
    return cart.model_dump(mode="json", exclude_defaults=True)


def _flaw(kind: str, found: Outcome) -> Flaw:
    hit: Hit = found.hit  # type: ignore[assignment]
    return Flaw(kind, hit.rules, hit.message, cart=cart_json(found.cart),  # type: ignore[arg-type]
                receipts=tuple(r.receipt() for r in hit.results), facts=hit.facts,
                orders=tuple(cart_json(o) for o in hit.orders))


# --- exclusive members an earlier member always shadows ----------------------------------------

def _alone(campaign: Campaign, rule_id: str, group: str) -> Campaign:
    """The campaign without the other members of ``rule_id``'s exclusive group."""
    data = campaign.spec.model_dump(mode="json", exclude_none=True)
    data["rules"] = [r for r in data["rules"]
                     if r["id"] == rule_id or r.get("exclusive") != group]
    return Campaign.from_dict(data, file=campaign.file)


def _shadowed(campaign: Campaign, strategy: Any, skip: set[str], max_examples: int, seed: int,
              left: Callable[[], float | None]) -> tuple[list[Flaw], int]:
    spec = campaign.spec
    firsts = {g for g, v in spec.exclusive_groups.items() if v.pick == "first"}
    members = [r for r in spec.rules if r.exclusive is not None
               and (r.exclusive in firsts or r.exclusive not in spec.exclusive_groups)
               and r.id not in skip]
    by_group: dict[str, int] = {}
    for r in spec.rules:
        if r.exclusive is not None:
            by_group[r.exclusive] = by_group.get(r.exclusive, 0) + 1
    members = [r for r in members if by_group[r.exclusive] > 1]  # type: ignore[index]
    if not members:
        return [], 0
    alone = {r.id: _alone(campaign, r.id, r.exclusive) for r in members}  # type: ignore[arg-type]
    would = dict.fromkeys(alone, 0)
    applied = dict.fromkeys(alone, 0)

    def visit(cart: Cart) -> None:
        real = _search._price(campaign, cart)
        if real is None:
            return
        done = {a.rule for a in real.applied}
        for rid, variant in alone.items():
            if rid in done:
                applied[rid] += 1
            else:
                solo = _search._price(variant, cart)
                if solo is not None and any(a.rule == rid for a in solo.applied):
                    would[rid] += 1

    tried = _search.collect(strategy, visit, max_examples=max_examples, seed=seed,
                            seconds=left())
    flaws = []
    for rid in alone:
        if applied[rid] or not would[rid]:
            continue
        found = search(strategy, _excluded_probe(campaign, alone[rid], rid),
                       max_examples=max_examples, seed=seed, seconds=left())
        if found.hit is None:
            continue
        hit = found.hit
        flaws.append(Flaw(
            "never_applies", hit.rules,
            f"rule {rid!r} would apply on its own in {would[rid]} of {tried} sampled carts "
            f"but applied in none: {hit.message}",
            cart=cart_json(found.cart), receipts=tuple(r.receipt() for r in hit.results),  # type: ignore[arg-type]
            facts={"check": "shadowed", "would_apply": would[rid], "applied": 0,
                   "sampled": tried, **hit.facts}))
    return flaws, tried


def _excluded_probe(campaign: Campaign, variant: Campaign, rid: str) -> _search.Probe:
    def probe(cart: Cart) -> Hit | None:
        real = _search._price(campaign, cart)
        solo = _search._price(variant, cart)
        if real is None or solo is None or not any(a.rule == rid for a in solo.applied):
            return None
        by = [n.by for n in real.not_applied if n.rule == rid and n.reason == Reason.EXCLUDED]
        if not by:
            return None
        return Hit((rid, *(b for b in by if b)), f"exclusive group member {by[0]!r} comes "
                   f"first and applies instead", {"by": by[0]}, (real,))
    return probe
