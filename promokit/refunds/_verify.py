"""Verifying a stored price result (and a stored refund) before any money leaves the shop.

A result JSON handed to :func:`promokit.refund` is untrusted. Three checks, strongest first:

* **signature** (``key=``): an HMAC-SHA256 over the canonical JSON, added by :func:`sign`;
  proves the document is byte-for-byte (after canonical JSON) what the key holder signed.
* **re-pricing** (``campaign=``): the campaign's fingerprint must be the result's, and pricing
  the recorded cart again, at the recorded time and phase, with the coupons it records as chosen
  (``Campaign.reprice``), must give every field of the result.
* **consistency** (always): types, bounds (counts up to ``MAX_COUNT``, amounts below 10^15) and
  every sum the engine guarantees (line nets, shop totals, allocations, total, payable).
* **the ledger's record** (``ledger=``): the order the result records is in the ledger, paid
  (committed), for the same customer; what the result says each limited rule gave (its uses
  and budget) is what the ledger took for the order, and what the result says the customer
  paid is what the ledger counted as their spend. A result priced against a ledger records
  what its counters refused or capped (``limit_effects``), and re-pricing replays that record;
  an edited record can only make a rule apply less, which raises what the result says was
  paid, so the ledger's record of the order, not the stored result, is what bounds the refund.

Every check returns (or raises) :class:`~promokit._errors.RefundError` naming what does not add
up; none of them pays anything out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from math import gcd
from typing import TYPE_CHECKING, Any, NoReturn

from promokit._errors import InputError, MoneyError, Problem, PromokitError, RefundError
from promokit._money import MAX_DIGITS, MINOR_UNITS, format_minor, to_minor
from promokit._result.types import PriceResult
from promokit._types import MAX_COUNT
from promokit.ledger.errors import UnknownOrderError
from promokit.pricing.limits import limit_key
from promokit.refunds._order import SIGNATURE, Order, State

if TYPE_CHECKING:
    from promokit._campaign import Campaign
    from promokit.ledger.base import Ledger
    from promokit.ledger.records import Consumption

ALGORITHM = "hmac-sha256"
#: Points, like amounts, stay below 10^15.
MAX_POINTS = 10**15 - 1
#: At most this many differences are listed when a result does not match its re-pricing.
MAX_SHOWN = 6


# --- signatures ---------------------------------------------------------------------------------

def canonical(data: Mapping[str, Any], where: str = "result") -> bytes:
    """The bytes a signature covers: sorted-key compact JSON, without the signature itself."""
    unsigned = {k: v for k, v in data.items() if k != SIGNATURE}
    try:
        text = json.dumps(unsigned, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise RefundError([Problem(f"cannot be signed or verified: {exc}", path=where,
                                   expected="plain JSON (strings, integers, lists, objects)")]
                          ) from None
    return text.encode("utf-8")


def _key(key: bytes | str) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes) or len(key) < 16:
        raise RefundError([Problem("a signing key is at least 16 bytes", path="key",
                                   expected="bytes or text of 16 or more bytes, kept secret")])
    return key


def signature(data: Mapping[str, Any], key: bytes | str, where: str = "result") -> str:
    """``hmac-sha256:<hex>`` of the canonical form of ``data``."""
    mac = hmac.new(_key(key), canonical(data, where), hashlib.sha256).hexdigest()
    return f"{ALGORITHM}:{mac}"


def check_signature(data: Mapping[str, Any], key: bytes | str, where: str) -> None:
    """Raise RefundError unless ``data`` carries a valid signature under ``key``."""
    given = data.get(SIGNATURE)
    if given is None:
        raise RefundError([Problem("not signed, and a key was given: an unsigned document "
                                   "cannot be trusted", path=f"{where}.{SIGNATURE}",
                                   expected=f"{ALGORITHM}:<hex> from promokit.refunds.sign")])
    want = signature(data, key, where)
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), want.encode()):
        raise RefundError([Problem("the signature does not match: the document was changed "
                                   "after it was signed, or signed with another key",
                                   path=f"{where}.{SIGNATURE}",
                                   expected="the signature made with this key")])


# --- strict reading -----------------------------------------------------------------------------

class _Bad(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _fail(path: str, message: str, value: object = None, expected: str | None = None) -> NoReturn:
    raise _Bad(Problem(message, path=path, value=value, expected=expected))


def _get(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        _fail(f"{path}.{key}" if path else key, "missing")
    return obj[key]


def _obj(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(path, "not an object", type(value).__name__, "a JSON object")
    return value


def _list(value: object, path: str, most: int = MAX_COUNT) -> list[Any]:
    if not isinstance(value, list):
        _fail(path, "not a list", type(value).__name__, "a JSON list")
    if len(value) > most:
        _fail(path, f"holds {len(value)} entries", expected=f"at most {most}")
    return value


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or len(value) > 1000:
        _fail(path, "not a string (of at most 1000 characters)", type(value).__name__)
    return value


def _count(value: object, path: str, low: int = 0, high: int = MAX_COUNT) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(path, "not a whole number", type(value).__name__, f"an integer in [{low}, {high}]")
    if not low <= value <= high:
        _fail(path, "out of bounds", value, f"an integer in [{low}, {high}]")
    return value


def _money(value: object, path: str, digits: int, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        _fail(path, "not an amount", type(value).__name__, "a decimal string such as \"19.90\"")
    try:
        minor = to_minor(value, digits)
    except MoneyError as exc:
        _fail(path, str(exc), expected="an amount below 10^15 in the currency's minor unit")
    if abs(minor) >= 10 ** (MAX_DIGITS + digits):  # an integer skips to_minor's bound
        _fail(path, "too large", value, f"an amount below 10^{MAX_DIGITS}")
    if minor < 0 and not signed:
        _fail(path, "negative", value, "an amount >= 0")
    return minor


def read_time(value: object, path: str) -> datetime | None:
    """An ISO-8601 time or None."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(_text(value, path))
    except ValueError:
        _fail(path, "not an ISO-8601 time", value, "e.g. 2026-11-11T00:05:00+08:00")


