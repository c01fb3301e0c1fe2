"""Worked examples for rule pages, priced by the engine with the real campaign when a page is built.

For every threshold a rule has (each rung of a ladder, the first and second multiple of 每满, a
free-shipping minimum, the units a multi-buy or bundle needs) two minimal carts are priced: one
just below it and one at it. A cart holds one line that the rule selects (its selection's first
SKU, shop, category, brand and tag; made-up names where it leaves a field open, so that other
rules stay out of the way) bought by a customer the rule admits, at a time inside the rule's
window and schedule. Threshold bases are judged after earlier stages, so the price "at" a spend
threshold is searched for: the smallest unit price whose base, as the engine reports it, reaches
the threshold. Nothing here computes a discount: the numbers shown are the engine's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promokit._campaign import plan_of
from promokit._cart.cart import Cart
from promokit._errors import PromokitError
from promokit._money import Money, format_minor
from promokit.explain._reasons import missed_reason
from promokit.explain._terms import RuleInfo, kind_repeats
from promokit.explain._words import Words
from promokit.rules._gates import SCHEDULE_ANCHOR, Window

if TYPE_CHECKING:
    from promokit._campaign import Campaign
    from promokit._cart.selection import Selection
    from promokit._result.types import PriceResult
    from promokit.rules._base import RuleSpec
    from promokit.rules._kind import Worked

Row = dict[str, str]
_SEARCH = 24  # most pricings spent finding the price at one threshold


class Examples:
    """Builds the worked examples of one campaign's rules, in one language."""

    def __init__(self, campaign: Campaign, w: Words, index: dict[str, RuleInfo]) -> None:
        self.c, self.w, self.index = campaign, w, index
        self.spec = campaign.spec
        self.env = plan_of(campaign).env
        self.unit = 10 ** self.env.digits * 100  # 100.00 in minor units: a plain example price
        self.compiled = {r.id: r for r in plan_of(campaign).rules}
        self.reference = self._reference()
        self._seen: dict[tuple[str, datetime, str | None], PriceResult] = {}
        #: the shop of a line whose rule names none (a customer's page uses a real one)
        self.made_up_shop = "EXAMPLE"

    # --- the public part ----------------------------------------------------------------------

    def rows(self, rule: RuleSpec) -> tuple[list[Row], str]:
        """(example rows, why there are none) for ``rule``."""
        w = self.w
        try:
            worked = rule.worked(self.env, self.unit)  # the kind's own hook
            if rule.select.presale is True and not worked.phases:
                return [], w("no_example", why=w("ex_presale_only"))
            return self._rows(rule, worked), ""
        except PromokitError as exc:
            return [], w("no_example", why=str(exc).splitlines()[0])

    def presale_sentence(self, rule: RuleSpec) -> str:
        """The computed deposit / balance example of a phased (pre-sale) rule, in one sentence."""
        try:
            worked = rule.worked(self.env, self.unit)
            cart = self._cart(rule, [(rule.select, worked.unit, 1)])
            deposit, balance = (self._price(cart, rule, phase=phase, window=window)
                                for phase, window in worked.phases)
        except PromokitError as exc:
            return self.w("no_example", why=str(exc).splitlines()[0])
        w = self.w
        return w("presale_example", price=self._money(worked.unit),
                 deposit=w.money(deposit.payable), balance=w.money(balance.payable),
                 total=w.money(deposit.payable + balance.payable))

    # --- what the kind asks for ---------------------------------------------------------------

    def _rows(self, rule: RuleSpec, worked: Worked) -> list[Row]:
        if worked.phases:
            return self._phase_rows(rule, worked)
        env, ship = self.env, worked.shipping
        first = env.minor(worked.first) if worked.first is not None else None
        rows: list[Row] = []
        for case in worked.cases:
            if case.spend is not None:
                assert first is not None  # a kind asking for spend cases gives its first
                rows += self._spend(rule, self._spend_what(case.spend), env.minor(case.spend),
                                    first, below=case.below, ship=ship)
            elif case.units is not None:
                rows += self._qty(rule, case.units, worked.unit, below=case.below,
                                  reward=worked.reward)
            else:
                rows.append(self._row(rule, self.w("ex_one"), [(rule.select, worked.unit, 1)],
                                      ship=ship))
        return rows

    def _spend(self, rule: RuleSpec, what: str, target: int, first: int, *, below: bool,
               ship: bool) -> list[Row]:
        w, rows = self.w, []
        price = self._reach(rule, target, first, ship)
        if below and price > 1:
            rows.append(self._row(rule, w("ex_below", what=what),
                                  [(rule.select, price - 1, 1)], ship=ship, first=first))
        rows.append(self._row(rule, w("ex_at", what=what), [(rule.select, price, 1)],
                              ship=ship, first=first))
        return rows

    def _qty(self, rule: RuleSpec, n: int, unit: int, *, below: bool,
             reward: tuple[Selection, int] | None) -> list[Row]:
        w, rows = self.w, []
        what = w("ex_qty", n=n)
        for count, label in ((n - 1, w("ex_below", what=what)), (n, w("ex_at", what=what))):
            if count < 1 or (not below and count != n):
                continue
            lines = [(rule.select, unit, count)]
            if reward is not None:
                lines.append((reward[0], unit, reward[1]))
            rows.append(self._row(rule, label, lines))
        return rows

    def _phase_rows(self, rule: RuleSpec, worked: Worked) -> list[Row]:
        w = self.w
        cart = self._cart(rule, [(rule.select, worked.unit, 1)])
        rows = []
        for phase, window in worked.phases:
            result = self._price(cart, rule, phase=phase, window=window)
            rows.append(self._view(rule, w(f"phase_{phase}").split("：")[0].split(":")[0],
                                   cart, result, first=None))
        return rows

    # --- carts, times, pricing ----------------------------------------------------------------

    def _row(self, rule: RuleSpec, label: str, lines: list[tuple[Selection, int, int]], *,
             ship: bool = False, first: int | None = None) -> Row:
        cart = self._cart(rule, lines, ship=ship)
        return self._view(rule, label, cart, self._price(cart, rule), first)

    def _reach(self, rule: RuleSpec, target: int, first: int, ship: bool) -> int:
        """The smallest unit price whose base for ``rule`` reaches ``target`` (engine-judged)."""
        def base(price: int) -> int | None:
            cart = self._cart(rule, [(rule.select, price, 1)], ship=ship)
            return _base_of(self._price(cart, rule), rule.id, first)

        low, high, price = 0, None, target   # base(low) < target <= base(high)
        for _ in range(_SEARCH):
            got = base(price)
            if got is None:
                return target
            if got == target and price - 1 > low:
                below = base(price - 1)
                if below is not None and below < target:
                    return price
            if got >= target:
                high = price
            else:
                low = price
            if high is not None and high - low <= 1:
                return high
            guess = price + (target - got) * price // got if got > 0 else 2 * price
            if high is None:
                price = max(guess, price + 1)
            else:
                price = guess if low < guess < high else (low + high) // 2
        return high if high is not None else target

    def _cart(self, rule: RuleSpec, lines: list[tuple[Selection, int, int]], *,
              ship: bool = False) -> dict[str, Any]:
        out, shops = [], set()
        for n, (sel, unit, qty) in enumerate(lines, start=1):
            line = _line(sel, n, unit, qty, self.env.digits, self.made_up_shop)
            out.append(line)
            shops.add(line["shop"])
        cart: dict[str, Any] = {"currency": self.spec.currency, "lines": out,
                                "customer": self._customer(rule)}
        if ship:
            cart["shipping"] = {shop: format_minor(10 * 10**self.env.digits, self.env.digits)
                                for shop in sorted(shops)}
        return cart

    def _customer(self, rule: RuleSpec) -> dict[str, Any]:
        who = rule.customers
        if who is None:
            return {}
        out: dict[str, Any] = {}
        if who.min_tier is not None:
            out["tier"] = who.min_tier
        elif who.tiers:
            out["tier"] = who.tiers[0]
        if who.tags:
            out["tags"] = [who.tags[0]]
        low, high = who.order_range()
        if low or high is not None:
            out["orders"] = low  # the fewest earlier orders the rule allows: a first order
        if who.min_past_spend is not None:
            out["past_spend"] = str(who.min_past_spend)
        return out

    def _price(self, cart: dict[str, Any], rule: RuleSpec, *, phase: str | None = None,
               window: Window | None = None) -> PriceResult:
        """The engine's result for ``cart`` (memoized: the search and the rows share carts)."""
        at = self._moment(rule, window)
        key = (repr(cart), at, phase)
        result = self._seen.get(key)
        if result is None:
            result = self.c.price(Cart.model_validate(cart), at=at, phase=phase)
            self._seen[key] = result
        return result

    def _moment(self, rule: RuleSpec, window: Window | None = None) -> datetime:
        """A time inside ``window`` (default: the rule's) and its schedule."""
        tz = self.env.tz
        window = window if window is not None else rule.window
        at = self.reference
        if window is not None:
            start, end = window.aware(tz)
            at = start if start is not None else (end - timedelta(hours=1) if end else at)
        compiled = self.compiled.get(rule.id)
        gate = compiled.gate if compiled is not None else None
        if gate is not None and gate.recurrence is not None:
            nxt = gate.recurrence.after(at, inc=True)
            at = nxt if nxt is not None else at
        return at

    def _reference(self) -> datetime:
        """The sale's first moment: the earliest window start, else a fixed day."""
        tz = self.env.tz
        starts: list[datetime] = []
        for rule in self.spec.rules:
            for window in (rule.window, getattr(rule, "deposit_window", None)):
                start = window.aware(tz)[0] if isinstance(window, Window) else None
                if start is not None:
                    starts.append(start)
        return min(starts) if starts else SCHEDULE_ANCHOR.replace(tzinfo=tz)

    # --- words --------------------------------------------------------------------------------

    def _money(self, minor: int) -> str:
        return self.w.money(Money(minor, self.spec.currency))

    def _spend_what(self, amount: Decimal) -> str:
        return self.w.amount(amount)

    def _view(self, rule: RuleSpec, label: str, cart: dict[str, Any], result: PriceResult,
              first: int | None) -> Row:
        w = self.w
        lines = [w("ex_cart", qty=ln["quantity"], unit=self._money(self.env.minor(
            Decimal(ln["unit_price"])))) for ln in cart["lines"]]
        text = w.join(lines, "and_sep")
        if cart.get("shipping"):
            fees = [self._money(self.env.minor(Decimal(v))) for v in cart["shipping"].values()]
            text = w("ex_cart_ship", cart=text, fee=w.join(fees))
        outcome, base = "—", "—"
        own = [a for a in result.applied if a.rule == rule.id]
        parts = [a for a in result.applied if a.rule.startswith(rule.id + ".")]  # "<id>.<part>"
        missed = [n for n in result.not_applied if n.rule == rule.id]
        if own or parts:
            a = (own or parts)[0]
            base = w.money(a.base)
            total = self._money(sum(x.amount.minor for x in own + parts))
            if a.shipping:
                outcome = w("ex_shipping", amount=w.money(a.shipping[0][1]))
            elif not any(x.amount.minor for x in own + parts):  # a gift, coupons issued
                outcome = w("ex_benefit", n=sum(x.times for x in own + parts))
            elif a.times > 1 and kind_repeats(a.kind):
                outcome = w("ex_applied_times", amount=total, n=a.times)
            else:
                outcome = w("ex_applied", amount=total)
        elif missed:
            n = missed[0]
            info = self.index.get(rule.id, RuleInfo(rule.id, rule.id, ""))
            outcome = missed_reason(n, info, w, result.tier, self.index)
            if first is not None and n.shortfall is not None:
                base = self._money(first - n.shortfall.minor)
        return {"case": label, "cart": text, "base": base, "outcome": outcome,
                "payable": w.money(result.payable)}


