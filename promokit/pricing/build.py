"""Turn a recorded run into the typed, immutable :class:`~promokit.PriceResult`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from promokit._money import Money, format_minor, money
from promokit._result.types import (
    Applied,
    CouponUse,
    LineDiscount,
    LineResult,
    NotApplied,
    Nudge,
    PointsUse,
    PriceResult,
    Records,
    ShopResult,
    _plain,
)
from promokit.pricing.engine import Setup, Trace
from promokit.rules._base import Ctx, Miss, Rule
from promokit.tiers import earned, redeemable, value_minor


def build_result(setup: Setup, ctx: Ctx, trace: Trace, coupons: Sequence[CouponUse] = (), *,
                 order_id: str | None = None, coupon_mode: str = "selected",
                 chosen: Sequence[str] = ()) -> PriceResult:
    """The result of a recorded run: totals now, typed records on first use.

    ``order_id``, ``coupon_mode`` (``selected`` or ``best``) and ``chosen`` (the coupon ids
    priced, in the order chosen) are recorded as given, with the campaign's time zone, so the
    stored result can be re-priced exactly.
    """
    cur = setup.env.currency
    subtotal = sum(setup.charged.get(ln.index, ln.unit * ln.qty) for ln in setup.lines)
    goods, ship, prepaid, points, used_value = _totals(setup, ctx)
    due = goods + ship - prepaid
    details = _Details(setup, ctx, trace)
    return PriceResult(
        campaign=setup.plan.spec.campaign, fingerprint=setup.plan.fingerprint, currency=cur,
        at=setup.at, subtotal=money(subtotal, cur), discount_total=money(subtotal - goods, cur),
        shipping_total=money(ship, cur), payable=money(due - used_value, cur),
        lines=Records(details.lines, details.lines_json),
        shops=Records(details.shops, details.shops_json),
        applied=Records(details.applied, details.applied_json),
        not_applied=Records(details.not_applied, details.not_applied_json),
        nudges=Records(details.nudges, details.nudges_json), total=money(goods + ship, cur),
        prepaid_total=money(prepaid, cur),
        shipping_fee_total=money(sum(setup.shipping.values()), cur), phase=setup.phase,
        tier=setup.tier, points=points, coupons=tuple(coupons), cart=setup.cart,
        timezone=setup.plan.spec.timezone, order_id=order_id, coupon_mode=coupon_mode,
        chosen_coupons=tuple(chosen), spec=setup.plan.spec)


class _Texts(dict[int, str]):
    """Decimal strings of minor units at one number of decimals; a new amount is formatted once."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        super().__init__()
        self.digits = digits

    def __missing__(self, minor: int) -> str:
        text = self[minor] = format_minor(minor, self.digits)
        return text


#: decimal strings of minor units, per number of decimals (format_minor is pure)
_TEXTS: dict[int, _Texts] = {}
MAX_TEXTS = 1 << 16


