"""The staged engine: run a compiled plan over a cart, commit what rules return, build the result.

Pricing is pure. Stages run in the declared order; within a stage, rules (and exclusive groups, at
the place of their first member) run by priority then id, so the order rules are listed in never
matters. Each rule sees the running amounts and the snapshots taken after earlier stages, returns
effects already capped at what is left, and the engine alone subtracts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from .._errors import CurrencyMismatchError, PricingError
from .._money import Money, to_minor
from .._result import (
    Applied,
    LineDiscount,
    LineResult,
    NotApplied,
    Nudge,
    PriceResult,
    ShopResult,
)
from ..rules._base import CartLine, Ctx, Effect, Miss, Outcome, Reason, Rule
from .plan import Group

if TYPE_CHECKING:
    from .._campaign import Campaign
    from .._cart import Cart


def cart_lines(cart: Cart, digits: int) -> tuple[CartLine, ...]:
    """The cart's lines in the engine's integer form."""
    return tuple(
        CartLine(i, ln.id, ln.sku, ln.shop, to_minor(ln.unit_price, digits), ln.quantity,
                 ln.category, ln.brand, frozenset(ln.tags))
        for i, ln in enumerate(cart.lines)
    )


class _Run:
    """The mutable state of one pricing run (never shared)."""

    def __init__(self, campaign: Campaign, cart: Cart, at: datetime | None) -> None:
        env = campaign.env
        if cart.currency != env.currency:
            raise CurrencyMismatchError(env.currency, cart.currency)
        self.campaign = campaign
        self.env = env
        self.cart = cart
        self.at = at if at is not None else cart.at
        if self.at is not None and self.at.tzinfo is None:
            self.at = self.at.replace(tzinfo=env.tz)  # type: ignore[arg-type]
        self.lines = cart_lines(cart, env.digits)
        amounts = [ln.unit * ln.qty for ln in self.lines]
        shipping = {shop: to_minor(fee, env.digits) for shop, fee in cart.shipping.items()}
        self.ctx = Ctx(self.lines, amounts, {"list": tuple(amounts)}, tuple(amounts), env,
                       floors=[0] * len(amounts), shipping=shipping)
        self.eligible = campaign.plan.match(self.lines)
        self.taken: list[list[tuple[Rule, int]]] = [[] for _ in self.lines]
        self.applied: list[tuple[Rule, Effect]] = []
        self.missed: list[tuple[Rule, Miss]] = []

    def run(self) -> None:
        plan = self.campaign.plan
        ctx = self.ctx
        for stage in plan.stages:
            ctx.stage_start = tuple(ctx.amounts)
            for entry in plan.entries[stage]:
                if isinstance(entry, Group):
                    self._group(entry)
                elif entry.id in self.eligible:
                    outcomes = self._try(entry)
                    self._commit(entry, outcomes)
            ctx.snapshots[stage] = tuple(ctx.amounts)

    def _gate(self, rule: Rule) -> Miss | None:
        if rule.start is None and rule.end is None:
            return None
        at = self.at
        if at is None:
            raise PricingError(f"rule {rule.id!r} has a validity window but the cart has no "
                               "'at' time; give the cart an 'at' or price it with at=...")
        if rule.start is not None and at < rule.start:
            return Miss(Reason.NOT_STARTED, f"starts at {rule.start.isoformat()}")
        if rule.end is not None and at >= rule.end:
            return Miss(Reason.ENDED, f"ended at {rule.end.isoformat()}")
        return None

    def _try(self, rule: Rule) -> list[Outcome]:
        closed = self._gate(rule)
        if closed is not None:
            return [closed]
        return rule.evaluate(self.ctx, self.eligible[rule.id])

    def _commit(self, rule: Rule, outcomes: Sequence[Outcome]) -> None:
        amounts = self.ctx.amounts
        for out in outcomes:
            if isinstance(out, Miss):
                self.missed.append((rule, out))
                continue
            for i, d in out.alloc.items():
                amounts[i] -= d
                self.taken[i].append((rule, d))
            self.applied.append((rule, out))

    def _group(self, group: Group) -> None:
        members = [r for r in group.rules if r.id in self.eligible]
        if not members:
            return
        tried = [(r, self._try(r)) for r in members] if group.pick == "best" else []
        winner: Rule | None = None
        if group.pick == "best":
            best = -1
            for rule, outs in tried:
                saving = sum(o.amount for o in outs if isinstance(o, Effect))
                if saving > best and saving > 0:
                    winner, best = rule, saving
        else:
            for rule in members:
                outs = self._try(rule)
                tried.append((rule, outs))
                if any(isinstance(o, Effect) for o in outs):
                    winner = rule
                    break
        how = "saves more" if group.pick == "best" else "comes first"
        outcomes = dict((r.id, outs) for r, outs in tried)
        for rule in members:
            outs = outcomes.get(rule.id)
            effective = outs is not None and any(isinstance(o, Effect) for o in outs)
            if winner is None or rule is winner or (outs is not None and not effective):
                self._commit(rule, outs if outs is not None else [])
            else:
                self.missed.append((rule, Miss(  # type: ignore[union-attr]
                    Reason.EXCLUDED,
                    f"exclusive group {group.name!r}: {winner.id!r} {how} and applied instead")))

    def result(self) -> PriceResult:
        cur = self.env.currency

        def m(minor: int) -> Money:
            return Money(minor, cur)

        cart = self.cart
        shipping = {shop: to_minor(fee, self.env.digits) for shop, fee in cart.shipping.items()}
        lines = []
        shop_acc: dict[str, list[int]] = {}
        for ln, taken, net in zip(self.lines, self.taken, self.ctx.amounts, strict=True):
            discounts = tuple(LineDiscount(r.id, r.stage, m(d), r.funded_by) for r, d in taken)
            sub = ln.unit * ln.qty
            lines.append(LineResult(ln.id, ln.sku, ln.shop, ln.qty, m(ln.unit), m(sub),
                                    discounts, m(sub - net), m(net)))
            acc = shop_acc.setdefault(ln.shop, [0, 0, 0])
            acc[0] += sub
            for r, d in taken:
                acc[1 if r.funded_by == "merchant" else 2] += d
        shops = []
        for shop in sorted(set(shop_acc) | set(shipping)):
            sub, merchant, platform = shop_acc.get(shop, (0, 0, 0))
            fee = shipping.get(shop, 0)
            shops.append(ShopResult(shop, m(sub), m(merchant + platform), m(merchant),
                                    m(platform), m(fee), m(sub - merchant - platform + fee)))
        line_ids = [ln.id for ln in self.lines]
        applied = tuple(
            Applied(r.id, r.kind, r.stage, m(e.amount), m(e.base), e.times, e.shop, r.funded_by,
                    tuple((line_ids[i], m(e.alloc[i])) for i in sorted(e.alloc)), m(e.lost),
                    e.detail)
            for r, e in self.applied
        )
        not_applied = tuple(
            NotApplied(r.id, r.kind, r.stage, str(x.reason), x.message, x.shop,
                       None if x.shortfall is None else m(x.shortfall),
                       None if x.would_save is None else m(x.would_save))
            for r, x in self.missed
        )
        nudges = [Nudge(r.id, x.shop, m(x.shortfall), m(x.would_save))
                  for r, x in self.missed if x.shortfall is not None and x.would_save]
        nudges += [Nudge(r.id, e.shop, m(e.nudge[0]), m(e.nudge[1]))
                   for r, e in self.applied if e.nudge is not None and e.nudge[1] > 0]
        subtotal = sum(ln.unit * ln.qty for ln in self.lines)
        goods = sum(self.ctx.amounts)
        ship = sum(shipping.values())
        return PriceResult(
            campaign=self.campaign.id, fingerprint=self.campaign.fingerprint, currency=cur,
            at=self.at, subtotal=m(subtotal), discount_total=m(subtotal - goods),
            shipping_total=m(ship), payable=m(goods + ship), lines=tuple(lines),
            shops=tuple(shops), applied=applied, not_applied=not_applied,
            nudges=tuple(sorted(nudges, key=lambda n: (n.shortfall.minor, n.rule, n.shop or ""))),
            cart=cart,
        )


def price(campaign: Campaign, cart: Cart, *, at: datetime | None = None) -> PriceResult:
    """Price ``cart`` under ``campaign``: the one entry point of the engine."""
    run = _Run(campaign, cart, at)
    run.run()
    return run.result()
