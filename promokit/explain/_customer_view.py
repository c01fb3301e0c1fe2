"""The view of the rule page a shop publishes (``audience="customer"``), shaped like a Tmall/JD
活动规则 page: 活动时间, 活动对象, each offer in plain words with its numbers and worked examples,
how offers stack, refunds, 常见问题.

It shows display data (``title``, ``period``, ``names``, a rule's ``display``) and never rule ids,
stage codes, who funds a rule, the campaign file or "any time". Each worked example prices its
offer on its own (a campaign of that one rule, with the campaign's tiers), in the campaign's own
shops and items; any tier perk the example customer also gets is listed with it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promokit._campaign import Campaign, plan_of
from promokit._cart.wallet import COUPON_KINDS
from promokit.explain._examples import Examples, Row
from promokit.explain._format import format_number
from promokit.explain._schedule import describe_schedule
from promokit.explain._terms import (
    RuleInfo,
    coupon_kind_label,
    describe_perks,
    presale_timeline,
    rule_index,
    stage_label,
)
from promokit.explain._words import Words
from promokit.rules.presale import Presale

if TYPE_CHECKING:
    from promokit._cart.selection import Selection
    from promokit._result.types import PriceResult
    from promokit._spec.campaign import CampaignSpec
    from promokit.rules._base import RuleSpec
    from promokit.rules._gates import Customers, Window

View = dict[str, Any]
#: Zones whose local time Chinese pages call 北京时间.
_BEIJING = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC"})


def customer_view(campaign: Campaign, lang: str, *, examples: bool = True) -> View:
    """Everything the customer's rule-page template shows for ``campaign`` in ``lang``."""
    spec = campaign.spec
    w = Words(lang, spec.currency, plan_of(campaign).env.tz)
    index = rule_index(spec, (), w, display=True)
    order = {s: k for k, s in enumerate(spec.stages)}
    rules = sorted(spec.rules, key=lambda r: (order.get(r.stage, len(order)), r.priority, r.id))
    title = spec.display_title(lang)
    zone = w("tz_beijing") if spec.timezone in _BEIJING else w("tz_named", tz=spec.timezone)
    period = _period(spec, w)
    presale = _presale(campaign, w, index, examples)
    view: View = {
        "lang": lang,
        "html_lang": "zh-CN" if w.zh else "en",
        "t": w.labels(),
        "title": f"{title} · {w('docs_title')}",
        "name": title,
        "period": w("c_period", period=period, zone=zone) if period else "",
        "audience": _audience(spec, w),
        "examples_note": w("c_examples_note") if examples else "",
        "rules": [_rule(campaign, r, w, index, examples, period) for r in rules],
        "stacking": _stacking(spec, w, index),
        "presale": presale,
        "tiers": _tiers(spec, w, index),
        "points": _points(spec, w),
        "refund": _refund(spec, w),
        "zone_note": w("c_zone_note", zone=zone),
    }
    view["faq"] = _faq(spec, w, view)
    return view


# --- names -----------------------------------------------------------------------------------

def _tier(spec: CampaignSpec, name: str, w: Words) -> str:
    return spec.names.tier(name, w.lang)


def _selection(spec: CampaignSpec, sel: Selection, w: Words) -> str:
    """Which items, in the shop's names: 西湖茶叶旗舰店；零食 (codes only where no name exists)."""
    names, lang = spec.names, w.lang

    def parts(skus: tuple[str, ...], shops: tuple[str, ...], cats: tuple[str, ...],
              brands: tuple[str, ...], tags: tuple[str, ...]) -> list[str]:
        out = []
        if shops:
            out.append(w("c_sel_shops", v=w.join([names.shop(s, lang) for s in shops])))
        if skus:
            out.append(w("c_sel_skus", v=w.join([names.sku(s, lang) for s in skus])))
        if cats:
            out.append(w("c_sel_categories", v=w.join([names.category(c, lang) for c in cats])))
        if brands:
            out.append(w("c_sel_brands", v=w.join(list(brands))))
        if tags:
            out.append(w("c_sel_tags"))
        return out

    ex = sel.exclude
    got = parts(sel.skus, sel.shops, sel.categories, sel.brands, sel.tags)
    left = parts(ex.skus, ex.shops, ex.categories, ex.brands, ())
    if left:
        got.append(w("sel_except", v=w.join(left)))
    if sel.presale is True:
        got.append(w("sel_presale_only"))
    elif sel.presale is False:
        got.append(w("sel_no_presale"))
    return w.join(got, "and_sep") if got else w("c_all_items")


