"""Gifts on return: what a refund does with a gift the remaining items no longer earn.

A gift rule may declare ``on_return`` (docs/campaign-format.md): ``keep`` (nothing deducted),
``return`` (the gift line must come back with the return: refused otherwise) or ``deduct`` (the
gift's reference value, less the token price paid, comes off the refund). The price result says
which gift rules declared one (their ``detail`` ends in ``on return: POLICY``); the refund then
needs the campaign, to price the remaining items and see how many gifts they still earn.

Gifts are settled once: a gift the customer returned (a unit of its carried line) or paid for
(deducted) is not asked for again; the count travels in the refund's state. A full return never
deducts: every gift line comes back with it, or the order is over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promokit._errors import Problem, RefundError
from promokit._money import to_minor

if TYPE_CHECKING:
    from promokit._campaign import Campaign
    from promokit.refunds._order import Order, State

_POLICY = re.compile(r"; on return: (keep|return|deduct)$")


@dataclass(frozen=True, slots=True)
class OrderGift:
    """A gift an order was given, under a rule that declares ``on_return``."""

    rule: str
    times: int     # gifts given
    policy: str    # keep, return or deduct


@dataclass(frozen=True, slots=True)
class GiftDue:
    """One gift rule's due on this refund: gifts the rest no longer earns and are not back."""

    rule: str
    sku: str
    name: str
    policy: str
    value: int       # reference value of one gift, minor units
    token: int       # the token price paid per carried gift
    carried: int     # of the gifts due, those carried as lines (their token price was paid)
    loose: int       # of the gifts due, those given as a record only

    @property
    def amount(self) -> int:
        """What is deducted: each gift's value less the token price paid for it."""
        if self.policy == "keep":
            return 0
        return self.carried * (self.value - self.token) + self.loose * self.value

    @property
    def gifts(self) -> int:
        """Gifts due."""
        return self.carried + self.loose


def read_gifts(applied: list[Any]) -> tuple[OrderGift, ...]:
    """The gift records of a price result's ``applied`` list that declare a return policy."""
    out = []
    for a in applied:
        if a.get("kind") != "gift":
            continue
        found = _POLICY.search(str(a.get("detail", "")))
        if found:
            out.append(OrderGift(str(a["rule"]), int(a["times"]), found.group(1)))
    return tuple(out)


def gifts_due(order: Order, st: State, campaign: Campaign | None, earned: dict[str, int],
              declared: tuple[OrderGift, ...]) -> tuple[list[GiftDue], set[str]]:
    """Per declared gift rule, what this refund owes (``st``: the state after the returned units
    are taken away; ``earned``: gifts each rule gives the remaining items priced again).

    Also the carried gift lines of every declared rule: under ``reprice`` they keep what was
    paid for them (the rule's policy, not the new price, settles the gift). Raises for
    ``return`` when a carried gift the rest no longer earns stays with the customer.
    """
    if campaign is None:
        raise RefundError([Problem(
            f"gift rule {declared[0].rule!r} declares on_return: {declared[0].policy}; "
            "the refund prices the remaining items to see whether they still earn the gift, and "
            "needs the campaign the order was priced with", path="campaign",
            expected=f"campaign={order.campaign!r}")])
    specs = {r.id: r for r in campaign.spec.rules}
    out: list[GiftDue] = []
    held_lines: set[str] = set()
    for g in declared:
        spec: Any = specs.get(g.rule)
        if spec is None or spec.kind != "gift":
            raise RefundError([Problem(
                f"the order's gift rule {g.rule!r} is not a gift rule of campaign "
                f"{campaign.id!r}", path="campaign", value=campaign.id,
                expected=f"the campaign the order was priced with ({order.campaign!r})")])
        items = spec.items
        skus = [x.sku for x in order.lines.values()]
        pick = next((x for x in items if x.sku in skus), items[0])
        carried: list[tuple[str, int]] = []  # (line, gift units): as the engine picks them
        left = g.times
        for line in order.lines.values():
            if line.sku == pick.sku and left:
                n = min(left, line.quantity)
                carried.append((line.id, n))
                left -= n
        held_lines.update(k for k, _n in carried)
        back = sum(min(n, order.lines[k].quantity - st.lines[k].units) for k, n in carried)
        held = sum(n for _k, n in carried) - back
        due = g.times - earned.get(g.rule, 0) - back - st.gifts.get(g.rule, 0)
        if due <= 0:
            continue
        digits = order.digits
        value, token = to_minor(pick.value, digits), to_minor(spec.price, digits)
        here = min(due, held)
        owed = GiftDue(g.rule, pick.sku, pick.name, g.policy, value, token, here, due - here)
        if g.policy == "return" and here:
            need = ", ".join(f"{k}:{min(n, st.lines[k].units)}" for k, n in carried
                             if st.lines[k].units)
            raise RefundError([Problem(
                f"gift rule {g.rule!r} (on_return: return): after this return the remaining "
                f"items no longer earn {here} x {pick.name} ({pick.sku}); return the gift line "
                "with them", path="returns", value=need,
                expected=f"the gift line returned too ({need}), or fewer items returned")])
        out.append(owed)
    return out, held_lines

