"""Campaign terms in words: stages, kinds, selections, customers, windows, bases, perks, coupons.

A rule's own sentence comes from its kind's ``describe(lang)`` (next to its code); this module adds
what surrounds it, and names the rules that have no sentence of their own: a tier's perks (which
compile to ordinary rules) and wallet coupons.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from promokit._cart.wallet import Coupon
from promokit.explain._format import format_number
from promokit.explain._words import Words
from promokit.rules import RULE_KINDS
from promokit.rules.threshold import Threshold

if TYPE_CHECKING:
    from promokit._cart.selection import Selection
    from promokit._spec.campaign import CampaignSpec
    from promokit.rules._base import RuleSpec
    from promokit.rules._gates import Customers, Window
    from promokit.rules.presale import Presale
    from promokit.tiers import Tier

_STAGES = {
    "item": ("Item price", "单品优惠"), "presale": ("Pre-sale", "预售"),
    "shop": ("Shop promotions", "店铺优惠"), "shop_coupon": ("Shop coupons", "店铺券"),
    "cross_store": ("Cross-store discounts", "跨店满减"), "allowance": ("Allowances", "购物津贴"),
    "platform": ("Platform coupons", "平台优惠"), "category": ("Category coupons", "品类券"),
    "cash": ("Red envelopes", "红包"), "red_envelope": ("Red envelopes", "红包"),
    "shipping": ("Shipping", "运费"), "member": ("Member discounts", "会员优惠"),
    "order": ("Order discounts", "订单优惠"), "coupon": ("Coupons", "优惠券"),
    "coupons": ("Coupons", "优惠券"),
}


class _KindLabels(Mapping[str, tuple[str, str]]):
    """Every registered rule kind's (English, Chinese) name, from its ``label`` hook (live)."""

    def __getitem__(self, kind: str) -> tuple[str, str]:
        spec = RULE_KINDS[kind]
        return spec.label("en"), spec.label("zh")

    def __iter__(self) -> Iterator[str]:
        return iter(RULE_KINDS)

    def __len__(self) -> int:
        return len(RULE_KINDS)


KIND_LABELS: Mapping[str, tuple[str, str]] = _KindLabels()
_COUPONS = {
    "shop": ("shop coupon", "店铺券"), "platform": ("platform coupon", "平台券"),
    "allowance": ("shopping allowance", "购物津贴"), "product": ("product coupon", "商品券"),
    "shipping": ("shipping coupon", "运费券"), "red_envelope": ("red envelope", "红包"),
}


def stage_label(stage: str, w: Words) -> str:
    """A stage's display name (the stage code itself when it is not a usual one)."""
    pair = _STAGES.get(stage)
    return pair[w.zh] if pair else stage


def kind_label(kind: str, w: Words) -> str:
    """A rule kind (or ``coupon/<kind>``) in words."""
    if kind.startswith("coupon/"):
        return coupon_kind_label(kind.partition("/")[2], w)
    spec = RULE_KINDS.get(kind)
    return spec.label(w.lang) if spec is not None else kind


def kind_repeats(kind: str) -> bool:
    """Does an applied rule of ``kind`` count the times it earned (每满 x3)? Coupons do not."""
    spec = RULE_KINDS.get(kind)
    return spec is not None and spec.repeats


def kind_judged(kind: str) -> bool:
    """Is the ``base`` of an applied rule of ``kind`` a threshold's measure (rather than the
    amount its discount was taken from)? Wallet coupons are thresholds."""
    spec = RULE_KINDS.get(kind)
    return kind.startswith("coupon/") or (spec is not None and spec.judged)


def coupon_kind_label(kind: str, w: Words) -> str:
    """A coupon kind in words: 店铺券, "shop coupon"."""
    pair = _COUPONS.get(kind)
    return pair[w.zh] if pair else kind


def _values(values: Iterable[str], w: Words) -> str:
    return w.join([str(v) for v in values])


def describe_selection(sel: Selection, w: Words) -> str:
    """Which lines a selection takes: "shops A; items tagged double11", or "all items"."""
    parts = [w(f"sel_{name}", v=_values(values, w)) for name, values in
             sel.describe_parts().items()]
    ex = sel.exclude
    out = [w(f"sel_{name}", v=_values(getattr(ex, name), w))
           for name in ("skus", "shops", "categories", "brands", "tags") if getattr(ex, name)]
    if out:
        parts.append(w("sel_except", v=w.join(out)))
    if sel.presale is True:
        parts.append(w("sel_presale_only"))
    elif sel.presale is False:
        parts.append(w("sel_no_presale"))
    return w.join(parts, "and_sep") if parts else w("all_items")