def _customers(spec: CampaignSpec, who: Customers | None, w: Words) -> str:
    """Who may use it, in words ("" for everyone)."""
    if who is None:
        return ""
    parts = []
    if who.tiers:
        parts.append(w.join([_tier(spec, t, w) for t in who.tiers]))
    if who.min_tier:
        parts.append(w("who_min_tier", v=_tier(spec, who.min_tier, w)))
    tiers = w("or_word").join(parts)
    if who.tags:
        tiers = w.join([p for p in (tiers, w("c_who_tagged")) if p], "and_sep")
    return w("c_only", who=tiers) if tiers else ""


def _window(window: Window | None, w: Words) -> str:
    if window is None or (window.start is None and window.end is None):
        return ""
    if window.start is not None and window.end is not None:
        return w("window_both", start=w.time(window.start), end=w.time(window.end))
    if window.start is not None:
        return w("window_start", start=w.time(window.start))
    assert window.end is not None
    return w("window_end", end=w.time(window.end))


def _period(spec: CampaignSpec, w: Words) -> str:
    """活动时间: the campaign's ``period``, else the span of its rules' windows, else nothing."""
    if spec.period is not None:
        return _window(spec.period, w)
    tz = w.tz
    assert tz is not None
    starts: list[datetime] = []
    ends: list[datetime] = []
    for rule in spec.rules:
        for window in (rule.window, getattr(rule, "deposit_window", None),
                       getattr(rule, "balance_window", None)):
            if window is None:
                continue
            start, end = window.aware(tz)
            starts += [start] if start is not None else []
            ends += [end] if end is not None else []
    if not starts and not ends:
        return ""
    if starts and ends:
        return w("window_both", start=w.time(min(starts)), end=w.time(max(ends)))
    if starts:
        return w("window_start", start=w.time(min(starts)))
    return w("window_end", end=w.time(max(ends)))


# --- sections --------------------------------------------------------------------------------

def _audience(spec: CampaignSpec, w: Words) -> list[str]:
    """活动对象: who, and which shops take part."""
    whos = [_customers(spec, r.customers, w) for r in spec.rules]
    out = [w("c_everyone") if any(not x for x in whos) or not whos else w("c_some")]
    shops = sorted({s for r in spec.rules for s in r.select.shops} | set(spec.names.shops))
    if shops:
        out.append(w("c_shops", v=w.join([spec.names.shop(s, w.lang) for s in shops])))
    return out


def _rule(campaign: Campaign, rule: RuleSpec, w: Words, index: dict[str, RuleInfo],
          examples: bool, period: str) -> View:
    spec = campaign.spec
    shown = rule.display
    title = shown.title.get(w.lang) if shown and shown.title else index[rule.id].title
    text = (shown.description.get(w.lang) if shown and shown.description
            else index[rule.id].sentence)
    terms = [w("c_applies", v=_selection(spec, rule.select, w))]
    who = _customers(spec, rule.customers, w)
    if who:
        terms.append(who)
    when = _window(rule.window, w)
    if when and when != period:
        terms.append(w("c_when", v=when))
    if rule.schedule is not None:
        terms.append(w("c_when", v=describe_schedule(rule.schedule.rrule, rule.schedule.hours,
                                                     w.lang)))
    rows: list[Row] = []
    why = ""
    if examples and not isinstance(rule, Presale):
        rows, why = _alone(campaign, rule, w).rows(rule)
    return {"title": title, "text": text, "terms": terms, "examples": rows, "no_examples": why}