# --- consistency of a stored result -------------------------------------------------------------

def check_consistent(data: Mapping[str, Any]) -> None:
    """Raise RefundError unless the result's JSON form is well typed, bounded and adds up."""
    try:
        problems = _Consistency(data).run()
    except _Bad as bad:
        problems = [bad.problem]
    if problems:
        raise RefundError([Problem(f"the price result does not add up: {p.message}",
                                   path=p.path, value=p.value, expected=p.expected)
                           for p in problems])


class _Consistency:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.problems: list[Problem] = []
        currency = _text(_get(data, "currency", ""), "currency")
        if currency not in MINOR_UNITS:
            _fail("currency", "unknown currency", currency, "an ISO 4217 code")
        self.digits = MINOR_UNITS[currency]

    def m(self, obj: Mapping[str, Any], key: str, path: str, signed: bool = False) -> int:
        return _money(_get(obj, key, path), f"{path}.{key}" if path else key, self.digits, signed)

    def show(self, minor: int) -> str:
        return format_minor(minor, self.digits)

    def need(self, ok: bool, path: str, message: str, expected: str | None = None) -> None:
        if not ok:
            self.problems.append(Problem(message, path=path, expected=expected))

    def run(self) -> list[Problem]:
        d, m, show, need = self.data, self.m, self.show, self.need
        _text(_get(d, "campaign", ""), "campaign")
        _text(_get(d, "fingerprint", ""), "fingerprint")
        phase = _get(d, "phase", "")
        if phase not in ("deposit", "balance"):
            _fail("phase", "unknown phase", phase, "deposit or balance")
        read_time(d.get("at"), "at")
        cart = _obj(_get(d, "cart", ""), "cart")
        cart_lines = _list(_get(cart, "lines", "cart"), "cart.lines")
        raw_lines = _list(_get(d, "lines", ""), "lines")
        need(len(raw_lines) == len(cart_lines) and len(raw_lines) > 0, "lines",
             f"{len(raw_lines)} priced lines for {len(cart_lines)} cart lines",
             "one priced line per cart line, at least one")
        lines: dict[str, dict[str, int]] = {}
        shop_of: dict[str, str] = {}
        discounts: dict[str, list[tuple[str, int, str]]] = {}
        for k, raw in enumerate(raw_lines):
            p = f"lines[{k}]"
            x = _obj(raw, p)
            lid = _text(_get(x, "id", p), f"{p}.id")
            if lid in lines:
                _fail(f"{p}.id", "a line id listed twice", lid, "unique line ids")
            p = f"lines[{k}] ({lid})"
            shop_of[lid] = _text(_get(x, "shop", p), f"{p}.shop")
            sku = _text(_get(x, "sku", p), f"{p}.sku")
            qty = _count(_get(x, "quantity", p), f"{p}.quantity", 1)
            v = {key: m(x, key, p) for key in ("unit_price", "subtotal", "discount", "net",
                                                "prepaid", "due")}
            v["quantity"] = qty
            lines[lid] = v
            presale = x.get("presale")
            if presale is not None:
                presale = _obj(presale, f"{p}.presale")
            if presale is not None and phase == "deposit":
                want_sub = m(presale, "deposit", f"{p}.presale")
            else:
                want_sub = v["unit_price"] * qty
            if presale is not None and presale.get("forfeited"):
                m(presale, "deposit", f"{p}.presale")
            need(v["subtotal"] == want_sub, f"{p}.subtotal",
                 f"subtotal {show(v['subtotal'])} is not unit price x quantity "
                 f"(or the deposit in the deposit phase)", show(want_sub))
            need(v["net"] <= v["unit_price"] * qty, f"{p}.net",
                 f"net {show(v['net'])} is more than unit price x quantity",
                 f"at most {show(v['unit_price'] * qty)}")
            need(v["prepaid"] <= v["net"] <= v["subtotal"], f"{p}.net",
                 f"net {show(v['net'])} is not within [prepaid {show(v['prepaid'])}, subtotal "
                 f"{show(v['subtotal'])}]")
            need(v["due"] == v["net"] - v["prepaid"], f"{p}.due",
                 f"due {show(v['due'])} is not net - prepaid", show(v["net"] - v["prepaid"]))
            ds = []
            for j, rd in enumerate(_list(_get(x, "discounts", p), f"{p}.discounts")):
                q = f"{p}.discounts[{j}]"
                dd = _obj(rd, q)
                funder = _get(dd, "funded_by", q)
                if funder not in ("merchant", "platform"):
                    _fail(f"{q}.funded_by", "unknown funder", funder, "merchant or platform")
                amount = m(dd, "amount", q)
                need(amount > 0, f"{q}.amount", "a recorded discount is not positive")
                ds.append((_text(_get(dd, "rule", q), f"{q}.rule"), amount, funder))
            discounts[lid] = ds
            need(v["discount"] == v["subtotal"] - v["net"] == sum(a for _, a, _ in ds),
                 f"{p}.discount", f"discount {show(v['discount'])}, subtotal - net "
                 f"{show(v['subtotal'] - v['net'])} and the sum of its discounts "
                 f"{show(sum(a for _, a, _ in ds))} differ")
            if k < len(cart_lines):
                c = _obj(cart_lines[k], f"cart.lines[{k}]")
                same = (c.get("id"), c.get("sku"), c.get("shop"), c.get("quantity")) == (
                    lid, sku, shop_of[lid], qty)
                cp = _money(_get(c, "unit_price", f"cart.lines[{k}]"),
                            f"cart.lines[{k}].unit_price", self.digits)
                need(same and cp == v["unit_price"], p,
                     "the priced line is not the cart's line (id, sku, shop, quantity, unit "
                     "price)", f"cart.lines[{k}]")
        self.totals(lines)
        self.shops(lines, shop_of, discounts)
        self.applied(lines, shop_of, discounts)
        for k, rc in enumerate(_list(d.get("coupons") or [], "coupons")):
            c = _obj(rc, f"coupons[{k}]")
            _text(_get(c, "id", f"coupons[{k}]"), f"coupons[{k}].id")
            _text(_get(c, "kind", f"coupons[{k}]"), f"coupons[{k}].kind")
            if not isinstance(_get(c, "applied", f"coupons[{k}]"), bool):
                _fail(f"coupons[{k}].applied", "not true or false")
            m(c, "amount", f"coupons[{k}]")
        for k, w in enumerate(_list(cart.get("wallet") or [], "cart.wallet")):
            wc = _obj(w, f"cart.wallet[{k}]")
            _text(_get(wc, "id", f"cart.wallet[{k}]"), f"cart.wallet[{k}].id")
            read_time(wc.get("end"), f"cart.wallet[{k}].end")
        return self.problems

    def totals(self, lines: dict[str, dict[str, int]]) -> None:
        d, m, show, need = self.data, self.m, self.show, self.need
        subtotal = sum(x["subtotal"] for x in lines.values())
        nets = sum(x["net"] for x in lines.values())
        prepaid = sum(x["prepaid"] for x in lines.values())
        total, ship, payable = m(d, "total", ""), m(d, "shipping_total", ""), m(d, "payable", "")
        need(m(d, "subtotal", "") == subtotal, "subtotal",
             "subtotal is not the sum of the line subtotals", show(subtotal))
        need(m(d, "discount_total", "") == subtotal - nets, "discount_total",
             "discount_total is not subtotal - the sum of the line nets", show(subtotal - nets))
        need(m(d, "prepaid_total", "") == prepaid, "prepaid_total",
             "prepaid_total is not the sum of the lines' prepaid", show(prepaid))
        need(total == nets + ship, "total",
             f"total {show(total)} is not line nets {show(nets)} + shipping {show(ship)}",
             show(nets + ship))
        points = d.get("points")
        value = 0
        if points is not None:
            pts = _obj(points, "points")
            _count(_get(pts, "used", "points"), "points.used", 0, MAX_POINTS)
            _count(_get(pts, "earned", "points"), "points.earned", 0, MAX_POINTS)
            value = m(pts, "value", "points")
            need(bool(pts["used"]) == bool(value), "points.value",
                 "points used and their value must both be zero or both positive")
        need(payable == total - prepaid - value, "payable",
             f"payable {show(payable)} is not total {show(total)} - prepaid {show(prepaid)} - "
             f"points {show(value)}", show(total - prepaid - value))

    def shops(self, lines: dict[str, dict[str, int]], shop_of: dict[str, str],
              discounts: dict[str, list[tuple[str, int, str]]]) -> None:
        d, m, show, need = self.data, self.m, self.show, self.need
        seen: set[str] = set()
        fee_total = ship_total = 0
        for k, raw in enumerate(_list(_get(d, "shops", ""), "shops")):
            p = f"shops[{k}]"
            s = _obj(raw, p)
            shop = _text(_get(s, "shop", p), f"{p}.shop")
            if shop in seen:
                _fail(f"{p}.shop", "a shop listed twice", shop)
            seen.add(shop)
            p = f"shops[{k}] ({shop})"
            v = {key: m(s, key, p) for key in (
                "subtotal", "discount", "merchant_funded", "platform_funded", "shipping_fee",
                "shipping_discount", "shipping", "payable")}
            mine = [x for lid, x in lines.items() if shop_of[lid] == shop]
            need(v["subtotal"] == sum(x["subtotal"] for x in mine), f"{p}.subtotal",
                 "not the sum of its lines' subtotals")
            need(v["discount"] == sum(x["discount"] for x in mine), f"{p}.discount",
                 "not the sum of its lines' discounts")
            need(v["shipping"] == v["shipping_fee"] - v["shipping_discount"] >= 0,
                 f"{p}.shipping", "shipping is not fee - shipping discount, within [0, fee]")
            need(v["merchant_funded"] + v["platform_funded"] == v["discount"]
                 + v["shipping_discount"], f"{p}.platform_funded",
                 "merchant + platform funded is not discount + shipping discount")
            goods_platform = sum(a for lid in lines if shop_of[lid] == shop
                                 for _, a, f in discounts[lid] if f == "platform")
            need(goods_platform <= v["platform_funded"] <= goods_platform
                 + v["shipping_discount"], f"{p}.platform_funded",
                 f"platform funded {show(v['platform_funded'])} does not match its lines' "
                 f"platform-funded discounts {show(goods_platform)} (plus shipping)")
            need(v["payable"] == v["subtotal"] - v["discount"] + v["shipping"], f"{p}.payable",
                 "not subtotal - discount + shipping")
            fee_total += v["shipping_fee"]
            ship_total += v["shipping"]
        missing = sorted(set(shop_of.values()) - seen)
        need(not missing, "shops", f"lines of shops {missing} have no shop entry")
        need(m(d, "shipping_total", "") == ship_total, "shipping_total",
             "not the sum of the shops' shipping", show(ship_total))
        need(m(d, "shipping_fee_total", "") == fee_total, "shipping_fee_total",
             "not the sum of the shops' shipping fees", show(fee_total))

    def applied(self, lines: dict[str, dict[str, int]], shop_of: dict[str, str],
                discounts: dict[str, list[tuple[str, int, str]]]) -> None:
        d, show, need = self.data, self.show, self.need
        replay: dict[str, list[tuple[str, int]]] = {lid: [] for lid in lines}
        for k, raw in enumerate(_list(_get(d, "applied", ""), "applied")):
            p = f"applied[{k}]"
            a = _obj(raw, p)
            rule = _text(_get(a, "rule", p), f"{p}.rule")
            p = f"applied[{k}] ({rule})"
            amount = self.m(a, "amount", p)
            allocs = _obj(_get(a, "allocations", p), f"{p}.allocations")
            ships = _obj(a.get("shipping") or {}, f"{p}.shipping")
            goods = 0
            for lid, value in allocs.items():
                v = _money(value, f"{p}.allocations.{lid}", self.digits)
                if lid not in replay:
                    _fail(f"{p}.allocations", "names a line the order does not have", lid)
                need(v > 0, f"{p}.allocations.{lid}", "an allocation is not positive")
                replay[lid].append((rule, v))
                goods += v
            fees = sum(_money(v, f"{p}.shipping.{s}", self.digits) for s, v in ships.items())
            need(goods + fees == amount, f"{p}.allocations",
                 f"allocations {show(goods)} + shipping {show(fees)} do not add up to the "
                 f"rule's amount {show(amount)}")
        for lid, recorded in discounts.items():
            need([(r, a) for r, a, _ in recorded] == replay[lid], f"lines ({lid}).discounts",
                 "the line's discounts are not the applied rules' allocations to it")


