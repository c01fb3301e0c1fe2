"""The ``check_invariants()`` checker: what every price result must satisfy, in minor units."""

from __future__ import annotations

from promokit._money import MINOR_UNITS, Money, format_minor, to_minor
from promokit._result.types import Applied, NotApplied, PriceResult


def check_invariants(result: PriceResult) -> None:
    """Raise AssertionError naming the broken invariant and its numbers, if any fails.

    Checked, all in exact minor units and in the result's one currency:

    * lines mirror ``result.cart`` (ids, order, sku, shop, unit price, quantity); a line's
      subtotal is unit price x quantity (in the deposit phase a pre-sale line's is its deposit);
      ``0 <= prepaid <= net <= subtotal``, ``due = net - prepaid``, and ``discount = subtotal -
      net`` is the sum of the line's recorded discounts, each positive;
    * order: ``subtotal`` and ``prepaid_total`` are sums over lines; ``discount_total = subtotal -
      sum(nets)``; ``total = sum(nets) + shipping_total``; ``payable = total - prepaid_total -
      points used`` and ``payable >= 0``;
    * each applied rule: its allocations are positive and name distinct cart lines (of its shop,
      for a per-shop outcome), its shipping reductions are positive and name distinct shops, and
      together they add up to its amount; the goods part never exceeds its ``base`` (what it was
      judged on: running, list or earlier-stage amounts, never less than what was left on its
      lines); ``lost >= 0``, ``times >= 1``;
    * replaying the applied rules in order from the line subtotals and shop fees, each rule
      takes from a line or a fee no more than is left on it at that moment, and the lines'
      recorded discounts are exactly these allocations, in this order;
    * shops: listed once each, sorted, covering every line's shop; subtotal and discount are sums
      over the shop's lines; ``shipping = shipping_fee - shipping_discount`` within ``[0,
      shipping_fee]``, the fee being the cart's (or 0 in the deposit phase; a shop with no lines
      pays no shipping); shipping_discount is the sum of the shipping reductions applied to the
      shop; ``merchant_funded + platform_funded = discount + shipping_discount``, each the sum of
      what its funder's rules took; ``payable = subtotal - discount + shipping``; over all shops
      subtotal, discount, shipping fee, shipping and payable add up to the order's subtotal,
      discount_total, shipping_fee_total, shipping_total and total;
    * a rule reports at most once per shop (or once, unscoped), applied or not; a nudge asks for
      a positive amount more to save a positive amount.
    """
    _Checker(result).run()