class _Details:
    """Builds the typed records of one finished run when they are first read."""

    def __init__(self, setup: Setup, ctx: Ctx, trace: Trace) -> None:
        self.setup, self.trace = setup, trace
        self.amounts, self.shipping = ctx.amounts, ctx.shipping  # the run is over: no more edits
        self.cur = setup.env.currency

    def m(self, minor: int) -> Money:
        return money(minor, self.cur)

    def lines(self) -> tuple[LineResult, ...]:
        setup, m = self.setup, self.m
        out = []
        for ln, taken, net in zip(setup.lines, self.trace.taken, self.amounts, strict=True):
            sub = setup.charged.get(ln.index, ln.unit * ln.qty)
            prepaid = setup.prepaid[ln.index]
            info = setup.presale_info.get(ln.index)
            out.append(LineResult(
                ln.id, ln.sku, ln.shop, ln.qty, m(ln.unit), m(sub),
                tuple(LineDiscount(r.id, r.stage, m(d), r.funded_by) for r, d in taken),
                m(sub - net), m(net), m(prepaid), m(net - prepaid),
                None if info is None else {
                    k: m(v) if isinstance(v, int) and not isinstance(v, bool) else v
                    for k, v in info.items()}))
        return tuple(out)

    def _shop_rows(self) -> list[tuple[str, int, int, int, int, int, int, int, int]]:
        """Per shop, in minor units, the fields of a ShopResult in order."""
        setup = self.setup
        acc: dict[str, list[int]] = {}
        for ln, taken in zip(setup.lines, self.trace.taken, strict=True):
            row = acc.setdefault(ln.shop, [0, 0, 0, 0, 0])
            row[0] += setup.charged.get(ln.index, ln.unit * ln.qty)
            for r, d in taken:
                row[1 if r.funded_by == "merchant" else 2] += d
        for rule, eff in self.trace.applied:
            for shop, d in eff.ship.items():
                row = acc.setdefault(shop, [0, 0, 0, 0, 0])
                row[3 if rule.funded_by == "merchant" else 4] += d
        out = []
        for shop in sorted(set(acc) | set(setup.shipping)):
            sub, merchant, platform, ship_m, ship_p = acc.get(shop, (0, 0, 0, 0, 0))
            fee = setup.shipping.get(shop, 0)
            net_fee = self.shipping.get(shop, 0)
            out.append((shop, sub, merchant + platform, merchant + ship_m, platform + ship_p, fee,
                        ship_m + ship_p, net_fee, sub - merchant - platform + net_fee))
        return out

    def shops(self) -> tuple[ShopResult, ...]:
        m = self.m
        return tuple(ShopResult(shop, *(m(v) for v in amounts))
                     for shop, *amounts in self._shop_rows())

    def applied(self) -> tuple[Applied, ...]:
        m = self.m
        ids = [ln.id for ln in self.setup.lines]
        return tuple(
            Applied(r.id, r.kind, r.stage, m(e.amount), m(e.base), e.times, e.shop, r.funded_by,
                    tuple((ids[i], m(e.alloc[i])) for i in sorted(e.alloc)), m(e.lost),
                    e.detail, tuple((s, m(d)) for s, d in sorted(e.ship.items())))
            for r, e in self.trace.applied)

    def _missed(self) -> list[tuple[Rule, Miss]]:
        return [*self.setup.early_misses, *self.trace.missed]

    def not_applied(self) -> tuple[NotApplied, ...]:
        m = self.m
        return tuple(
            NotApplied(r.id, r.kind, r.stage, str(x.reason), x.message, x.shop,
                       None if x.shortfall is None else m(x.shortfall),
                       None if x.would_save is None else m(x.would_save), x.next_open,
                       x.need, x.has, x.by)
            for r, x in self._missed())

    def nudges(self) -> tuple[Nudge, ...]:
        m = self.m
        out = [Nudge(r.id, x.shop, m(x.shortfall), m(x.would_save))
               for r, x in self._missed() if x.shortfall is not None and x.would_save]
        out += [Nudge(r.id, e.shop, m(e.nudge[0]), m(e.nudge[1]))
                for r, e in self.trace.applied if e.nudge is not None and e.nudge[1] > 0]
        return tuple(sorted(out, key=lambda n: (n.shortfall.minor, n.rule, n.shop or "")))


    # --- the same records in their JSON form (PriceResult.to_dict), made from the run's
    # numbers without typed records or Money in between: key for key, string for string what
    # the typed records give (tests/result/test_to_dict_direct.py holds them to it)

    def text(self) -> Callable[[int], str]:
        """Minor units as the result's decimal strings (the same amounts recur in every result:
        they are remembered per number of decimals, up to a bound)."""
        digits = self.setup.env.digits
        memo = _TEXTS.get(digits)
        if memo is None or len(memo) > MAX_TEXTS:
            memo = _TEXTS[digits] = _Texts(digits)
        return memo.__getitem__  # a known amount costs one dict lookup, no Python call

    def lines_json(self) -> list[dict[str, Any]]:
        setup, t = self.setup, self.text()
        charged, prepaid_of, info_of = setup.charged, setup.prepaid, setup.presale_info
        out = []
        for ln, taken, net in zip(setup.lines, self.trace.taken, self.amounts, strict=True):
            i = ln.index
            sub = charged.get(i, ln.unit * ln.qty)
            prepaid = prepaid_of[i]
            info = info_of.get(i)
            out.append({
                "id": ln.id, "sku": ln.sku, "shop": ln.shop, "quantity": ln.qty,
                "unit_price": t(ln.unit), "subtotal": t(sub),
                "discounts": [{"rule": r.id, "stage": r.stage, "amount": t(d),
                               "funded_by": r.funded_by} for r, d in taken],
                "discount": t(sub - net), "net": t(net), "prepaid": t(prepaid),
                "due": t(net - prepaid),
                "presale": None if info is None else {
                    k: t(v) if isinstance(v, int) and not isinstance(v, bool) else _plain(v)
                    for k, v in info.items()}})
        return out

    def shops_json(self) -> list[dict[str, Any]]:
        t = self.text()
        return [{"shop": shop, "subtotal": t(sub), "discount": t(disc),
                 "merchant_funded": t(merchant), "platform_funded": t(platform),
                 "shipping_fee": t(fee), "shipping_discount": t(ship_disc),
                 "shipping": t(ship), "payable": t(pay)}
                for shop, sub, disc, merchant, platform, fee, ship_disc, ship, pay
                in self._shop_rows()]

    def applied_json(self) -> list[dict[str, Any]]:
        t = self.text()
        ids = [ln.id for ln in self.setup.lines]
        return [{"rule": r.id, "kind": r.kind, "stage": r.stage, "amount": t(e.amount),
                 "base": t(e.base), "times": e.times, "shop": e.shop, "funded_by": r.funded_by,
                 "allocations": {ids[i]: t(e.alloc[i]) for i in sorted(e.alloc)},
                 "lost": t(e.lost), "detail": e.detail,
                 "shipping": {s: t(d) for s, d in sorted(e.ship.items())}}
                for r, e in self.trace.applied]

    def not_applied_json(self) -> list[dict[str, Any]]:
        t = self.text()
        return [{"rule": r.id, "kind": r.kind, "stage": r.stage, "reason": str(x.reason),
                 "message": x.message, "shop": x.shop,
                 "shortfall": None if x.shortfall is None else t(x.shortfall),
                 "would_save": None if x.would_save is None else t(x.would_save),
                 "next_open": None if x.next_open is None else x.next_open.isoformat(),
                 "need": x.need, "has": x.has, "by": x.by}
                for r, x in self._missed()]

    def nudges_json(self) -> list[dict[str, Any]]:
        t = self.text()
        rows = [(x.shortfall, r.id, x.shop, x.would_save) for r, x in self._missed()
                if x.shortfall is not None and x.would_save]
        rows += [(e.nudge[0], r.id, e.shop, e.nudge[1])
                 for r, e in self.trace.applied if e.nudge is not None and e.nudge[1] > 0]
        rows.sort(key=lambda n: (n[0], n[1], n[2] or ""))
        return [{"rule": rule, "shop": shop, "shortfall": t(short), "would_save": t(save),
                 "message": f"add {t(short)} more to save {t(save)}"}
                for short, rule, shop, save in rows]