class _Alone(Examples):
    """Worked examples of one rule priced on its own, in the campaign's shops and item names."""

    def __init__(self, campaign: Campaign, full: CampaignSpec, w: Words,
                 index: dict[str, RuleInfo]) -> None:
        super().__init__(campaign, w, index)
        self.full = full
        named = list(full.names.shops)
        rule = campaign.spec.rules[0]
        free = [s for s in named if s not in rule.select.exclude.shops]
        if free:
            self.made_up_shop = free[0]

    def _view(self, rule: RuleSpec, label: str, cart: dict[str, Any], result: PriceResult,
              first: int | None) -> Row:
        row = super()._view(rule, label, cart, result, first)
        w, names, lang = self.w, self.full.names, self.w.lang
        items = []
        for ln in cart["lines"]:
            shop = ln["shop"]
            where = "" if shop.startswith("EXAMPLE") else names.shop(shop, lang)
            sku = ln["sku"]
            what = names.sku(sku, lang) if not sku.startswith("EXAMPLE") else w("c_an_item")
            price = w("ex_cart", qty=ln["quantity"], unit=self._money(self.env.minor(
                Decimal(ln["unit_price"]))))
            items.append(w("c_cart_line", where=where, what=what, price=price).strip())
        text = w.join(items, "and_sep")
        if cart.get("shipping"):
            fees = [self._money(self.env.minor(Decimal(v)))
                    for v in cart["shipping"].values()]
            text = w("ex_cart_ship", cart=text, fee=w.join(fees))
        others = [a for a in result.applied
                  if a.rule != rule.id and not a.rule.startswith(rule.id + ".")]
        outcome = row["outcome"]
        if others:
            extra = w.join([w("c_extra_one", what=self.index[a.rule].title if a.rule in
                              self.index else a.rule, amount=w.money(a.amount)) for a in others])
            outcome = w("c_with_extra", outcome=outcome, extra=extra)
        return {"case": row["case"], "cart": text, "outcome": outcome,
                "payable": row["payable"],
                "line": w("c_ex_line", case=row["case"], cart=text, outcome=outcome,
                          payable=row["payable"])}


def _solo(campaign: Campaign, rule: RuleSpec) -> Campaign:
    """The campaign with ``rule`` as its only rule (its tiers, coupons and settings kept)."""
    groups = {k: v for k, v in campaign.spec.exclusive_groups.items() if k == rule.exclusive}
    return Campaign(campaign.spec.model_copy(update={"rules": (rule,),
                                                     "exclusive_groups": groups}))


def _alone(campaign: Campaign, rule: RuleSpec, w: Words) -> _Alone:
    solo = _solo(campaign, rule)
    return _Alone(solo, campaign.spec, w, rule_index(solo.spec, (), w, display=True))


def _stacking(spec: CampaignSpec, w: Words, index: dict[str, RuleInfo]) -> list[str]:
    used = {r.stage for r in spec.all_rules()}
    if spec.coupon_policy is not None:
        used |= {p.stage for p in spec.coupon_policy.kinds.values()}
    steps = [stage_label(s, w) for s in spec.stages if s in used]
    out = []
    if len(steps) > 1:
        out.append(w("c_order", steps=w("c_arrow").join(steps)))
    base = spec.threshold_base
    out.append(w("c_base_running") if base == "running" else w("c_base_list") if base == "list"
               else w("c_base_stage", stage=stage_label(base, w)))
    out.append(w("c_shipping_not_counted"))
    out.append(w(f"c_overflow_{spec.overflow}"))
    for name in sorted(spec.exclusive_groups):
        group = spec.exclusive_groups[name]
        members = [_title(r, w, index) for r in sorted(spec.rules, key=lambda r: (r.priority, r.id))
                   if r.exclusive == name]
        if len(members) > 1:
            out.append(w(f"c_group_{group.pick}", v=w.join([f"“{m}”" for m in members])))
    policy = spec.coupon_policy
    if policy is not None:
        kinds = [k for k in COUPON_KINDS if k in policy.kinds]
        for k in kinds:
            kp = policy.kinds[k]
            limit = ("" if kp.limit is None else
                     w("per_shop" if kp.per == "shop" else "per_order", n=kp.limit))
            no = [coupon_kind_label(o, w) for o in kinds if o != k and not (
                (kp.combines_with is None or o in kp.combines_with)
                and (policy.kinds[o].combines_with is None
                     or k in (policy.kinds[o].combines_with or ())))]
            bits = [b for b in (limit, w("c_not_with", v=w.join(no)) if no else "") if b]
            if bits:
                out.append(w("c_coupon", kind=coupon_kind_label(k, w), v=w.join(bits, "and_sep")))
        if policy.max_coupons:
            out.append(w("max_coupons", n=policy.max_coupons))
    out.append(w("c_allocation"))
    return out


