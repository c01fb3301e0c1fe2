"""Best coupons by shop: the shop-local stages decided per shop, a dynamic programme across shops.

A shop coupon or a product coupon of shop A changes only shop A's lines, and the campaign rules
of those early stages judge each shop on its own (one shop's lines, a ``shop``-scoped threshold,
a per-line price rule). Shops then meet only through the sums that the later, cross-shop
thresholds read (the pool and order totals of the cross-store and platform stages). So:

1. per shop, every valid choice of its early coupons is run through the early stages on that
   shop's rules alone; choices that leave the same sums, fee and stacking slots behind are
   merged (the one winning the tie-break is kept);
2. a dynamic programme across shops adds up those sums. After the last shop a sum is kept only
   as its *class*: the later thresholds compare it against a known set of values (each step of
   a ladder or repeating threshold, shifted by what the earlier later discounts on the same
   lines can take off), so sums between two consecutive such values get the same later
   discounts whatever later coupons are chosen. Within a class only the choice with the lowest
   total (then the tie-break) can win;
3. from each class's best choice the later stages (allowances, platform coupons, the campaign's
   cross-shop rules, the closed-form tail) are searched exactly by the general search, sharing
   its best and its bound; one engine run confirms the answer's payable.

The classes are exact only where the later discounts depend on the sums alone. The
preconditions (:func:`plan`) say when; where one fails the caller runs the general search and
reports why. Every combination the programme makes counts against ``search_limit`` like the
general search's units.
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from promokit._cart.wallet import Coupon
from promokit.pricing.engine import Setup, _best_single_used, _commit, _try, run_stage
from promokit.pricing.plan import Entry, Group
from promokit.pricing.search_moves import _clone, _extensions, _slots
from promokit.pricing.search_tail import TieKey
from promokit.rules._base import Ctx, Rule
from promokit.rules.amount_off import AmountOffRule
from promokit.rules.percent_off import PercentOffRule
from promokit.rules.special_price import SpecialPriceRule
from promokit.rules.threshold import LadderRule, RepeatingRule, _ThresholdRule

if TYPE_CHECKING:
    from promokit.pricing.search import _Search

#: most distinct values kept for what the later discounts on one set of lines can sum to,
#: and most class boundaries per sum: past them the general search answers instead
MOST_SUMS = 4096
#: most pairs of values added up while listing those sums (the work before the programme)
MOST_PAIRS = 65536

#: fewer coupons than this before the cross-shop stages: the general search answers sooner
FEW = 10

#: What a partial choice has used of the order-wide stacking limits: (count per kind limited
#: per order, kinds used, stack groups used, coupons used when max_coupons applies).
Slots = tuple[tuple[tuple[str, int], ...], frozenset[str], frozenset[str], int]


@dataclass(frozen=True, slots=True)
class _Source:
    """A later discount: its stage, the lines it reads and spreads over, what it can take off
    (every value), the steps its sum is compared against, the most it takes per unit read."""

    stage: int
    lines: frozenset[int]
    offs: frozenset[int]
    reaches: tuple[int, ...]
    ratio: Fraction
    kind: str = ""   # a wallet coupon kind ("": the campaign's)
    count: int = 1   # how many discounts at most (each can round a line's share up by one)


@dataclass(frozen=True, slots=True)
class ShopPlan:
    """What the programme needs: the first later stage, the shops and their lines, their early
    coupons, the sums the later thresholds read (as line sets) with their class boundaries, and
    per line the share of its amount the later discounts can take at most."""

    later: int
    shops: tuple[str, ...]
    lines: dict[str, tuple[int, ...]]
    coupons: dict[str, list[list[Coupon]]]   # shop -> per early stage, its coupons
    sums: tuple[frozenset[int], ...]
    cuts: tuple[tuple[int, ...], ...]
    share: dict[int, tuple[Fraction, int]]   # line -> (most share of its amount, entries)


def _local(rule: Rule, setup: Setup, shop_of: Sequence[str]) -> bool:
    """Does ``rule`` change and read only one shop's lines at a time?"""
    if rule.spec.limits is not None:
        return False  # a ledger's counters span the order
    idxs = setup.eligible.get(rule.id, ())
    if len({shop_of[i] for i in idxs}) <= 1:
        return True
    if isinstance(rule, _ThresholdRule):
        return rule.scope == "shop"
    if isinstance(rule, PercentOffRule):
        return rule.cap is None
    return isinstance(rule, AmountOffRule | SpecialPriceRule)


