"""One call prices a cart: set up, choose coupons (selected or best), run, build the result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from promokit._cart.wallet import Coupon
from promokit._errors import InputError, Problem
from promokit._money import Money
from promokit._result.types import CouponUse, PriceResult
from promokit._spec.coupons import coupon_rule, valid_together
from promokit.pricing import fast
from promokit.pricing.build import build_result
from promokit.pricing.engine import Setup, Trace, run
from promokit.pricing.fast import run_fast
from promokit.pricing.limits import line_counted, near_caps, recorded
from promokit.pricing.search import Why, best_combination, explain_unused
from promokit.rules._base import Miss, Reason, Rule

if TYPE_CHECKING:
    from promokit._cart.cart import Cart
    from promokit.ledger.records import LimitSnapshot
    from promokit.pricing.plan import Plan


def price(plan: Plan, cart: Cart, *, at: datetime | None = None,
          phase: str | None = None, best_coupons: bool = False,
          limits: Mapping[str, LimitSnapshot] | None = None,
          issued: frozenset[str] | None = None, order_id: str | None = None,
          chosen: Sequence[str] | None = None) -> PriceResult:
    """Price ``cart``: the engine's one entry point.

    ``limits``: the ledger's counters of limited rules (see :mod:`promokit.pricing.limits`);
    ``issued``: with a ledger, the ids of the wallet coupons it knows as issued to this customer
    and unused: any other wallet coupon is not honoured (reason ``not_issued``).
    ``order_id`` is recorded in the result. ``chosen``: the ids a stored result records as
    chosen, in order: the usable ones among them are priced as the combination, without
    searching again (re-pricing a stored result gives it back exactly, whatever the search
    would pick now).
    """
    mode = "best" if best_coupons else "selected"
    if not cart.wallet:
        setup = _setup(plan, cart, at, phase, (), limits)
        trace = Trace([[] for _ in setup.lines])
        ctx = run_fast(setup, trace) if fast.ENABLED else run(setup, (), trace)
        return _with_limits(setup, trace, build_result(setup, ctx, trace, order_id=order_id,
                                                       coupon_mode=mode))

    policy = plan.spec.coupon_policy
    rules: dict[str, Rule] = {}
    reasons: dict[str, Why] = {}
    for c in cart.wallet:
        if issued is not None and c.id not in issued:
            reasons[c.id] = (Reason.NOT_ISSUED, "the ledger knows no unused coupon with this id "
                             "issued to this customer", None, None)
        elif policy is None or c.kind not in policy.kinds:
            reasons[c.id] = (Reason.NOT_ACCEPTED, f"this campaign accepts no {c.kind} coupons",
                             None, None)
        else:
            rules[c.id] = coupon_rule(c, policy.kinds[c.kind], plan.env)
    setup = _setup(plan, cart, at, phase, tuple(rules.values()), limits)

    unselected: set[str] = set()  # not_chosen because the cart did not select them
    if best_coupons:
        pool = [c for c in cart.wallet if c.id in rules]
    else:
        wanted = set(cart.coupons)
        pool = [c for c in cart.wallet if c.id in rules and c.id in wanted]
        for c in cart.wallet:
            if c.id not in wanted and c.id not in reasons:
                reasons[c.id] = (Reason.NOT_CHOSEN, "not selected", None, None)
                unselected.add(c.id)
    usable = []
    closed_out: list[tuple[Rule, Miss]] = []  # expired / not yet valid: in not_applied[] too
    for c in pool:
        rule = rules[c.id]
        if rule.id not in setup.eligible:
            reasons[c.id] = (Reason.NO_ELIGIBLE_LINES, _no_lines(c, rule, setup), None, None)
            continue
        closed = setup.gate(rule)
        if closed is not None:
            if closed.reason is Reason.ENDED:  # a coupon past its end has expired
                closed = replace(closed, reason=Reason.EXPIRED,
                                 message=f"expired: {closed.message}")
            reasons[c.id] = (closed.reason, closed.message, None, None)
            closed_out.append((rule, closed))
            continue
        usable.append(c)
    combo: Sequence[Coupon] = usable
    if policy is not None and (best_coupons or not valid_together(usable, policy)):
        if chosen is None:
            combo, _steps = best_combination(setup, usable, rules, policy)
        else:
            combo = _recorded(usable, chosen)
        reasons.update(explain_unused(setup, usable, combo, rules, policy))
    elif chosen is not None:
        combo = _recorded(usable, chosen)
    if chosen is not None and policy is not None and not valid_together(combo, policy):
        raise InputError([Problem(
            "the recorded coupons cannot be used together under the campaign's coupon policy",
            path="chosen_coupons", value=", ".join(c.id for c in combo),
            expected="a combination the campaign allows, as pricing records it")])
    trace = Trace([[] for _ in setup.lines], missed=closed_out)
    ctx = run(setup, [rules[c.id] for c in combo], trace)
    uses = _uses(cart.wallet, trace, reasons, plan, unselected)
    return _with_limits(setup, trace, build_result(setup, ctx, trace, uses, order_id=order_id,
                                                   coupon_mode=mode,
                                                   chosen=[c.id for c in combo]))


def _with_limits(setup: Setup, trace: Trace, result: PriceResult) -> PriceResult:
    """``result`` with what the ledger's snapshot made the run do recorded (when it did)."""
    if not setup.limits:
        return result
    refusals = [(rule.id, miss.reason.value, miss.message) for rule, miss in trace.missed]
    refusals += [(f"coupon:{c.id}", c.reason, c.message) for c in result.coupons
                 if c.reason is not None]
    effects = recorded(refusals, trace.applied, setup.limits, setup.env.currency)
    return replace(result, limit_effects=effects) if effects else result


