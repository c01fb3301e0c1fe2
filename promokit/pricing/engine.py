"""The staged engine: run a compiled plan over a cart, commit what rules return.

Pricing is pure. A :class:`Setup` fixes everything one cart brings (its lines in integer form, the
customer's tier and multipliers, which lines each rule selects, what pre-sale terms claim before
any stage runs). :func:`run_stage` then applies one stage to a :class:`Ctx`: rules (and exclusive
groups, at the place of their first member) by priority then id, so the order rules are listed in
never matters. Rules return effects already capped; only :func:`run_stage` subtracts them. A run
can be resumed from any stage boundary, which is what the best-coupon search uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from promokit._errors import CartPricingError
from promokit.ledger.records import LimitSnapshot
from promokit.pricing.limits import after as limit_after
from promokit.pricing.limits import before as limit_before
from promokit.pricing.plan import Entry, Group
from promokit.rules._base import CartLine, Ctx, Effect, Miss, Outcome, Reason, Rule

if TYPE_CHECKING:
    from promokit._cart.cart import Cart
    from promokit.pricing.plan import Plan

PHASES = ("deposit", "balance")


def cart_lines(cart: Cart, digits: int) -> tuple[CartLine, ...]:
    """The cart's lines in the engine's integer form (prices were validated for the currency:
    whole minor units, so a multiplication by 10^digits is exact)."""
    scale = 10 ** digits
    return tuple([
        CartLine(i, ln.id, ln.sku, ln.shop, int(ln.unit_price * scale), ln.quantity,
                 ln.category, ln.brand, frozenset(ln.tags))
        for i, ln in enumerate(cart.lines)
    ])


@dataclass(slots=True)
class Trace:
    """What a recorded run did: per-line takings, effects and misses, in order."""

    taken: list[list[tuple[Rule, int]]]
    applied: list[tuple[Rule, Effect]] = field(default_factory=list)
    missed: list[tuple[Rule, Miss]] = field(default_factory=list)


class Setup:
    """Everything fixed for one cart under one campaign, shared by every run over it."""

    def __init__(self, plan: Plan, cart: Cart, *, at: datetime | None = None,
                 phase: str | None = None, extra: Sequence[Rule] = (),
                 limits: Mapping[str, LimitSnapshot] | None = None) -> None:
        #: the ledger's counters of limited rules, read once for this cart (none: not counted)
        self.limits: Mapping[str, LimitSnapshot] = limits or {}
        env = plan.env
        spec = plan.spec
        if cart.currency != env.currency:
            raise CartPricingError(
                "currency_mismatch", f"the cart is in {cart.currency} but campaign "
                f"{spec.campaign!r} prices in {env.currency}: cannot combine {env.currency} "
                f"with {cart.currency}", path="currency", value=cart.currency,
                expected=env.currency)
        if phase is not None and phase not in PHASES:
            raise CartPricingError("unknown_phase", f"unknown phase {phase!r}", path="phase",
                                   value=phase, expected="one of " + ", ".join(PHASES),
                                   option="phase")
        self.cart, self.env, self.plan = cart, env, plan
        self.phase = phase or "balance"
        self.at = at if at is not None else cart.at
        if self.at is not None and self.at.tzinfo is None:
            self.at = self.at.replace(tzinfo=env.tz)
        customer = cart.customer
        self.tier = spec.tiers.resolve(customer.tier, customer.spend) if spec.tiers \
            else customer.tier
        self.tags = frozenset(customer.tags)
        self.orders, self.past_spend = customer.orders, customer.past_spend
        perks = spec.tiers.get(self.tier).perks if spec.tiers and self.tier else None
        self.multipliers = {k: v.as_integer_ratio() for k, v in perks.multipliers.items()} \
            if perks else {}
        self.points_multiplier = perks.points_multiplier if perks else Decimal(1)

        self.lines = cart_lines(cart, env.digits)
        if plan.preparers:
            for i in plan.presale_lines(self.lines):  # before matching: selections may ask
                self.lines[i].presale = True
        self.eligible = plan.match(self.lines)
        self.extra = tuple(extra)
        for rule in self.extra:
            idxs = [ln.index for ln in self.lines if rule.matcher.matches(ln)]
            if idxs:
                self.eligible[rule.id] = idxs
        self.amounts = [ln.unit * ln.qty for ln in self.lines]
        self.floors = [0] * len(self.lines)
        self.prepaid = [0] * len(self.lines)
        self.charged: dict[int, int] = {}
        self.presale_info: dict[int, dict[str, object]] = {}
        self.early_misses: list[tuple[Rule, Miss]] = []
        self.cuts: list[tuple[Rule, Effect]] = []  # price cuts made before any stage (立减)
        scale = 10 ** env.digits  # validated for the currency: exact
        shops = {ln.shop for ln in self.lines}  # a shop with no lines in the cart ships nothing
        self.shipping = {shop: int(fee * scale) for shop, fee in cart.shipping.items()
                         if shop in shops}
        self._claim()
        self.visit = self.plan.visits(self.eligible)

    def _claim(self) -> None:
        """Let rules with pre-stage terms (pre-sale) fix floors, prepayments and charges."""
        if not self.plan.preparers:
            return
        ctx = self.new_ctx()
        claimed: dict[int, str] = {}
        for rule in self.plan.preparers:
            if rule.id not in self.eligible or self.gate(rule) is not None:
                continue  # a closed pre-sale claims nothing; its stage reports why
            for i in self.eligible[rule.id]:
                if i in claimed:
                    raise CartPricingError(
                        "presale_overlap", f"line {self.lines[i].id!r} is selected by two "
                        f"pre-sale rules, {claimed[i]!r} and {rule.id!r}; a line has one set "
                        "of deposit terms", path=f"lines[{i}]", value=self.lines[i].sku,
                        expected="a line under at most one open pre-sale rule")
                claimed[i] = rule.id
            claim = rule.prepare(ctx, self.eligible[rule.id])
            if claim is None:
                continue
            if claim.cuts:
                cut = replace(rule, id=f"{rule.id}.instant_reduction")
                base = sum(self.amounts[i] for i in claim.cuts)
                for i, amount in claim.cuts.items():
                    self.amounts[i] -= amount
                self.cuts.append((cut, Effect(amount=sum(claim.cuts.values()), base=base,
                                              times=len(claim.cuts), alloc=dict(claim.cuts),
                                              detail="instant_reduction")))
            for i, floor in claim.floors.items():
                self.floors[i] = max(self.floors[i], floor)
            for i, paid in claim.prepaid.items():
                self.prepaid[i] += paid
            self.charged.update(claim.charges)
            self.presale_info.update(claim.info)
            self.early_misses += [(rule, m) for m in claim.misses]
        if self.charged:
            for i, charge in self.charged.items():
                self.amounts[i] = self.floors[i] = charge
            for rule_id, idxs in list(self.eligible.items()):
                kept = [i for i in idxs if i not in self.charged]
                if kept:
                    self.eligible[rule_id] = kept
                else:
                    del self.eligible[rule_id]
            live = {self.lines[i].shop for i in range(len(self.lines)) if i not in self.charged}
            self.shipping = {s: fee for s, fee in self.shipping.items() if s in live}

    def new_ctx(self) -> Ctx:
        """A fresh run state at the start of the first stage."""
        amounts = list(self.amounts)
        start = tuple(amounts)
        return Ctx(self.lines, amounts, {"list": start}, start, self.env,
                   floors=self.floors, shipping=dict(self.shipping),
                   multipliers=self.multipliers, at=self.at, phase=self.phase,
                   customer=self.cart.customer.id)

    def entries(self, stage: str, active: Sequence[Rule]) -> Sequence[Entry]:
        """The stage's rules and groups that can apply to this cart, with the active extra rules
        (coupons) merged in order."""
        base = self.visit.get(stage, ())
        extra = [r for r in active if r.stage == stage and r.id in self.eligible]
        if not extra:
            return base
        return sorted([*base, *extra], key=_entry_key)

    def gate(self, rule: Rule) -> Miss | None:
        """Why a rule is closed now for this customer, or None."""
        gate = rule.gate
        if gate is None:
            return None
        if gate.timed and self.at is None:
            raise CartPricingError(
                "missing_time", "the rule has a validity window or schedule but the cart has "
                "no 'at' time", path="at", rule=rule.id, expected="an evaluation time",
                hint="give the cart an 'at' or pass at= to price()", option="at")
        closed = gate.check(self.at, self.tier, self.tags, self.orders, self.past_spend)
        if closed is None:
            return None
        return Miss(closed.reason, closed.message, next_open=closed.next_open)


def _entry_key(entry: Entry) -> tuple[int, int, str]:
    if isinstance(entry, Group):
        return min(r.sort_key() for r in entry.rules)
    return entry.sort_key()


def run_stage(setup: Setup, ctx: Ctx, stage: str, active: Sequence[Rule],
              trace: Trace | None, dropped: Mapping[str, Miss] | None = None) -> None:
    """Apply one stage to ``ctx`` (recording into ``trace`` when given).

    Between stages ``ctx.stage_start`` always holds the current amounts, so a stage starts
    from it and a stage that changes nothing reuses it as its snapshot. ``dropped``: rules an
    ``overflow: best_single`` policy took out of this run, with the miss to report instead.
    """
    entries = setup.entries(stage, active)
    for entry in entries:
        if isinstance(entry, Group):
            _group(setup, ctx, entry, trace, dropped)
        elif entry.id in setup.eligible:
            _commit(ctx, entry, _try(setup, ctx, entry, dropped), trace)
    end_stage(ctx, stage, bool(entries))


def end_stage(ctx: Ctx, stage: str, changed: bool) -> None:
    """At a stage's end (``changed``: it had entries): its amounts become the next stage's start
    and its snapshot, and the gifts it gave that count toward thresholds become visible to the
    later stages' judgements (never to the rest of their own stage)."""
    if changed:
        ctx.stage_start = tuple(ctx.amounts)
    ctx.snapshots[stage] = ctx.stage_start
    if ctx.pending:
        ctx.credits = (*ctx.credits, *ctx.pending)
        ctx.pending = []


