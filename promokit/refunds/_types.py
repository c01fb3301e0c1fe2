"""The typed, immutable results of a refund and of a settlement, their JSON and text forms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from promokit._errors import Problem, RefundError
from promokit._money import Money

Method = Literal["allocated", "reprice"]
ShippingRule = Literal["full_return", "proportional", "never"]
Basis = Literal["order", "paid"]
METHODS: tuple[str, ...] = ("allocated", "reprice")
#: What a refund amount is measured in: the order before discounts (WeChat Pay) or money paid.
BASES: tuple[str, ...] = ("order", "paid")
SHIPPING_RULES: tuple[str, ...] = ("full_return", "proportional", "never")


@dataclass(frozen=True, slots=True)
class RefundPolicy:
    """How to refund: ``allocated`` (Taobao: each unit at its allocated net) or ``reprice``.

    ``shipping``: a shop's shipping is refunded on the ``full_return`` of its lines (the default),
    in ``proportional`` steps, or ``never``; under ``reprice`` it follows the re-pricing, so only
    the default is accepted. ``refund_deposit``: the seller agrees to refund pre-sale deposits
    whose balance was never paid (kept by default).

    >>> RefundPolicy("reprice").method
    'reprice'
    """

    method: Method = "allocated"
    shipping: ShippingRule = "full_return"
    refund_deposit: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.method not in METHODS:
            problems.append(Problem("unknown refund policy", path="policy.method",
                                    value=self.method, expected=" or ".join(METHODS)))
        if self.shipping not in SHIPPING_RULES:
            problems.append(Problem("unknown shipping rule", path="policy.shipping",
                                    value=self.shipping, expected=", ".join(SHIPPING_RULES)))
        elif self.method == "reprice" and self.shipping != "full_return":
            problems.append(Problem("under reprice, shipping follows the re-pricing",
                                    path="policy.shipping", value=self.shipping,
                                    expected="full_return"))
        if not isinstance(self.refund_deposit, bool):
            problems.append(Problem("not a boolean", path="policy.refund_deposit",
                                    value=self.refund_deposit, expected="true or false"))
        if problems:
            raise RefundError(problems)

    @classmethod
    def of(cls, policy: RefundPolicy | str) -> RefundPolicy:
        """A policy from itself or a method name."""
        return policy if isinstance(policy, RefundPolicy) else cls(policy)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"method": self.method, "shipping": self.shipping,
                "refund_deposit": self.refund_deposit}


@dataclass(frozen=True, slots=True)
class RefundLine:
    """Returned units of one line: what was paid for them, refunded, kept and clawed back."""

    id: str
    sku: str
    shop: str
    units: int
    paid: Money      # the units' allocated net (what was paid for them, by any means)
    refund: Money    # refunded for them
    kept: Money      # a pre-sale deposit the shop keeps (balance never paid)
    clawback: Money  # paid - refund - kept: discount the remaining lines lose (reprice)


@dataclass(frozen=True, slots=True)
class Clawback:
    """Discount a remaining line (or a shop's shipping) lost when the cart was priced again."""

    what: Literal["line", "shipping"]
    id: str          # the line id, or the shop for shipping
    amount: Money    # new paid - old paid: positive is lost, negative is gained


@dataclass(frozen=True, slots=True)
class GiftDeduction:
    """A gift the remaining items no longer earn, settled by its rule's ``on_return``."""

    rule: str
    sku: str
    gifts: int       # gifts settled
    policy: str      # deduct, or return (a gift given without a line to return)
    amount: Money    # taken off this refund: value less token paid, at most the refund


@dataclass(frozen=True, slots=True)
class CouponReturn:
    """An applied coupon: back to the wallet (a full return, still valid) or not, and why."""

    id: str
    kind: str
    amount: Money
    returned: bool
    reason: str


@dataclass(frozen=True, slots=True)
class ShopSettlement:
    """One shop's settlement: gross, discounts by funder, shipping, and what it receives."""

    shop: str
    gross: Money             # goods at their subtotal, units not returned
    merchant_funded: Money   # discounts the shop funds (goods and shipping)
    platform_funded: Money   # discounts the platform funds, and so reimburses
    shipping_fee: Money      # shipping fee before shipping discounts
    paid: Money              # what the customer paid the shop (any means), after refunds
    retained: Money          # kept after a return (pre-sale deposits)
    receivable: Money        # paid + platform_funded + retained


@dataclass(frozen=True, slots=True)
class Settlement:
    """Per-shop settlement of an order, after any refunds; shops sum to the order's totals."""

    currency: str
    refunds: int             # how many refunds are included
    shops: tuple[ShopSettlement, ...]
    paid: Money              # the order's total (cash, points, deposits) less refunds
    refunded: Money
    platform_reimbursement: Money
    receivable: Money        # paid + platform_reimbursement: what the shops receive in all

    def shop(self, shop: str) -> ShopSettlement:
        """The settlement of one shop."""
        for s in self.shops:
            if s.shop == shop:
                return s
        raise KeyError(shop)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: money as decimal strings."""
        return {"currency": self.currency, "refunds": self.refunds,
                "shops": [_plain(s) for s in self.shops], "paid": self.paid.to_json(),
                "refunded": self.refunded.to_json(),
                "platform_reimbursement": self.platform_reimbursement.to_json(),
                "receivable": self.receivable.to_json()}

    def receipt(self) -> str:
        """A plain-text table, one row per shop."""
        head = (f"  {'shop':<8} {'gross':>10} {'merchant':>10} {'platform':>10} "
                f"{'shipping':>9} {'paid':>10} {'kept':>8} {'receivable':>11}")
        out = [head]
        for s in self.shops:
            out.append(f"  {s.shop:<8} {s.gross.to_json():>10} {_minus(s.merchant_funded):>10} "
                       f"{_minus(s.platform_funded):>10} {s.shipping_fee.to_json():>9} "
                       f"{s.paid.to_json():>10} {s.retained.to_json():>8} "
                       f"{s.receivable.to_json():>11}")
        out.append(f"  paid {self.paid.to_json()} (refunded {self.refunded.to_json()}) + platform "
                   f"reimburses {self.platform_reimbursement.to_json()} = shops receive "
                   f"{self.receivable.to_json()} {self.currency}")
        return "\n".join(out) + "\n"


@dataclass(frozen=True, slots=True)
class Refund:
    """One refund of an order: per returned line, shipping, points, coupons, and the settlement.

    ``amount = cash + points_value``. ``state`` is what remains of the order; pass this refund in
    ``earlier=`` to the next :func:`~promokit.refund` of the same order.
    """

    order: str               # sha256 of the price result's JSON form
    sequence: int            # 1 for the order's first refund
    campaign: str
    fingerprint: str
    currency: str
    at: datetime | None
    policy: RefundPolicy
    lines: tuple[RefundLine, ...]
    shipping: tuple[tuple[str, Money], ...]   # (shop, amount) of shipping refunded
    clawbacks: tuple[Clawback, ...]
    amount: Money
    cash: Money
    points: int              # points paid with, given back as points
    points_value: Money
    points_clawed_back: int  # points earned by the order, taken back
    kept: Money
    coupons: tuple[CouponReturn, ...]
    full_return: bool        # nothing of the order remains
    notes: tuple[str, ...]
    settlement: Settlement
    state: str               # what remains of the order, as canonical JSON
    #: a refund of an amount (no units returned): what was asked and in what terms
    requested: tuple[Money, Basis] | None = None
    #: gifts the remaining items no longer earn, deducted from this refund (on_return)
    gifts: tuple[GiftDeduction, ...] = ()

    @property
    def clawback(self) -> Money:
        """Discount lost by the remaining lines: paid for the returned units, not refunded."""
        return sum((x.clawback for x in self.lines), Money.zero(self.currency))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: money as decimal strings; carries the order's state for the next one."""
        return {
            "format": 1, "kind": "refund", "order": self.order, "sequence": self.sequence,
            "campaign": self.campaign, "fingerprint": self.fingerprint,
            "currency": self.currency, "at": self.at.isoformat() if self.at else None,
            "policy": self.policy.to_dict(), "amount": self.amount.to_json(),
            "cash": self.cash.to_json(),
            "points": {"refunded": self.points, "value": self.points_value.to_json(),
                       "earned_clawed_back": self.points_clawed_back},
            "kept": self.kept.to_json(), "clawback": self.clawback.to_json(),
            "full_return": self.full_return,
            "lines": [_plain(x) for x in self.lines],
            "shipping": {shop: amount.to_json() for shop, amount in self.shipping},
            "clawbacks": [_plain(x) for x in self.clawbacks],
            "coupons": [_plain(x) for x in self.coupons],
            "notes": list(self.notes),
            "settlement": self.settlement.to_dict(),
            "state": json.loads(self.state),
            **({"requested": {"amount": self.requested[0].to_json(), "basis": self.requested[1]}}
               if self.requested is not None else {}),
            **({"gifts": [_plain(x) for x in self.gifts]} if self.gifts else {}),
        }

    def receipt(self) -> str:
        """A plain-text refund receipt, with the settlement after it."""
        cur = self.currency
        when = f", at {self.at.isoformat()}" if self.at else ""
        out = [f"refund {self.sequence} of order {self.order[:19]}  ({self.campaign}, {cur}"
               f"{when})", f"  policy: {self.policy.method}, shipping {self.policy.shipping}"
               + (", deposits refunded" if self.policy.refund_deposit else ""), ""]
        if self.requested is not None:
            asked, basis = self.requested
            terms = "of the order before discounts, scaled by paid / that" if basis == "order" \
                else "of money paid"
            out.append(f"  amount asked {asked.to_json()} {cur} ({terms}); no units returned")
        for x in self.lines:
            if self.requested is not None:
                out.append(f"  {x.id:<8} {x.sku:<14} shop {x.shop:<6} {'':>9}  "
                           f"{'':>15}  refund {x.refund.to_json():>10}")
                continue
            out.append(f"  {x.id:<8} {x.sku:<14} shop {x.shop:<6} {x.units:>3} unit"
                       f"{'s' if x.units != 1 else ' '}  paid {x.paid.to_json():>10}  "
                       f"refund {x.refund.to_json():>10}")
            if x.kept:
                out.append(f"      deposit kept by the shop {x.kept.to_json():>24}")
            if x.clawback:
                out.append(f"      claw-back {x.clawback.to_json():>39}")
        for shop, amount in self.shipping:
            out.append(f"  shipping of shop {shop:<6} {'refund':>29} {amount.to_json():>10}")
        if self.clawbacks:
            out.append("  claw-back (discount the remaining lines lost on re-pricing):")
            for c in self.clawbacks:
                label = f"line {c.id}" if c.what == "line" else f"shipping of shop {c.id}"
                out.append(f"    {label:<30} {c.amount.to_json():>10}")
        for g in self.gifts:
            out.append(f"  gift deducted ({g.rule}, {g.gifts} x {g.sku}) "
                       f"{'':>18} -{g.amount.to_json():>9}")
        if self.coupons:
            out.append("  coupons:")
            for cp in self.coupons:
                state = "back to the wallet" if cp.returned else "not returned"
                out.append(f"    {cp.id} ({cp.kind}, {cp.amount.to_json()}): {state}: {cp.reason}")
        if self.points or self.points_clawed_back:
            out.append(f"  points: {self.points} given back ({self.points_value.to_json()}), "
                       f"{self.points_clawed_back} earned points taken back")
        for note in self.notes:
            out.append(f"  note: {note}")
        out.append("")
        if self.kept:
            out.append(f"  kept     {self.kept.to_json():>12}")
        out.append(f"  refund   {self.amount.to_json():>12} {cur}  (cash {self.cash.to_json()}, "
                   f"points {self.points_value.to_json()})"
                   + ("  full return" if self.full_return else ""))
        out.append("")
        out.append("  settlement after this refund:")
        return "\n".join(out) + "\n" + self.settlement.receipt()


def _minus(amount: Money) -> str:
    return f"-{amount.to_json()}" if amount else amount.to_json()


def _value(value: object) -> object:
    if isinstance(value, Money):
        return value.to_json()
    return value


def _plain(obj: object) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in obj.__slots__}  # type: ignore[attr-defined]
