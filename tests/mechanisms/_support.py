"""Helpers for the big-sale mechanism tests: campaigns and carts as dicts, CNY, invariants."""

from __future__ import annotations

from typing import Any

from promokit import Campaign, Money, PriceResult
from promokit.testing import check_invariants

ZERO = Money.zero("CNY")


def cny(text: str) -> Money:
    """A CNY amount."""
    return Money.of(text, "CNY")


def campaign(*rules: dict[str, Any], **top: Any) -> Campaign:
    """A CNY campaign in Asia/Shanghai with these rules and top-level fields."""
    return Campaign.from_dict({"campaign": "t", "currency": "CNY", "timezone": "Asia/Shanghai",
                               "rules": list(rules), **top})


def line(lid: str, unit: str, qty: int = 1, shop: str = "A", **extra: Any) -> dict[str, Any]:
    """A cart line whose sku is its id in upper case."""
    return {"id": lid, "sku": lid.upper(), "shop": shop, "unit_price": unit, "quantity": qty,
            **extra}


def cart(*lines: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A CNY cart of these lines."""
    return {"currency": "CNY", "lines": list(lines), **top}


def applied(result: PriceResult, rule: str) -> Any:
    """The one applied record of ``rule`` (fails when it did not apply, or applied per shop)."""
    found = [a for a in result.applied if a.rule == rule]
    assert len(found) == 1, f"{rule} applied {len(found)} times: {result.applied}"
    return found[0]


def missed(result: PriceResult, rule: str) -> Any:
    """The one not-applied record of ``rule``."""
    found = [n for n in result.not_applied if n.rule == rule]
    assert len(found) == 1, f"{rule} missed {len(found)} times: {result.not_applied}"
    return found[0]


def coupon(result: PriceResult, cid: str) -> Any:
    """What became of wallet coupon ``cid``."""
    return next(c for c in result.coupons if c.id == cid)


def taken(result: PriceResult, line_id: str) -> dict[str, Money]:
    """rule id -> what it took off line ``line_id``."""
    out: dict[str, Money] = {}
    for d in result.line(line_id).discounts:
        out[d.rule] = out.get(d.rule, ZERO) + d.amount
    return out


def core(result: PriceResult) -> PriceResult:
    """Check the core invariants the brief names, then promokit.testing's full set.

    line nets + shipping_total == total; payable == total - prepaid_total - points value;
    every net >= 0 (and never below what was prepaid on it).
    """
    nets = sum((x.net for x in result.lines), ZERO)
    assert nets + result.shipping_total == result.total
    points = result.points.value if result.points is not None else ZERO
    assert result.payable == result.total - result.prepaid_total - points
    assert all(x.net >= ZERO and x.net >= x.prepaid for x in result.lines)
    assert all(x.due == x.net - x.prepaid for x in result.lines)
    check_invariants(result)
    return result