def _base_of(result: PriceResult, rule: str, first: int) -> int | None:
    """The spend ``rule`` was judged on, as the engine reports it (None when it cannot tell)."""
    for a in result.applied:
        if a.rule == rule:
            return a.base.minor
    for n in result.not_applied:
        if n.rule == rule and n.shortfall is not None:
            return first - n.shortfall.minor
    return None


def _pick(values: tuple[str, ...], excluded: tuple[str, ...], made_up: str) -> str:
    if values:
        return values[0]
    name = made_up
    while name in excluded:
        name += "-X"
    return name


def _line(sel: Selection, n: int, unit: int, qty: int, digits: int,
          shop: str = "EXAMPLE") -> dict[str, Any]:
    """A cart line the selection takes: its first value of each field, made-up names elsewhere."""
    ex = sel.exclude
    line: dict[str, Any] = {
        "id": f"e{n}", "sku": _pick(sel.skus, ex.skus, f"EXAMPLE-{n}"),
        "shop": _pick(sel.shops, ex.shops, shop), "unit_price": format_minor(unit, digits),
        "quantity": qty}
    if sel.categories:
        line["category"] = sel.categories[0]
    if sel.brands:
        line["brand"] = sel.brands[0]
    if sel.tags:
        line["tags"] = [sel.tags[0]]
    return line
