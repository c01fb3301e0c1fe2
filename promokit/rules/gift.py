"""Gift with purchase (满赠, 今日下单送延保): above a spend, or per N units, a gift SKU.

A zero-discount benefit: above ``min_spend`` of its selection (judged on a threshold base, like
a threshold), or for every ``every_qty`` units of it, the rule gives ``quantity`` of ``gift``
(its SKU, name and reference value), at most ``limit`` per order. It applies with amount 0.00,
no allocations, ``times`` = the gifts given and a ``detail`` naming the gift and its reference
value; it never changes what the customer pays. A ``limits: {units: N}`` stock counts the gifts
given (the ``units_given`` hook), not the qualifying items.

``counts_toward_thresholds: true`` makes the gifts' reference value count in the spend every rule
of a LATER stage judges (on any base; rules of the gift's own stage do not see it); ``on_return``
declares what a refund does when the remaining items no longer earn the gift (promokit.refunds).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from promokit._types import Amount, Count
from promokit.rules._base import (
    Ctx,
    Effect,
    Env,
    GiftCredit,
    GivesPerApplication,
    Miss,
    Outcome,
    Reason,
    Rule,
    below_spend,
    judged_spend,
    rule_fields,
)
from promokit.rules._kind import BaseFact, Case, Draws, Fact, Reach, TextFact, WordFact, Worked
from promokit.rules._threshold_text import num

#: What a refund does with a gift the remaining items no longer earn (docs/refunds.md).
GiftReturn = Literal["keep", "return", "deduct"]


class GiftItem(BaseModel):
    """The gift: its SKU, its name and its reference value (what it would cost; not charged)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str
    name: str
    value: Amount