def run(setup: Setup, active: Sequence[Rule] = (), trace: Trace | None = None) -> Ctx:
    """Every stage, in order, from a fresh state.

    Under ``overflow: best_single`` (the campaign's or a rule's) a discount that cannot be given
    in full because earlier discounts took its lines' room makes a combination over the price:
    the run is repeated without every member of that combination but the best single one, until
    no such combination is left. Each repeat drops at least one more rule, so it ends.
    """
    if not _best_single_used(setup, active):
        return _run_once(setup, active, trace, None)
    dropped: dict[str, Miss] = {}
    while True:
        t = Trace([[] for _ in setup.lines])
        ctx = _run_once(setup, active, t, dropped)
        more = _overflow_drops(setup, t)
        if not more:
            break
        dropped.update(more)
    if trace is not None:
        for mine, got in zip(trace.taken, t.taken, strict=True):
            mine.extend(got)
        trace.applied.extend(t.applied)
        trace.missed.extend(t.missed)
    return ctx


def _run_once(setup: Setup, active: Sequence[Rule], trace: Trace | None,
              dropped: Mapping[str, Miss] | None) -> Ctx:
    ctx = setup.new_ctx()
    if trace is not None:
        for rule, effect in setup.cuts:
            trace.applied.append((rule, effect))
            for i, d in effect.alloc.items():
                trace.taken[i].append((rule, d))
    for stage in setup.plan.stages:
        run_stage(setup, ctx, stage, active, trace, dropped)
    return ctx


