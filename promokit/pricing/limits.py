"""Limits at pricing time: a rule whose uses, units or budget are spent does not apply.

Pricing stays pure: it reads a snapshot of the ledger's counters (``Ledger.snapshot``), taken
once per cart, and never writes. A rule with ``limits`` is checked twice: before it runs (are
uses, per-customer uses or units left at all? does a per-customer limit have a customer id?) and
after (does what it would give fit the budget and the units left?). With ``on_exhausted: cap``
a budget gives what is left, shared over the same lines in proportion to what the rule would
have given; otherwise the rule does not apply, with reason ``limit_reached`` naming the limit.

Without a snapshot (a cart priced without a ledger) only the static check runs: a per-customer
limit never applies to a cart without a customer id.

Most carts are nowhere near a cap: :func:`near_caps` keeps, of a cart's snapshot, only the rules
whose counters this cart could reach (nothing left of a count, fewer units left than the cart
could take, less budget left than the cart is worth); the others are priced as if unlimited,
which gives the same result without the limit pass.

A coupon kind's ``limits`` (in ``coupon_policy.kinds``) count under the key
``coupon-kind:<kind>``: every wallet coupon of that kind (rule ``coupon:<id>``) reads and takes
the same counters (:func:`limit_key`, :func:`coupon_snapshots`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace

from promokit._allocation import spread
from promokit._money import Money, format_minor
from promokit._result.types import LimitEffect
from promokit.ledger.limits import Limits
from promokit.ledger.records import Count, LimitSnapshot
from promokit.rules._base import CartLine, Effect, Miss, Outcome, Reason, Rule, RuleSpec

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


def near_caps(snapshot: Mapping[str, LimitSnapshot], prunable: Collection[str],
              worth: int, units: int) -> dict[str, LimitSnapshot]:
    """The entries of ``snapshot`` this cart could run into: ``worth`` bounds any one rule's
    discount (the lines' amounts plus shipping fees: what a rule takes is capped by what is left
    of them), ``units`` the items a rule discounts (the cart's quantities times its lines: a rule
    takes at most every unit once per scope group). Every other entry passes :func:`before` and
    leaves :func:`after` unchanged, so dropping it gives the same result. Only the keys in
    ``prunable`` (:func:`line_counted`) may be dropped: a rule of a kind that counts what it
    gives rather than the lines' units (a gift), or a key without a known rule, is kept."""
    return {key: snap for key, snap in snapshot.items()
            if key not in prunable or _reachable(snap, worth, units)}


def line_counted(rules: Iterable[Rule]) -> frozenset[str]:
    """The ids of ``rules`` whose stock counts the units of the lines they discount (the
    default ``units_given``), so that a cart's quantities bound what they take."""
    return frozenset(rule.id for rule in rules
                     if getattr(type(rule.spec).units_given, "__func__", None) is _LINE_UNITS)


#: The default ``units_given``: the discounted lines' quantities.
_LINE_UNITS = getattr(RuleSpec.units_given, "__func__", None)


def _reachable(snap: LimitSnapshot, worth: int, units: int) -> bool:
    """Whether a cart worth ``worth`` taking at most ``units`` could hit a counter of ``snap``
    (straight-line: it runs for every limited rule of every cart priced against a ledger)."""
    uses, pc, stock, pcu, budget = (snap.uses, snap.per_customer, snap.units,
                                    snap.per_customer_units, snap.budget)
    units = max(units, 1)  # left < units: not enough for this cart (left == 0 included)
    return ((uses.limit is not None and uses.used + uses.reserved >= uses.limit)
            or (pc is not None and pc.limit is not None and pc.used + pc.reserved >= pc.limit)
            or (stock.limit is not None and stock.limit - stock.used - stock.reserved < units)
            or (pcu is not None and pcu.limit is not None
                and pcu.limit - pcu.used - pcu.reserved < units)
            or (budget.limit is not None
                and budget.limit - budget.used - budget.reserved < max(worth, 1)))


def _miss(rule: Rule, what: str, left: str) -> Miss:
    return Miss(Reason.LIMIT_REACHED, f"rule {rule.id!r}: its {what} limit is reached ({left})")


#: The limits a result records (``LimitEffect.limit``), by the words a refusal names them with.
NAMES = {"uses": "uses", "per-customer": "per_customer", "units": "units",
         "per-customer units": "per_customer_units", "budget": "budget"}
#: Added to the detail of an effect a budget capped (``on_exhausted: cap``).
CAPPED = "capped by budget"
_UNLIMITED = Count(None, 0, 0)


def _named(rule: str, reason: str, message: str) -> str | None:
    """The recorded name of the limit a refusal (made by :func:`_miss`) names, or None (not a
    counter's refusal: a per-customer limit on a cart without a customer id)."""
    head = f"rule {rule!r}: its "
    if reason != Reason.LIMIT_REACHED.value or not message.startswith(head):
        return None
    what, sep, _ = message[len(head):].partition(" limit is reached (")
    return NAMES.get(what) if sep else None


def recorded(refusals: Iterable[tuple[str, str, str]], applied: Sequence[tuple[Rule, Effect]],
             snapshot: Mapping[str, LimitSnapshot], currency: str
             ) -> tuple[LimitEffect, ...]:
    """What ``snapshot`` made pricing do, as a result records it: the rules its counters
    refused (``refusals``: rule id, reason code, message: the run's misses, and the wallet
    coupons a best-coupon search or its explanation found refused), with the counter as read,
    then the budgets that capped a rule, with what was left."""
    out: dict[str, LimitEffect] = {}
    for rule, reason, message in refusals:
        snap = snapshot.get(rule)
        name = _named(rule, reason, message) if snap is not None else None
        if snap is None or name is None or rule in out:
            continue
        if name == "budget":
            out[rule] = LimitEffect(rule, name, "refused",
                                    left=Money(snap.budget.left or 0, currency))
            continue
        count = getattr(snap, name)
        out[rule] = LimitEffect(rule, name, "refused", of=count.limit, used=count.used,
                                reserved=count.reserved)
    for r, effect in applied:
        snap = snapshot.get(r.id)
        if snap is not None and r.id not in out and effect.detail.endswith(CAPPED):
            out[r.id] = LimitEffect(r.id, "budget", "capped",
                                    left=Money(snap.budget.left or 0, currency))
    return tuple(out.values())


def replayed(effects: Iterable[LimitEffect]) -> dict[str, LimitSnapshot]:
    """The frozen snapshot that makes pricing do exactly what ``effects`` record: for each
    rule, the one counter that bit as it was read, every other counter unlimited (a rule they
    do not name is priced as if unlimited, as when the counters were far from its caps)."""
    out: dict[str, LimitSnapshot] = {}
    for e in effects:
        counts: dict[str, Count | None] = {
            "uses": _UNLIMITED, "budget": _UNLIMITED, "units": _UNLIMITED,
            "per_customer": None, "per_customer_units": None}
        if e.limit == "budget":
            counts["budget"] = Count(0 if e.left is None else e.left.minor, 0, 0)
        else:
            counts[e.limit] = Count(e.of, e.used or 0, e.reserved or 0)
        out[e.rule] = LimitSnapshot(e.rule, "recorded", **counts)  # type: ignore[arg-type]
    return out


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
                   detail=(effect.detail + "; " if effect.detail else "") + CAPPED,
                   nudge=None)

