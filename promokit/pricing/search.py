"""Best-coupon selection: the wallet combination that minimises the payable, exactly, bounded.

The search walks the stages in order, depth first. At each stage it extends the partial
combination with each valid subset of that stage's coupons (per-kind limits, ``combines_with``,
stack groups), runs just that stage from the saved state and goes on. Every interaction between
thresholds (a coupon lowering another's base) is priced by the engine itself, never estimated.

Two things keep it fast and still exact:

* a bound: from a state, the payable can fall at most by the face value (after the customer's
  multiplier) of the coupons still usable, below what the campaign alone would charge from
  there, because every campaign rule gives less, never more, on lower amounts. A branch whose
  bound is above the best payable found so far is cut, and a stage lists only the subsets whose
  faces are large enough to pass it (depth first over its coupons richest first, a branch
  dropped once what it has plus the most the rest could add falls short). That monotonicity
  fails for exclusive groups that pick the ``first`` member that applies (a lower amount can
  skip to a bigger member) and for ladders mixing fixed and percent steps, so when a cart
  meets such a rule after the first coupon stage the bound is off;
* merging: partial combinations that reach the same state (line amounts, shipping, referenced
  snapshots, stacking slots used) have the same futures; only the one that wins the tie-break is
  explored.

The tail: red envelopes and shipping coupons are read by no threshold. When they are the only
coupons of the last stage with any, and no campaign rule acts from there on, that stage is
decided in closed form from each state that reaches it instead of enumerating its subsets
(:mod:`~promokit.pricing.search_tail`: the preconditions, and the state-by-state check that no
envelope can lose part of its face at a line's floor; where that check fails the stage is
enumerated as before). One engine run then confirms the answer's payable; should it differ,
the general search answers. :func:`search_best` says which path ran.

By shop: where the stages before the first cross-shop one act on one shop at a time and the
later thresholds give fixed amounts, :mod:`~promokit.pricing.search_shops` decides those early
stages per shop and runs a dynamic programme across shops on the classes of the sums the later
thresholds read; this search then runs from each class's best choice (:meth:`_Search.walk` from
the first later stage), sharing its best and its bound. :func:`search_best` says which path
ran and, when the programme did not, why.

Tie-break, stated: the lowest payable; then the fewest coupons; then the combination whose
coupons come first when each coupon is keyed by (expiry, id) -- sooner expiry first, no expiry
last, then the smaller id -- and the keys are sorted and compared in order. (Until issue 14 the
expiries were compared as one sorted list and the ids as another; one list of pairs is what lets
the closed-form tail take coupons greedily in that order.)

Bounded in work, not only in stage runs: every unit of work the search does counts against
``search_limit`` -- each subset the enumeration generates (and each node of that enumeration,
so a wallet whose coupons all clash costs as much as one whose coupons all combine), each
search state visited, each stage run and each coupon whose face the bound reads. No step
between two counts does more than one stage run or one pass over the wallet, so a search
answers or raises :class:`~promokit.SearchBoundError` after at most ``search_limit`` units
whatever the wallet. A unit costs some 7 us on a 10-line cart (``benchmarks/wallets.py``):
the default 20000 is about 0.15 s of CPU, 200000 about 1.4 s. Memory is bounded the same way:
the subsets kept at one node and the merged states are each at most ``search_limit``. (A
40-coupon wallet of that benchmark needed some 213000 units before the closed-form tail and
the face-led listing below, some 5300 with them.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from promokit._cart.wallet import Coupon, CouponKind
from promokit._errors import SearchBoundError
from promokit._spec.coupons import CouponPolicy, conflict
from promokit.pricing.build import payable_for_due, payable_minor
from promokit.pricing.engine import Setup, Trace, _best_single_used, run, run_stage
from promokit.pricing.plan import Group
from promokit.pricing.search_moves import _clone, _extensions, _slots
from promokit.pricing.search_shops import by_shops
from promokit.pricing.search_tail import Tail, TieKey, tail_stage
from promokit.rules._base import Ctx, Reason, Rule

_NEVER = (1, 0.0)
#: Why a coupon was left out: (reason code, message, shortfall, would_save) in minor units.
Why = tuple[Reason, str, int | None, int | None]


def expiry_key(coupon: Coupon, setup: Setup) -> tuple[int, float]:
    """Sort key of a coupon's expiry: sooner first, no expiry last."""
    end = coupon.end
    if end is None:
        return _NEVER
    if end.tzinfo is None:
        end = end.replace(tzinfo=setup.env.tz)
    return (0, end.timestamp())


