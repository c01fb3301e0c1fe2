"""A compiled campaign: stages in order, rules sorted within them, and an index by what they match.

The index lets a cart visit only the rules that can match one of its lines: a rule is filed under
its most selective include field (skus, then shops, categories, brands, tags); rules that select
everything are checked against every line.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from promokit._spec.campaign import CampaignSpec, compile_env, fingerprint
from promokit.ledger.limits import Limits
from promokit.pricing.limits import COUPON_KIND, line_counted
from promokit.rules._base import CartLine, Env, Rule


@dataclass(frozen=True, slots=True)
class Group:
    """An exclusive group inside a stage: at most one of its rules applies."""

    name: str
    pick: str
    rules: tuple[Rule, ...]


Entry = Rule | Group


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Automatic garbage collection off for the block, if it was on (a caller's choice to have
    it off is kept)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
#: How many line signatures a plan remembers the matching rules of before it starts afresh.
MEMO_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Plan:
    """Immutable, thread-safe pricing plan: the spec it came from, compiled and indexed."""

    spec: CampaignSpec
    env: Env
    fingerprint: str
    stages: tuple[str, ...]
    entries: dict[str, tuple[Entry, ...]]
    index: dict[str, dict[str, tuple[Rule, ...]]]
    unindexed: tuple[Rule, ...]
    rules: tuple[Rule, ...]
    preparers: tuple[Rule, ...] = ()   # rules with terms fixed before the stages (pre-sale)
    slots: dict[str, tuple[str, int, Entry]] = field(default_factory=dict)  # id -> place
    limited: dict[str, Limits] = field(default_factory=dict)  # id -> limits (a ledger counts)
    best_single: bool = False  # some rule declares overflow: best_single (else no cart checks)
    #: limited rules whose stock counts line units: pricing may skip them far from their caps
    prunable: frozenset[str] = frozenset()
    memo: dict[tuple[object, ...], tuple[str, ...]] = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, spec: CampaignSpec) -> Plan:
        """Compile every rule, order each stage, index by match field.

        Compiling allocates a few objects per rule that all live as long as the plan; the
        cyclic garbage collector, left on, rescans the growing heap (the spec's models
        included) again and again, which made a 10,000-rule compile twice as slow as the work
        itself. It is paused for the build and restored after (nothing here makes cycles that
        need collecting before then).
        """
        with _gc_paused():
            return cls._build(spec)

    @classmethod
    def _build(cls, spec: CampaignSpec) -> Plan:
        env = compile_env(spec)
        place = {stage: k for k, stage in enumerate(env.stages)}
        rules = tuple(sorted([r.compile(env) for r in spec.all_rules()],
                             key=lambda r: (place[r.stage], r.priority, r.id)))
        # one pass each (a group's members gathered once, not by a scan of every rule per
        # group): compiling stays linear in the number of rules
        by_group: dict[str, list[Rule]] = {}
        by_stage: dict[str, list[Rule]] = {stage: [] for stage in env.stages}
        for rule in rules:
            by_stage[rule.stage].append(rule)
            if rule.group is not None:
                by_group.setdefault(rule.group, []).append(rule)
        entries: dict[str, tuple[Entry, ...]] = {}
        for stage in env.stages:
            out: list[Entry] = []
            placed: set[str] = set()
            for rule in by_stage[stage]:
                if rule.group is None:
                    out.append(rule)
                elif rule.group not in placed:
                    placed.add(rule.group)
                    pick = spec.exclusive_groups[rule.group].pick
                    out.append(Group(rule.group, pick, tuple(by_group[rule.group])))
            entries[stage] = tuple(out)
        index: dict[str, dict[str, list[Rule]]] = {}
        unindexed = []
        for rule in rules:
            key = rule.matcher.index_key()
            if key is None:
                unindexed.append(rule)
                continue
            field, values = key
            for value in values:
                index.setdefault(field, {}).setdefault(value, []).append(rule)
        frozen = {f: {v: tuple(rs) for v, rs in m.items()} for f, m in index.items()}
        preparers = tuple(r for r in rules if type(r).prepare is not Rule.prepare)
        slots = {rule.id: (stage, k, entry) for stage, stage_entries in entries.items()
                 for k, entry in enumerate(stage_entries)
                 for rule in (entry.rules if isinstance(entry, Group) else (entry,))}
        limited = {**{r.id: r.spec.limits for r in rules if r.spec.limits is not None},
                   **_coupon_limits(spec)}
        return cls(spec, env, fingerprint(spec), env.stages, entries, frozen, tuple(unindexed),
                   rules, preparers, slots=slots,
                   best_single=any(r.overflow == "best_single" for r in rules),
                   limited=limited,
                   prunable=line_counted(r for r in rules if r.id in limited))

    def visits(self, matched: Iterable[str]) -> dict[str, list[Entry]]:
        """stage -> the entries (rules, groups) that some matched rule belongs to, in order: a
        cart visits only what can apply to it, however many rules the campaign has."""
        places: dict[str, dict[int, Entry]] = {}
        for rule_id in matched:
            slot = self.slots.get(rule_id)
            if slot is not None:
                places.setdefault(slot[0], {})[slot[1]] = slot[2]
        return {stage: [found[k] for k in sorted(found)] for stage, found in places.items()}

    def presale_lines(self, lines: Sequence[CartLine]) -> frozenset[int]:
        """Indices of the lines some pre-sale rule selects."""
        return frozenset(ln.index for rule in self.preparers if rule.kind == "presale"
                         for ln in lines if rule.matcher.matches(ln))

    def match(self, lines: Sequence[CartLine]) -> dict[str, list[int]]:
        """rule id -> indices of the lines it selects, for rules selecting at least one line.

        What a line matches depends only on its attributes, so it is remembered per attribute
        signature (a bounded cache: checkouts see the same SKUs again and again).
        """
        out: dict[str, list[int]] = {}
        memo = self.memo
        for line in lines:
            key = (line.sku, line.shop, line.category, line.brand, line.tags, line.presale)
            ids = memo.get(key)
            if ids is None:
                ids = self._line_rules(line)
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[key] = ids
            for rule_id in ids:
                found = out.get(rule_id)
                if found is None:
                    out[rule_id] = [line.index]
                else:
                    found.append(line.index)
        return out

    def _line_rules(self, line: CartLine) -> tuple[str, ...]:
        """Ids of the rules that select ``line``, found through the index."""
        idx = self.index
        out: dict[str, None] = {}
        for group in (self.unindexed, idx.get("skus", {}).get(line.sku, ()),
                      idx.get("shops", {}).get(line.shop, ()),
                      idx.get("categories", {}).get(line.category or "", ()),
                      idx.get("brands", {}).get(line.brand or "", ())):
            for rule in group:
                if rule.matcher.test(line):
                    out[rule.id] = None
        # a rule is filed under one field only: it can come up twice only through two tags
        by_tag = idx.get("tags", {})
        for tag in sorted(line.tags):
            for rule in by_tag.get(tag, ()):
                if rule.id not in out and rule.matcher.test(line):
                    out[rule.id] = None
        return tuple(out)


def _coupon_limits(spec: CampaignSpec) -> dict[str, Limits]:
    """The limits of the coupon kinds, under their ledger keys (``coupon-kind:<kind>``)."""
    policy = spec.coupon_policy
    if policy is None:
        return {}
    return {COUPON_KIND + kind: p.limits for kind, p in policy.kinds.items()
            if p.limits is not None}
