"""Helpers for the big-sale mechanism tests: tests/support.py's (re-exported), campaigns in
Asia/Shanghai, coupon and per-line discount lookups, invariants."""

from __future__ import annotations

from typing import Any

from support import ZERO, applied, cart, cny, line, missed
from support import campaign as _campaign

from promokit import Campaign, Money, PriceResult
from promokit.testing import check_invariants

__all__ = ["ZERO", "applied", "campaign", "cart", "cny", "core", "coupon", "line", "missed",
           "taken"]


def campaign(*rules: dict[str, Any], **top: Any) -> Campaign:
    """A CNY campaign in Asia/Shanghai with these rules and top-level fields."""
    return _campaign(*rules, **{"timezone": "Asia/Shanghai", **top})


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
