"""``audit()``: every check over one campaign, bounded in examples and time, seeded."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hypothesis import strategies as st

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
    evaluation_times,
    for_carts,
    phase_times,
    shops_of,
)
from promokit.audit._report import FLAW_KINDS, AuditReport, Flaw
from promokit.audit._search import Hit, Outcome, Pricer, search
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
          coupons: Sequence[Coupon] | None = None, accept: Sequence[str] = ()) -> AuditReport:
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
    Customers are drawn over the campaign's tiers and the tags its rules ask for, and with
    earlier orders and a past spend when a rule's ``customers`` asks about them.

    Without ``at``, each cart is priced at one of the campaign's evaluation times
    (:func:`~promokit.audit._catalog.evaluation_times`: every validity window, schedule and
    member day, coupon windows, pre-sale deposit and balance windows), and a campaign with
    pre-sales is audited in both phases, ``deposit`` and ``balance``. A cart the engine refuses
    is counted: the report is not ``ok`` when any was (an audit that priced nothing found
    nothing), and says why the first was refused. Flaws whose :attr:`Flaw.id` is in ``accept``
    (known and accepted) are reported apart and do not fail the audit.

    * ``split_arbitrage``: some split into two orders pays (``total``) less than the one order
      by more than ``split_tolerance`` per line, i.e. merging them pays more;
    * ``free_order``: two or more rules leave the goods at most ``near_free`` of the subtotal;
    * ``never_applies``: a selection matching no catalog item, a threshold above what the
      largest cart can reach, or a ``first``-mode exclusive member that would apply on its own
      in some sampled cart but never applied in any (an earlier member always won).

    >>> import promokit, promokit.audit
    >>> campaign = promokit.load_campaign("examples/audit/clean.yaml")
    >>> promokit.audit.audit(campaign, max_examples=20, seed=0).ok
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
    limits = campaign.spec.presale_limits
    items = check_catalog(list(catalog)) if catalog is not None else \
        derive_catalog(rules, limits.max_deposit_percent if limits else None)
    shops = shops_of(rules, items)
    tiers = [t.name for t in campaign.spec.tiers.levels] if campaign.spec.tiers else None
    tags = sorted({t for r in rules if r.customers for t in r.customers.tags}) or None
    history = any(r.customers is not None and r.customers.history for r in rules)
    issued = check_coupons([c.model_dump(mode="json", exclude_none=True) for c in coupons]) \
        if coupons else None
    times = (at,) if at is not None else evaluation_times(rules, campaign.spec.timezone,
                                                          issued or ())
    phases = phase_times(rules, campaign.spec.timezone, times)
    say = progress or (lambda _text: None)
    stop = None if max_seconds is None else time.monotonic() + max_seconds

    def left() -> float | None:
        return None if stop is None else max(0.0, stop - time.monotonic())

    kinds = [*(["discount_rate"] if rate is not None else []),
             *(["below_cost"] if cost_table is not None else []), "split_arbitrage",
             "free_order"]
    found_flaws: dict[str, Flaw] = {}
    examples: dict[str, int] = {}
    refused: dict[str, int] = {}
    refusal: dict[str, Any] | None = None
    static = never_applies(rules, items, shops, max_lines=max_lines, max_quantity=max_quantity,
                           max_price=top)
    flagged = {r for f in static for r in f.rules}
    steps, step = len(phases) * (len(kinds) + 1), 0
    for phase, when in phases.items():
        strategy = cart_strategy(currency=campaign.spec.currency, shops=shops,
                                 catalog=for_carts(items, top), max_lines=max_lines,
                                 max_quantity=max_quantity, max_price=str(top),
                                 at=_times(when), tiers=tiers, customer_tags=tags,
                                 history=history)
        shopper = strategy
        if issued:
            # the worst case: a customer holding one of each, used at their best
            shopper = strategy.map(lambda cart: cart.model_copy(update={"wallet": issued}))
        where = f" ({phase} phase)" if phase else ""
        for kind in [*kinds, "never_applies"]:
            step += 1
            say(f"[{step}/{steps}] searching for {kind}{where} ...")
            price = Pricer(campaign, phase)
            if kind == "never_applies":
                hits, tried = _shadowed(campaign, strategy, flagged, max_examples, seed, left,
                                        price)
            else:
                probe = _probe(kind, price, rate, cost_table, tol, near)
                carts = strategy if kind == "split_arbitrage" else shopper  # one wallet, one order
                found = search(carts, probe, max_examples=max_examples, seed=seed,
                               seconds=left())
                tried = found.tried
                hits = [_flaw(kind, found, phase)] if found.hit is not None else []
            examples[kind] = examples.get(kind, 0) + tried
            refused[kind] = refused.get(kind, 0) + price.refused
            if price.first_refusal is not None and refusal is None:
                message, cart = price.first_refusal
                refusal = {"check": kind, "phase": phase, "message": message,
                           "cart": cart_json(cart)}
            for flaw in hits:
                found_flaws.setdefault(flaw.id, flaw)
            say(f"  {kind}{where}: {len(hits) or 'no'} flaw(s) in {tried} carts"
                + (f", {price.refused} refused" if price.refused else ""))
    flaws = [*static, *(f for f in found_flaws.values() if f.kind == "never_applies")]
    flaws = [*(f for f in found_flaws.values() if f.kind != "never_applies"), *flaws]
    wanted = set(accept)
    accepted = [f for f in flaws if f.id in wanted]
    flaws = [f for f in flaws if f.id not in wanted]
    options = {"max_discount_rate": None if rate is None else str(rate),
               "costs": cost_table is not None, "catalog": "given" if catalog else "derived",
               "near_free": str(near), "split_tolerance": str(tol), "max_lines": max_lines,
               "max_quantity": max_quantity, "max_price": str(top),
               "times": [t.isoformat() for t in times],
               "phases": [p or "balance" for p in phases], "accept": sorted(wanted)}
    order = {k: n for n, k in enumerate(FLAW_KINDS)}
    return AuditReport(campaign=campaign.id, seed=seed, max_examples=max_examples,
                       checks=(*kinds, "never_applies"),
                       flaws=tuple(sorted(flaws, key=lambda f: order[f.kind])),
                       examples=examples, options=options,
                       accepted=tuple(sorted(accepted, key=lambda f: order[f.kind])),
                       refused={k: n for k, n in refused.items() if n}, refusal=refusal)


def _times(when: Sequence[datetime]) -> st.SearchStrategy[datetime] | datetime | None:
    """What carts are priced at: one time, one of several (shrinking to the first), or none."""
    if not when:
        return None
    return when[0] if len(when) == 1 else st.sampled_from(when)


def _probe(kind: str, price: Pricer, rate: Decimal | None,
           costs: Mapping[str, Decimal] | None, tol: Decimal, near: Decimal) -> _search.Probe:
    if kind == "discount_rate":
        assert rate is not None
        return _search.discount_rate(price, rate)
    if kind == "below_cost":
        assert costs is not None
        return _search.below_cost(price, costs)
    if kind == "split_arbitrage":
        return _search.split_arbitrage(price, tol)
    return _search.free_order(price, near)


def cart_json(cart: Cart) -> dict[str, Any]:
    """A cart as the JSON a cart file holds (defaults left out)."""
    return cart.model_dump(mode="json", exclude_defaults=True)


def _flaw(kind: str, found: Outcome, phase: str | None = None) -> Flaw:
    hit = found.hit
    assert hit is not None and found.cart is not None
    facts = {**hit.facts, "phase": phase} if phase else hit.facts
    return Flaw(kind, hit.rules, hit.message, cart=cart_json(found.cart),
                receipts=tuple(r.receipt() for r in hit.results), facts=facts,
                orders=tuple(cart_json(o) for o in hit.orders))


# --- exclusive members an earlier member always shadows ----------------------------------------

def _alone(campaign: Campaign, rule_id: str, group: str) -> Campaign:
    """The campaign without the other members of ``rule_id``'s exclusive group."""
    data = campaign.spec.model_dump(mode="json", exclude_none=True)
    data["rules"] = [r for r in data["rules"]
                     if r["id"] == rule_id or r.get("exclusive") != group]
    return Campaign.from_dict(data, file=campaign.file)