# --- re-pricing -------------------------------------------------------------------------------

def check_repriced(data: Mapping[str, Any], campaign: Campaign) -> None:
    """Raise RefundError unless pricing the recorded cart again gives the stored result."""
    if campaign.fingerprint != data.get("fingerprint"):
        raise RefundError([Problem(
            f"campaign {campaign.id!r} is not the one this order was priced with; re-pricing "
            "under another campaign would refund the wrong amount", path="campaign",
            value=campaign.fingerprint,
            expected=f"{data.get('fingerprint')} ({data.get('campaign')})")])
    stored = {k: v for k, v in data.items() if k != SIGNATURE}
    if stored.get("format") == 1:
        diffs = _repriced_v1(stored, campaign)
    else:
        try:
            record = PriceResult.from_dict(stored)
        except InputError as exc:
            raise RefundError([Problem(f"not a stored price result: {p.message}", path=p.path,
                                       value=p.value, expected=p.expected)
                               for p in exc.problems]) from None
        diffs = _diffs(stored, _priced(lambda: campaign.reprice(record)))
    if not diffs:
        return
    raise RefundError([Problem(
        "the price result is not what its campaign gives for its cart (edited after pricing?): "
        + "; ".join(diffs[:MAX_SHOWN]) + (f"; and {len(diffs) - MAX_SHOWN} more"
                                         if len(diffs) > MAX_SHOWN else ""),
        path="result", expected="the result exactly as price produced it")])