def _policy(setup: Setup, rule: Rule) -> str:
    return rule.overflow or setup.env.overflow


def _best_single_used(setup: Setup, active: Sequence[Rule]) -> bool:
    if setup.env.overflow == "best_single":
        return True
    if any(r.overflow == "best_single" for r in active):
        return True
    if not setup.plan.best_single:  # decided once per campaign: most carts stop here
        return False
    rules = [r for es in setup.visit.values() for e in es
             for r in (e.rules if isinstance(e, Group) else (e,))]
    return any(r.overflow == "best_single" for r in rules)


def _overflow_drops(setup: Setup, trace: Trace) -> dict[str, Miss]:
    """The first combination over the price under ``best_single``: every member but the one
    saving most (ties: the one applied first), each with the reason it was dropped."""
    cuts = {r.id for r, _e in setup.cuts}
    order: dict[str, int] = {}
    saved: dict[str, int] = {}
    for n, (rule, eff) in enumerate(trace.applied):
        order.setdefault(rule.id, n)
        saved[rule.id] = saved.get(rule.id, 0) + eff.amount
    for rule, eff in trace.applied:
        if eff.lost <= 0 or _policy(setup, rule) != "best_single":
            continue
        idxs = [i for i in setup.eligible.get(rule.id, ())
                if eff.shop is None or setup.lines[i].shop == eff.shop]
        here = order[rule.id]
        earlier = {taker.id for i in idxs for taker, _d in trace.taken[i]
                   if taker.id not in cuts and order[taker.id] < here}
        if not earlier:
            continue  # nothing combined with it: only its own size is capped (as with lose)
        wants = {rid: saved[rid] for rid in earlier}
        wants[rule.id] = saved[rule.id] + eff.lost  # what it asked for, in full
        best = min(wants, key=lambda rid: (-wants[rid], order[rid]))
        show = setup.env.show
        names = ", ".join(f"{rid!r} ({show(wants[rid])})"
                          for rid in sorted(wants, key=lambda rid: order[rid]))
        return {rid: Miss(Reason.OVERFLOW,
                          f"overflow best_single: {names} together would take more than the "
                          f"lines allow; only the best single discount, {best!r} "
                          f"({show(wants[best])}), is kept", by=best)
                for rid in wants if rid != best}
    return {}