def _members(entry: Group | Rule) -> tuple[Rule, ...]:
    return entry.rules if isinstance(entry, Group) else (entry,)


def _offs(rule: Rule, ctx: Ctx, most: int) -> tuple[frozenset[int], tuple[int, ...],
                                                     Fraction] | str:
    """A later threshold's possible discounts, its steps and the most it takes per unit of its
    sum; or why it depends on more than which steps its sum reaches (or has too many)."""
    fixed = f"rule {rule.id!r} of a cross-shop stage gives more than fixed amounts on the " \
            "sums it reads"
    if not isinstance(rule, _ThresholdRule) or rule.base != "running" or rule.qty \
            or rule.spec.limits is not None:
        return fixed
    if isinstance(rule, LadderRule):
        steps = [(reach, rule._final(ctx, a)) for _q, reach, how, a, _b in rule.rungs
                 if how == "amount"]
        if len(steps) != len(rule.rungs):
            return fixed
    elif isinstance(rule, RepeatingRule):
        times = most // rule.size if rule.size > 0 else 0
        if times > MOST_SUMS:
            return f"rule {rule.id!r} repeats more than {MOST_SUMS} times on this cart"
        steps = [(rule.size * k, rule._final(ctx, rule.each * k)) for k in range(1, times + 1)]
    else:
        return fixed
    if any(reach <= 0 for reach, _off in steps):
        return fixed
    ratio = max((Fraction(off, reach) for reach, off in steps), default=Fraction(0))
    return frozenset({0, *(off for _r, off in steps)}), tuple(r for r, _o in steps), ratio


def _sumset(parts: Iterable[frozenset[int]]) -> frozenset[int] | None:
    out = frozenset({0})
    for part in parts:
        if len(out) * len(part) > MOST_PAIRS:
            return None
        out = frozenset(a + b for a in out for b in part)
        if len(out) > MOST_SUMS:
            return None
    return out


