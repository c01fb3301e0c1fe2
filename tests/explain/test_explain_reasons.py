"""Every reason a rule or coupon did not apply, said in Chinese with its numbers and times."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import promokit
from promokit.explain import explain

AT = "2026-11-11T10:00:00+08:00"


def zh(rules: list[dict[str, Any]], lines: list[dict[str, Any]], *, phase: str | None = None,
       customer: dict[str, Any] | None = None, **extra: Any) -> str:
    """The Chinese explanation of a one-off campaign and cart."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "r", "currency": "CNY", "timezone": "Asia/Shanghai",
        "stages": ["item", "presale", "shop", "cash"], "rules": rules,
        **{k: v for k, v in extra.items() if k != "cart"}})
    cart = {"currency": "CNY", "at": AT, "lines": lines, "customer": customer or {},
            **extra.get("cart", {})}
    return explain(campaign.price(cart, phase=phase), campaign, lang="zh")


def line(unit: str = "100.00", qty: int = 1, **more: Any) -> dict[str, Any]:
    """One cart line of shop A."""
    return {"id": "l1", "sku": "S1", "shop": "A", "unit_price": unit, "quantity": qty, **more}


def rule(kind: str, stage: str = "shop", **more: Any) -> dict[str, Any]:
    """A rule named 规则甲."""
    return {"id": "r1", "name": "规则甲", "kind": kind, "stage": stage, **more}


@pytest.mark.parametrize(("rules", "lines", "kw", "said"), [
    ([rule("threshold", min_spend=300, discount=50)], [line()], {},
     "未达门槛：还差¥200.00，可省¥50.00"),
    ([rule("threshold", min_qty=3, percent=10)], [line()], {}, "件数不足：再买2件，可省"),
    ([rule("bundle", "item", size=3, price=99)], [line(qty=2)], {}, "需3件才能享受，当前2件"),
    ([rule("percent_off", "item", percent=10, window={"start": "2026-11-12T00:00:00"})],
     [line()], {}, "活动未开始：2026-11-12 00:00开始"),
    ([rule("percent_off", "item", percent=10, window={"end": "2026-11-11T00:00:00"})],
     [line()], {}, "活动已结束：2026-11-11 00:00结束"),
    ([rule("percent_off", "item", percent=10, schedule={"rrule": "FREQ=MONTHLY;BYMONTHDAY=8"})],
     [line()], {}, "当前不在活动时间（每月8日），下次2026-12-08 00:00开始"),
    ([rule("percent_off", "item", percent=10, customers={"tags": ["vip"]})], [line()], {},
     "仅限标签为 vip 的顾客"),
    ([rule("percent_off", "item", percent=10, exclusive="g", priority=1),
      {"id": "r2", "name": "规则乙", "kind": "amount_off", "stage": "item", "amount": 5,
       "exclusive": "g"}], [line()], {"exclusive_groups": {"g": {"pick": "first"}}},
     "与“规则乙”互斥，已按“规则乙”计算"),
    ([rule("presale", "presale", deposit=100, counts_as=200,
           balance_window={"start": "2026-11-12T00:00:00"})], [line("800.00")],
     {"phase": "balance"}, "未在尾款时间（2026-11-12 00:00 起）内支付：定金不退，膨胀不生效"),
])
def test_reason_in_chinese(rules: list[dict[str, Any]], lines: list[dict[str, Any]],
                           kw: dict[str, Any], said: str) -> None:
    """The reason reads as a Chinese shopper would expect, numbers and times included."""
    assert said in zh(rules, lines, **kw)


def test_tier_reason_names_the_tiers_and_the_customer() -> None:
    """A tier-only rule says which tiers may use it and what this customer is."""
    text = zh([rule("percent_off", "item", percent=10, customers={"min_tier": "gold"})], [line()],
              customer={"tier": "silver"},
              tiers={"levels": [{"name": "silver", "rank": 1}, {"name": "gold", "rank": 2}]})
    assert "仅限gold及以上会员，当前为silver" in text


def test_expired_coupon_says_when() -> None:
    """A wallet coupon past its end says when it expired."""
    text = zh([], [line()],
              coupon_policy={"kinds": {"red_envelope": {"stage": "cash", "limit": None}}},
              cart={"wallet": [{"id": "w1", "kind": "red_envelope", "value": 5, "name": "红包甲",
                                "end": "2026-11-01T00:00:00+08:00"}], "coupons": ["w1"]})
    assert "红包甲（红包：立减¥5.00）：未使用，已于2026-11-01 00:00过期" in text


def _left_out(best: bool) -> tuple[promokit.Campaign, promokit.PriceResult]:
    """A 300.00 cart, 每满300减30 over the order, and a shop coupon of 30.00 in the wallet: the
    coupon takes the goods to 270.00, below the threshold, so both pay 270.00. The search keeps
    the combination with fewer coupons (none); in selected mode the cart selects none."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "r", "currency": "CNY", "timezone": "Asia/Shanghai",
        "stages": ["shop", "cross_store"],
        "coupon_policy": {"kinds": {"shop": {"stage": "shop"}}},
        "rules": [{"id": "x300", "name": "每满300减30", "kind": "threshold",
                   "stage": "cross_store", "scope": "order", "every": 300, "discount": 30}]})
    cart = {"currency": "CNY", "at": AT, "lines": [line("300.00")],
            "wallet": [{"id": "s30", "kind": "shop", "shop": "A", "value": 30}]}
    return campaign, campaign.price(cart, best_coupons=best)


@pytest.mark.parametrize(("best", "by", "said"), [
    (True, "search", "不用此券的组合同样划算"),
    (False, "cart", "未选用"),
])
def test_a_coupon_left_out_says_who_left_it_out(best: bool, by: str, said: str) -> None:
    """The result records who left a not_chosen coupon out (CouponUse.left_out_by), and the
    explanation says it from that field."""
    campaign, result = _left_out(best)
    use = result.coupons[0]
    assert (use.reason, use.left_out_by, result.payable.to_json()) == ("not_chosen", by, "270.00")
    assert said in explain(result, campaign, lang="zh")


def test_the_reason_comes_from_the_field_not_the_message() -> None:
    """Whatever the message says, left_out_by decides the phrase."""
    campaign, result = _left_out(True)
    use = dataclasses.replace(result.coupons[0], message="", left_out_by="cart")
    text = explain(dataclasses.replace(result, coupons=(use,)), campaign, lang="zh")
    assert "未选用" in text and "不用此券的组合同样划算" not in text
