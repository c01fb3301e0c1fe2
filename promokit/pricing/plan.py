"""A compiled campaign: stages in order, rules sorted within them, and an index by what they match.

The index lets a cart visit only the rules that can match one of its lines: a rule is filed under
its most selective include field (skus, then shops, categories, brands, tags); rules that select
everything are checked against every line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..rules._base import CartLine, Env, Rule

if TYPE_CHECKING:
    from .._campaign import CampaignSpec


@dataclass(frozen=True, slots=True)
class Group:
    """An exclusive group inside a stage: at most one of its rules applies."""

    name: str
    pick: str
    rules: tuple[Rule, ...]


Entry = Rule | Group


@dataclass(frozen=True, slots=True)
class Plan:
    """Immutable, thread-safe pricing plan."""

    stages: tuple[str, ...]
    entries: dict[str, tuple[Entry, ...]]
    index: dict[str, dict[str, tuple[Rule, ...]]]
    unindexed: tuple[Rule, ...]
    rules: tuple[Rule, ...]
    preparers: tuple[Rule, ...] = ()   # rules with terms fixed before the stages (pre-sale)

    @classmethod
    def build(cls, spec: CampaignSpec, env: Env) -> Plan:
        """Compile every rule, order each stage, index by match field."""
        rules = tuple(sorted((r.compile(env) for r in spec.all_rules()),
                             key=lambda r: (env.stages.index(r.stage), r.priority, r.id)))
        entries: dict[str, tuple[Entry, ...]] = {}
        for stage in env.stages:
            out: list[Entry] = []
            placed: set[str] = set()
            for rule in rules:
                if rule.stage != stage:
                    continue
                if rule.group is None:
                    out.append(rule)
                elif rule.group not in placed:
                    placed.add(rule.group)
                    members = tuple(r for r in rules if r.group == rule.group)
                    pick = spec.exclusive_groups[rule.group].pick
                    out.append(Group(rule.group, pick, members))
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
        return cls(env.stages, entries, frozen, tuple(unindexed), rules, preparers)

    def presale_lines(self, lines: Sequence[CartLine]) -> frozenset[int]:
        """Indices of the lines some pre-sale rule selects."""
        return frozenset(ln.index for rule in self.preparers if rule.kind == "presale"
                         for ln in lines if rule.matcher.matches(ln))

    def match(self, lines: Sequence[CartLine]) -> dict[str, list[int]]:
        """rule id -> indices of the lines it selects, for rules selecting at least one line."""
        out: dict[str, list[int]] = {}
        idx = self.index
        skus, shops = idx.get("skus", {}), idx.get("shops", {})
        cats, brands, tags = idx.get("categories", {}), idx.get("brands", {}), idx.get("tags", {})
        # a rule is filed under one field only, so it can come up twice only through two tags
        for line in lines:
            i = line.index
            for group in (self.unindexed, skus.get(line.sku, ()), shops.get(line.shop, ()),
                          cats.get(line.category, ()), brands.get(line.brand, ())):
                for rule in group:
                    if rule.matcher.test(line):
                        out.setdefault(rule.id, []).append(i)
            if line.tags and tags:
                seen: set[str] = set()
                for tag in line.tags:
                    for rule in tags.get(tag, ()):
                        if rule.id not in seen:
                            seen.add(rule.id)
                            if rule.matcher.test(line):
                                out.setdefault(rule.id, []).append(i)
        return out