def _setup(plan: Plan, cart: Cart, at: datetime | None, phase: str | None,
           extra: tuple[Rule, ...], limits: Mapping[str, LimitSnapshot] | None) -> Setup:
    """The cart's setup, with only the snapshot entries this cart could run into
    (:func:`promokit.pricing.limits.near_caps`): the limit pass is skipped for the others."""
    setup = Setup(plan, cart, at=at, phase=phase, extra=extra, limits=limits)
    if limits:
        prunable = plan.prunable
        if extra:
            prunable = prunable | line_counted(r for r in extra if r.id in limits)
        worth = sum(setup.amounts) + sum(setup.shipping.values())
        units = sum(ln.qty for ln in setup.lines) * len(setup.lines)
        setup.limits = near_caps(limits, prunable, worth, units)
    return setup


def _recorded(usable: Sequence[Coupon], chosen: Sequence[str]) -> list[Coupon]:
    """The usable coupons among the recorded ``chosen`` ids, in the recorded order."""
    by_id = {c.id: c for c in usable}
    return [by_id[i] for i in dict.fromkeys(chosen) if i in by_id]


def _money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else Money(minor, currency)


def _no_lines(coupon: Coupon, rule: Rule, setup: Setup) -> str:
    if any(rule.matcher.matches(setup.lines[i]) for i in setup.charged):
        return "deposit phase: pre-sale lines take no coupons until the balance is paid"
    if coupon.shop is not None:
        return f"wrong shop: the cart has no eligible line from shop {coupon.shop!r}"
    return "no line in the cart matches this coupon"


def _uses(wallet: Sequence[Coupon], trace: Trace, reasons: dict[str, Why], plan: Plan,
          unselected: set[str]) -> tuple[CouponUse, ...]:
    cur = plan.env.currency
    amounts: dict[str, int] = {}
    for rule, effect in trace.applied:
        amounts[rule.id] = amounts.get(rule.id, 0) + effect.amount
    missed = {rule.id: miss for rule, miss in trace.missed}
    out = []
    for c in wallet:
        rid = f"coupon:{c.id}"
        if rid in amounts:
            out.append(CouponUse(c.id, c.kind, True, Money(amounts[rid], cur)))
        elif rid in missed:
            miss = missed[rid]
            out.append(CouponUse(c.id, c.kind, False, Money(0, cur), miss.reason.value,
                                 miss.message, _money(miss.shortfall, cur),
                                 _money(miss.would_save, cur)))
        else:
            reason, message, short, save = reasons.get(
                c.id, (Reason.NOTHING_LEFT, "nothing left to discount", None, None))
            by = None if reason is not Reason.NOT_CHOSEN else (
                "cart" if c.id in unselected else "search")
            out.append(CouponUse(c.id, c.kind, False, Money(0, cur), reason.value, message,
                                 _money(short, cur), _money(save, cur), by))
    return tuple(out)