# --- the ledger's record of the order -----------------------------------------------------------

def check_ledger(data: Mapping[str, Any], ledger: Ledger,
                 limited: Collection[str] | None = None) -> None:
    """Raise RefundError unless the ledger's record of the result's order agrees with it.

    The order (``order_id``) must be known to the ledger and committed (paid), for the cart's
    customer; for every limited key (``limited``: the campaign's limited rules and coupon
    kinds, else the keys the order took), the uses and budget the result's applied rules add up
    to must be what the ledger took; a customer's order must have paid (``payable``) what the
    ledger counted as their spend. Call it after :func:`check_consistent`.
    """
    order_id = data.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        raise RefundError([Problem(
            "the result records no order id, so the ledger's record of the order cannot be "
            "found", path="order_id", value=order_id,
            expected="the order id the result was checked out under")])
    try:
        record = ledger.order(order_id)
    except UnknownOrderError:
        raise RefundError([Problem("the ledger knows no such order", path="order_id",
                                   value=order_id, expected="an order checked out with this "
                                   "ledger")]) from None
    try:
        problems = _disagreements(data, record.state, record.consumption, limited)
    except _Bad as bad:
        problems = [bad.problem]
    if problems:
        raise RefundError([Problem(f"the ledger's record of order {order_id!r} disagrees: "
                                   f"{p.message}", path=p.path, value=p.value,
                                   expected=p.expected) for p in problems])


