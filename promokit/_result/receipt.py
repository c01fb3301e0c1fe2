"""A plain-text receipt for terminals (``PriceResult.receipt()``), in the engine's own terms.

Rule ids, reason codes and plain decimals, aligned for a terminal or a log. Localized, step-by-step
explanations (优惠明细: languages, currency symbols, Markdown, HTML) are ``promokit.explain``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promokit._money import Money
    from promokit._result.types import LineResult, PriceResult

#: Columns of a line's id, SKU and shop; a longer one moves the numbers to their own line.
_ID, _SKU, _SHOP = 8, 14, 6
#: Control characters (C0 but newline and tab, DEL, C1): escaped before they reach a terminal.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b`` escapes (newlines and tabs kept):
    ids and messages from a cart or campaign cannot drive the terminal that shows them."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _width(text: str) -> int:
    """Terminal columns ``text`` takes (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, size: int) -> str:
    return text + " " * max(size - _width(text), 0)


def _minus(money: Money) -> str:
    """``-12.00`` for a discount, ``0.00`` (no sign) for none."""
    return ("-" if money.minor else "") + money.to_json()


def _why(reason: str, message: str) -> str:
    """``reason: message``, without saying the reason twice (``expired: expired: ...``)."""
    return message if message.startswith(reason) else f"{reason}: {message}"


def _line(line: LineResult, deposit_phase: bool) -> list[str]:
    """A line's codes and its numbers; in the deposit phase, what its deposit is."""
    lid, sku, shop = safe_text(line.id), safe_text(line.sku), safe_text(line.shop)
    head = f"  {_pad(lid, _ID)} {_pad(sku, _SKU)} shop {_pad(shop, _SHOP)}"
    deposit = (line.presale or {}).get("deposit") if deposit_phase else None
    if deposit is not None and line.quantity:   # due now: the deposit per unit (its total
        unit = type(deposit)(deposit.minor // line.quantity, deposit.currency)  # is per line)
        nums = (f"{line.quantity:>3} x {unit.to_json():>10} = {line.subtotal.to_json():>10}"
                f"  (deposit; price {line.unit_price.to_json()})")
    else:
        nums = (f"{line.quantity:>3} x {line.unit_price.to_json():>10} = "
                f"{line.subtotal.to_json():>10}")
    if _width(lid) > _ID or _width(sku) > _SKU or _width(shop) > _SHOP:
        return [head.rstrip(), " " * (4 + _ID + _SKU + 6 + _SHOP) + nums]
    return [f"{head} {nums}"]


def render_text(result: PriceResult) -> str:
    """Lines, each discount, shop totals, the payable and the nudges, as aligned text."""
    presale = any(line.presale for line in result.lines)
    out = [f"{result.campaign}  ({result.currency}"
           + (f", at {result.at.isoformat()}" if result.at else "")
           + (f", {result.phase} phase)" if presale else ")")]
    deposit_phase = presale and result.phase == "deposit"
    for line in result.lines:
        out += _line(line, deposit_phase)
        for d in line.discounts:
            out.append(f"      - {d.rule:<30} {d.stage:<12} -{d.amount.to_json():>10}")
        if line.discounts:
            out.append(f"      {'net':<45} {line.net.to_json():>11}")
    out.append("")
    for shop in result.shops:
        out.append(f"  shop {_pad(safe_text(shop.shop), 8)} goods {shop.subtotal.to_json():>10}  "
                   f"discount {_minus(shop.discount):>10}  shipping {shop.shipping.to_json():>7}"
                   f"  pays {shop.payable.to_json():>10}")
    out.append("")
    if result.applied:
        out.append("  applied:")
        for a in result.applied:
            where = f" [shop {a.shop}]" if a.shop else ""
            times = f" x{a.times}" if a.times > 1 and a.kind == "threshold" else ""
            lost = f" (capped: {a.lost.to_json()} not given)" if a.lost else ""
            if not a.amount.minor and not a.shipping and a.detail:  # a gift, a coupon issued
                out.append(f"    {a.rule}{where}: {a.detail}, on base {a.base.to_json()}")
                continue
            out.append(f"    {a.rule}{where}{times}: -{a.amount.to_json()} "
                       f"on base {a.base.to_json()}, funded by {a.funded_by}{lost}")
    if result.not_applied:
        out.append("  not applied:")
        for n in result.not_applied:
            where = f" [shop {n.shop}]" if n.shop else ""
            out.append(f"    {n.rule}{where}: {_why(str(n.reason), n.message)}")
    if result.nudges:
        out.append("  save more:")
        for nudge in result.nudges:
            where = f" in shop {nudge.shop}" if nudge.shop else ""
            out.append(f"    {nudge.message}{where} ({nudge.rule})")
    if result.coupons:
        out.append("  coupons:")
        for c in result.coupons:
            what = f"-{c.amount.to_json()}" if c.applied else _why(str(c.reason), c.message)
            out.append(f"    {c.id} ({c.kind}): {what}")
    points = result.points
    if points is not None and (points.used or points.earned):
        out.append(f"  points: {points.used} used (-{points.value.to_json()}), "
                   f"{points.earned} earned (x{points.multiplier})")
    out.append("")
    out.append(f"  subtotal {result.subtotal.to_json():>12}")
    out.append(f"  discount {_minus(result.discount_total):>12}")
    out.append(f"  shipping {result.shipping_total.to_json():>12}")
    if result.prepaid_total:
        out.append(f"  prepaid  {'-' + result.prepaid_total.to_json():>12}")
    if points is not None and points.value:
        out.append(f"  points   {'-' + points.value.to_json():>12}")
    out.append(f"  payable  {result.payable.to_json():>12} {result.currency}")
    return safe_text("\n".join(out) + "\n")  # rule ids, messages: inert too