def plan(search: _Search) -> ShopPlan | str:
    """The programme's plan for this search, or why it does not apply (the general search
    answers then)."""
    setup, policy = search.setup, search.policy
    if setup.plan.spec.points is not None:
        return "points: the payable is not the amount due"
    if any(k.limits is not None for k in policy.kinds.values()):
        return "coupon kinds counted by a ledger"
    if _best_single_used(setup, list(search.rules.values())):
        return "overflow best_single re-runs the order"
    shop_of = [ln.shop for ln in setup.lines]
    stages = search.stages
    later = len(stages)
    for k, stage in enumerate(stages):
        rules = [r for e in setup.visit.get(stage, ()) for r in _members(e)]
        mine = [search.rules[c.id] for c in search.by_stage[k]]
        groups = [e for e in setup.visit.get(stage, ()) if isinstance(e, Group)]
        if not all(_local(r, setup, shop_of) for r in rules) or any(
                len({shop_of[i] for i in setup.eligible.get(r.id, ())}) > 1
                or r.spec.limits is not None for r in mine) or any(
                len({shop_of[i] for r in g.rules for i in setup.eligible.get(r.id, ())}) > 1
                for g in groups):
            later = k
            break
    if search.tail_at is not None:
        later = min(later, search.tail_at)  # the tail is decided after the programme
    if len(set(shop_of)) < 2:
        return "one shop: nothing to decompose"
    if not any(search.by_stage[:later]):
        return "no coupon acts on one shop alone before the first cross-shop stage"
    ctx = setup.new_ctx()
    sources: list[_Source] = []
    for k in range(later, len(stages)):
        if k == search.tail_at:
            continue  # decided in closed form: read by no threshold
        for entry in setup.visit.get(stages[k], ()):
            found = _sources(entry, k, setup, ctx, shop_of)
            if isinstance(found, str):
                return found
            sources += found
        wallet = _wallet_sources(search, k, ctx, shop_of)
        if isinstance(wallet, str):
            return wallet
        sources += wallet
    sums = sorted({s.lines for s in sources}, key=sorted)
    cuts: list[tuple[int, ...]] = []
    for read in sums:
        here: set[int] = set()
        for src in sources:
            if src.lines != read:
                continue
            before = []
            for other in sources:
                if other.stage >= src.stage or not other.lines & read:
                    continue
                if not other.lines <= read:
                    return "a later discount spreads over lines another later threshold " \
                           "reads only in part"
                before.append(other.offs)
            shifts = _sumset(before)
            if shifts is None or len(shifts) * len(src.reaches) > MOST_PAIRS:
                return "too many possible later discounts"
            here.update(r + d for r in src.reaches for d in shifts)
            if len(here) > MOST_SUMS:
                return "too many class boundaries"
        cuts.append(tuple(sorted(here)))
    share = _shares(search, sources)
    if any(most >= 1 for most, _n in share.values()):
        return "the later discounts could take a whole line"
    shops = tuple(sorted(set(shop_of)))
    lines = {s: tuple(i for i, x in enumerate(shop_of) if x == s) for s in shops}
    coupons: dict[str, list[list[Coupon]]] = {s: [[] for _ in range(later)] for s in shops}
    for k in range(later):
        for c in _distinct(search, search.by_stage[k]):
            idxs = setup.eligible.get(search.rules[c.id].id, ())
            if idxs:
                coupons[shop_of[idxs[0]]][k].append(c)
    return ShopPlan(later, shops, lines, coupons, tuple(sums), tuple(cuts), share)


def _distinct(search: _Search, coupons: Sequence[Coupon]) -> list[Coupon]:
    """``coupons`` without those that only repeat better ones: of coupons alike in all but id,
    name and dates (same kind, terms, lines, stack group), no more than the kind's limit can be
    used, and a combination using one outside the first ``limit`` by the tie-break can swap it
    for an unused better one at the same price -- so only those first ``limit`` are kept."""
    alike: dict[tuple[object, ...], list[Coupon]] = {}
    for c in coupons:
        rule = search.rules[c.id]
        key = (c.kind, c.value, c.percent, c.max_discount, c.min_spend, c.shop, c.stack_group,
               tuple(search.setup.eligible.get(rule.id, ())))
        alike.setdefault(key, []).append(c)
    keys = search.keys
    out = []
    for same in alike.values():
        limit = search.policy.kinds[same[0].kind].limit
        out += sorted(same, key=lambda c: keys[c.id])[:limit]
    return sorted(out, key=lambda c: c.id)


def _sources(entry: Group | Rule, k: int, setup: Setup, ctx: Ctx,
             shop_of: Sequence[str]) -> list[_Source] | str:
    """The later discounts of one entry (one per shop for a ``shop``-scoped threshold), or why
    the classes cannot be used."""
    out: dict[frozenset[int], list[tuple[frozenset[int], tuple[int, ...], Fraction]]] = {}
    for rule in _members(entry):
        idxs = setup.eligible.get(rule.id, ())
        if not idxs:
            continue
        groups: dict[str, list[int]] = {}
        for i in idxs:
            groups.setdefault(shop_of[i] if getattr(rule, "scope", "") == "shop" else "",
                              []).append(i)
        for part in groups.values():
            most = sum(setup.amounts[i] for i in part)
            got = _offs(rule, ctx, most)
            if isinstance(got, str):
                return got
            out.setdefault(frozenset(part), []).append(got)
    srcs = []
    for lines, found in out.items():
        offs = frozenset().union(*(o for o, _r, _q in found))  # a group: one member applies
        reaches = tuple(sorted({r for _o, rs, _q in found for r in rs}))
        srcs.append(_Source(k, lines, offs, reaches, max(q for _o, _r, q in found)))
    if isinstance(entry, Group) and len(srcs) > 1:
        return f"exclusive group {entry.name!r} spans several line sets"
    return srcs


