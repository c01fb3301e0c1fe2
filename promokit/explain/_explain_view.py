"""The view of one priced cart (优惠明细): plain dicts and strings, every number already in words.

Templates only lay this out. Stage by stage it says what applied (on which base, how much, to
which lines of which shops, funded by whom) and what did not and why; then nudges, pre-sale
amounts of the phase, coupons, tier perks and points, each shop's settlement and the payable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from promokit._money import Money
from promokit._result.types import Applied, NotApplied, PriceResult
from promokit.explain._format import format_number
from promokit.explain._reasons import coupon_reason, missed_reason
from promokit.explain._terms import (
    RuleInfo,
    describe_perks,
    describe_window,
    info_for,
    kind_judged,
    kind_label,
    kind_repeats,
    rule_index,
)
from promokit.explain._terms import stage_label as _stage_label
from promokit.explain._words import Words

if TYPE_CHECKING:
    from promokit._spec.campaign import CampaignSpec

View = dict[str, Any]


def explain_view(result: PriceResult, spec: CampaignSpec | None, lang: str) -> View:
    """Everything an explanation template shows, for ``result`` in ``lang``."""
    tz = ZoneInfo(spec.timezone) if spec is not None else None
    w = Words(lang, result.currency, tz)
    index = rule_index(spec, result.cart.wallet, w)
    builder = _Builder(result, spec, w, index)
    presale = any(line.presale for line in result.lines)
    title = spec.name if spec is not None and spec.name else result.campaign
    return {
        "lang": lang,
        "html_lang": "zh-CN" if w.zh else "en",
        "t": w.labels(),
        "title": f"{w('explain_title')} · {title}",
        "campaign": {"id": result.campaign, "name": title},
        "at": w.time(result.at, offset=True) if result.at else None,
        "tier": result.tier,
        "phase": (w(f"phase_{result.phase}") if presale else None),
        "currency": result.currency,
        "lines": [builder.line(x) for x in result.lines],
        "steps": builder.steps(),
        "nudges": builder.nudges(),
        "presale": builder.presale() if presale else [],
        "coupons": builder.coupons(),
        "membership": builder.membership(),
        "shops": [builder.shop(s) for s in result.shops],
        "totals": builder.totals(presale),
        "payable": w.money(result.payable),
    }


class _Builder:
    """Builds the parts of the view; holds the words, the rule index and the lines by id."""

    def __init__(self, result: PriceResult, spec: CampaignSpec | None, w: Words,
                 index: dict[str, RuleInfo]) -> None:
        self.r, self.spec, self.w, self.index = result, spec, w, index
        self.lines = {line.id: line for line in result.lines}

    def info(self, rule: str) -> RuleInfo:
        return info_for(self.index, rule, self.w)

    def shop(self, shop: Any) -> View:
        w = self.w
        return {"shop": shop.shop, "label": w("shop", shop=shop.shop),
                "goods": w.money(shop.subtotal), "discount": w.money(-shop.discount),
                "shipping_fee": w.money(shop.shipping_fee), "shipping": w.money(shop.shipping),
                "shipping_discount": w.money(-shop.shipping_discount),
                "pays": w.money(shop.payable), "merchant": w.money(shop.merchant_funded),
                "platform": w.money(shop.platform_funded)}

    def line(self, line: Any) -> View:
        w = self.w
        deposit = bool(line.presale) and self.r.phase == "deposit"
        return {"id": line.id, "sku": line.sku, "shop": line.shop, "qty": line.quantity,
                "unit": w.money(line.unit_price), "subtotal": w.money(line.subtotal)
                + (w("deposit_note") if deposit else ""),
                "discount": w.money(-line.discount) if line.discount else "",
                "net": w.money(line.net), "prepaid": w.money(line.prepaid),
                "due": w.money(line.due), "deposit": deposit,
                "summary": w("line_deposit" if deposit else "line_summary", qty=line.quantity,
                             unit=w.money(line.unit_price), subtotal=w.money(line.subtotal))}

    def line_ref(self, line_id: str) -> str:
        line = self.lines.get(line_id)
        if line is None:
            return line_id
        return self.w("line_ref", line=line.id, sku=line.sku, shop=line.shop)

    # --- the stages ---------------------------------------------------------------------------

    def steps(self) -> list[View]:
        r = self.r
        order = list(self.spec.stages) if self.spec is not None else []
        records: list[Applied | NotApplied] = [*r.applied, *r.not_applied]
        for record in records:
            if record.stage not in order:
                order.append(record.stage)
        out: list[View] = []
        for stage in order:
            entries = [(self._key(a), self.applied(a)) for a in r.applied if a.stage == stage]
            entries += [(self._key(n), self.missed(n)) for n in r.not_applied if n.stage == stage]
            if entries:
                entries.sort(key=lambda e: e[0])
                out.append({"n": len(out) + 1, "stage": stage, "label": _stage_label(stage, self.w),
                            "heading": f"{self.w('step', n=len(out) + 1)} · "
                                       f"{_stage_label(stage, self.w)}",
                            "entries": [e for _, e in entries]})
        return out

    def _key(self, record: Applied | NotApplied) -> tuple[int, str, str]:
        info = self.info(record.rule)
        priority = info.spec.priority if info.spec is not None else 0
        return (priority, record.rule, record.shop or "")

    def _head(self, record: Applied | NotApplied) -> View:
        info, w = self.info(record.rule), self.w
        return {"id": record.rule, "title": info.title, "sentence": info.sentence,
                "kind": kind_label(record.kind, w),
                "shop": w("shop", shop=record.shop) if record.shop else ""}

    def applied(self, a: Applied) -> View:
        w = self.w
        times = w("times", n=a.times) if a.times > 1 and kind_repeats(a.kind) else ""
        funded = w("funded_platform" if a.funded_by == "platform" else "funded_merchant")
        allocations = [{"line": line, "ref": self.line_ref(line), "amount": w.money(amount)}
                       for line, amount in a.allocations]
        shipping = [w("shipping_off", amount=w.money(amount), shop=shop)
                    for shop, amount in a.shipping]
        return {**self._head(a), "ok": True, "amount": w.money(a.amount),
                "base": w.money(a.base), "times": a.times,
                "text": w("applied_benefit", sentence=self.info(a.rule).sentence,
                          base=w.money(a.base), funded=funded)
                if not a.amount.minor and not a.shipping else
                w("applied_threshold" if kind_judged(a.kind) else "applied_sentence",
                  amount=w.money(a.amount), base=w.money(a.base), times=times, funded=funded),
                "funded": funded, "allocations": allocations,
                "allocated": w("allocated", v=w.join(
                    [f"{x['ref']} {x['amount']}" for x in allocations], "and_sep"))
                if allocations else "",
                "shipping": shipping, "lost": w("lost", lost=w.money(a.lost)) if a.lost else ""}

    def missed(self, n: NotApplied) -> View:
        reason = missed_reason(n, self.info(n.rule), self.w, self.r.tier, self.index)
        return {**self._head(n), "ok": False, "code": n.reason, "reason": reason}

    # --- after the stages ---------------------------------------------------------------------

    def nudges(self) -> list[str]:
        w = self.w
        return [w("nudge", short=w.money(x.shortfall), save=w.money(x.would_save),
                  where=w("nudge_where", shop=x.shop) if x.shop else "",
                  rule=self.info(x.rule).title) for x in self.r.nudges]

    def presale(self) -> list[str]:
        w, out = self.w, []
        for line in self.r.lines:
            info = line.presale
            if not info:
                continue
            ref = self.line_ref(line.id)
            terms = self.info(str(info.get("rule", "")))
            deposit, boost = info["deposit"], info["boost"]
            counts_as = w.money(deposit + boost)
            if self.r.phase == "deposit":
                window = getattr(terms.spec, "balance_window", None)
                text = w("presale_deposit", line=ref, deposit=w.money(deposit),
                         counts_as=counts_as,
                         window=w("balance_window", window=describe_window(window, w))
                         if window is not None else "")
            elif info.get("forfeited"):
                text = w("presale_forfeit", line=ref, deposit=w.money(deposit),
                         due=w.money(line.due))
            else:
                cut: Money = info["instant_reduction"]
                text = w("presale_balance", line=ref, price=w.money(line.subtotal),
                         deposit=w.money(deposit), counts_as=counts_as,
                         instant=w("presale_instant", cut=w.money(cut)) if cut else "",
                         net=w.money(line.net), due=w.money(line.due))
            out.append(text)
        return out

    def coupons(self) -> list[str]:
        w, out = self.w, []
        missed = {n.rule: n for n in self.r.not_applied}
        for use in self.r.coupons:
            rid = f"coupon:{use.id}"
            info = self.info(rid)
            label = (w("coupon_label", title=info.title, sentence=info.sentence)
                     if info.sentence else info.title)
            if use.applied:
                out.append(w("coupon_used", coupon=label, amount=w.money(use.amount)))
                continue
            record = missed.get(rid)
            reason = (missed_reason(record, info, w, self.r.tier, self.index) if record
                      else coupon_reason(use, info, w))
            out.append(w("coupon_unused", coupon=label, reason=reason))
        return out

    def membership(self) -> list[str]:
        w, r, out = self.w, self.r, []
        if r.tier:
            perks: list[str] = []
            if self.spec is not None and self.spec.tiers is not None:
                names = {k: v.title for k, v in self.index.items()}
                try:
                    perks = describe_perks(self.spec.tiers.get(r.tier), w, names)
                except KeyError:
                    perks = []
            out.append(w("tier_perks", tier=r.tier, perks=w.join(perks, "and_sep")) if perks
                       else w("tier_line", tier=r.tier))
        if r.points is not None:
            p = r.points
            if p.used:
                out.append(w("points_used", points=p.used, value=w.money(p.value)))
            if r.phase == "deposit" and any(x.presale for x in r.lines):
                out.append(w("points_none_yet"))
            else:
                out.append(w("points_earned", points=p.earned,
                             multiplier=format_number(p.multiplier)))
        return out

    def totals(self, presale: bool) -> list[View]:
        w, r = self.w, self.r
        rows = [("t_goods", w.money(r.subtotal)), ("t_discount", w.money(-r.discount_total)),
                ("t_shipping", w.money(r.shipping_fee_total))]
        ship_off = r.shipping_fee_total - r.shipping_total
        if ship_off:
            rows.append(("t_shipping_off", w.money(-ship_off)))
        used = r.points.value if r.points is not None else Money.zero(r.currency)
        if r.prepaid_total or used:
            rows.append(("t_total", w.money(r.total)))
        if r.prepaid_total:
            rows.append(("t_prepaid", w.money(-r.prepaid_total)))
        if used:
            rows.append(("t_points", w.money(-used)))
        pay = ("t_payable_deposit" if r.phase == "deposit" else "t_payable_balance") \
            if presale else "t_payable"
        rows.append((pay, w.money(r.payable)))
        return [{"label": w(k), "value": v, "last": k == pay} for k, v in rows]