def _disagreements(data: Mapping[str, Any], state: str, took: Consumption,
                   limited: Collection[str] | None) -> list[Problem]:
    """Where the result and the ledger's record of its order (``state``, ``took``) differ."""
    digits = MINOR_UNITS[_text(_get(data, "currency", ""), "currency")]
    problems: list[Problem] = []
    if state != "committed":
        hint = "; an unpaid reservation is released, not refunded" \
            if state == "reserved" else ""
        problems.append(Problem(f"the order is {state} in the ledger, not paid{hint}",
                                path="order_id", expected="a committed order"))
    cart = _obj(_get(data, "cart", ""), "cart")
    customer = _obj(cart.get("customer", {}), "cart.customer").get("id")
    if took.customer != customer:
        problems.append(Problem("the ledger's order is another customer's",
                                path="cart.customer.id", value=customer,
                                expected=repr(took.customer)))
    keys = set(took.limits) if limited is None else set(limited)
    gave: dict[str, int] = {}
    for k, raw in enumerate(_list(_get(data, "applied", ""), "applied")):
        applied = _obj(raw, f"applied[{k}]")
        key = limit_key(_text(_get(applied, "rule", f"applied[{k}]"), f"applied[{k}].rule"),
                        _text(_get(applied, "kind", f"applied[{k}]"), f"applied[{k}].kind"))
        if key in keys:
            gave[key] = gave.get(key, 0) + _money(_get(applied, "amount", f"applied[{k}]"),
                                                  f"applied[{k}].amount", digits)
    for key in sorted(keys):
        use = took.limits.get(key)
        ledger_took = (0, 0) if use is None else (min(use.uses, 1), use.budget)
        result_gave = (1, gave[key]) if key in gave else (0, 0)
        if ledger_took != result_gave:
            problems.append(Problem(
                f"the result says limited {key!r} gave {format_minor(result_gave[1], digits)} "
                f"({'applied' if result_gave[0] else 'not applied'}); the ledger took "
                f"{format_minor(ledger_took[1], digits)} "
                f"({'applied' if ledger_took[0] else 'not applied'}) for the order",
                path="limit_effects" if data.get("limit_effects") else "applied",
                value=key, expected="what the ledger took for the order"))
    payable = _money(_get(data, "payable", ""), "payable", digits)
    if took.customer is not None and took.spend != payable:
        problems.append(Problem(
            f"the result says the order paid {format_minor(payable, digits)}; the ledger "
            f"counted {format_minor(took.spend, digits)}", path="payable",
            value=data["payable"], expected=format_minor(took.spend, digits)))
    return problems