def _wallet_sources(search: _Search, k: int, ctx: Ctx,
                    shop_of: Sequence[str]) -> list[_Source] | str:
    """The later discounts of stage ``k``'s wallet coupons: one per kind and set of lines,
    at most the kind's limit of them together."""
    groups: dict[tuple[str, frozenset[int]], list[tuple[frozenset[int], tuple[int, ...],
                                                          Fraction]]] = {}
    for c in search.by_stage[k]:
        rule = search.rules[c.id]
        mine = _sources(rule, k, search.setup, ctx, shop_of)
        if isinstance(mine, str):
            return mine
        for src in mine:
            groups.setdefault((c.kind, src.lines), []).append((src.offs, src.reaches,
                                                               src.ratio))
    out = []
    for (kind, lines), found in groups.items():
        policy = search.policy.kinds[kind]  # type: ignore[index]
        shops = {shop_of[i] for i in lines}
        most = policy.limit if policy.per == "order" or len(shops) == 1 else None
        most = len(found) if most is None else min(most, len(found))
        sums = _sumset_upto([o for o, _r, _q in found], most)
        if sums is None:
            return "too many possible later discounts"
        ratio = sum(sorted((q for _o, _r, q in found), reverse=True)[:most], Fraction(0))
        reaches = tuple(sorted({r for _o, rs, _q in found for r in rs}))
        out.append(_Source(k, lines, sums, reaches, ratio, kind, most))
    return out


def _sumset_upto(parts: Sequence[frozenset[int]], most: int) -> frozenset[int] | None:
    """Every sum of at most ``most`` of ``parts`` (one value of each part used)."""
    layers = [frozenset({0})]  # layers[n]: sums of exactly n parts used
    for part in parts:
        for n in range(min(len(layers), most), 0, -1):
            if len(layers[n - 1]) * len(part) > MOST_PAIRS:
                return None
            add = frozenset(a + b for a in layers[n - 1] for b in part if b)
            if n == len(layers):
                layers.append(add)
            else:
                layers[n] = layers[n] | add
            if len(layers[n]) > MOST_SUMS:
                return None
    out = frozenset().union(*layers)
    return out if len(out) <= MOST_SUMS else None


def _shares(search: _Search, sources: Sequence[_Source]) -> dict[int, tuple[Fraction, int]]:
    """Per line: the most share of its amount the later discounts can take (the campaign's,
    plus the wallet's over the kinds that may be used together), and how many discounts.
    Worked out once per set of sources a line is in (most lines share one)."""
    member: dict[int, list[int]] = {}
    for n, src in enumerate(sources):
        for i in src.lines:
            member.setdefault(i, []).append(n)
    sets = search.kind_sets(frozenset())
    known: dict[tuple[int, ...], tuple[Fraction, int]] = {}
    out = {}
    for i, mine in member.items():
        key = tuple(mine)
        got = known.get(key)
        if got is None:
            camp = Fraction(0)
            kinds: dict[str, Fraction] = {}
            for n in mine:
                src = sources[n]
                if src.kind:
                    kinds[src.kind] = kinds.get(src.kind, Fraction(0)) + src.ratio
                else:
                    camp += src.ratio
            wallet = max((sum((kinds.get(k, Fraction(0)) for k in ks), Fraction(0))
                          for ks in sets), default=Fraction(0))
            got = known[key] = (camp + wallet, sum(sources[n].count for n in mine))
        out[i] = got
    return out


