"""The view of a campaign's rule page: settings, stage order, every rule with its terms and worked
examples, exclusive groups, tiers, points, the pre-sale timeline and the coupon stacking matrix.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promokit._campaign import plan_of
from promokit._cart.wallet import COUPON_KINDS
from promokit._spec.coupons import (
    _FUNDERS as COUPON_FUNDERS,  # the engine's default funder per kind
)
from promokit.explain._examples import Examples
from promokit.explain._format import format_number
from promokit.explain._schedule import describe_schedule
from promokit.explain._terms import (
    coupon_kind_label,
    describe_base,
    describe_customers,
    describe_perks,
    describe_selection,
    describe_window,
    kind_label,
    presale_timeline,
    rule_index,
    stage_label,
)
from promokit.explain._words import Words
from promokit.rules._kind import BaseFact, Fact, WindowFact, WordFact
from promokit.rules.presale import Presale

if TYPE_CHECKING:
    from promokit._campaign import Campaign
    from promokit._spec.campaign import CampaignSpec
    from promokit.rules._base import RuleSpec

View = dict[str, Any]


def docs_view(campaign: Campaign, lang: str, *, examples: bool = True) -> View:
    """Everything a rule-page template shows for ``campaign`` in ``lang``."""
    spec = campaign.spec
    w = Words(lang, spec.currency, plan_of(campaign).env.tz)
    index = rule_index(spec, (), w)
    worked = Examples(campaign, w, index) if examples else None
    name = spec.name or spec.campaign
    file = campaign.file
    tz = spec.timezone
    order = {s: k for k, s in enumerate(spec.stages)}
    rules = sorted(spec.rules, key=lambda r: (order.get(r.stage, len(order)), r.priority, r.id))
    anchors = {r.id: f"rule-{k}" for k, r in enumerate(rules, start=1)}
    return {
        "lang": lang,
        "html_lang": "zh-CN" if w.zh else "en",
        "t": w.labels(),
        "title": f"{name} · {w('docs_title')}",
        "name": name,
        "id": spec.campaign,
        "intro": w("docs_intro", file=_file_name(file), tz=tz) if file
        else w("docs_intro_nofile", tz=tz),
        "examples_note": w("examples_note") if examples else "",
        "settings": _settings(spec, w),
        "stages": _stages(spec, w, index, anchors),
        "rules": [_rule(r, spec, w, index, worked, anchors[r.id]) for r in rules],
        "groups": _groups(spec, w, index),
        "tiers": _tiers(spec, w, index),
        "points": _points(spec, w),
        "presale": _presale(spec, w, index, worked),
        "coupons": _coupons(spec, w),
    }


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _settings(spec: CampaignSpec, w: Words) -> list[View]:
    rows = [("currency", spec.currency), ("timezone", spec.timezone),
            ("default_base", describe_base(spec.threshold_base, w)),
            ("f_overflow", w(f"overflow_{spec.overflow}")),
            ("rounding", w(f"rounding_{spec.rounding.value}"))]
    limits = spec.presale_limits
    if limits is not None and limits.max_deposit_percent is not None:
        rows.append(("f_presale_limit", w("presale_limit",
                                  pct=format_number(limits.max_deposit_percent))))
    return [{"label": w(k), "value": v} for k, v in rows]


def _stages(spec: CampaignSpec, w: Words, index: dict[str, Any], anchors: dict[str, str]
            ) -> list[View]:
    out = []
    every = sorted(spec.all_rules(), key=lambda r: (r.priority, r.id))
    for n, stage in enumerate(spec.stages, start=1):
        rules = [{"title": index[r.id].title, "anchor": anchors.get(r.id, "")}
                 for r in every if r.stage == stage]
        coupons = [coupon_kind_label(k, w) for k in COUPON_KINDS
                   if spec.coupon_policy is not None and k in spec.coupon_policy.kinds
                   and spec.coupon_policy.kinds[k].stage == stage]
        out.append({"n": n, "code": stage, "label": stage_label(stage, w), "rules": rules,
                    "coupons": coupons,
                    "summary": w.join([r["title"] for r in rules] + coupons) or w("none")})
    return out


def _rule(rule: RuleSpec, spec: CampaignSpec, w: Words, index: dict[str, Any],
          worked: Examples | None, anchor: str) -> View:
    facts = [("f_id", rule.id), ("f_kind", kind_label(rule.kind, w)),
             ("f_stage", f"{spec.stages.index(rule.stage) + 1}. {stage_label(rule.stage, w)}"),
             ("f_applies_to", describe_selection(rule.select, w)),
             ("f_who", describe_customers(rule.customers, w)),
             ("f_valid", describe_window(rule.window, w))]
    if rule.schedule is not None:
        facts.append(("f_schedule", describe_schedule(rule.schedule.rrule, rule.schedule.hours,
                                                      w.lang)))
    facts += [(f.label, _fact(f, spec, w)) for f in rule.facts()]  # the kind's own terms
    facts.append(("f_funded", w(rule.funded_by)))
    if rule.exclusive is not None:
        others = [index[o.id].title for o in spec.rules
                  if o.exclusive == rule.exclusive and o.id != rule.id]
        group = spec.exclusive_groups.get(rule.exclusive)
        pick = w(f"pick_{group.pick}") if group else ""
        facts.append(("f_group", f"{w.join(others) or w('none')} ({pick})"))
    if rule.priority:
        facts.append(("f_priority", str(rule.priority)))
    rows, why = worked.rows(rule) if worked is not None else ([], "")
    return {"id": rule.id, "anchor": anchor, "title": index[rule.id].title,
            "sentence": index[rule.id].sentence, "facts": [{"label": w(k), "value": v}
                                                           for k, v in facts],
            "examples": rows, "no_examples": why}


def _fact(fact: Fact, spec: CampaignSpec, w: Words) -> str:
    """One of a kind's own terms, in words."""
    if isinstance(fact, BaseFact):
        return describe_base(fact.base or spec.threshold_base, w)
    if isinstance(fact, WindowFact):
        return describe_window(fact.window, w)
    if isinstance(fact, WordFact):
        return w(fact.key)
    return fact.text


