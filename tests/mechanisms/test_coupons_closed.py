"""Expired and not-yet-valid coupons appear in ``not_applied[]`` with their reason, as coupons
below their threshold do (issue 15), and still in ``coupons[]`` as before."""

from __future__ import annotations

from typing import Any

from ._support import campaign, cart, cny, core, line

AT = "2026-11-11T10:00:00+08:00"
POLICY: dict[str, Any] = {"kinds": {"platform": {"stage": "platform", "limit": None}}}
WALLET: list[dict[str, Any]] = [
    {"id": "old", "kind": "platform", "value": "50", "end": "2026-11-01T00:00:00"},
    {"id": "soon", "kind": "platform", "value": "50", "start": "2026-11-12T00:00:00"},
    {"id": "big", "kind": "platform", "value": "30", "min_spend": "500"},
    {"id": "ok", "kind": "platform", "value": "10.01", "min_spend": "100"}]


def _price(best: bool = False) -> Any:
    c = campaign(coupon_policy=POLICY)
    ids = [w["id"] for w in WALLET]
    return core(c.price(cart(line("a", "333.33"), wallet=WALLET, coupons=ids, at=AT),
                        best_coupons=best))


def test_closed_coupons_are_in_not_applied_with_their_reason() -> None:
    """old has ended (expired), soon opens tomorrow (not_started), big is 166.67 short."""
    r = _price()
    missed = {n.rule: n for n in r.not_applied}
    assert missed["coupon:old"].reason == "expired"
    assert missed["coupon:old"].message == "expired: ended at 2026-11-01T00:00:00+08:00"
    assert missed["coupon:soon"].reason == "not_started"
    assert missed["coupon:soon"].message == "opens at 2026-11-12T00:00:00+08:00"
    assert missed["coupon:big"].reason == "below_threshold"
    assert missed["coupon:big"].shortfall == cny("166.67")  # 500.00 - 333.33
    # the one usable coupon: 333.33 - 10.01 = 323.32
    assert r.payable == cny("323.32")


def test_coupons_list_unchanged() -> None:
    """coupons[] still names the same reasons for the closed coupons."""
    r = _price()
    uses = {u.id: u for u in r.coupons}
    assert (uses["old"].reason, uses["soon"].reason) == ("expired", "not_started")
    assert uses["ok"].applied and not uses["old"].applied


def test_best_mode_lists_them_too() -> None:
    """Choosing the best coupons, the closed ones are reported in not_applied[] as well."""
    r = _price(best=True)
    reasons = {n.rule: n.reason for n in r.not_applied}
    assert reasons["coupon:old"] == "expired" and reasons["coupon:soon"] == "not_started"