def describe_customers(customers: Customers | None, w: Words) -> str:
    """Who may use a rule: tiers, a minimum tier, customer tags, or everyone."""
    if customers is None:
        return w("everyone")
    parts = []
    if customers.tiers:
        parts.append(w("who_tiers", v=_values(customers.tiers, w)))
    if customers.min_tier:
        parts.append(w("who_min_tier", v=customers.min_tier))
    tiers = w("or_word").join(parts)
    tags = w("who_tags", v=_values(customers.tags, w)) if customers.tags else ""
    history = describe_history(customers, w)
    return w.join([p for p in (tiers, tags, *history) if p], "and_sep") or w("everyone")


def describe_history(customers: Customers, w: Words) -> list[str]:
    """The history terms of a customers condition: first order, earlier orders, past spend."""
    out = []
    if customers.first_order is True:
        out.append(w("who_first_order"))
    elif customers.first_order is False:
        out.append(w("who_returning"))
    if customers.min_orders and not (customers.first_order is False
                                     and customers.min_orders <= 1):
        out.append(w("who_min_orders", n=customers.min_orders))
    if customers.max_orders is not None and customers.first_order is not True:
        out.append(w("who_max_orders", n=customers.max_orders))
    if customers.min_past_spend is not None:
        out.append(w("who_past_spend", v=w.amount(customers.min_past_spend)))
    return out


def describe_window(window: Window | None, w: Words) -> str:
    """A validity window (end exclusive) in the campaign's time zone."""
    if window is None or (window.start is None and window.end is None):
        return w("any_time")
    if window.start is not None and window.end is not None:
        return w("window_both", start=w.time(window.start), end=w.time(window.end))
    if window.start is not None:
        return w("window_start", start=w.time(window.start))
    return w("window_end", end=w.time(window.end))  # type: ignore[arg-type]


def describe_base(base: str, w: Words) -> str:
    """A threshold base: running, list, or after a named stage."""
    if base in ("running", "list"):
        return w(f"base_{base}")
    return w("base_stage", stage=stage_label(base, w))


def describe_coupon(coupon: Coupon, w: Words) -> str:
    """A wallet coupon in one sentence: 店铺券：满200减20."""
    kind = coupon_kind_label(coupon.kind, w)
    low = coupon.min_spend if coupon.min_spend else None
    if coupon.value is not None:
        value = w.amount(coupon.value)
        if low is None:
            return w("coupon_value", kind=kind, value=value)
        return w("coupon_value_min", kind=kind, value=value, min=w.amount(low))
    pct = coupon.percent
    assert pct is not None  # a coupon has a value or a percent (validated)
    fields = {"kind": kind, "pct": format_number(pct), "zhe": w.zhe(pct)}
    text = (w("coupon_percent", **fields) if low is None
            else w("coupon_percent_min", min=w.amount(low), **fields))
    if coupon.max_discount is not None:
        text += w("coupon_cap", cap=w.amount(coupon.max_discount))
    return text


def describe_perks(tier: Tier, w: Words, names: dict[str, str]) -> list[str]:
    """A tier's perks, one phrase each (``names``: rule id -> display name, for multipliers)."""
    perks = tier.perks
    out = []
    if perks.discount is not None:
        d = perks.discount
        out.append(w("perk_discount", pct=format_number(d.percent), zhe=w.zhe(d.percent),
                     stage=stage_label(d.stage, w),
                     presale=w("perk_discount_presale" if d.presale_eligible
                               else "perk_discount_no_presale")))
        if d.max_discount is not None:  # 9折 最高减50: the cap is part of the perk
            out[-1] += w("coupon_cap", cap=w.amount(d.max_discount))
    if perks.free_shipping:
        out.append(w("perk_free_shipping"))
    for key, factor in sorted(perks.multipliers.items()):
        out.append(w("perk_multiplier", what=_multiplier_target(key, w, names),
                     factor=format_number(factor)))
    if perks.points_multiplier != 1:
        out.append(w("perk_points", factor=format_number(perks.points_multiplier)))
    return out


