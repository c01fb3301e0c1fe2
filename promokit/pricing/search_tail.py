"""The closed-form tail of the best-coupon search: red envelopes and shipping coupons.

Red envelopes (a fixed amount, no threshold) and shipping coupons without a minimum spend are
read by no threshold. When they are the only coupons of the last stage that has any, and no
campaign rule acts from that stage on, the payable after them is a function of one number:

    payable = payable_for_due(due before the tail - saving)
    saving  = the envelopes' faces + per shop min(the shipping coupons' caps, the shop's fee)

provided no envelope loses part of its face to a line at its floor (checked per state, from the
allocation's own rounding: a line's share of a face is at most the ceiling of its exact share).
The best tail is then decided without enumerating its 2**n subsets:

1. the least payable is the one at the largest saving (``payable_for_due`` never decreases in
   the amount due); the least saving that still reaches it is found by bisection (points can
   make the payable flat);
2. the fewest coupons reaching that saving: every coupon's gain is one of a few non-increasing
   sequences (envelope faces largest first; per shop, shipping caps largest first, each gain
   capped by the fee left), so the most ``m`` coupons can save is the sum of the ``m`` largest
   gains;
3. among those, the tie-break (soonest expiry, then id, compared as one sorted list): coupons
   are taken in that order whenever the ones taken so far still extend to a saving that reaches
   the target with the coupons after it -- the greedy that yields the smallest sorted list.

Anything outside those preconditions returns None and the caller enumerates as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from heapq import nlargest

from promokit._cart.wallet import Coupon
from promokit._spec.coupons import CouponPolicy
from promokit.pricing.build import payable_for_due
from promokit.pricing.engine import Setup
from promokit.rules._base import Ctx, Rule
from promokit.rules.shipping import ShippingRule
from promokit.rules.threshold import LadderRule

#: A coupon's place in the tie-break: (expiry key, id).
TieKey = tuple[tuple[int, float], str]


def tail_stage(setup: Setup, by_stage: Sequence[Sequence[Coupon]], rules: dict[str, Rule],
               policy: CouponPolicy) -> int | None:
    """The index of the stage whose coupons can be decided in closed form, or None.

    It is the last stage with coupons; from it on no campaign rule applies to the cart; its
    coupons are all red envelopes of a fixed amount without threshold or shipping coupons
    without minimum, none in a stack group; no ``max_coupons``; the kinds' limits count per
    order for envelopes and per shop (or not at all) for shipping coupons.
    """
    last = max((k for k, here in enumerate(by_stage) if here), default=None)
    if last is None or policy.max_coupons is not None:
        return None
    if any(setup.visit.get(s) for s in setup.plan.stages[last:]):
        return None
    for c in by_stage[last]:
        kind = policy.kinds[c.kind]
        rule = rules[c.id]
        if c.stack_group is not None:
            return None
        if c.kind == "red_envelope":
            if not (isinstance(rule, LadderRule) and len(rule.rungs) == 1
                    and rule.rungs[0][1] == 0 and rule.rungs[0][2] == "amount"
                    and not rule.qty and rule.scope != "shop"
                    and (kind.limit is None or kind.per == "order")):
                return None
        elif c.kind == "shipping":
            if not (isinstance(rule, ShippingRule) and not rule.min_spend
                    and rule.cap is not None and c.shop is not None
                    and (kind.limit is None or kind.per == "shop")):
                return None
        else:
            return None
    return last


@dataclass(frozen=True, slots=True)
class _Item:
    coupon: Coupon
    key: TieKey
    value: int     # an envelope's face, a shipping coupon's cap (after the multiplier)
    shop: str      # a shipping coupon's shop; "" for an envelope


class Tail:
    """The closed-form decision of the tail stage from one search state."""

    def __init__(self, setup: Setup, rules: dict[str, Rule], policy: CouponPolicy,
                 key: Callable[[Coupon], TieKey]) -> None:
        self.setup, self.rules, self.policy, self.key = setup, rules, policy, key
        env, ship = policy.kinds.get("red_envelope"), policy.kinds.get("shipping")
        self.env_limit = env.limit if env is not None else None
        self.ship_limit = ship.limit if ship is not None else None
        mine = env.combines_with if env is not None else None
        theirs = ship.combines_with if ship is not None else None
        self.mixed = (mine is None or "shipping" in mine) and \
            (theirs is None or "red_envelope" in theirs)
        #: answers by what they depend on: the coupons and their values, fees, saving needed
        self.memo: dict[tuple[object, ...], tuple[tuple[Coupon, ...], int]] = {}
        self.items: dict[str, _Item] = {}
        self.read: dict[tuple[str, ...], tuple[list[_Item],
                                              list[tuple[list[int], str, int, int]]]] = {}

    def solve(self, ctx: Ctx,
              allowed: Sequence[Coupon]) -> list[tuple[tuple[Coupon, ...], int]] | None:
        """The best tails from ``ctx`` among ``allowed`` (each valid with the coupons chosen
        before), each with what it saves: one, or one per kind when envelopes and shipping
        coupons do not combine; None when an envelope could lose part of its face here (the
        caller enumerates instead)."""
        items = self._items(ctx, allowed)
        if items is None:
            return None
        due = sum(ctx.amounts) + sum(ctx.shipping.values()) - sum(self.setup.prepaid)
        if self.mixed:
            return [self._best(items, ctx.shipping, due)]
        return [self._best([i for i in items if not i.shop], ctx.shipping, due),
                self._best([i for i in items if i.shop], ctx.shipping, due)]

    def _item(self, ctx: Ctx, c: Coupon) -> _Item:
        """Coupon ``c`` as the closed form reads it: its value depends only on the customer's
        multipliers and the coupon, not on the state, so it is worked out once."""
        got = self.items.get(c.id)
        if got is None:
            rule = self.rules[c.id]
            if isinstance(rule, ShippingRule):
                assert rule.cap is not None and c.shop is not None  # tail_stage checked it
                got = _Item(c, self.key(c), ctx.scaled(rule.benefit or "", rule.cap), c.shop)
            else:
                assert isinstance(rule, LadderRule)
                got = _Item(c, self.key(c), rule._final(ctx, rule.rungs[0][3]), "")
            self.items[c.id] = got
        return got

    def _items(self, ctx: Ctx, allowed: Sequence[Coupon]) -> list[_Item] | None:
        """``allowed`` as the closed form reads them, in the tie-break's order; None when an
        envelope could lose part of its face in this state."""
        ids = tuple(c.id for c in allowed)
        known = self.read.get(ids)
        if known is None:
            known = self.read[ids] = self._read(ctx, allowed)
        out, same = known
        # a line's share of a face is at most the ceiling of its exact share, so of ``m``
        # faces summing to ``f`` at most ceil(f * weight / whole) + m: within its room, nothing
        # of any envelope is lost, whichever of them are used
        share: dict[int, int] = {}
        for idxs, base, faces, count in same:
            weights = ctx.base(base)
            whole = sum(weights[i] for i in idxs)
            if whole <= 0:
                return None
            for i in idxs:  # a line of weight 0 gets exactly 0
                if weights[i]:
                    share[i] = share.get(i, 0) - (-faces * weights[i] // whole) + count
        if any(got > ctx.amounts[i] - ctx.floors[i] for i, got in share.items()):
            return None
        return out

    def _read(self, ctx: Ctx, allowed: Sequence[Coupon]) -> tuple[
            list[_Item], list[tuple[list[int], str, int, int]]]:
        """The items of ``allowed`` sorted by the tie-break, and the envelopes with a face
        grouped by the lines and base they share: (lines, base, sum of faces, how many)."""
        out = sorted((self._item(ctx, c) for c in allowed), key=lambda it: it.key)
        same: dict[tuple[tuple[int, ...], str], tuple[list[int], str, list[int]]] = {}
        for item in out:
            if not item.shop and item.value:
                rule = self.rules[item.coupon.id]
                idxs = self.setup.eligible[rule.id]
                base = rule.base  # type: ignore[attr-defined]
                group = same.setdefault((tuple(idxs), base), (idxs, base, [0, 0]))[2]
                group[0] += item.value
                group[1] += 1
        return out, [(idxs, base, faces, count) for idxs, base, (faces, count) in same.values()]

    def _gains(self, items: Sequence[_Item], env_n: int, ship: dict[str, tuple[int, int]],
               fees: dict[str, int]) -> list[int]:
        """What each further coupon among ``items`` can add, as one list, largest first (the
        best ``m`` further coupons save the sum of its first ``m``), given ``env_n`` envelopes
        and per shop (sum of caps, count) of shipping coupons taken already."""
        faces = sorted((it.value for it in items if not it.shop), reverse=True)
        if self.env_limit is not None:
            faces = faces[:max(0, self.env_limit - env_n)]
        gains = faces
        per_shop: dict[str, list[int]] = {}
        for it in items:
            if it.shop:
                per_shop.setdefault(it.shop, []).append(it.value)
        for shop, caps in per_shop.items():
            caps.sort(reverse=True)
            total, count = ship.get(shop, (0, 0))
            if self.ship_limit is not None:
                caps = caps[:max(0, self.ship_limit - count)]
            fee = fees.get(shop, 0)
            for cap in caps:
                gain = min(total + cap, fee) - min(total, fee)
                if gain <= 0:
                    break
                gains.append(gain)
                total += cap
        gains.sort(reverse=True)
        return gains

    def _best(self, items: list[_Item], fees: dict[str, int],
              due: int) -> tuple[tuple[Coupon, ...], int]:
        setup = self.setup
        gains = self._gains(items, 0, {}, fees)
        most = sum(gains)
        least = payable_for_due(setup, due - most)
        lo, hi = 0, most  # the least saving that still pays ``least``
        while lo < hi:
            mid = (lo + hi) // 2
            if payable_for_due(setup, due - mid) <= least:
                hi = mid
            else:
                lo = mid + 1
        need = lo
        ships = {it.shop for it in items if it.shop}
        memo = (need, tuple((it.coupon.id, it.value) for it in items),
                tuple(sorted((s, fees.get(s, 0)) for s in ships)))
        known = self.memo.get(memo)
        if known is None:
            known = self.memo[memo] = self._take(items, fees, gains, need)
        return known

    def _take(self, items: list[_Item], fees: dict[str, int], gains: list[int],
              need: int) -> tuple[tuple[Coupon, ...], int]:
        """The fewest coupons saving ``need`` or more, first in the tie-break's order."""
        count, reach = 0, 0
        while reach < need:
            reach += gains[count]
            count += 1
        taken: list[Coupon] = []
        env_sum = env_n = 0
        ship: dict[str, tuple[int, int]] = {}
        for k, it in enumerate(items):
            if len(taken) == count:
                break
            left = count - len(taken) - 1
            if it.shop:
                total, n = ship.get(it.shop, (0, 0))
                if self.ship_limit is not None and n >= self.ship_limit:
                    continue
                trial_ship = {**ship, it.shop: (total + it.value, n + 1)}
                trial_env, trial_n = env_sum, env_n
            else:
                if self.env_limit is not None and env_n >= self.env_limit:
                    continue
                trial_ship, trial_env, trial_n = ship, env_sum + it.value, env_n + 1
            saved = trial_env + sum(min(t, fees.get(s, 0)) for s, (t, _n) in trial_ship.items())
            if saved < need:
                saved += sum(nlargest(left, self._gains(items[k + 1:], trial_n, trial_ship,
                                                        fees)))
            if saved >= need:
                taken.append(it.coupon)
                ship, env_sum, env_n = trial_ship, trial_env, trial_n
        return tuple(taken), env_sum + sum(min(t, fees.get(s, 0)) for s, (t, _n) in ship.items())