def _try(setup: Setup, ctx: Ctx, rule: Rule,
         dropped: Mapping[str, Miss] | None = None) -> list[Outcome]:
    if dropped and rule.id in dropped:
        return [dropped[rule.id]]
    closed = setup.gate(rule)
    if closed is not None:
        return [closed]
    limits = rule.spec.limits
    if limits is None:
        return rule.evaluate(ctx, setup.eligible[rule.id])
    snap = setup.limits.get(rule.id)
    miss = limit_before(rule, limits, snap, setup.cart.customer.id)
    if miss is not None:
        return [miss]
    outcomes = rule.evaluate(ctx, setup.eligible[rule.id])
    if snap is None:
        return outcomes
    return limit_after(rule, limits, snap, outcomes, setup.lines, setup.env.digits)


def _commit(ctx: Ctx, rule: Rule, outcomes: Sequence[Outcome], trace: Trace | None) -> None:
    amounts = ctx.amounts
    for out in outcomes:
        if isinstance(out, Miss):
            if trace is not None:
                trace.missed.append((rule, out))
            continue
        for i, d in out.alloc.items():
            amounts[i] -= d
            if trace is not None:
                trace.taken[i].append((rule, d))
        for shop, d in out.ship.items():
            ctx.shipping[shop] -= d
        if out.credit is not None:
            ctx.pending.append(out.credit)
        if trace is not None:
            trace.applied.append((rule, out))


def _group(setup: Setup, ctx: Ctx, group: Group, trace: Trace | None,
           dropped: Mapping[str, Miss] | None = None) -> None:
    members = [r for r in group.rules if r.id in setup.eligible]
    if not members:
        return
    tried: list[tuple[Rule, list[Outcome]]] = []
    winner: Rule | None = None
    if group.pick == "best":
        tried = [(r, _try(setup, ctx, r, dropped)) for r in members]
        best = 0
        for rule, outs in tried:
            saving = sum(o.amount for o in outs if isinstance(o, Effect))
            if saving > best:
                winner, best = rule, saving
    else:
        for rule in members:
            outs = _try(setup, ctx, rule, dropped)
            tried.append((rule, outs))
            if any(isinstance(o, Effect) for o in outs):
                winner = rule
                break
    how = "saves more" if group.pick == "best" else "comes first"
    outcomes = {r.id: outs for r, outs in tried}
    for rule in members:
        got = outcomes.get(rule.id)
        effective = got is not None and any(isinstance(o, Effect) for o in got)
        if winner is None or rule is winner or (got is not None and not effective):
            _commit(ctx, rule, got or [], trace)
        elif trace is not None:
            trace.missed.append((rule, Miss(
                Reason.EXCLUDED,
                f"exclusive group {group.name!r}: {winner.id!r} {how} and applied instead",
                by=winner.id)))
