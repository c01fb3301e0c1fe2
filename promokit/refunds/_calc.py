"""One refund, computed: the returned units' shares, either policy, shipping, points, coupons,
and the per-shop settlement of what remains. :mod:`promokit.refunds` checks the inputs first."""

from __future__ import annotations

import json
from datetime import datetime
from math import gcd
from typing import TYPE_CHECKING

from promokit._allocation import allocate
from promokit._errors import Problem, RefundError
from promokit._money import Money, round_div
from promokit.refunds._gifts import GiftDue, OrderGift, gifts_due
from promokit.refunds._order import Order, Part, Ship, State, read_order
from promokit.refunds._types import (
    Basis,
    Clawback,
    CouponReturn,
    GiftDeduction,
    Refund,
    RefundLine,
    RefundPolicy,
    Settlement,
    ShopSettlement,
)

if TYPE_CHECKING:
    from promokit._campaign import Campaign
    from promokit._result.types import PriceResult


class Refunder:
    """Computes one refund of ``order`` from ``state`` (what the earlier refunds left)."""

    def __init__(self, order: Order, state: State, policy: RefundPolicy,
                 at: datetime | None) -> None:
        self.order, self.before, self.policy, self.at = order, state, policy, at
        self.state = state.copy()
        self.notes: list[str] = []

    def m(self, minor: int) -> Money:
        return Money(minor, self.order.currency)

    def run(self, want: dict[str, int], campaign: Campaign | None,
            gifts: Campaign | None = None) -> Refund:
        """A refund of the returned units ``want``; ``campaign``: re-price (the reprice policy);
        ``gifts``: the order's campaign, which gift rules that declare ``on_return`` need."""
        order, st = self.order, self.state
        parts = {k: st.lines[k].head(n, k) for k, n in want.items()}
        for k, part in parts.items():
            st.lines[k] = st.lines[k].minus(part)
        full = st.units_left(order) == 0
        kept = {k: p.paid if order.lines[k].deposit_only and not self.policy.refund_deposit
                else 0 for k, p in parts.items()}
        for k, amount in kept.items():
            st.retained[order.lines[k].shop] += amount
        closing = [s for s in order.shops if _closes(order, st, s, full)]
        goods = {k: p.paid - kept[k] for k, p in parts.items()}
        # keep under allocated changes nothing: no need to judge (nor for the campaign)
        declared = order.gifts if campaign is not None else tuple(
            g for g in order.gifts if g.policy != "keep")
        dues, held = self._gifts_due(gifts or campaign, declared) if declared and not full \
            else ([], set())
        if campaign is not None:  # the reprice policy
            line_refund, ship_refund, clawbacks = self._reprice(goods, kept, closing, campaign,
                                                                held)
        else:
            line_refund, ship_refund = goods, self._shipping(closing, full)
            clawbacks = []
        deducted = self._deduct(line_refund, dues)
        total = sum(line_refund.values()) + sum(ship_refund.values())
        chunks, value, clawed = self._points(total, full)
        st.refunded += total
        st.sequence += 1
        self._explain(parts, kept)
        lines = tuple(
            RefundLine(k, order.lines[k].sku, order.lines[k].shop, p.units, self.m(p.paid),
                       self.m(line_refund[k]), self.m(kept[k]),
                       self.m(p.paid - kept[k] - line_refund[k]))
            for k, p in parts.items())
        return Refund(
            order=order.digest, sequence=st.sequence, campaign=order.campaign,
            fingerprint=order.fingerprint, currency=order.currency, at=self.at,
            policy=self.policy, lines=lines,
            shipping=tuple((s, self.m(a)) for s, a in ship_refund.items() if a),
            clawbacks=tuple(clawbacks), amount=self.m(total), cash=self.m(total - value),
            points=chunks, points_value=self.m(value), points_clawed_back=clawed,
            kept=self.m(sum(kept.values())), coupons=self._coupons(full), full_return=full,
            notes=tuple(self.notes), settlement=settlement(order, st),
            state=json.dumps(st.to_json(order), sort_keys=True, separators=(",", ":")),
            gifts=deducted)

    def _gifts_due(self, campaign: Campaign | None, declared: tuple[OrderGift, ...]
                   ) -> tuple[list[GiftDue], set[str]]:
        """What the declared gift rules ask of this refund (the state: units already taken)."""
        earned: dict[str, int] = {}
        if campaign is not None:
            again = _remaining(self.order, self.state, campaign)
            for a in again.applied if again is not None else ():
                if a.kind == "gift":
                    earned[a.rule] = earned.get(a.rule, 0) + a.times
        dues, held = gifts_due(self.order, self.state, campaign, earned, declared)
        for due in dues:  # settled now: returned, deducted, or kept by the rule's choice
            self.state.gifts[due.rule] = self.state.gifts.get(due.rule, 0) + due.gifts
        return dues, held

    def _deduct(self, line_refund: dict[str, int], dues: list[GiftDue]
                ) -> tuple[GiftDeduction, ...]:
        """Take the gifts' values off the returned lines' refunds (in proportion, never below
        0.00); the shop keeps what is taken. Notes say what and why."""
        order, out = self.order, []
        for due in dues:
            name = f"{due.gifts} x {due.name} ({due.sku})"
            if due.policy == "keep":
                self.notes.append(f"gift rule {due.rule!r}: the remaining items no longer earn "
                                  f"{name}; on_return: keep, so the customer keeps it and "
                                  "nothing is deducted")
                continue
            keys = [k for k, v in line_refund.items() if v]
            left = sum(line_refund[k] for k in keys)
            take = min(due.amount, left)
            if take:
                for k, share in zip(keys, allocate(take, [line_refund[k] for k in keys], keys),
                                    strict=True):
                    line_refund[k] -= share
                    self.state.retained[order.lines[k].shop] += share
            paid = f" less the {order.show(due.token * due.carried)} paid for it" \
                if due.token and due.carried else ""
            why = "it was given without a line to return" if due.policy == "return" \
                else "on_return: deduct"
            self.notes.append(
                f"gift rule {due.rule!r}: the remaining items no longer earn {name}; {why}: "
                f"its value {order.show(due.value * due.gifts)}{paid}"
                + (f" = {order.show(due.amount)}" if paid else "") + " is deducted from the refund"
                + (f" (only {order.show(take)}: the refund is not larger)"
                   if take < due.amount else ""))
            out.append(GiftDeduction(due.rule, due.sku, due.gifts, due.policy,
                                     self.m(take)))
        return tuple(out)

    def run_amount(self, requested: int, basis: Basis) -> Refund:
        """A refund of money, no units returned (WeChat Pay's partial refund).

        ``requested`` is in the terms of ``basis``: ``"order"``, the order before discounts
        (goods subtotal + shipping fee), scaled by paid / that, half up to the minor unit, on the
        running sum of the order's amount requests (so requests that add up to the whole order
        refund exactly what was paid); ``"paid"``, the money itself. The money is split over
        what remains paid of each line (and of each shop's shipping, unless shipping is
        ``never`` refunded) in proportion, largest remainder first: no line gives back more than
        remains paid for it.
        """
        order, st = self.order, self.state
        weights = {k: p.paid for k, p in st.lines.items() if p.paid}
        if self.policy.shipping != "never":
            weights |= {f"shipping:{s}": x.paid for s, x in st.shipping.items() if x.paid}
        left = sum(weights.values())
        if basis == "order":
            whole = sum(x.gross for x in order.lines.values()) + sum(
                x.fee for x in order.shops.values())
            asked = st.requested + requested
            if asked > whole:
                raise RefundError([Problem(
                    f"asks for {order.show(requested)} after {order.show(st.requested)} asked "
                    f"before, of an order of {order.show(whole)} before discounts",
                    path="amount", value=order.show(requested),
                    expected=f"at most {order.show(whole - st.requested)}")])
            paid = order.total
            money = round_div(asked * paid, whole) - round_div(st.requested * paid, whole) \
                if whole else 0
            st.requested = asked
        else:
            money = requested
        if money > left:
            raise RefundError([Problem(
                f"would refund {order.show(money)} but only {order.show(left)} of the order "
                "remains paid (earlier refunds included)", path="amount",
                value=order.show(requested), expected=f"a refund of at most {order.show(left)}")])
        keys = list(weights)
        shares = dict(zip(keys, allocate(money, list(weights.values()), keys), strict=True)) \
            if money else dict.fromkeys(keys, 0)
        line_refund = {k: shares[k] for k in st.lines if shares.get(k)}
        ship_refund = {s: shares[f"shipping:{s}"] for s in st.shipping
                       if shares.get(f"shipping:{s}")}
        for k, amount in line_refund.items():
            p = st.lines[k]
            st.lines[k] = Part(p.units, p.gross, p.paid - amount, p.platform)
        for s, amount in ship_refund.items():
            x = st.shipping[s]
            st.shipping[s] = Ship(x.fee, x.paid - amount, x.platform)
        chunks, value, clawed = self._points(money, False)
        st.refunded += money
        st.sequence += 1
        lines = tuple(
            RefundLine(k, order.lines[k].sku, order.lines[k].shop, 0, self.m(a), self.m(a),
                       self.m(0), self.m(0))
            for k, a in line_refund.items())
        return Refund(
            order=order.digest, sequence=st.sequence, campaign=order.campaign,
            fingerprint=order.fingerprint, currency=order.currency, at=self.at,
            policy=self.policy, lines=lines,
            shipping=tuple((s, self.m(a)) for s, a in ship_refund.items()),
            clawbacks=(), amount=self.m(money), cash=self.m(money - value),
            points=chunks, points_value=self.m(value), points_clawed_back=clawed,
            kept=self.m(0), coupons=(), full_return=False, notes=tuple(self.notes),
            settlement=settlement(order, st),
            state=json.dumps(st.to_json(order), sort_keys=True, separators=(",", ":")),
            requested=(self.m(requested), basis))

    # shipping under the allocated policy
    def _shipping(self, closing: list[str], full: bool) -> dict[str, int]:
        order, st, rule = self.order, self.state, self.policy.shipping
        out: dict[str, int] = {}
        if rule == "never":
            return out
        if rule == "full_return":
            for s in closing:
                out[s] = st.shipping[s].paid
                st.shipping[s] = Ship(0, 0, 0)
            return out
        for s, orig in order.shops.items():  # proportional to the goods (or units) left
            mine = [k for k, x in order.lines.items() if x.shop == s]
            if mine:
                num, den = sum(st.lines[k].gross for k in mine), sum(
                    order.lines[k].gross for k in mine)
                if den == 0:
                    num, den = sum(st.lines[k].units for k in mine), sum(
                        order.lines[k].quantity for k in mine)
            else:
                num, den = (0 if full else 1), 1
            cur = st.shipping[s]
            paid = min(cur.paid, orig.paid * num // den)
            platform = min(cur.platform, orig.platform * num // den)
            merchant = min(cur.fee - cur.paid - cur.platform,
                           (orig.fee - orig.paid - orig.platform) * num // den)
            out[s] = cur.paid - paid
            st.shipping[s] = Ship(paid + platform + merchant, paid, platform)
        return out

    def _reprice(self, goods: dict[str, int], kept: dict[str, int], closing: list[str],
                 campaign: Campaign, held: set[str]
                 ) -> tuple[dict[str, int], dict[str, int], list[Clawback]]:
        order, st = self.order, self.state
        new_lines, new_ship, new_total = _price_remaining(order, st, campaign, closing)
        for k in held:  # a declared on_return settles the gift: its line keeps what was paid
            if k in new_lines and new_lines[k].paid > st.lines[k].paid:
                p = new_lines[k]
                new_total -= p.paid - st.lines[k].paid
                new_lines[k] = Part(p.units, p.gross, st.lines[k].paid, p.platform)
        paid_now = sum(p.paid for p in self.before.lines.values()) + sum(
            x.paid for x in self.before.shipping.values())
        ship_cap = {s: st.shipping[s].paid for s in closing}
        cap = sum(goods.values()) + sum(ship_cap.values())
        keep = paid_now - sum(kept.values())  # what stays paid if nothing is refunded
        raw = keep - new_total
        amount = min(max(raw, 0), cap)
        old_lines = {k: p for k, p in st.lines.items() if p.units}
        old_ship = {s: x for s, x in st.shipping.items() if s not in closing}
        if amount == raw:  # priced again: the remaining lines cost what the new price says
            target_lines, target_ship = new_lines, new_ship
        elif amount == cap:  # the new price would refund more: the remaining lines keep theirs
            target_lines, target_ship = old_lines, old_ship
            self.notes.append(f"re-pricing would refund {order.show(raw - cap)} more than was "
                              "paid for the returned units; the refund is capped at that")
        else:  # the remaining cart now costs more than was paid in all: nothing is refunded
            target_lines, target_ship = _spread(keep, new_lines, new_ship)
            self.notes.append(f"the remaining cart priced again costs {order.show(new_total)}, "
                              f"more than the {order.show(keep)} paid: nothing is refunded")
        clawbacks = [Clawback("line", k, self.m(target_lines[k].paid - p.paid))
                     for k, p in old_lines.items() if target_lines[k].paid != p.paid]
        clawbacks += [Clawback("shipping", s, self.m(target_ship[s].paid - x.paid))
                      for s, x in old_ship.items() if target_ship[s].paid != x.paid]
        st.lines.update(target_lines)
        st.shipping.update(target_ship)
        for s in closing:
            st.shipping[s] = Ship(0, 0, 0)
        keys = [*goods, *(f"shipping:{s}" for s in ship_cap)]
        weights = [*goods.values(), *ship_cap.values()]
        shares = allocate(amount, weights, keys) if sum(weights) else [0] * len(keys)
        line_refund = dict(zip(goods, shares[:len(goods)], strict=True))
        ship_refund = dict(zip(ship_cap, shares[len(goods):], strict=True))
        return line_refund, ship_refund, clawbacks

    def _points(self, total: int, full: bool) -> tuple[int, int, int]:
        """Points paid with, given back as points; points earned, taken back; both in proportion.

        Paid points are given back in whole chunks of (points, minor units) that were worth
        exactly each other, a little ahead of the cash (rounded up) but never more than the refund;
        earned points are taken back rounded down. Both are exact on a full return, except that
        when one chunk is worth more than a minor unit (a point worth more than a fen) a small
        refund may not cover a chunk: its value then goes back as cash, and the split between
        cash and points ends up off by less than a chunk (the total never is).
        """
        order, st = self.order, self.state
        done = st.refunded + total
        base = order.total - sum(x.paid for x in order.lines.values()
                                 if x.deposit_only and not self.policy.refund_deposit)
        used, value = order.points_used, order.points_value
        chunks = gcd(used, value) if used and value else 0
        step = 0
        if chunks:
            worth = value // chunks
            target = chunks if full else -(-chunks * done // base) if base > 0 \
                else st.points_chunks
            step = max(0, min(target, chunks) - st.points_chunks)
            step = min(step, total // worth)
            st.points_chunks += step
            if full and st.points_chunks < chunks:
                left = (chunks - st.points_chunks) * (used // chunks)
                why = ("they paid towards what the shop keeps" if base < order.total else
                       "a point is worth more than a minor unit, so earlier refunds gave their "
                       "value back as cash")
                self.notes.append(f"{left} points paid with are not given back: {why}")
        earned = order.points_earned
        target_e = earned if full else earned * done // base if base > 0 else st.points_clawed
        clawed = max(0, min(target_e, earned) - st.points_clawed)
        st.points_clawed += clawed
        if not chunks:
            return 0, 0, clawed
        return step * (used // chunks), step * (value // chunks), clawed

    def _coupons(self, full: bool) -> tuple[CouponReturn, ...]:
        out = []
        for c in self.order.coupons:
            end = c.end
            if end is not None and end.tzinfo is None and self.at is not None:
                end = end.replace(tzinfo=self.at.tzinfo)
            if not full:
                back, why = False, "partial return: a used coupon is not given back"
            elif end is not None and self.at is not None and end <= self.at:
                back, why = False, f"expired at {end.isoformat()}"
            elif end is not None and self.at is None:
                back, why = True, "full return (no refund time known: its end is not checked)"
            else:
                back, why = True, "full return, still valid"
            out.append(CouponReturn(c.id, c.kind, self.m(c.amount), back, why))
        return tuple(out)

    def _explain(self, parts: dict[str, Part], kept: dict[str, int]) -> None:
        order = self.order
        for k in parts:
            line = order.lines[k]
            if kept[k]:
                self.notes.append(f"line {k}: the pre-sale balance was never paid, so the "
                                  f"deposit ({order.show(kept[k])}) is kept (refund_deposit: "
                                  "the seller agrees to refund it)")
            elif line.deposit_only:
                self.notes.append(f"line {k}: deposit refunded, as the seller agreed")
            if line.forfeited:
                self.notes.append(f"line {k}: its deposit ({order.show(line.forfeited)}) was "
                                  "forfeited when the balance was paid late; it is not part "
                                  "of this order")


def _closes(order: Order, st: State, shop: str, full: bool) -> bool:
    """Is the shop's shipping refunded now: every unit of its lines (or of the order) returned?"""
    ship = st.shipping[shop]
    if not (ship.fee or ship.paid):
        return False  # nothing (left) to refund
    if any(x.shop == shop for x in order.lines.values()):
        return st.units_left(order, shop) == 0
    return full  # a shop with a fee but no lines: on the order's full return


def _remaining(order: Order, st: State, campaign: Campaign) -> PriceResult | None:
    """The remaining cart priced again: same time, phase, coupons; points not used (None: no
    units remain)."""
    cart = order.cart
    lines = [{**x, "quantity": st.lines[x["id"]].units} for x in cart["lines"]
             if st.lines[x["id"]].units]
    if not lines:
        return None
    with_lines = {x.shop for x in order.lines.values()}
    live = {x["shop"] for x in lines} | (set(order.shops) - with_lines)
    customer = {**cart.get("customer", {}), "use_points": 0}
    data = {**cart, "lines": lines, "customer": customer,
            "shipping": {s: f for s, f in cart.get("shipping", {}).items() if s in live},
            "coupons": [c.id for c in order.coupons]}
    return campaign.price(data, at=order.at, phase=order.phase)


def _price_remaining(order: Order, st: State, campaign: Campaign, closing: list[str]
                     ) -> tuple[dict[str, Part], dict[str, Ship], int]:
    """The remaining cart priced again, as parts, shipping and its total."""
    result = _remaining(order, st, campaign)
    if result is None:
        return {}, {s: Ship(0, 0, 0) for s in order.shops}, 0
    again = read_order(result)
    parts = {k: Part(x.quantity, x.gross, x.paid, x.platform) for k, x in again.lines.items()}
    ships = {s: Ship(x.fee, x.paid, x.platform) for s, x in again.shops.items()}
    for s in order.shops:
        ships.setdefault(s, Ship(0, 0, 0))
    return parts, {s: x for s, x in ships.items() if s not in closing}, again.total


def _spread(total: int, lines: dict[str, Part], ships: dict[str, Ship]
            ) -> tuple[dict[str, Part], dict[str, Ship]]:
    """``total`` paid spread over the re-priced lines and shipping, in proportion to their price."""
    keys = [*lines, *(f"shipping:{s}" for s in ships)]
    weights = [*(p.paid for p in lines.values()), *(x.paid for x in ships.values())]
    shares = allocate(total, weights, keys)
    out_lines = {k: Part(p.units, p.gross, share, p.platform)
                 for (k, p), share in zip(lines.items(), shares[:len(lines)], strict=True)}
    out_ships = {s: Ship(x.fee, share, x.platform)
                 for (s, x), share in zip(ships.items(), shares[len(lines):], strict=True)}
    return out_lines, out_ships


def settlement(order: Order, st: State) -> Settlement:
    """Per-shop settlement of what remains of the order."""
    cur = order.currency
    shops: list[ShopSettlement] = []
    for s in order.shops:
        parts = [st.lines[k] for k, x in order.lines.items() if x.shop == s]
        ship = st.shipping[s]
        gross = sum(p.gross for p in parts)
        platform = sum(p.platform for p in parts) + ship.platform
        paid = sum(p.paid for p in parts) + ship.paid
        retained = st.retained.get(s, 0)
        shops.append(ShopSettlement(
            s, Money(gross, cur), Money(gross + ship.fee - paid - platform, cur),
            Money(platform, cur), Money(ship.fee, cur), Money(paid, cur), Money(retained, cur),
            Money(paid + platform + retained, cur)))
    zero = Money.zero(cur)
    total = sum((x.paid + x.retained for x in shops), zero)
    reimbursed = sum((x.platform_funded for x in shops), zero)
    return Settlement(cur, st.sequence, tuple(shops), total, Money(st.refunded, cur), reimbursed,
                      total + reimbursed)