class Gift(GivesPerApplication):
    """Above ``min_spend`` (or per ``every_qty`` units) give ``quantity`` x ``gift``."""

    kind: Literal["gift"]
    base: str | None = None
    min_spend: Amount | None = None
    every_qty: Count | None = None
    gift: GiftItem | None = None
    choices: tuple[GiftItem, ...] | None = None
    price: Amount = Decimal(0)
    quantity: Count = 1
    limit: Count | None = None
    counts_toward_thresholds: bool = Field(
        default=False, description="the gifts' reference value counts in the spend of every "
        "threshold of a later stage (default: it counts toward none)")
    on_return: GiftReturn | None = Field(
        default=None, description="when a refund leaves the order short of the gift: keep (the "
        "customer keeps it), return (the gift line must come back with the return), deduct (its "
        "value less the token price is taken off the refund); default: as the refund policy does")

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if (self.min_spend is None) == (self.every_qty is None):
            raise ValueError("give exactly one of min_spend, every_qty")
        if (self.gift is None) == (self.choices is None):
            raise ValueError("give exactly one of gift, choices")
        skus = [g.sku for g in self.items]
        if not skus:
            raise ValueError("choices needs at least one gift")
        if len(set(skus)) != len(skus):
            raise ValueError(f"choices repeat a gift sku ({skus}); expected distinct skus")
        dear = [g.sku for g in self.items if self.price >= g.value]
        if dear:
            raise ValueError(f"price {self.price} is not below the value of {dear}; expected a "
                             "token price under every gift's value (e.g. 0.01)")
        if self.every_qty is not None and self.every_qty < 1:
            raise ValueError("every_qty must be at least 1")
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1 (gifts per reach)")
        if self.limit is not None and self.limit < 1:
            raise ValueError("limit must be at least 1 (gifts per order)")
        return self

    @property
    def items(self) -> tuple[GiftItem, ...]:
        """The gifts on offer, in declared order (one, or the choices)."""
        return (self.gift,) if self.gift is not None else self.choices or ()

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule."""
        return GiftRule(**rule_fields(self, env), base=self.base or env.default_base,
                        min_spend=None if self.min_spend is None else env.minor(self.min_spend),
                        every_qty=self.every_qty, quantity=self.quantity, limit=self.limit,
                        skus=tuple(g.sku for g in self.items), token=env.minor(self.price),
                        values=tuple(env.minor(g.value) for g in self.items),
                        counts=self.counts_toward_thresholds, on_return=self.on_return,
                        whats=tuple(f"{g.name} ({g.sku}, value {env.show(env.minor(g.value))})"
                                    for g in self.items))

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands."""
        q = self.quantity
        names = [g.name for g in self.items]
        value = num(max(g.value for g in self.items))
        if lang == "zh":
            when = f"满{num(self.min_spend)}" if self.min_spend is not None \
                else f"每买{self.every_qty}件"
            limit = f"，每单限{self.limit}件" if self.limit else ""
            what = names[0] if len(names) == 1 else "（" + "/".join(names) + "任选）"
            token = f"，赠品{num(self.price)}元" if self.price else ""
            counts = "，赠品价值计入后续满减门槛" if self.counts_toward_thresholds else ""
            backs = {"keep": "，退货无需退回赠品", "return": "，退货后不再满足条件须退回赠品",
                     "deduct": "，退货后不再满足条件从退款扣除赠品价值"}
            back = backs.get(self.on_return or "", "")
            return f"{when}赠{what}{q}件（价值{value}元）{token}{limit}{counts}{back}"
        many = f"{q} x " if q > 1 else ""
        what = names[0] if len(names) == 1 else "one of " + " / ".join(names)
        how = f"for {num(self.price)}" if self.price else "free"
        gift = f"{many}{what} {how} (worth {'up to ' if len(names) > 1 else ''}{value})"
        limit = f", at most {self.limit} per order" if self.limit else ""
        if self.counts_toward_thresholds:
            limit += "; its value counts toward later thresholds"
        limit += {"keep": "; you keep it if you return items",
                  "return": "; return it with items if the rest no longer qualifies",
                  "deduct": "; its value is deducted from a refund if the rest no longer "
                            "qualifies"}.get(self.on_return or "", "")
        if self.min_spend is not None:
            return f"spend {num(self.min_spend)} and receive {gift}{limit}"
        return f"receive {gift} for every {self.every_qty} items{limit}"

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name."""
        return "满赠" if lang == "zh" else "gift with purchase"

    def reach(self) -> Reach:
        """The spend or the units it needs."""
        return Reach(spend=self.min_spend, units=self.every_qty)

    def worked(self, env: Env, unit: int) -> Worked:
        """Carts just below and at the spend, or of N-1, N and 2N units."""
        if self.every_qty is not None:
            n = self.every_qty
            return Worked(unit, (Case(units=n), Case(units=2 * n, below=False)))
        return Worked(unit, (Case(spend=self.min_spend),), first=self.min_spend)

    def facts(self) -> tuple[Fact, ...]:
        """Base, the gift, the per-order limit when there is one, whether its value counts
        toward later thresholds, and its return policy when declared."""
        out: list[Fact] = [BaseFact("f_base", self.base),
                           TextFact("f_gift", "; ".join(f"{g.name} ({g.sku}, {num(g.value)})"
                                                        for g in self.items))]
        if self.limit:
            out.append(TextFact("f_limit", str(self.limit)))
        out.append(WordFact("f_gift_counts", "gift_counts" if self.counts_toward_thresholds
                            else "gift_counts_not"))
        if self.on_return is not None:
            out.append(WordFact("f_gift_return", f"gift_return_{self.on_return}"))
        return tuple(out)

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """A spend or a unit count, a gift, maybe a quantity, a limit, a counted value and a
        return policy."""
        gifts = [{"sku": f"GIFT{n}", "name": f"gift {n}", "value": d.money(2)}
                 for n in range(d.integer(1, 3))]
        out: dict[str, object] = {"gift": gifts[0]} if len(gifts) == 1 else {"choices": gifts}
        if d.flag():
            out["price"] = d.amount(1)  # a token price: one minor unit
        if d.pick("min_spend", "every_qty") == "min_spend":
            out["min_spend"] = d.money()
        else:
            out["every_qty"] = d.integer(1, 4)
        quantity = d.maybe_integer(2, 3)
        if quantity is not None:
            out["quantity"] = quantity
        limit = d.maybe_integer(1, 3)
        if limit is not None:
            out["limit"] = limit
        if d.flag():
            out["counts_toward_thresholds"] = True
        on_return = d.maybe_pick("keep", "return", "deduct")
        if on_return is not None:
            out["on_return"] = on_return
        return out


@dataclass(slots=True)
class GiftRule(Rule):
    """Compiled gift."""

    base: str = "running"
    min_spend: int | None = None
    every_qty: int | None = None
    quantity: int = 1
    limit: int | None = None
    skus: tuple[str, ...] = ()
    whats: tuple[str, ...] = ()
    token: int = 0
    values: tuple[int, ...] = ()   # each gift's reference value, minor units
    counts: bool = False           # counts_toward_thresholds
    on_return: str | None = None   # the declared return policy (None: the refund policy's)

    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """The gifts given (``times``) in the detail, or why none: amount 0, or, for gift lines
        the cart carries, what brings them down to the token price."""
        eligible = [i for i in eligible if ctx.lines[i].sku not in self.skus]
        spend = judged_spend(ctx, self.base, eligible)
        if self.every_qty is not None:
            units = sum(ctx.lines[i].qty for i in eligible)
            reached = units // self.every_qty
            if reached == 0:
                return [Miss(Reason.BELOW_QUANTITY,
                             f"add {self.every_qty - units} more item(s) to receive "
                             f"{self.whats[0]}",
                             need=self.every_qty, has=units)]
        else:
            assert self.min_spend is not None  # one of min_spend, every_qty (validated)
            if spend < self.min_spend:
                return [below_spend(ctx, self.min_spend - spend, self.whats[0])]
            reached = 1
        gifts = reached * self.quantity
        if self.limit is not None:
            gifts = min(gifts, self.limit)
        return [self._give(ctx, spend, gifts, eligible)]

    def _give(self, ctx: Ctx, spend: int, gifts: int, eligible: list[int]) -> Effect:
        """The cart picks a gift by carrying its line (the first declared sku it carries); with
        none, the first declared gift is given. Gift lines in the cart go down to the token
        price, at most ``gifts`` units, in cart order."""
        carried = [k for k, sku in enumerate(self.skus)
                   if any(ln.sku == sku for ln in ctx.lines)]
        pick = carried[0] if carried else 0
        alloc: dict[int, int] = {}
        held: list[tuple[int, int, int]] = []  # (line, gift units, what they cost after)
        left = gifts
        for ln in ctx.lines:
            if ln.sku != self.skus[pick] or left == 0:
                continue
            n = min(left, ln.qty)
            left -= n
            share = ctx.round(ctx.amounts[ln.index] * n, ln.qty)
            take = min(max(share - self.token * n, 0), ctx.room(ln.index))
            if take > 0:
                alloc[ln.index] = take
            held.append((ln.index, n, share - take))
        note = f", {gifts - left} in the cart at {ctx.env.show(self.token)} each" \
            if carried else ""
        credit = None
        if self.counts:
            note += "; its value counts toward later thresholds"
            credit = GiftCredit(self.stage, self.values[pick], min(eligible, default=-1), left,
                                tuple(held))
        if self.on_return is not None:  # a refund reads it: the order needs its campaign
            note += f"; on return: {self.on_return}"
        return Effect(amount=sum(alloc.values()), base=spend, times=gifts, alloc=alloc,
                      detail=f"gives {gifts} x {self.whats[pick]}{note}", credit=credit)