def coupon_key(coupon: Coupon, setup: Setup) -> TieKey:
    """A coupon's place in the tie-break: its expiry (sooner first, none last), then its id."""
    return (expiry_key(coupon, setup), coupon.id)


def tie_key(combo: Sequence[Coupon], setup: Setup) -> tuple[object, ...]:
    """The stated tie-break among combinations that pay the same: fewer coupons, then the
    coupons' (expiry, id) keys sorted and compared in order."""
    return (len(combo), sorted(coupon_key(c, setup) for c in combo))


class Fits:
    """:func:`~promokit._spec.coupons.conflict` as a yes/no, with the policy read once: the
    search asks it tens of thousands of times (tests/pricing/test_search_bound.py holds the
    two to the same answers)."""

    def __init__(self, policy: CouponPolicy) -> None:
        kinds = policy.kinds

        def combine(a: str, b: str) -> bool:
            mine, theirs = kinds[a].combines_with, kinds[b].combines_with  # type: ignore[index]
            return a == b or ((mine is None or b in mine) and (theirs is None or a in theirs))

        self.most = policy.max_coupons
        self.pairs: dict[tuple[str, str], bool] = {(a, b): combine(a, b) for a in kinds
                                                    for b in kinds}
        self.limits = {k: (v.limit, v.per == "order") for k, v in kinds.items()}

    def __call__(self, coupon: Coupon, chosen: Sequence[Coupon]) -> bool:
        """May ``coupon`` join ``chosen`` (already valid together)?"""
        if self.most is not None and len(chosen) >= self.most:
            return False
        kind = coupon.kind
        limit, per_order = self.limits[kind]
        if limit is not None and sum(1 for o in chosen if o.kind == kind and (
                per_order or o.shop == coupon.shop)) >= limit:
            return False
        pairs, group = self.pairs, coupon.stack_group
        return all(pairs[kind, o.kind] and (group is None or o.stack_group != group)
                   for o in chosen)


