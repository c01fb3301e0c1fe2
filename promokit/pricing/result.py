"""Turn a recorded run into the typed, immutable :class:`~promokit.PriceResult`."""

from __future__ import annotations

from collections.abc import Sequence

from .._money import Money, money
from .._result import (
    Applied,
    CouponUse,
    LineDiscount,
    LineResult,
    NotApplied,
    Nudge,
    PointsUse,
    PriceResult,
    ShopResult,
)
from ..rules._base import Ctx
from ..tiers import earned, redeemable, value_minor
from .engine import Setup, Trace


def build_result(setup: Setup, ctx: Ctx, trace: Trace,
                 coupons: Sequence[CouponUse] = ()) -> PriceResult:
    """The result of a recorded run."""
    env = setup.env
    cur = env.currency

    def m(minor: int) -> Money:
        return money(minor, cur)

    lines = []
    shop_acc: dict[str, list[int]] = {}
    for ln, taken, net in zip(setup.lines, trace.taken, ctx.amounts, strict=True):
        sub = setup.charged.get(ln.index, ln.unit * ln.qty)
        prepaid = setup.prepaid[ln.index]
        info = setup.presale_info.get(ln.index)
        lines.append(LineResult(
            ln.id, ln.sku, ln.shop, ln.qty, m(ln.unit), m(sub),
            tuple(LineDiscount(r.id, r.stage, m(d), r.funded_by) for r, d in taken),
            m(sub - net), m(net), m(prepaid), m(net - prepaid),
            None if info is None else {k: m(v) if isinstance(v, int) and not isinstance(v, bool)
                                       else v for k, v in info.items()}))
        acc = shop_acc.setdefault(ln.shop, [0, 0, 0, 0])
        acc[0] += sub
        for r, d in taken:
            acc[1 if r.funded_by == "merchant" else 2] += d
    ship_disc: dict[str, list[int]] = {}
    for rule, eff in trace.applied:
        for shop, d in eff.ship.items():
            acc2 = ship_disc.setdefault(shop, [0, 0])
            acc2[0 if rule.funded_by == "merchant" else 1] += d
    shops = []
    for shop in sorted(set(shop_acc) | set(setup.shipping)):
        sub, merchant, platform, _ = shop_acc.get(shop, (0, 0, 0, 0))
        fee = setup.shipping.get(shop, 0)
        ship_m, ship_p = ship_disc.get(shop, (0, 0))
        net_fee = ctx.shipping.get(shop, 0)
        shops.append(ShopResult(shop, m(sub), m(merchant + platform), m(merchant + ship_m),
                                m(platform + ship_p), m(fee), m(ship_m + ship_p), m(net_fee),
                                m(sub - merchant - platform + net_fee)))
    ids = [ln.id for ln in setup.lines]
    applied = tuple(
        Applied(r.id, r.kind, r.stage, m(e.amount), m(e.base), e.times, e.shop, r.funded_by,
                tuple((ids[i], m(e.alloc[i])) for i in sorted(e.alloc)), m(e.lost), e.detail,
                tuple((s, m(d)) for s, d in sorted(e.ship.items())))
        for r, e in trace.applied)
    missed = [*setup.early_misses, *trace.missed]
    not_applied = tuple(
        NotApplied(r.id, r.kind, r.stage, str(x.reason), x.message, x.shop,
                   None if x.shortfall is None else m(x.shortfall),
                   None if x.would_save is None else m(x.would_save), x.next_open,
                   x.need, x.has, x.by)
        for r, x in missed)
    nudges = [Nudge(r.id, x.shop, m(x.shortfall), m(x.would_save))
              for r, x in missed if x.shortfall is not None and x.would_save]
    nudges += [Nudge(r.id, e.shop, m(e.nudge[0]), m(e.nudge[1]))
               for r, e in trace.applied if e.nudge is not None and e.nudge[1] > 0]
    subtotal = sum(setup.charged.get(ln.index, ln.unit * ln.qty) for ln in setup.lines)
    goods, ship, prepaid, points, used_value = _totals(setup, ctx)
    due = goods + ship - prepaid
    return PriceResult(
        campaign=setup.campaign.id, fingerprint=setup.campaign.fingerprint, currency=cur,
        at=setup.at, subtotal=m(subtotal), discount_total=m(subtotal - goods),
        shipping_total=m(ship), payable=m(due - used_value), lines=tuple(lines),
        shops=tuple(shops), applied=applied, not_applied=not_applied,
        nudges=tuple(sorted(nudges, key=lambda n: (n.shortfall.minor, n.rule, n.shop or ""))),
        total=m(goods + ship), prepaid_total=m(prepaid),
        shipping_fee_total=m(sum(setup.shipping.values())), phase=setup.phase, tier=setup.tier,
        points=points, coupons=tuple(coupons), cart=setup.cart, spec=setup.campaign.spec)


def _totals(setup: Setup, ctx: Ctx) -> tuple[int, int, int, PointsUse | None, int]:
    """(goods, shipping, prepaid, points use, value of points paid) of a finished run."""
    goods = sum(ctx.amounts)
    ship = sum(ctx.shipping.values())
    prepaid = sum(setup.prepaid)
    points, value = _points(setup, goods, ship, goods + ship - prepaid)
    return goods, ship, prepaid, points, value


def payable_minor(setup: Setup, ctx: Ctx) -> int:
    """What a finished run charges now: total - prepaid - points paid, in minor units."""
    goods, ship, prepaid, _points_use, value = _totals(setup, ctx)
    return goods + ship - prepaid - value


def _points(setup: Setup, goods: int, ship: int, due: int) -> tuple[PointsUse | None, int]:
    spec = setup.campaign.spec.points
    if spec is None:
        return None, 0
    digits = setup.env.digits
    customer = setup.cart.customer
    used = redeemable(spec, customer.use_points, customer.points, due, digits)
    value = value_minor(spec, used, digits)
    paid = (goods if spec.basis == "goods" else goods + ship) - value
    earn = 0 if setup.phase == "deposit" else earned(spec, paid, digits, setup.points_multiplier)
    return PointsUse(used, Money(value, setup.env.currency), earn, setup.points_multiplier), value

