"""Pre-sale deposits (定金膨胀): pay ``deposit`` now, it counts as ``counts_as`` against the price.

As the platforms publish it: price 800, deposit 100 counting as 200 gives
a balance of 600 and 700 paid in all. In the ``deposit`` phase a pre-sale line costs its deposit
and nothing else touches it. In the ``balance`` phase the line keeps the deposit as a floor (no
promotion takes it below what was already paid), and at this rule's stage loses its boost
(``counts_as - deposit``), so later thresholds are judged on deposit + balance. 付定金立减
(``instant_reduction``) lowers the price itself before any stage, so every threshold base, ``list``
included, starts from the reduced price. Paid outside the balance window, the deposit is forfeit:
no boost, no 立减, no credit.

A plain deposit (定金 with no 膨胀) gives ``counts_as`` equal to the deposit, or leaves it out: the
deposit counts as itself, so the balance is price - deposit (- 立减) and nothing is taken off at
the rule's stage; with ``instant_reduction`` it is 付定金立减 alone. Thresholds are judged on
deposit + balance exactly as with a boost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from promokit._errors import CartPricingError
from promokit._types import Amount
from promokit.rules._base import (
    Claim,
    Ctx,
    Effect,
    Env,
    Miss,
    Outcome,
    Reason,
    Rule,
    RuleSpec,
    rule_fields,
)
from promokit.rules._gates import Window
from promokit.rules._kind import Draws, Fact, Reach, WindowFact, Worked
from promokit.rules._threshold_text import num


class Presale(RuleSpec):
    """Deposit terms for the selected lines, per unit."""

    kind: Literal["presale"]
    deposit: Amount
    counts_as: Amount = Field(description="what the deposit counts as against the price; "
                                          "absent: the deposit itself (a plain deposit)")
    instant_reduction: Amount = Decimal(0)
    price: Amount | None = None
    deposit_window: Window | None = None
    balance_window: Window | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        """No ``counts_as``: a plain deposit, counting as itself."""
        if isinstance(data, dict) and "counts_as" not in data and "deposit" in data:
            return {**data, "counts_as": data["deposit"]}
        return data

    @property
    def plain(self) -> bool:
        """Does the deposit count only as itself (no boost)?"""
        return self.counts_as == self.deposit

    @model_validator(mode="after")
    def _terms(self) -> Self:
        if self.exclusive is not None:
            raise ValueError("a pre-sale cannot be in an exclusive group: its deposit terms are "
                             "fixed before any stage runs; expected no 'exclusive'")
        if self.deposit <= 0:
            raise ValueError(f"deposit {self.deposit} must be above 0")
        if self.counts_as < self.deposit:
            raise ValueError(f"counts_as {self.counts_as} is below the deposit {self.deposit}; "
                             "expected the deposit itself (a plain deposit) or a boosted value "
                             "(pay 100, counts as 200)")
        if self.price is not None and self.counts_as + self.instant_reduction >= self.price:
            raise ValueError(f"counts_as {self.counts_as} (+ instant_reduction "
                             f"{self.instant_reduction}) is not below the price {self.price}")
        return self

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        dep = self.deposit_window.aware(env.tz) if self.deposit_window else (None, None)
        bal = self.balance_window.aware(env.tz) if self.balance_window else (None, None)
        limit = env.limits.get("max_deposit_percent")
        return PresaleRule(**rule_fields(self, env), benefit="presale_boost",
                           deposit=env.minor(self.deposit), counts_as=env.minor(self.counts_as),
                           reduction=env.minor(self.instant_reduction), deposit_window=dep,
                           balance_window=bal, max_deposit_percent=limit)

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        cut = self.instant_reduction
        if lang == "zh":
            if self.plain:
                text = f"预售：付定金{num(self.deposit)}，尾款时全额抵扣"
            else:
                text = f"预售：付定金{num(self.deposit)}抵{num(self.counts_as)}"
            return text + (f"，付定金立减{num(cut)}" if cut else "")
        if self.plain:
            text = f"pre-sale: a deposit of {num(self.deposit)}, credited in full against the price"
        else:
            text = f"pre-sale: a deposit of {num(self.deposit)} counts as {num(self.counts_as)}"
        return text + (f", and paying it takes {num(cut)} off the price" if cut else "")

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "预售定金" if lang == "zh" else "pre-sale deposit"

    def reach(self) -> Reach:
        """No threshold: any selected line."""
        return Reach()

    def worked(self, env: Env, unit: int) -> Worked:
        """One unit priced in the deposit and in the balance phase."""
        return Worked(self.example_price(env), phases=(("deposit", self.deposit_window),
                                                       ("balance", self.balance_window)))

    def example_price(self, env: Env) -> int:
        """A unit price these terms accept: the rule's price, else well above counts_as (and
        high enough for the campaign's deposit limit)."""
        if self.price is not None:
            return env.minor(self.price)
        floor = env.minor(self.counts_as + self.instant_reduction)
        price = max(4 * env.minor(self.counts_as), 2 * floor)
        limit = env.limits.get("max_deposit_percent")
        if limit:
            price = max(price, int(-(-env.minor(self.deposit) * 100 // Decimal(limit))))
        return price

    def facts(self) -> tuple[Fact, ...]:
        """The deposit and balance windows."""
        return (WindowFact("f_deposit_window", self.deposit_window),
                WindowFact("f_balance_window", self.balance_window))

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """Deposit <= counts_as (equal or absent: a plain deposit); counts_as + instant reduction
        <= the pre-sale bound (< a price)."""
        top = d.presale
        deposit = d.integer(1, top - 1)
        counts_as = d.integer(deposit, top)
        out: dict[str, object] = {"deposit": d.amount(deposit)}
        if counts_as > deposit or d.flag():
            out["counts_as"] = d.amount(counts_as)
        cut = d.maybe_integer(0, top - counts_as)
        if cut is not None:
            out["instant_reduction"] = d.amount(cut)
        if d.flag():
            out["price"] = d.money(counts_as + (cut or 0) + 1, top + d.top)
        for name in ("deposit_window", "balance_window"):
            window = d.window()
            if window is not None:
                out[name] = window
        return out

    groupable = False  # its deposit terms are fixed before any stage runs


def _inside(at: datetime | None, window: tuple[datetime | None, datetime | None]) -> bool:
    start, end = window
    if at is None:
        return start is None and end is None
    return (start is None or at >= start) and (end is None or at < end)


@dataclass(slots=True)
class PresaleRule(Rule):
    """Compiled presale."""

    deposit: int = 0
    counts_as: int = 0
    reduction: int = 0
    deposit_window: tuple[datetime | None, datetime | None] = (None, None)
    balance_window: tuple[datetime | None, datetime | None] = (None, None)
    max_deposit_percent: object = None

    def _check(self, ctx: Ctx, i: int) -> None:
        line = ctx.lines[i]
        if self.counts_as + self.reduction >= line.unit:
            raise CartPricingError(
                "presale_price", f"counts_as {ctx.env.show(self.counts_as)} (+ instant "
                f"reduction) is not below the price {ctx.env.show(line.unit)} of line {line.id!r}",
                path=f"lines[{i}].unit_price", value=ctx.env.show(line.unit), rule=self.id,
                expected=f"more than {ctx.env.show(self.counts_as + self.reduction)}")
        limit = self.max_deposit_percent
        if limit is not None and self.deposit * 100 > line.unit * limit:  # type: ignore[operator]
            raise CartPricingError(
                "presale_price", f"deposit {ctx.env.show(self.deposit)} is above {limit}% of the "
                f"price {ctx.env.show(line.unit)} of line {line.id!r} (presale_limits)",
                path=f"lines[{i}].unit_price", value=ctx.env.show(line.unit), rule=self.id)

    def prepare(self, ctx: Ctx, eligible: list[int]) -> Claim | None:
        """Deposit phase: the line costs its deposit. Balance phase: the deposit is a floor."""
        claim = Claim()
        if ctx.at is None and any((*self.deposit_window, *self.balance_window)):
            raise CartPricingError(
                "missing_time", "the rule has deposit and balance windows but the cart has no "
                "'at' time", path="at", rule=self.id, option="at",
                hint="give the cart an 'at' or price it with at=...")
        deposit_open = _inside(ctx.at, self.deposit_window)
        paid_in_time = _inside(ctx.at, self.balance_window)
        for i in eligible:
            self._check(ctx, i)
            qty = ctx.lines[i].qty
            boost = ctx.scaled("presale_boost", self.counts_as - self.deposit)
            info: dict[str, object] = {
                "rule": self.id, "deposit": self.deposit * qty,
                "counts_as": (self.deposit + boost) * qty, "boost": boost * qty,
                "instant_reduction": self.reduction * qty, "forfeited": False}
            if ctx.phase == "deposit":
                if not deposit_open:
                    start, end = self.deposit_window
                    raise CartPricingError(
                        "deposit_closed", f"the deposit window ({_span(start, end)}) is not "
                        f"open at {ctx.at.isoformat() if ctx.at else 'an unknown time'}",
                        path="at", rule=self.id, option="at")
                claim.charges[i] = self.deposit * qty
            elif paid_in_time:
                claim.floors[i] = claim.prepaid[i] = self.deposit * qty
                if self.reduction:
                    claim.cuts[i] = self.reduction * qty
            else:
                info["forfeited"] = True
            claim.info[i] = info
        return claim

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Balance phase: take the boost off each pre-sale line (the 立减 was cut before stages)."""
        if not _inside(ctx.at, self.balance_window):
            start, end = self.balance_window
            return [Miss(Reason.BALANCE_WINDOW_MISSED,
                         f"balance paid outside its window ({_span(start, end)}): the deposit is "
                         "forfeit and its boost does not apply")]
        if self.counts_as == self.deposit:
            if self.reduction:
                return []  # 付定金立减 alone: reported as its instant reduction (prepare)
            # a plain deposit: credited as paid (prepare); nothing comes off, but it applied
            return [Effect(amount=0, base=sum(ctx.amounts[i] for i in eligible),
                           times=len(eligible), alloc={},
                           detail="the deposit counts as itself: nothing off the balance")]
        alloc: dict[int, int] = {}
        lost = 0
        for i in eligible:
            qty = ctx.lines[i].qty
            want = qty * ctx.scaled("presale_boost", self.counts_as - self.deposit)
            take = min(want, ctx.room(i))
            lost += want - take
            if take:
                alloc[i] = take
        if not alloc:
            return [Miss(Reason.NOTHING_LEFT, "the pre-sale lines are already at their deposit")]
        base = sum(ctx.amounts[i] for i in eligible)
        return [Effect(amount=sum(alloc.values()), base=base, times=len(alloc), alloc=alloc,
                       lost=lost)]


def _span(start: datetime | None, end: datetime | None) -> str:
    return f"{start.isoformat() if start else 'any time'} to {end.isoformat() if end else 'open'}"