def _groups(spec: CampaignSpec, w: Words, index: dict[str, Any]) -> list[View]:
    out = []
    for name in sorted(spec.exclusive_groups):
        group = spec.exclusive_groups[name]
        members = [index[r.id].title for r in sorted(spec.rules, key=lambda r: (r.priority, r.id))
                   if r.exclusive == name]
        out.append({"name": group.name or name, "pick": w(f"pick_{group.pick}"),
                    "members": w.join(members) or w("none")})
    return out


def _tiers(spec: CampaignSpec, w: Words, index: dict[str, Any]) -> list[View]:
    if spec.tiers is None:
        return []
    names = {k: v.title for k, v in index.items()}
    return [{"name": t.name, "rank": t.rank,
             "qualify": w.amount(t.min_spend) if t.min_spend is not None else w("none"),
             "perks": w.join(describe_perks(t, w, names), "and_sep") or w("perk_none")}
            for t in sorted(spec.tiers.levels, key=lambda t: t.rank)]


def _points(spec: CampaignSpec, w: Words) -> list[str]:
    p = spec.points
    if p is None:
        return []
    out = [w("points_earn", points=p.points, per=w.amount(p.per),
             basis=w(f"points_basis_{p.basis}"), rounding=w(f"rounding_{p.rounding.value}")),
           w("points_redeem", rate=p.redeem_rate, one=w.amount(Decimal(1)))]
    if p.max_percent is not None:
        out.append(w("points_max_percent", pct=format_number(p.max_percent)))
    if p.max_points is not None:
        out.append(w("points_max_points", n=p.max_points))
    if spec.tiers is not None and any(t.perks.points_multiplier != 1 for t in spec.tiers.levels):
        out.append(w("points_multiplier_note"))
    return out


def _presale(spec: CampaignSpec, w: Words, index: dict[str, Any],
             worked: Examples | None) -> View | None:
    rules = [r for r in spec.rules if isinstance(r, Presale)]
    if not rules:
        return None
    titles = [index[r.id].title for r in rules]
    events, sentences = presale_timeline(rules, titles, w)
    terms = [{"title": title,
              "text": w("presale_terms_line", terms=text,
                        deposit=describe_window(r.deposit_window, w),
                        balance=describe_window(r.balance_window, w)),
              "example": worked.presale_sentence(r) if worked is not None else ""}
             for r, title, text in zip(rules, titles, sentences, strict=True)]
    return {"events": events, "terms": terms}


def _coupons(spec: CampaignSpec, w: Words) -> View | None:
    policy = spec.coupon_policy
    if policy is None:
        return None
    kinds = [k for k in COUPON_KINDS if k in policy.kinds]

    def cell(a: str, b: str) -> str:
        pa, pb = policy.kinds[a], policy.kinds[b]  # type: ignore[index]
        if a == b:
            if pa.limit is None:
                return w("unlimited")
            return w("per_shop" if pa.per == "shop" else "per_order", n=pa.limit)
        ok = (pa.combines_with is None or b in pa.combines_with) and \
             (pb.combines_with is None or a in pb.combines_with)
        return w("yes" if ok else "no")

    table = []
    for k in kinds:
        kp = policy.kinds[k]
        funded = kp.funded_by or COUPON_FUNDERS[k]
        table.append({"kind": coupon_kind_label(k, w), "stage": stage_label(kp.stage, w),
                      "limit": cell(k, k), "base": describe_base(kp.base or spec.threshold_base, w),
                      "funded": w(funded)})
    return {"kinds": [coupon_kind_label(k, w) for k in kinds],
            "matrix": [{"kind": coupon_kind_label(a, w), "cells": [cell(a, b) for b in kinds]}
                       for a in kinds],
            "table": table,
            "notes": [w("max_coupons", n=policy.max_coupons)] if policy.max_coupons else []}