def _priced(again: Callable[[], PriceResult]) -> dict[str, Any]:
    """The JSON form of pricing again, or RefundError saying why the cart cannot be priced."""
    try:
        fresh: dict[str, Any] = json.loads(json.dumps(again().to_dict(), ensure_ascii=False))
    except PromokitError as exc:
        why = exc.problems[0].render() if isinstance(exc, InputError) and exc.problems \
            else str(exc).splitlines()[0]
        raise RefundError([Problem(f"the order's cart cannot be priced again: {why}",
                                   path="cart", expected="the cart the result was priced from")]
                          ) from None
    return fresh


def _diffs(stored: Mapping[str, Any], fresh: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    _diff(stored, fresh, "", out)
    return out


#: What format 2 added to a result (top level; in each coupon): format 1 stores lack them.
_V2_KEYS = ("timezone", "order_id", "coupon_mode", "chosen_coupons")
_V2_COUPON_KEYS = ("left_out_by",)


def _repriced_v1(stored: Mapping[str, Any], campaign: Campaign) -> list[str]:
    """Differences between a format-1 result and pricing its cart again in its own shape.

    Format 1 did not record the coupon mode or the coupons chosen: the cart is priced with the
    coupons it selects, then, if that differs in the coupons, with the best-coupon search.
    """
    try:
        at = read_time(stored.get("at"), "at")
    except _Bad as bad:
        raise RefundError([bad.problem]) from None
    diffs: list[str] = []
    for best in (False, True):
        fresh = _priced(lambda best=best: campaign.price(  # type: ignore[misc]
            stored["cart"], at=at, phase=stored["phase"], best_coupons=best))
        fresh = {k: v for k, v in fresh.items() if k not in _V2_KEYS}
        fresh["format"] = 1
        fresh["coupons"] = [{k: v for k, v in c.items() if k not in _V2_COUPON_KEYS}
                            for c in fresh["coupons"]]
        diffs = _diffs(stored, fresh)
        if not diffs or fresh.get("coupons") == stored.get("coupons"):
            break  # the coupons were not chosen by a search: no second try
    return diffs


_FIRST = ("campaign", "fingerprint", "currency", "payable", "total", "lines", "shipping_total",
          "shops", "points", "prepaid_total", "coupons")


def _diff(stored: object, fresh: object, path: str, out: list[str]) -> None:
    if len(out) > 50:
        return
    if isinstance(stored, Mapping) and isinstance(fresh, Mapping):
        keys = sorted(set(stored) | set(fresh), key=str)
        if not path:  # what money depends on first
            keys.sort(key=lambda k: _FIRST.index(k) if k in _FIRST else len(_FIRST))
        for key in keys:
            sub = f"{path}.{key}" if path else str(key)
            if key not in fresh:
                out.append(f"{sub} is not in a priced result")
            elif key not in stored:
                out.append(f"{sub} is missing")
            else:
                _diff(stored[key], fresh[key], sub, out)
    elif isinstance(stored, list) and isinstance(fresh, list):
        if len(stored) != len(fresh):
            out.append(f"{path} has {len(stored)} entries, re-priced {len(fresh)}")
        for k, (a, b) in enumerate(zip(stored, fresh, strict=False)):
            _diff(a, b, f"{path}[{k}]", out)
    elif type(stored) is not type(fresh) or stored != fresh:
        out.append(f"{path} is {_short(stored)}, re-priced {_short(fresh)}")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- an earlier refund that cannot be recomputed (reprice, no campaign given) --------------------

def check_transition(order: Order, before: State, data: Mapping[str, Any]
                     ) -> State:
    """The state after a stored refund, checked against the state before it.

    Used for an earlier ``reprice`` refund when the campaign is not at hand, so it cannot be
    recomputed. Checked: the returned units are there to return and ``paid`` is exactly their
    share; no line refunds more than was paid for its units, no shop more than its shipping;
    the amount is the sum of its parts; what remains is within each line's list price, and
    money is conserved: paid before = paid after + refunded + kept. So whatever the history
    says, refunds in all never exceed what was paid.
    """
    try:
        return _transition(order, before, data)
    except _Bad as bad:
        p = bad.problem
        raise RefundError([Problem(f"the earlier refund does not add up: {p.message}",
                                   path=p.path, value=p.value, expected=p.expected)]) from None


def _transition(order: Order, before: State, data: Mapping[str, Any]) -> State:
    digits, show = order.digits, order.show

    def m(obj: Mapping[str, Any], key: str, path: str) -> int:
        return _money(_get(obj, key, path), f"{path}.{key}" if path else key, digits)

    def need(ok: bool, path: str, message: str) -> None:
        if not ok:
            _fail(path, message)

    policy = _obj(_get(data, "policy", ""), "policy")
    refund_deposit = policy.get("refund_deposit") is True
    returned: dict[str, int] = {}
    refunded = kept_total = 0
    kept_by_shop: dict[str, int] = {}
    for k, raw in enumerate(_list(_get(data, "lines", ""), "lines", len(order.lines))):
        p = f"lines[{k}]"
        x = _obj(raw, p)
        lid = _text(_get(x, "id", p), f"{p}.id")
        if lid not in order.lines or lid in returned:
            _fail(f"{p}.id", "an unknown line, or one listed twice", lid)
        part = before.lines[lid]
        units = _count(_get(x, "units", p), f"{p}.units", 1, part.units)
        returned[lid] = units
        head = part.head(units, lid)
        paid, refund, kept = m(x, "paid", p), m(x, "refund", p), m(x, "kept", p)
        need(paid == head.paid, f"{p}.paid", f"paid {show(paid)} is not what was paid for "
             f"these units ({show(head.paid)})")
        line = order.lines[lid]
        want_kept = head.paid if line.deposit_only and not refund_deposit else 0
        need(kept == want_kept, f"{p}.kept", f"kept {show(kept)}, expected {show(want_kept)}")
        need(refund <= paid - kept, f"{p}.refund",
             f"refund {show(refund)} is more than was paid for the units ({show(paid - kept)})")
        refunded += refund
        kept_total += kept
        kept_by_shop[line.shop] = kept_by_shop.get(line.shop, 0) + kept
    ships = _obj(_get(data, "shipping", ""), "shipping")
    for shop, value in ships.items():
        if shop not in order.shops:
            _fail("shipping", "an unknown shop", shop)
        v = _money(value, f"shipping.{shop}", digits)
        need(v <= before.shipping[shop].paid, f"shipping.{shop}",
             f"refunds {show(v)} of shipping, more than the {show(before.shipping[shop].paid)} "
             "paid")
        refunded += v
    amount = m(data, "amount", "")
    need(amount == refunded, "amount", f"amount {show(amount)} is not the sum of its lines and "
         f"shipping ({show(refunded)})")
    need(m(data, "kept", "") == kept_total, "kept", "not the sum of its lines' kept")
    raw_state = _obj(_get(data, "state", ""), "state")
    try:
        after = State.from_json(raw_state, order)
    except (KeyError, TypeError, ValueError, AttributeError, MoneyError) as exc:
        _fail("state", f"cannot be read: {exc}")
    need(after.sequence == before.sequence + 1, "state.sequence", "not the next refund")
    need(after.refunded == before.refunded + amount, "state.refunded",
         "not the refunds before plus this one")
    for lid, part in after.lines.items():
        p, line = f"state.lines.{lid}", order.lines[lid]
        need(part.units == before.lines[lid].units - returned.get(lid, 0), f"{p}.units",
             "not the units before less those returned")
        need(0 <= part.paid <= part.gross <= line.gross, f"{p}.paid",
             "what remains paid is not within [0, the line's list price]")
        need(0 <= part.platform <= part.gross - part.paid, f"{p}.platform",
             "the platform's share is not within [0, gross - paid]")
        need(part.units > 0 or part.gross == part.paid == part.platform == 0, p,
             "a line with no units left still holds money")
    for shop, ship in after.shipping.items():
        p = f"state.shipping.{shop}"
        need(0 <= ship.paid <= ship.fee <= order.shops[shop].fee, f"{p}.paid",
             "shipping paid is not within [0, fee], or the fee grew")
        need(0 <= ship.platform <= ship.fee - ship.paid, f"{p}.platform",
             "the platform's share of shipping is not within [0, fee - paid]")
    for shop in order.shops:
        need(after.retained.get(shop) == before.retained.get(shop, 0)
             + kept_by_shop.get(shop, 0), f"state.retained.{shop}",
             "not what was kept before plus what this refund kept")
    chunks = gcd(order.points_used, order.points_value)
    need(before.points_chunks <= after.points_chunks <= chunks, "state.points_chunks",
         "points given back went down or beyond the points paid with")
    need(before.points_clawed <= after.points_clawed <= order.points_earned,
         "state.points_clawed", "earned points taken back went down or beyond those earned")
    paid_before = sum(x.paid for x in before.lines.values()) + sum(
        x.paid for x in before.shipping.values())
    paid_after = sum(x.paid for x in after.lines.values()) + sum(
        x.paid for x in after.shipping.values())
    need(paid_before == paid_after + amount + kept_total, "state",
         f"money is not conserved: {show(paid_before)} paid before, {show(paid_after)} after, "
         f"{show(amount)} refunded and {show(kept_total)} kept")
    return after