class Slotting:
    """What a partial choice has used of the order-wide stacking limits, kept only as far as
    choices of other shops and later stages can tell: the count per kind limited per order,
    the kinds used among those some kind does not combine with, the stack groups used, and the
    number of coupons when ``max_coupons`` applies."""

    def __init__(self, search: _Search) -> None:
        self.search = search
        policy = search.policy
        pairs = search.fits.pairs
        self.limited = {k for k, v in policy.kinds.items()
                        if v.limit is not None and v.per == "order"}
        self.picky = {a for a in policy.kinds if not all(pairs[a, b] for b in policy.kinds)}
        #: slots are numbered as they are met (the programme compares and joins numbers)
        self.table: list[Slots] = []
        self.number: dict[Slots, int] = {}
        self.joined: dict[tuple[int, int], int | None] = {}

    def _numbered(self, slots: Slots) -> int:
        n = self.number.get(slots)
        if n is None:
            n = self.number[slots] = len(self.table)
            self.table.append(slots)
        return n

    def of(self, combo: Sequence[Coupon]) -> int:
        """The number of the slots ``combo`` uses."""
        counts: dict[str, int] = {}
        for c in combo:
            if c.kind in self.limited:
                counts[c.kind] = counts.get(c.kind, 0) + 1
        return self._numbered((
            tuple(sorted(counts.items())),
            frozenset(c.kind for c in combo if c.kind in self.picky),
            frozenset(c.stack_group for c in combo if c.stack_group is not None),
            len(combo) if self.search.policy.max_coupons is not None else 0))

    def join(self, x: int, y: int) -> int | None:
        """Two disjoint choices' slots together, or None when together they break a limit."""
        key = (x, y)
        if key in self.joined:
            return self.joined[key]
        a, b = self.table[x], self.table[y]
        search = self.search
        kinds = search.policy.kinds
        counts = dict(a[0])
        for kind, n in b[0]:
            counts[kind] = counts.get(kind, 0) + n
        pairs = search.fits.pairs
        most = search.policy.max_coupons
        out: int | None = None
        within = all(n <= (kinds[k].limit or n)  # type: ignore[index]
                     for k, n in counts.items())
        if within and not a[2] & b[2] and all(pairs[u, v] for u in a[1] for v in b[1]) \
                and (most is None or a[3] + b[3] <= most):
            out = self._numbered((tuple(sorted(counts.items())), a[1] | b[1], a[2] | b[2],
                                  a[3] + b[3]))
        self.joined[key] = out
        return out


@dataclass(slots=True)
class Choice:
    """A choice of early coupons (of one shop, or of the shops so far): the sums it leaves for
    the later thresholds, its lines' total, each shop's fee and line amounts, its slots and
    coupons. Among choices that agree on everything the future reads the best ranks first:
    the lowest total, then fewer coupons, then the tie-break's sorted keys."""

    sums: tuple[int, ...]
    total: int
    fees: tuple[tuple[str, int], ...]
    slots: int  # numbered by Slotting
    combo: tuple[Coupon, ...]
    amounts: dict[str, tuple[int, ...]]

    def beats(self, other: Choice, keys: dict[str, TieKey]) -> bool:
        """Does this choice rank before ``other``?"""
        if self.total != other.total:
            return self.total < other.total
        if len(self.combo) != len(other.combo):
            return len(self.combo) < len(other.combo)
        return sorted(keys[c.id] for c in self.combo) < sorted(keys[c.id] for c in other.combo)


