"""Shipping rules (满99包邮, a tier's free shipping, shipping coupons): they reduce per-shop fees.

Shipping is a separate amount per shop: it never counts toward a goods threshold and goods
discounts never reduce it. A shipping rule waives ``percent`` of each shop's fee (None: the whole
fee), at most ``max_waived`` (None: no cap), for shops whose eligible goods reach ``min_spend`` on
the rule's base. A percent of a fee is rounded with the campaign's rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from promokit._types import Amount, Percent
from promokit.rules._base import (
    Ctx,
    Effect,
    Env,
    Miss,
    Outcome,
    Reason,
    Rule,
    RuleSpec,
    judged_spend,
    ratio,
    rule_fields,
)
from promokit.rules._kind import BaseFact, Case, Draws, Fact, Reach, Worked
from promokit.rules._threshold_text import num, zhe


class FreeShipping(RuleSpec):
    """Waive each shop's shipping fee (``percent`` of it, or all of it; up to ``max_waived``)
    when its eligible goods reach ``min_spend`` (no minimum when omitted)."""

    kind: Literal["free_shipping"]
    min_spend: Amount | None = None
    percent: Percent | None = None
    max_waived: Amount | None = None
    base: str | None = None

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        num_, den = ratio(self.percent) if self.percent is not None else (1, 1)
        return ShippingRule(
            **rule_fields(self, env), base=self.base or env.default_base,
            min_spend=None if self.min_spend is None else env.minor(self.min_spend),
            cap=None if self.max_waived is None else env.minor(self.max_waived),
            num=num_, den=den * (100 if self.percent is not None else 1))

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        if lang == "zh":
            what = "包邮" if self.percent is None else f"运费{zhe(self.percent)}"
            head = f"店铺满{num(self.min_spend)}{what}" if self.min_spend is not None else what
            return head + (f"（最高减运费{num(self.max_waived)}）" if self.max_waived else "")
        what = "free shipping" if self.percent is None else f"{num(self.percent)}% off shipping"
        head = (f"{what} on {num(self.min_spend)} or more per shop"
                if self.min_spend is not None else what)
        return head + (f" (up to {num(self.max_waived)} off the fee)" if self.max_waived else "")

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "包邮" if lang == "zh" else "free shipping"

    def reach(self) -> Reach:
        """The minimum spend, if any."""
        return Reach(spend=self.min_spend)

    def worked(self, env: Env, unit: int) -> Worked:
        """Carts with a shipping fee: just below and at the minimum, or one unit when none."""
        if self.min_spend is None:
            return Worked(unit, (Case(),), shipping=True)
        return Worked(unit, (Case(spend=self.min_spend),), first=self.min_spend, shipping=True)

    def facts(self) -> tuple[Fact, ...]:
        """The base the minimum is judged on."""
        return (BaseFact("f_base", self.base),)

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """A minimum, a percent of the fee and a cap, each maybe."""
        out: dict[str, object] = {}
        for name in ("min_spend", "percent", "max_waived"):
            if d.flag():
                out[name] = d.percent() if name == "percent" else d.money()
        return out

    judged = True


@dataclass(slots=True)
class ShippingRule(Rule):
    """Compiled free shipping, also the runtime form of shipping coupons."""

    base: str = "running"
    min_spend: int | None = None
    cap: int | None = None
    num: int = 1      # the share of the fee waived, num/den (1/1: all of it)
    den: int = 1

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Per shop with a fee: waive it (up to the cap) when the shop's goods reach the minimum."""
        by_shop: dict[str, list[int]] = {}
        for i in eligible:
            by_shop.setdefault(ctx.lines[i].shop, []).append(i)
        spend = {shop: judged_spend(ctx, self.base, idxs) for shop, idxs in by_shop.items()}
        out: list[Outcome] = []
        for shop in sorted(spend):
            fee = ctx.shipping.get(shop, 0)
            if fee == 0:
                continue
            if self.num == self.den:
                waive = fee if self.cap is None else min(fee, ctx.scaled(self.benefit or "",
                                                                         self.cap))
            else:  # a percent of the fee: the benefit's multiplier scales the share, capped
                share = ctx.scaled(self.benefit or "", ctx.round(fee * self.num, self.den))
                waive = min(fee, share if self.cap is None else min(share, self.cap))
            if self.min_spend is not None and spend[shop] < self.min_spend:
                short = self.min_spend - spend[shop]
                out.append(Miss(Reason.BELOW_THRESHOLD,
                                f"add {ctx.env.show(short)} more for {ctx.env.show(waive)} off "
                                "shipping", shop=shop, shortfall=short, would_save=waive))
                continue
            if waive == 0:
                out.append(Miss(Reason.NO_SAVING, "waives nothing of the fee", shop=shop))
                continue
            out.append(Effect(amount=waive, base=spend[shop], times=1, alloc={}, shop=shop,
                              ship={shop: waive}))
        if not out:
            out.append(Miss(Reason.NOTHING_LEFT, "no shipping fee to waive"))
        return out