class _Search:
    """One best-combination search (depth first, bounded, with merging of equal states)."""

    def __init__(self, setup: Setup, candidates: Sequence[Coupon], rules: dict[str, Rule],
                 policy: CouponPolicy, closed_tail: bool = True) -> None:
        self.setup, self.rules, self.policy = setup, rules, policy
        self.stages = setup.plan.stages
        ordered = sorted(candidates, key=lambda c: c.id)
        self.by_stage = [[c for c in ordered if rules[c.id].stage == s] for s in self.stages]
        #: the stage decided in closed form (search_tail.py), if its preconditions hold
        self.tail_at = tail_stage(setup, self.by_stage, rules, policy) if closed_tail else None
        #: each coupon's tie-break key, read once (expiries are datetimes)
        self.keys = {c.id: coupon_key(c, setup) for c in candidates}
        self.tail = Tail(setup, rules, policy, lambda c: self.keys[c.id])
        self.closed = 0     # tail states decided in closed form
        self.enumerated = 0  # tail states enumerated (an envelope could lose part of its face)
        bases = {getattr(r, "base", None) for r in (*setup.plan.rules, *rules.values())}
        self.watched = sorted(b for b in bases if isinstance(b, str)
                              and b not in ("running", "list"))
        first = next((k for k, here in enumerate(self.by_stage) if here), len(self.stages))
        self.bounded = not any(_non_monotone(e) for s in self.stages[first:]
                               for e in setup.visit.get(s, ()))
        self.steps = 0  # units of work: enumeration nodes, states, stage runs, faces read
        self.kind_sets = cache(self._kind_sets)
        self.fits = Fits(policy)
        self.best: tuple[object, ...] | None = None
        self.best_payable = 0  # self.best[0], when there is a best
        self.best_combo: tuple[Coupon, ...] = ()
        self.seen: dict[tuple[object, ...], tuple[object, ...]] = {}
        self.dp_states = 0  # combinations the programme across shops made (search_shops.py)

    def tick(self, units: int = 1) -> None:
        """Count ``units`` of work; past ``search_limit``, stop with SearchBoundError."""
        self.steps += units
        if self.steps > self.policy.search_limit:
            limit = self.policy.search_limit
            raise SearchBoundError(
                f"best-coupon search passed its bound of {limit} stage evaluations, subsets "
                f"and states counted together ({sum(map(len, self.by_stage))} usable coupons "
                f"in the wallet); raise coupon_policy.search_limit in the campaign (work grows "
                f"about twofold per extra coupon that combines with all the others), or choose "
                f"the coupons in selected mode (cart.coupons, without --best-coupons)")

    def finish(self, ctx: Ctx, start: int) -> int:
        """The payable when the stages from ``start`` run with no more coupons."""
        for stage in self.stages[start:]:
            self.tick()
            run_stage(self.setup, ctx, stage, (), None)
        return payable_minor(self.setup, ctx)

    def face(self, c: Coupon, ctx: Ctx, goods: int) -> int:
        """The most coupon ``c`` can take off from this state on (0 when its threshold is out
        of reach: amounts only go down)."""
        if c.kind == "shipping":
            return ctx.shipping.get(c.shop or "", 0)
        rule = self.rules[c.id]
        _q, reach, how, a, b = rule.rungs[0]  # type: ignore[attr-defined]
        idxs = self.setup.eligible.get(rule.id, ())
        base = ctx.snapshots.get(rule.base, ctx.amounts)  # type: ignore[attr-defined]
        if sum(base[i] for i in idxs) < reach:
            return 0
        off = a if how == "amount" else -(-goods * a // b)
        off = ctx.scaled(rule.benefit or "coupon", off)
        cap = rule.cap  # type: ignore[attr-defined]
        return off if cap is None else min(off, cap)

    def most_off(self, k: int, ctx: Ctx, chosen: tuple[Coupon, ...]) -> int:
        """An upper bound of what the coupons of stages ``k``.. still usable with ``chosen`` can
        take off: the best ``limit`` faces of each kind (per shop where the limit is per shop)."""
        goods = sum(ctx.amounts)
        groups: dict[tuple[CouponKind, str], list[int]] = {}
        for here in self.by_stage[k:]:
            for c in here:
                self.tick()
                if self.fits(c, chosen):
                    per = self.policy.kinds[c.kind].per == "shop"
                    groups.setdefault((c.kind, c.shop or "" if per else ""), []).append(
                        self.face(c, ctx, goods))
        by_kind: dict[str, list[int]] = {}
        for (kind, _key), values in groups.items():
            limit = self.policy.kinds[kind].limit
            by_kind.setdefault(kind, []).extend(sorted(values, reverse=True)[:limit])
        room = self.policy.max_coupons
        room = None if room is None else max(0, room - len(chosen))
        best = 0
        for kinds in self.kind_sets(frozenset(c.kind for c in chosen)):
            faces = sorted((f for k in kinds for f in by_kind.get(k, ())), reverse=True)
            best = max(best, sum(faces[:room] if room is not None else faces))
        return best

    def _kind_sets(self, used: frozenset[str]) -> list[tuple[str, ...]]:
        """The largest sets of coupon kinds that may all be used together and with ``used``."""
        pairs = self.fits.pairs
        free = [k for k in self.policy.kinds if all(pairs[k, u] for u in used)]
        sets: list[tuple[str, ...]] = [()]
        for k in free:
            sets += [(*s, k) for s in sets if all(pairs[k, other] for other in s)]
        # maximal: no free kind outside it combines with all of it (one pass per set, not a
        # comparison of every pair of sets)
        return [s for s in sets if not any(k not in s and all(pairs[k, o] for o in s)
                                           for k in free)]

    def walk(self, k: int, ctx: Ctx, chosen: tuple[Coupon, ...]) -> None:
        if k == len(self.stages):
            self.offer(payable_minor(self.setup, ctx), chosen)
            return
        self.tick()
        state = (k, tuple(ctx.amounts), tuple(sorted(ctx.shipping.items())),
                 tuple(ctx.snapshots.get(b) for b in self.watched), _slots(chosen, self.policy))
        mine = self.tie(chosen)
        kept = self.seen.get(state)
        if kept is not None and kept <= mine:
            return
        self.seen[state] = mine
        here = self.by_stage[k]
        if k == self.tail_at and self.close_tail(ctx, chosen, here):
            return
        if not self.bounded:
            for subset in (_extensions(here, chosen, self.policy, self.tick) if here else [()]):
                self.step(k, ctx, chosen, subset)
            return
        free = []
        for c in here:
            self.tick()
            if self.fits(c, chosen):
                free.append(c)
        if not free:
            self.step(k, ctx, chosen, ())
            return
        # the campaign alone from here is a complete combination, and the base of the bound
        alone = self.finish(_clone(ctx), k)
        self.offer(alone, chosen)
        goods = sum(ctx.amounts)
        later = self.most_off(k + 1, ctx, chosen)
        each = {}
        for c in free:
            self.tick()
            each[c.id] = self.face(c, ctx, goods)
        need = self.least_face(alone, later)
        if need is None:
            return
        # only the subsets rich enough to pass the bound now: it only tightens from here on
        options = list(self.rich(free, chosen, each, need))
        ranked = sorted(((face, j) for j, (face, _sub) in enumerate(options)), reverse=True)
        for face, j in ranked:  # richest first: the bound only rises along this order
            floor = payable_for_due(self.setup, max(alone - face - later, 0))
            if self.best is not None and floor > self.best_payable:
                break
            self.step(k, ctx, chosen, options[j][1])

    def least_face(self, alone: int, later: int) -> int | None:
        """The least face a subset needs for the bound to let it through now (None: none
        can): the bound's floor never rises as the face grows, so bisect."""
        def through(face: int) -> bool:
            return payable_for_due(self.setup, max(alone - face - later, 0)) <= self.best_payable
        hi = max(alone - later, 0)
        if not through(hi):
            return None
        lo = 0
        while lo < hi:
            mid = (lo + hi) // 2
            if through(mid):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def rich(self, free: Sequence[Coupon], chosen: tuple[Coupon, ...], each: dict[str, int],
             need: int) -> Iterator[tuple[int, tuple[Coupon, ...]]]:
        """(face, subset) for every subset of ``free`` that may join ``chosen`` and whose faces
        sum to ``need`` or more. Depth first over the coupons richest first, a branch cut as
        soon as what it has plus the most the rest could add (the best ``limit`` faces per kind
        and shop, stacking otherwise ignored) stays below ``need``; every node counts a unit."""
        order = sorted(free, key=lambda c: (-each[c.id], c.id))
        faces = [each[c.id] for c in order]
        n = len(order)
        most = [0] * (n + 1)  # most[k]: the most the coupons order[k:] can add
        tops: dict[tuple[str, str], list[int]] = {}
        total = 0
        for k in range(n - 1, -1, -1):
            c = order[k]
            kind = self.policy.kinds[c.kind]
            top = tops.setdefault((c.kind, c.shop or "" if kind.per == "shop" else ""), [])
            before = sum(top)
            top.append(faces[k])
            top.sort(reverse=True)
            if kind.limit is not None:
                del top[kind.limit:]
            total += sum(top) - before
            most[k] = total

        stack: list[tuple[int, tuple[Coupon, ...], int]] = [(0, (), 0)]
        while stack:  # depth first, with it before without it; a stack, not recursion
            k, picked, face = stack.pop()
            self.tick()
            if face + most[k] < need:
                continue
            if k == n:
                yield face, picked
                continue
            c = order[k]
            stack.append((k + 1, picked, face))
            if self.fits(c, (*chosen, *picked)):
                stack.append((k + 1, (*picked, c), face + faces[k]))

    def tie(self, combo: Sequence[Coupon]) -> tuple[object, ...]:
        """:func:`tie_key` from the keys read once."""
        keys = self.keys
        return (len(combo), sorted(keys[c.id] for c in combo))

    def close_tail(self, ctx: Ctx, chosen: tuple[Coupon, ...], here: list[Coupon]) -> bool:
        """Decide the tail stage's coupons in closed form from ``ctx`` and offer the result;
        False when a precondition fails in this state (the caller enumerates)."""
        # a tail coupon has no stack group, no max_coupons applies and no coupon of its kind
        # is chosen yet: whether it may join ``chosen`` depends on its kind alone
        fits: dict[str, bool] = {}
        allowed = []
        for c in here:  # one unit per coupon read, and one more for its greedy step
            self.tick()
            ok = fits.get(c.kind)
            if ok is None:
                ok = fits[c.kind] = self.fits(c, chosen)
            if ok:
                self.tick()
                allowed.append(c)
        tails = self.tail.solve(ctx, allowed)
        if tails is None:
            self.enumerated += 1
            return False
        self.closed += 1
        due = sum(ctx.amounts) + sum(ctx.shipping.values()) - sum(self.setup.prepaid)
        for tail, saving in tails:
            self.offer(payable_for_due(self.setup, due - saving), (*chosen, *tail))
        return True

    def step(self, k: int, ctx: Ctx, chosen: tuple[Coupon, ...],
             subset: tuple[Coupon, ...]) -> None:
        """Run stage ``k`` with ``subset`` added, and go on from there."""
        self.tick()
        child = _clone(ctx)
        run_stage(self.setup, child, self.stages[k], [self.rules[c.id] for c in subset], None)
        self.walk(k + 1, child, (*chosen, *subset))

    def offer(self, payable: int, combo: tuple[Coupon, ...]) -> None:
        """A complete combination and what it pays: keep it if it wins."""
        key = (payable, *self.tie(combo))
        if self.best is None or key < self.best:
            self.best, self.best_combo, self.best_payable = key, combo, payable


def _non_monotone(entry: Group | Rule) -> bool:
    """Can this entry give more on lower amounts? An exclusive group that applies its ``first``
    member (a lower amount can skip to a bigger one), or a ladder mixing fixed and percent steps
    (a fixed 50 at 300 can beat 10% at 400)."""
    if isinstance(entry, Group):
        return entry.pick == "first" or any(_non_monotone(r) for r in entry.rules)
    kinds = {rung[2] for rung in getattr(entry, "rungs", ())}
    return len(kinds) > 1


#: Which path answered a best-coupon search.
GENERAL = "general"            # the tail's preconditions do not hold: every stage enumerated
CLOSED_TAIL = "closed_tail"    # the tail decided in closed form in every state that reached it
MIXED = "closed_tail+general"  # in some states an envelope could lose face: those enumerated
UNCONFIRMED = "general_after_unconfirmed_tail"  # the closed form's answer priced differently
SHOPS = "shops"                # early stages per shop, a programme across shops (search_shops)
WHOLE_RUNS = "whole_runs"      # overflow best_single: every valid combination priced whole
SHOPS_TAIL = "shops+closed_tail"  # ... and the tail in closed form in every state reaching it


@dataclass(frozen=True, slots=True)
class Found:
    """What a best-coupon search found and how: the combination, what it pays, the units of
    work, which path ran, how many tail states were decided in closed form / enumerated, the
    combinations the programme across shops made, and why it did not run (when it did not)."""

    combo: tuple[Coupon, ...]
    payable: int
    steps: int
    path: str
    closed: int = 0
    enumerated: int = 0
    states: int = 0
    why: str = ""


def search_best(setup: Setup, candidates: Sequence[Coupon], rules: dict[str, Rule],
                policy: CouponPolicy, *, closed_tail: bool = True,
                shops: bool | None = None) -> Found:
    """The best valid combination of ``candidates``, and how it was found.

    With ``shops`` (None: when the wallet has enough coupons before the cross-shop stages
    for it to pay off; True: whenever it applies) the stages before the first cross-shop one
    are decided per shop and a
    dynamic programme across shops keeps one choice per class of the sums the later thresholds
    read (:mod:`~promokit.pricing.search_shops`), where its preconditions hold; otherwise (and
    when an envelope could lose part of its face on its way) the general search answers and
    ``why`` says what failed. With ``closed_tail`` the red envelopes and shipping coupons of
    the last stage are decided in closed form where :mod:`~promokit.pricing.search_tail`'s
    preconditions hold. One engine run confirms a fast path's payable; should it differ the
    exact general search answers instead (path ``general_after_unconfirmed_tail``).
    """

    if _best_single_used(setup, list(rules.values())):
        return _whole_runs(setup, candidates, rules, policy)
    search = _Search(setup, candidates, rules, policy, closed_tail)
    why = by_shops(search, force=bool(shops)) if shops is not False else "switched off"
    if why is None and search.enumerated:
        again = search_best(setup, candidates, rules, policy, closed_tail=closed_tail,
                            shops=False)
        return Found(again.combo, again.payable, search.steps + again.steps, again.path,
                     again.closed, again.enumerated, search.dp_states,
                     "an envelope could lose part of its face after the programme")
    if why is not None:
        search.walk(0, setup.new_ctx(), ())
        if search.closed == 0:
            return Found(search.best_combo, search.best_payable, search.steps, GENERAL, 0,
                         search.enumerated, search.dp_states, why)
    search.tick()
    got = payable_minor(setup, run(setup, [rules[c.id] for c in search.best_combo]))
    if got != search.best_payable:
        again = search_best(setup, candidates, rules, policy, closed_tail=False, shops=False)
        return Found(again.combo, again.payable, search.steps + again.steps, UNCONFIRMED,
                     search.closed, search.enumerated, search.dp_states, why or "")
    if why is None:
        path = SHOPS_TAIL if search.closed else SHOPS
    else:
        path = MIXED if search.enumerated else CLOSED_TAIL
    return Found(search.best_combo, search.best_payable, search.steps, path, search.closed,
                 search.enumerated, search.dp_states, why or "")


def _whole_runs(setup: Setup, candidates: Sequence[Coupon], rules: dict[str, Rule],
                policy: CouponPolicy) -> Found:
    """Under ``overflow: best_single`` a rule applied in one stage can be dropped by a run
    repeated over every stage (:func:`~promokit.pricing.engine.run`), so no stage-by-stage
    search scores a combination right: every valid combination is priced by a whole run, within
    the same bound and with the same tie-breaking."""
    search = _Search(setup, candidates, rules, policy, False)
    for combo in _extensions(list(candidates), (), policy, search.tick):
        search.tick()
        search.offer(payable_minor(setup, run(setup, [rules[c.id] for c in combo])), combo)
    return Found(search.best_combo, search.best_payable, search.steps, WHOLE_RUNS, 0, 0, 0,
                 "overflow best_single re-runs the order")


def best_combination(setup: Setup, candidates: Sequence[Coupon], rules: dict[str, Rule],
                     policy: CouponPolicy) -> tuple[tuple[Coupon, ...], int]:
    """(the best valid combination of ``candidates``, units of work it took)."""
    found = search_best(setup, candidates, rules, policy)
    return found.combo, found.steps


def _why(trace: Trace, rid: str) -> Why:
    """A usable coupon's reason from a traced run of its stage with it added: its own miss
    (below its threshold by how much) when it did not apply, else the tie-break."""
    misses = [m for r, m in trace.missed if r.id == rid]
    if misses and not any(r.id == rid for r, _ in trace.applied):
        miss = misses[0]
        return miss.reason, miss.message, miss.shortfall, miss.would_save
    return (Reason.NOT_CHOSEN, "a combination without it pays no more (see the tie-break)",
            None, None)


def explain_unused(setup: Setup, coupons: Sequence[Coupon], chosen: Sequence[Coupon],
                   rules: dict[str, Rule], policy: CouponPolicy) -> dict[str, Why]:
    """coupon id -> (reason, message) for every coupon left out of ``chosen``: a stacking
    conflict, its own miss when tried on top of the combination (below its threshold by how
    much), or the tie-break.

    Trying a coupon on top changes nothing before its stage, so the combination runs once,
    keeping its state at the start of each stage, and each coupon costs one run of its own
    stage from there -- not one engine run each.
    """
    ids = {c.id for c in chosen}
    out: dict[str, Why] = {}
    tried: list[Coupon] = []
    for c in coupons:
        if c.id in ids:
            continue
        clash = conflict(c, chosen, policy)
        if clash is not None:
            out[c.id] = (clash.reason, clash.message, None, None)
        else:
            tried.append(c)
    if not tried:
        return out
    active = [rules[c.id] for c in chosen]
    wanted = {rules[c.id].stage for c in tried}
    starts: dict[str, Ctx] = {}
    ctx = setup.new_ctx()
    for stage in setup.plan.stages:
        if stage in wanted:
            starts[stage] = _clone(ctx)
        run_stage(setup, ctx, stage, active, None)
    for c in tried:
        rule = rules[c.id]
        trace = Trace([[] for _ in setup.lines])
        run_stage(setup, _clone(starts[rule.stage]), rule.stage, [*active, rule], trace)
        out[c.id] = _why(trace, rule.id)
    return out