def _shadowed(campaign: Campaign, strategy: Any, skip: set[str], max_examples: int, seed: int,
              left: Callable[[], float | None], price: Pricer) -> tuple[list[Flaw], int]:
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
        real = price(cart)
        if real is None:
            return
        done = {a.rule for a in real.applied}
        for rid, variant in alone.items():
            if rid in done:
                applied[rid] += 1
            else:
                solo = price(cart, variant)
                if solo is not None and any(a.rule == rid for a in solo.applied):
                    would[rid] += 1

    tried = _search.collect(strategy, visit, max_examples=max_examples, seed=seed,
                            seconds=left())
    flaws = []
    for rid in alone:
        if applied[rid] or not would[rid]:
            continue
        found = search(strategy, _excluded_probe(price, alone[rid], rid),
                       max_examples=max_examples, seed=seed, seconds=left())
        if found.hit is None or found.cart is None:
            continue
        hit = found.hit
        phase = {"phase": price.phase} if price.phase else {}
        flaws.append(Flaw(
            "never_applies", hit.rules,
            f"rule {rid!r} would apply on its own in {would[rid]} of {tried} sampled carts "
            f"but applied in none: {hit.message}",
            cart=cart_json(found.cart), receipts=tuple(r.receipt() for r in hit.results),
            facts={"check": "shadowed", "would_apply": would[rid], "applied": 0,
                   "sampled": tried, **hit.facts, **phase}))
    return flaws, tried


def _excluded_probe(price: Pricer, variant: Campaign, rid: str) -> _search.Probe:
    def probe(cart: Cart) -> Hit | None:
        real = price(cart)
        solo = price(cart, variant)
        if real is None or solo is None or not any(a.rule == rid for a in solo.applied):
            return None
        by = [n.by for n in real.not_applied if n.rule == rid and n.reason == Reason.EXCLUDED]
        if not by:
            return None
        return Hit((rid, *(b for b in by if b)), f"exclusive group member {by[0]!r} comes "
                   f"first and applies instead", {"by": by[0]}, (real,))
    return probe
