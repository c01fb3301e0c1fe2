"""Each seeded flawed campaign of examples/audit is caught, with a small cart, under seed 0."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from promokit.audit import FLAW_KINDS, AuditReport, Flaw, audit

from ._support import CATALOG, COSTS, campaign

EXAMPLES = 60


def run(name: str, **options: object) -> AuditReport:
    return audit(campaign(name), catalog=CATALOG, max_examples=EXAMPLES, seed=0, **options)


def small(flaw: Flaw, lines: int = 2, units: int = 2) -> None:
    assert flaw.cart is not None
    assert len(flaw.cart["lines"]) <= lines
    assert sum(x["quantity"] for x in flaw.cart["lines"]) <= units


def test_clean_campaign_has_no_flaw_under_every_check() -> None:
    """Rate limit, costs, split, free order and dead rules: nothing found in the clean one."""
    report = run("clean", costs=COSTS, max_discount_rate="0.5")
    assert report.ok, report.render()
    assert report.checks == FLAW_KINDS
    assert report.render().endswith("no flaw found\n")


def test_ninety_percent_off_exceeds_the_rate_limit() -> None:
    """90% off a tea is a rate of 0.9 on a one-line cart."""
    [flaw] = run("discount-rate", max_discount_rate="0.5").of_kind("discount_rate")
    small(flaw, 1, 1)
    assert flaw.rules == ("flash-90",)
    assert flaw.facts["rate"] == "0.9000"
    assert "flash-90" in flaw.receipts[0]


def test_forty_percent_off_cups_sells_below_cost() -> None:
    """88.00 less 40% is 52.80, under the 60.00 the cup costs."""
    report = run("below-cost", costs=COSTS)
    [flaw] = report.of_kind("below_cost")
    small(flaw, 1, 1)
    assert flaw.rules == ("cup-40",)
    assert flaw.cart["lines"][0]["sku"] == "CUP-1"
    assert (flaw.facts["net"], flaw.facts["cost"]) == ("52.80", "60.00")


def test_single_order_threshold_pays_less_split_in_two() -> None:
    """满100减30 once per order: two 128.00 teas save 30 together, 60 apart."""
    [flaw] = run("split-arbitrage").of_kind("split_arbitrage")
    small(flaw, 2)
    assert flaw.rules == ("order-100-30",)
    assert Decimal(flaw.facts["saving"]) == Decimal("30.00")
    assert len(flaw.orders) == 2 and len(flaw.receipts) == 3
    assert sorted(len(o["lines"]) for o in flaw.orders) == [1, 1]


def test_two_parallel_thresholds_stack_to_a_free_order() -> None:
    """每满100减60 twice on list prices: four 128.00 teas (512.00) take 600 off, pay nothing."""
    report = run("free-order")
    [flaw] = report.of_kind("free_order")
    small(flaw, 1, 4)
    assert flaw.facts == {"goods_net": "0.00", "subtotal": "512.00"}
    assert set(flaw.rules) == {"shop-100-60", "x-100-60"}
    assert Decimal(flaw.facts["goods_net"]) <= Decimal("0.05") * Decimal(flaw.facts["subtotal"])


def test_unknown_sku_and_unreachable_threshold_never_apply() -> None:
    """ghost-20 selects no catalog item; big-spender needs 100000 of at most 3840.00."""
    flaws = run("never-applies").of_kind("never_applies")
    checks = {f.rules[0]: f.facts["check"] for f in flaws}
    assert checks == {"ghost-20": "empty_selection", "big-spender": "unreachable_spend"}
    spend = next(f for f in flaws if f.rules == ("big-spender",))
    assert spend.facts["most"] == "3840.00" and spend.cart is None


def test_exclusive_member_always_shadowed_never_applies() -> None:
    """5% off all comes first in its group: 20% off tea would apply, yet never does."""
    [flaw] = run("shadowed").of_kind("never_applies")
    small(flaw, 1, 1)
    assert flaw.rules == ("tea-20", "all-5")
    assert flaw.facts["check"] == "shadowed" and flaw.facts["applied"] == 0
    assert flaw.facts["would_apply"] > 0


def test_same_seed_same_report() -> None:
    """The search is seeded: two runs print the same JSON."""
    first = json.dumps(run("split-arbitrage").to_dict(), sort_keys=True)
    assert json.dumps(run("split-arbitrage").to_dict(), sort_keys=True) == first


def test_report_is_immutable_and_json_ready() -> None:
    """Reports and flaws refuse mutation; to_dict() is plain JSON."""
    report = run("discount-rate", max_discount_rate="0.5")
    with pytest.raises(AttributeError):
        report.flaws = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        report.flaws[0].facts["rate"] = "0"  # type: ignore[index]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False and data["flaws"][0]["kind"] == "discount_rate"
    with pytest.raises(ValueError, match="unknown flaw kind"):
        report.of_kind("cheap")


def test_checks_needing_options_are_skipped_without_them() -> None:
    """No rate limit, no costs: those two searches are not run."""
    report = audit(campaign("clean"), max_examples=10)
    assert report.checks == ("split_arbitrage", "free_order", "never_applies")


def test_audit_exports_are_sorted_and_present() -> None:
    """promokit.audit's __all__ is sorted and every name in it exists."""
    import promokit.audit as package

    assert package.__all__ == sorted(package.__all__, key=lambda n: (not n.isupper(), n))
    assert all(getattr(package, name) is not None for name in package.__all__)


def test_issued_coupons_that_stack_into_a_free_order_are_found() -> None:
    """A shop coupon 满100减80 and a platform coupon 满100减50, both on list prices, with 10% off
    tea: one 128.00 tea is 115.20, less 80 and the 35.20 left of 50, pays 0.00. Found only when
    the auditor is told which coupons will be issued (carts then carry them, used at best)."""
    from promokit.audit import load_coupons

    from ._support import AUDIT

    coupons = load_coupons(AUDIT / "coupon-stack-coupons.yaml")
    assert run("coupon-stack").of_kind("free_order") == ()
    [flaw] = run("coupon-stack", coupons=coupons).of_kind("free_order")
    small(flaw, 1, 1)
    assert set(flaw.rules) == {"tea-10", "coupon:shopA-100-80", "coupon:plat-100-50"}
    assert flaw.facts["goods_net"] == "0.00"