class Programme:
    """The per-shop options and the programme across shops for one search."""

    def __init__(self, search: _Search, shop_plan: ShopPlan) -> None:
        self.search, self.p = search, shop_plan
        self.slotting = Slotting(search)
        self.states = 0  # combinations the programme made (each a unit of work)

    def _view(self, shop: str) -> Setup:
        """The setup as far as shop ``shop``'s early stages go: its rules, on its lines only
        (every early rule reads and changes one shop's lines at a time: plan() checked)."""
        setup = self.search.setup
        mine = set(self.p.lines[shop])
        view = copy.copy(setup)
        view.eligible = {rid: kept for rid, idxs in setup.eligible.items()
                         if (kept := [i for i in idxs if i in mine])}
        visit: dict[str, list[Entry]] = {}
        for stage in self.search.stages[:self.p.later]:
            entries: list[Entry] = []
            for entry in setup.visit.get(stage, ()):
                members = [r for r in _members(entry) if r.id in view.eligible]
                if members and isinstance(entry, Group):
                    entries.append(Group(entry.name, entry.pick, tuple(members)))
                elif members:
                    entries.append(entry)
            visit[stage] = entries
        view.visit = visit
        return view

    def options(self, shop: str) -> list[Choice]:
        """Every way shop ``shop``'s early coupons can leave its lines, merged where the sums,
        total, fee and slots agree, best first."""

        search, p = self.search, self.p
        view = self._view(shop)
        idxs = p.lines[shop]
        frontier: dict[object, tuple[Ctx, tuple[Coupon, ...]]] = {(): (view.new_ctx(), ())}
        for k in range(p.later):
            here = p.coupons[shop][k]
            nxt: dict[object, tuple[Ctx, tuple[Coupon, ...]]] = {}
            stage = search.stages[k]
            for ctx, chosen in frontier.values():
                live = [c for c in here if self._reachable(c, ctx)]
                search.tick()
                campaign = _clone(ctx)  # the stage's campaign rules, once for every subset
                run_stage(view, campaign, stage, (), None)
                for subset in _extensions(live, chosen, search.policy, search.tick):
                    search.tick()
                    child = _then(view, ctx, campaign, stage,
                                  [search.rules[c.id] for c in subset])
                    combo = (*chosen, *subset)
                    key = (tuple(child.amounts[i] for i in idxs), child.shipping.get(shop),
                           tuple(tuple(child.snapshots[b][i] for i in idxs)
                                 for b in search.watched if b in child.snapshots),
                           _slots(combo, search.policy))
                    kept = nxt.get(key)
                    if kept is None or search.tie(combo) < search.tie(kept[1]):
                        nxt[key] = (child, combo)
            frontier = nxt
        choices: dict[object, Choice] = {}
        mine = set(idxs)
        for ctx, combo in frontier.values():
            amounts = tuple(ctx.amounts[i] for i in idxs)
            fees = ((shop, ctx.shipping[shop]),) if shop in ctx.shipping else ()
            got = Choice(tuple(sum(ctx.amounts[i] for i in lines if i in mine)
                               for lines in p.sums),
                         sum(amounts), fees, self.slotting.of(combo), combo, {shop: amounts})
            place = (got.sums, got.total, got.fees, got.slots)
            was = choices.get(place)
            if was is None or got.beats(was, search.keys):
                choices[place] = got
        return sorted(choices.values(), key=lambda o: (o.total, len(o.combo),
                                                    sorted(search.keys[c.id] for c in o.combo)))

    def _reachable(self, c: Coupon, ctx: Ctx) -> bool:
        """Can coupon ``c`` give anything from ``ctx`` (its stage not run yet)? A threshold
        coupon whose sum is below its first step misses and changes nothing: any combination
        with it is matched by the same without it, which has fewer coupons and frees a slot,
        so it is never needed."""
        self.search.tick()
        rule = self.search.rules[c.id]
        if not isinstance(rule, LadderRule | RepeatingRule) or rule.qty \
                or (rule.base != "running" and rule.base not in ctx.snapshots):
            return True
        reach = rule.rungs[0][1] if isinstance(rule, LadderRule) else rule.size
        base = ctx.base(rule.base)
        return sum(base[i] for i in self.search.setup.eligible[rule.id]) >= reach

    def finals(self) -> list[Choice]:
        """The best choice of early coupons per class of the later sums, slots and fees, best
        first."""
        search, p = self.search, self.p
        every = {s: self.options(s) for s in p.shops}
        floors = search.setup.floors
        for s, opts in every.items():  # the later discounts never take a line to its floor
            for n, i in enumerate(p.lines[s]):
                most, count = p.share.get(i, (Fraction(0), 0))
                if count and min(o.amounts[s][n] for o in opts) * (1 - most) < count + floors[i]:
                    raise _Unfit("a line could be taken to its floor by the later discounts")
        zero = self.slotting.of(())
        states: dict[object, Choice] = {(): Choice(tuple(0 for _ in p.sums), 0, (), zero, (), {})}
        last = len(p.shops) - 1
        join, keys, cuts = self.slotting.join, search.keys, p.cuts
        for n, shop in enumerate(p.shops):
            nxt: dict[object, Choice] = {}
            opts = every[shop]
            for have in states.values():
                search.tick(len(opts))  # a unit per combination
                self.states += len(opts)
                for o in opts:
                    joined = join(have.slots, o.slots)
                    if joined is None:
                        continue
                    sums = tuple([a + b for a, b in zip(have.sums, o.sums, strict=True)])
                    if n == last:
                        sums = tuple([bisect_right(cut, x)
                                      for cut, x in zip(cuts, sums, strict=True)])
                    fees = have.fees + o.fees
                    key = (sums, joined, fees)
                    total = have.total + o.total
                    kept = nxt.get(key)
                    if kept is not None and (kept.total < total or (kept.total == total and (
                            len(kept.combo) < len(have.combo) + len(o.combo)))):
                        continue  # settled without the tie-break's keys
                    got = Choice(sums, total, fees, joined, have.combo + o.combo,
                                 have.amounts | o.amounts)
                    if kept is None or got.beats(kept, keys):
                        nxt[key] = got
            states = nxt
        return sorted(states.values(), key=lambda o: (o.total, len(o.combo),
                                                      sorted(keys[c.id] for c in o.combo)))

    def start(self, choice: Choice) -> Ctx:
        """The run state at the first later stage for one choice of early coupons."""
        setup, p = self.search.setup, self.p
        ctx = setup.new_ctx()
        for shop, amounts in choice.amounts.items():
            for i, amount in zip(p.lines[shop], amounts, strict=True):
                ctx.amounts[i] = amount
        ctx.shipping.update(choice.fees)
        now = tuple(ctx.amounts)
        ctx.stage_start = now
        for stage in self.search.stages[:p.later]:
            ctx.snapshots[stage] = now  # no later rule reads them (plan() checked)
        return ctx