def _title(rule: RuleSpec, w: Words, index: dict[str, RuleInfo]) -> str:
    shown = rule.display
    return shown.title.get(w.lang) if shown and shown.title else index[rule.id].title


def _presale(campaign: Campaign, w: Words, index: dict[str, RuleInfo], examples: bool
             ) -> View | None:
    spec = campaign.spec
    rules = [r for r in spec.rules if isinstance(r, Presale)]
    if not rules:
        return None
    titles = [_title(r, w, index) for r in rules]
    events, sentences = presale_timeline(rules, titles, w)
    terms = [{"title": title,
              "text": w("c_presale_line", terms=text, where=_selection(spec, r.select, w)),
              "example": _alone(campaign, r, w).presale_sentence(r) if examples else ""}
             for r, title, text in zip(rules, titles, sentences, strict=True)]
    return {"events": events, "terms": terms}


def _tiers(spec: CampaignSpec, w: Words, index: dict[str, RuleInfo]) -> list[View]:
    if spec.tiers is None:
        return []
    names = {k: v.title for k, v in index.items()}
    return [{"name": _tier(spec, t.name, w),
             "qualify": w("c_qualify", v=w.amount(t.min_spend)) if t.min_spend is not None
             else w("c_qualify_any"),
             "perks": w.join(describe_perks(t, w, names), "and_sep") or w("perk_none"),
             "line": w("c_tier_line", name=_tier(spec, t.name, w),
                       qualify=w("c_qualify", v=w.amount(t.min_spend))
                       if t.min_spend is not None else w("c_qualify_any"),
                       perks=w.join(describe_perks(t, w, names), "and_sep") or w("perk_none"))}
            for t in sorted(spec.tiers.levels, key=lambda t: t.rank)]


def _points(spec: CampaignSpec, w: Words) -> list[str]:
    p = spec.points
    if p is None:
        return []
    out = [w("c_points_earn", points=p.points, per=w.amount(p.per)),
           w("c_points_redeem", rate=p.redeem_rate, one=w.amount(Decimal(1)))]
    if p.max_percent is not None:
        out.append(w("points_max_percent", pct=format_number(p.max_percent)))
    if p.max_points is not None:
        out.append(w("points_max_points", n=p.max_points))
    return out


def _refund(spec: CampaignSpec, w: Words) -> list[str]:
    out = [w("c_refund_allocated"), w("c_refund_keep")]
    if any(isinstance(r, Presale) for r in spec.rules):
        out.append(w("c_refund_deposit"))
    return out


def _faq(spec: CampaignSpec, w: Words, view: View) -> list[View]:
    out = [{"q": w("c_q_stack"), "a": w("c_a_stack")},
           {"q": w("c_q_threshold"), "a": " ".join(view["stacking"][1:3]) if len(
               view["stacking"]) > 2 else w("c_shipping_not_counted")},
           {"q": w("c_q_refund"), "a": " ".join(view["refund"][:2])}]
    if view["presale"]:
        out.append({"q": w("c_q_deposit"), "a": w("c_refund_deposit")})
    if spec.tiers is not None:
        out.append({"q": w("c_q_tier"), "a": w("c_a_tier")})
    if view["examples_note"]:
        out.append({"q": w("c_q_examples"), "a": w("c_a_examples")})
    return out
