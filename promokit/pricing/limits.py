"""Limits at pricing time: a rule whose uses, units or budget are spent does not apply.

Pricing stays pure: it reads a snapshot of the ledger's counters (``Ledger.snapshot``), taken
once per cart, and never writes. A rule with ``limits`` is checked twice: before it runs (are
uses, per-customer uses or units left at all? does a per-customer limit have a customer id?) and
after (does what it would give fit the budget and the units left?). With ``on_exhausted: cap``
a budget gives what is left, shared over the same lines in proportion to what the rule would
have given; otherwise the rule does not apply, with reason ``limit_reached`` naming the limit.

Without a snapshot (a cart priced without a ledger) only the static check runs: a per-customer
limit never applies to a cart without a customer id.

A coupon kind's ``limits`` (in ``coupon_policy.kinds``) count under the key
``coupon-kind:<kind>``: every wallet coupon of that kind (rule ``coupon:<id>``) reads and takes
the same counters (:func:`limit_key`, :func:`coupon_snapshots`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from promokit._allocation import spread
from promokit._money import format_minor
from promokit.ledger.limits import Limits
from promokit.ledger.records import LimitSnapshot
from promokit.rules._base import CartLine, Effect, Miss, Outcome, Reason, Rule

#: The ledger key of a coupon kind's limits: ``coupon-kind:shop``.
COUPON_KIND = "coupon-kind:"


def limit_key(rule: str, kind: str) -> str:
    """The ledger key an applied rule counts under: its coupon kind's for a wallet coupon
    (kind ``coupon/<kind>``), else the rule id."""
    if kind.startswith("coupon/"):
        return COUPON_KIND + kind.removeprefix("coupon/")
    return rule


def coupon_snapshots(snapshot: Mapping[str, LimitSnapshot],
                     wallet: Iterable[tuple[str, str]]) -> dict[str, LimitSnapshot]:
    """``snapshot`` plus, for each wallet coupon ``(id, kind)`` of a limited kind, its kind's
    snapshot under the coupon's rule id (``coupon:<id>``), which is what pricing looks up."""
    out = dict(snapshot)
    for coupon, kind in wallet:
        found = snapshot.get(COUPON_KIND + kind)
        if found is not None:
            out[f"coupon:{coupon}"] = found
    return out


def _miss(rule: Rule, what: str, left: str) -> Miss:
    return Miss(Reason.LIMIT_REACHED, f"rule {rule.id!r}: its {what} limit is reached ({left})")


def before(rule: Rule, limits: Limits, snap: LimitSnapshot | None,
           customer: str | None) -> Miss | None:
    """Why ``rule`` cannot apply at all under its limits, or None."""
    if limits.per_customer_limited and customer is None:
        return Miss(Reason.LIMIT_REACHED,
                    f"rule {rule.id!r} is limited per customer and the cart has no customer id")
    if snap is None:
        return None
    counters = (("uses", snap.uses), ("per-customer", snap.per_customer),
                ("units", snap.units), ("per-customer units", snap.per_customer_units))
    for what, count in counters:
        if count is not None and count.left == 0:
            return _miss(rule, what, f"{count.used} used, {count.reserved} reserved of "
                                     f"{count.limit}; nothing left")
    if snap.budget.left == 0:
        return _miss(rule, "budget", "nothing left")
    return None


def after(rule: Rule, limits: Limits, snap: LimitSnapshot, outcomes: Sequence[Outcome],
          lines: Sequence[CartLine], digits: int) -> list[Outcome]:
    """``outcomes`` as the limits allow: unchanged, capped to the budget left, or one miss."""
    effects = [o for o in outcomes if isinstance(o, Effect)]
    if not effects:
        return list(outcomes)
    kind = type(rule.spec)
    units = sum(kind.units_given(e.times, sum(lines[i].qty for i in e.alloc)) for e in effects)
    for what, count in (("units", snap.units), ("per-customer units", snap.per_customer_units)):
        left = None if count is None else count.left
        if left is not None and units > left:
            return [_miss(rule, what, f"{units} units asked, {left} left")]
    budget = snap.budget.left
    given = sum(e.amount for e in effects)
    if budget is None or given <= budget:
        return list(outcomes)
    shown = f"{format_minor(given, digits)} asked, {format_minor(budget, digits)} left"
    if limits.on_exhausted != "cap" or any(e.ship for e in effects):
        return [_miss(rule, "budget", shown)]
    return [_cap(e, part, lines) if isinstance(e, Effect) else e
            for e, part in _shares(outcomes, budget)]


def _shares(outcomes: Sequence[Outcome], budget: int) -> list[tuple[Outcome, int]]:
    """Each outcome with its share of ``budget``: effects in order, each at most its amount."""
    out: list[tuple[Outcome, int]] = []
    for o in outcomes:
        part = min(o.amount, budget) if isinstance(o, Effect) else 0
        budget -= part
        out.append((o, part))
    return out


def _cap(effect: Effect, total: int, lines: Sequence[CartLine]) -> Effect:
    """``effect`` giving ``total`` instead, shared over its lines as it shared its amount."""
    idxs = sorted(effect.alloc)
    weights = [effect.alloc[i] for i in idxs]
    alloc, _lost = spread(total, idxs, weights, weights, [lines[i].id for i in idxs],
                          spill=False)
    return replace(effect, amount=total, alloc=alloc,
                   detail=(effect.detail + "; " if effect.detail else "") + "capped by budget",
                   nudge=None)