def _multiplier_target(key: str, w: Words, names: dict[str, str]) -> str:
    head, _, rest = key.partition(":")
    if key == "presale_boost":
        return w("mult_presale_boost")
    if key == "coupon":
        return w("mult_coupon")
    if head == "coupon":
        return w("mult_coupon_kind", kind=coupon_kind_label(rest, w))
    if head == "rule":
        return w("mult_rule", rule=names.get(rest, rest))
    return key


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a reader needs about one rule id: a title, a sentence, and its spec when known."""

    id: str
    title: str
    sentence: str
    spec: RuleSpec | None = None
    coupon: Coupon | None = None
    perk_of: str | None = None


def rule_index(spec: CampaignSpec | None, wallet: Iterable[Coupon], w: Words, *,
               display: bool = False) -> dict[str, RuleInfo]:
    """rule id -> :class:`RuleInfo` for every rule of the campaign, its tier perks and coupons
    (with ``display``, tiers are called by their display names)."""
    out: dict[str, RuleInfo] = {}
    if spec is not None:
        own = {r.id for r in spec.rules}
        for rule in spec.rules:
            out[rule.id] = RuleInfo(rule.id, rule.name or rule.id, rule.describe(w.lang), rule)
        for tier in spec.tiers.levels if spec.tiers else ():
            for rule in spec.all_rules():
                if rule.id in own or not rule.id.startswith(f"tier-{tier.name}-"):
                    continue
                name = spec.names.tier(tier.name, w.lang) if display else tier.name
                out[rule.id] = _perk_info(rule, tier, w, name)
    for coupon in wallet:
        rid = f"coupon:{coupon.id}"
        out[rid] = RuleInfo(rid, coupon.label, describe_coupon(coupon, w), coupon=coupon)
    return out


def _perk_info(rule: RuleSpec, tier: Tier, w: Words, name: str) -> RuleInfo:
    d = tier.perks.discount
    if isinstance(rule, Threshold) and d is not None:  # the discount perk (else free shipping)
        title = w("perk_rule_discount", tier=name, pct=format_number(d.percent),
                  zhe=w.zhe(d.percent))
    else:
        title = w("perk_rule_shipping", tier=name)
    return RuleInfo(rule.id, title, title, rule, perk_of=tier.name)


_PARTS = {"instant_reduction": ("instant reduction for paying the deposit", "付定金立减")}


def info_for(index: dict[str, RuleInfo], rule_id: str, w: Words | None = None) -> RuleInfo:
    """The info of ``rule_id``, or a bare one naming the id when the campaign is unknown.

    The engine reports part of a rule's effect under ``<rule id>.<part>`` (a pre-sale's
    ``instant_reduction``, applied before the stages): such a part is titled after its rule.
    """
    found = index.get(rule_id)
    if found is not None:
        return found
    parent, _, part = rule_id.rpartition(".")
    if parent in index:
        pair = _PARTS.get(part)
        label = pair[w.zh] if pair is not None and w is not None else part
        whole = index[parent]
        return RuleInfo(rule_id, f"{whole.title} · {label}", "", whole.spec, whole.coupon)
    return RuleInfo(rule_id, rule_id, "")


def presale_timeline(rules: Sequence[Presale], titles: Sequence[str], w: Words
                     ) -> tuple[list[dict[str, str]], list[str]]:
    """The pre-sales' windows as dated events in time order (deposit and balance, opening and
    closing), and each rule's terms in one sentence (deposit, what it counts as, 立减)."""
    tz = w.tz
    assert tz is not None  # the rule pages give their Words the campaign's time zone
    events: list[tuple[datetime, int, str]] = []
    sentences = []
    for k, (r, title) in enumerate(zip(rules, titles, strict=True)):
        for window, opens, closes in ((r.deposit_window, "ev_deposit_opens", "ev_deposit_closes"),
                                      (r.balance_window, "ev_balance_opens", "ev_balance_closes")):
            if window is None:
                continue
            start, end = window.aware(tz)
            if start is not None:
                events.append((start, 2 * k, w(opens, rule=title)))
            if end is not None:
                events.append((end, 2 * k + 1, w(closes, rule=title)))
        cut = r.instant_reduction
        sentences.append(w("presale_terms", deposit=w.amount(r.deposit),
                           counts_as=w.amount(r.counts_as),
                           instant=w("presale_instant", cut=w.amount(cut)) if cut else ""))
    events.sort(key=lambda e: (e[0], e[1]))
    return [{"time": w.time(t), "text": text} for t, _, text in events], sentences