def _then(setup: Setup, before: Ctx, campaign: Ctx, stage: str, coupons: list[Rule]) -> Ctx:
    """The state after ``stage`` with ``coupons``, from ``before`` (the stage's start) and
    ``campaign`` (the same stage run with no coupons): as :func:`run_stage` would leave it,
    because within a stage every campaign rule runs before every coupon (``Rule.sort_key``)
    and coupons read the stage's start, not what the campaign rules left."""

    child = _clone(campaign)
    if not coupons:
        return child
    child.stage_start = before.stage_start
    for rule in sorted(coupons, key=lambda r: r.sort_key()):
        if rule.id in setup.eligible:
            _commit(child, rule, _try(setup, child, rule), None)
    child.stage_start = tuple(child.amounts)
    child.snapshots[stage] = child.stage_start
    return child


class _Unfit(Exception):
    """A precondition found to fail once the shops' options are known."""


def by_shops(search: _Search, force: bool = False) -> str | None:
    """Run the programme on ``search`` (its best and units updated); None when it ran, else
    why not (the units it counted stay counted). Unless ``force``, a wallet with fewer than
    :data:`FEW` coupons before the cross-shop stages is left to the general search, which
    answers it sooner (the benchmark's 10- and 20-coupon wallets: 0.6-0.7x with the programme)."""
    shop_plan = plan(search)
    if isinstance(shop_plan, str):
        return shop_plan
    early = sum(len(here) for per in shop_plan.coupons.values() for here in per)
    if not force and early < FEW:
        return f"{early} coupons before the cross-shop stages: the general search is quicker"
    programme = Programme(search, shop_plan)
    try:
        finals = programme.finals()
    except _Unfit as exc:
        return str(exc)
    search.dp_states = programme.states
    for choice in finals:
        search.walk(shop_plan.later, programme.start(choice), choice.combo)
    return None