class _Checker:
    def __init__(self, result: PriceResult) -> None:
        self.r = result
        self.digits = MINOR_UNITS[result.currency]

    def fail(self, invariant: str, detail: str) -> None:
        raise AssertionError(f"invariant {invariant!r} broken: {detail}")

    def m(self, money: Money) -> int:
        if money.currency != self.r.currency:
            self.fail("one currency", f"{money!r} in a {self.r.currency} result")
        return money.minor

    def show(self, minor: int) -> str:
        return format_minor(minor, self.digits)

    def run(self) -> None:
        self.lines()
        self.totals()
        self.applied()
        self.shops()
        self.reports()

    def lines(self) -> None:
        r, show = self.r, self.show
        if [x.id for x in r.lines] != [x.id for x in r.cart.lines]:
            self.fail("lines mirror the cart", f"result lines {[x.id for x in r.lines]} != "
                      f"cart lines {[x.id for x in r.cart.lines]}")
        for line, src in zip(r.lines, r.cart.lines, strict=True):
            unit, sub, net, disc, prepaid, due = (
                self.m(v) for v in (line.unit_price, line.subtotal, line.net, line.discount,
                                    line.prepaid, line.due))
            if (line.sku, line.shop, line.quantity) != (src.sku, src.shop, src.quantity) \
                    or unit != to_minor(src.unit_price, self.digits):
                self.fail("lines mirror the cart", f"line {line.id}: {line.sku}/{line.shop} "
                          f"{line.quantity} x {show(unit)} vs cart {src.sku}/{src.shop} "
                          f"{src.quantity} x {src.unit_price}")
            charged = r.phase == "deposit" and line.presale is not None
            want = self.m(line.presale["deposit"]) if charged else unit * line.quantity  # type: ignore[index]
            if sub != want:
                self.fail("line subtotal = unit price x quantity (deposit phase: the deposit)",
                          f"line {line.id}: {show(sub)} != {show(want)}")
            if not 0 <= prepaid <= net <= sub or due != net - prepaid:
                self.fail("0 <= prepaid <= net <= subtotal, due = net - prepaid",
                          f"line {line.id}: prepaid {show(prepaid)}, net {show(net)}, subtotal "
                          f"{show(sub)}, due {show(due)}")
            parts = [self.m(d.amount) for d in line.discounts]
            if disc != sub - net or sum(parts) != disc:
                self.fail("line discount = subtotal - net = sum of its discounts",
                          f"line {line.id}: discount {show(disc)}, subtotal - net "
                          f"{show(sub - net)}, discounts {[show(p) for p in parts]}")
            for d in line.discounts:
                if self.m(d.amount) <= 0 or d.funded_by not in ("merchant", "platform"):
                    self.fail("line discounts are positive and funded",
                              f"line {line.id}: rule {d.rule} {d.amount!r} by {d.funded_by!r}")

    def totals(self) -> None:
        r, show = self.r, self.show
        subtotal = sum(self.m(x.subtotal) for x in r.lines)
        nets = sum(self.m(x.net) for x in r.lines)
        prepaid = sum(self.m(x.prepaid) for x in r.lines)
        total, ship, payable = self.m(r.total), self.m(r.shipping_total), self.m(r.payable)
        points = self.m(r.points.value) if r.points is not None else 0
        if self.m(r.subtotal) != subtotal:
            self.fail("subtotal = sum of line subtotals",
                      f"{show(self.m(r.subtotal))} != {show(subtotal)}")
        if self.m(r.discount_total) != subtotal - nets:
            self.fail("discount_total = subtotal - sum of line nets",
                      f"{show(self.m(r.discount_total))} != {show(subtotal)} - {show(nets)}")
        if self.m(r.prepaid_total) != prepaid:
            self.fail("prepaid_total = sum of line prepaid",
                      f"{show(self.m(r.prepaid_total))} != {show(prepaid)}")
        if total != nets + ship:
            self.fail("total = sum of line nets + shipping_total",
                      f"{show(total)} != {show(nets)} + {show(ship)}")
        if payable != total - prepaid - points or points < 0:
            self.fail("payable = total - prepaid_total - points used",
                      f"{show(payable)} != {show(total)} - {show(prepaid)} - {show(points)}")
        if payable < 0:
            self.fail("payable >= 0", f"payable {show(payable)}")

    def applied(self) -> None:
        r, show = self.r, self.show
        shop_of = {x.id: x.shop for x in r.lines}
        left = {x.id: self.m(x.subtotal) for x in r.lines}
        fee_left = {s.shop: self.m(s.shipping_fee) for s in r.shops}
        replay: dict[str, list[tuple[str, int]]] = {x.id: [] for x in r.lines}
        for a in r.applied:
            amount, base, lost = self.m(a.amount), self.m(a.base), self.m(a.lost)
            allocs = [(line, self.m(v)) for line, v in a.allocations]
            ships = [(shop, self.m(v)) for shop, v in a.shipping]
            where = f"rule {a.rule}" + (f" in shop {a.shop}" if a.shop else "")
            ids, shops = [i for i, _ in allocs], [s for s, _ in ships]
            if len(set(ids)) != len(ids) or not set(ids) <= set(shop_of) \
                    or len(set(shops)) != len(shops) or not set(shops) <= set(fee_left):
                self.fail("allocations name distinct cart lines and shops",
                          f"{where}: lines {ids}, shops {shops}")
            if a.shop is not None and ({shop_of[i] for i in ids} | set(shops)) - {a.shop}:
                self.fail("a per-shop outcome stays within its shop",
                          f"{where}: lines {[(i, shop_of[i]) for i in ids]}, shops {shops}")
            goods = sum(v for _, v in allocs)
            if any(v <= 0 for _, v in allocs + ships) \
                    or goods + sum(v for _, v in ships) != amount:
                self.fail("applied allocations are positive and add up to the amount",
                          f"{where}: amount {show(amount)}, allocations "
                          f"{[(i, show(v)) for i, v in allocs]}, shipping "
                          f"{[(s, show(v)) for s, v in ships]}")
            # a gift takes its carried gift lines down, which are not part of the spend that
            # earned it (its base), so its base does not bound it: what is left on each of
            # those lines does (the per-line check below)
            over_base = a.kind != "gift" and goods > base
            if goods < 0 or over_base or lost < 0 or a.times < 1:
                self.fail("0 <= goods taken <= the applied base, lost >= 0, times >= 1",
                          f"{where}: goods taken {show(goods)}, base {show(base)}, "
                          f"lost {show(lost)}, times {a.times}")
            for line_id, v in allocs:
                if v > left[line_id]:
                    self.fail("no allocation exceeds what is left on the line",
                              f"{where} takes {show(v)} from line {line_id} with "
                              f"{show(left[line_id])} left")
                left[line_id] -= v
                replay[line_id].append((a.rule, v))
            for shop, v in ships:
                if v > fee_left[shop]:
                    self.fail("no shipping reduction exceeds what is left of the fee",
                              f"{where} takes {show(v)} off shop {shop}'s shipping with "
                              f"{show(fee_left[shop])} left")
                fee_left[shop] -= v
        for line in r.lines:
            recorded = [(d.rule, self.m(d.amount)) for d in line.discounts]
            if recorded != replay[line.id]:
                self.fail("line discounts = applied allocations, in order",
                          f"line {line.id}: discounts {recorded} vs allocations {replay[line.id]}")

    def shops(self) -> None:
        r, show = self.r, self.show
        names = [s.shop for s in r.shops]
        if names != sorted(set(names)) or not {x.shop for x in r.lines} <= set(names):
            self.fail("shops listed once each, sorted, covering every line",
                      f"shops {names}, line shops {sorted({x.shop for x in r.lines})}")
        cart_fees = {s: to_minor(f, self.digits) for s, f in r.cart.shipping.items()}
        funded: dict[tuple[str, str], int] = {}
        ship_off: dict[str, int] = {}
        for a in r.applied:
            for shop, v in a.shipping:
                ship_off[shop] = ship_off.get(shop, 0) + self.m(v)
                key = (shop, a.funded_by)
                funded[key] = funded.get(key, 0) + self.m(v)
        for x in r.lines:
            for d in x.discounts:
                key = (x.shop, d.funded_by)
                funded[key] = funded.get(key, 0) + self.m(d.amount)
        with_lines = {x.shop for x in r.lines}
        idle = sorted(s.shop for s in r.shops if s.shop not in with_lines and self.m(s.shipping))
        if idle:
            self.fail("no shipping is charged for a shop with no lines",
                      f"shops {idle} have no lines but pay shipping")
        sums: list[int] = [0] * 5
        for s in r.shops:
            lines = [x for x in r.lines if x.shop == s.shop]
            sub, disc, merchant, platform, fee, fee_off, ship, pay = (
                self.m(v) for v in (s.subtotal, s.discount, s.merchant_funded, s.platform_funded,
                                    s.shipping_fee, s.shipping_discount, s.shipping, s.payable))
            want_sub = sum(self.m(x.subtotal) for x in lines)
            want_disc = sum(self.m(x.discount) for x in lines)
            if (sub, disc) != (want_sub, want_disc):
                self.fail("shop subtotal and discount = sums over its lines",
                          f"shop {s.shop}: subtotal {show(sub)} vs {show(want_sub)}, "
                          f"discount {show(disc)} vs {show(want_disc)}")
            cart_fee = cart_fees.get(s.shop, 0)
            if fee not in (cart_fee, 0 if r.phase == "deposit" else cart_fee) \
                    or fee_off != ship_off.get(s.shop, 0) or not 0 <= ship == fee - fee_off:
                self.fail("0 <= shipping = shipping_fee - applied shipping reductions",
                          f"shop {s.shop}: fee {show(fee)} (cart {show(cart_fee)}), shipping "
                          f"discount {show(fee_off)} (applied "
                          f"{show(ship_off.get(s.shop, 0))}), shipping {show(ship)}")
            by = (funded.get((s.shop, "merchant"), 0), funded.get((s.shop, "platform"), 0))
            if merchant + platform != disc + fee_off or (merchant, platform) != by:
                self.fail("merchant_funded + platform_funded = discount + shipping_discount",
                          f"shop {s.shop}: {show(merchant)} + {show(platform)} vs "
                          f"{show(disc)} + {show(fee_off)}; rules took {show(by[0])} funded "
                          f"by merchants, {show(by[1])} by the platform")
            if pay != sub - disc + ship:
                self.fail("shop payable = subtotal - discount + shipping",
                          f"shop {s.shop}: {show(pay)} != {show(sub)} - {show(disc)} + "
                          f"{show(ship)}")
            for k, part in enumerate((sub, disc, fee, ship, pay)):
                sums[k] += part
        order = [self.m(v) for v in (r.subtotal, r.discount_total, r.shipping_fee_total,
                                     r.shipping_total, r.total)]
        if sums != order:
            self.fail("shop totals add up to the order totals",
                      "subtotal, discount, shipping fee, shipping, payable: shops "
                      f"{[show(v) for v in sums]} vs order {[show(v) for v in order]}")

    def reports(self) -> None:
        r, show = self.r, self.show
        seen: set[tuple[str, str | None]] = set()
        records: list[Applied | NotApplied] = [*r.applied, *r.not_applied]
        for x in records:
            key = (x.rule, x.shop)
            if key in seen:
                self.fail("a rule reports once per shop", f"rule {x.rule}, shop {x.shop}")
            seen.add(key)
        for n in r.nudges:
            short, save = self.m(n.shortfall), self.m(n.would_save)
            if short <= 0 or save <= 0:
                self.fail("nudges ask for more to save more",
                          f"rule {n.rule}: add {show(short)} to save {show(save)}")