def _totals(setup: Setup, ctx: Ctx) -> tuple[int, int, int, PointsUse | None, int]:
    """(goods, shipping, prepaid, points use, value of points paid) of a finished run."""
    goods = sum(ctx.amounts)
    ship = sum(ctx.shipping.values())
    prepaid = sum(setup.prepaid)
    points, value = _points(setup, goods, ship, goods + ship - prepaid)
    return goods, ship, prepaid, points, value


def payable_minor(setup: Setup, ctx: Ctx) -> int:
    """What a finished run charges now: total - prepaid - points paid, in minor units."""
    return payable_for_due(setup, sum(ctx.amounts) + sum(ctx.shipping.values())
                           - sum(setup.prepaid))


def payable_for_due(setup: Setup, due: int) -> int:
    """What is charged when ``due`` is due before points (non-decreasing in ``due``)."""
    return due - _points_paid(setup, due)[1]


def _points_paid(setup: Setup, due: int) -> tuple[int, int]:
    """(points the customer pays with, their value in minor units) towards ``due``."""
    spec = setup.plan.spec.points
    if spec is None or due <= 0:
        return 0, 0
    digits = setup.env.digits
    customer = setup.cart.customer
    used = redeemable(spec, customer.use_points, customer.points, due, digits)
    return used, value_minor(spec, used, digits)


def _points(setup: Setup, goods: int, ship: int, due: int) -> tuple[PointsUse | None, int]:
    spec = setup.plan.spec.points
    if spec is None:
        return None, 0
    digits = setup.env.digits
    used, value = _points_paid(setup, due)
    paid = (goods if spec.basis == "goods" else goods + ship) - value
    earn = 0 if setup.phase == "deposit" else earned(spec, paid, digits, setup.points_multiplier)
    return PointsUse(used, Money(value, setup.env.currency), earn, setup.points_multiplier), value

