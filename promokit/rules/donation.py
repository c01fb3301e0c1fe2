"""Per-order pledges (每单捐赠1元): an amount given to a cause for each order, funded by the shop
or the platform, never changing what the customer pays.

A zero-discount benefit: when the cart has lines of its selection (and its gates are open), the
rule applies with amount 0.00, no allocations, ``times`` 1 and a ``detail`` that states the
pledge (``pledges 1.00 to 希望工程, funded by merchant``). With ``per: shop`` each shop with
selected lines pledges once (one applied record per shop, so each shop's settlement shows its
own); with ``per: order`` (the default) the order pledges once. ``min_spend`` (on the rule's
base) makes the pledge conditional, as a gift's is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Self

from pydantic import model_validator

from promokit._types import Amount
from promokit.rules._base import (
    Ctx,
    Effect,
    Env,
    GivesPerApplication,
    Outcome,
    Rule,
    below_spend,
    judged_spend,
    rule_fields,
)
from promokit.rules._kind import BaseFact, Case, Draws, Fact, Reach, TextFact, Worked
from promokit.rules._threshold_text import num


class Donation(GivesPerApplication):
    """Pledge ``amount`` to ``to`` per order (or per shop in the order), funded by ``funded_by``."""

    kind: Literal["donation"]
    amount: Amount
    to: str = "charity"
    per: Literal["order", "shop"] = "order"
    min_spend: Amount | None = None
    base: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.amount <= 0:
            raise ValueError("a pledge's amount must be above 0")
        return self

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        return DonationRule(
            **rule_fields(self, env), base=self.base or env.default_base,
            min_spend=None if self.min_spend is None else env.minor(self.min_spend),
            per_shop=self.per == "shop",
            what=f"pledges {env.show(env.minor(self.amount))} to {self.to}, funded by "
                 f"{self.funded_by}")

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        if lang == "zh":
            who = "店铺" if self.funded_by == "merchant" else "平台"
            each = "每店每单" if self.per == "shop" else "每单"
            when = f"满{num(self.min_spend)}" if self.min_spend is not None else ""
            return f"{when}{each}由{who}捐赠{num(self.amount)}元给{self.to}（不影响您的实付金额）"
        who = "the shop" if self.funded_by == "merchant" else "the platform"
        each = "per shop in each order" if self.per == "shop" else "per order"
        when = f" on {num(self.min_spend)} or more" if self.min_spend is not None else ""
        return (f"{who} donates {num(self.amount)} to {self.to} {each}{when} "
                "(you pay nothing more)")

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "公益捐赠" if lang == "zh" else "donation per order"

    def reach(self) -> Reach:
        """The minimum spend, if any."""
        return Reach(spend=self.min_spend)

    def worked(self, env: Env, unit: int) -> Worked:
        """One unit, or carts just below and at the minimum spend."""
        if self.min_spend is None:
            return Worked(unit, (Case(),))
        return Worked(unit, (Case(spend=self.min_spend),), first=self.min_spend)

    def facts(self) -> tuple[Fact, ...]:
        """The pledge and where it goes."""
        return (BaseFact("f_base", self.base),
                TextFact("f_pledge", f"{num(self.amount)} → {self.to} ({self.per})"))

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """An amount, maybe per shop, maybe a minimum spend."""
        out: dict[str, object] = {"amount": d.money(1), "to": "charity"}
        per = d.maybe_pick("shop", "order")
        if per is not None:
            out["per"] = per
        if d.flag():
            out["min_spend"] = d.money()
        return out


@dataclass(slots=True)
class DonationRule(Rule):
    """Compiled donation."""

    base: str = "running"
    min_spend: int | None = None
    per_shop: bool = False
    what: str = ""

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Amount 0, the pledge in the detail: once, or once per shop."""
        groups: dict[str | None, list[int]] = {}
        for i in eligible:
            groups.setdefault(ctx.lines[i].shop if self.per_shop else None, []).append(i)
        out: list[Outcome] = []
        for shop in sorted(groups, key=lambda s: s or ""):
            spend = judged_spend(ctx, self.base, groups[shop])
            if self.min_spend is not None and spend < self.min_spend:
                miss = below_spend(ctx, self.min_spend - spend, f"a pledge ({self.what})")
                miss.shop = shop
                out.append(miss)
                continue
            out.append(Effect(amount=0, base=spend, times=1, alloc={}, shop=shop,
                              detail=self.what))
        return out
