"""One rule for input, through the library: what load refuses, what it warns about, and the one
error type for carts a valid campaign cannot price (a stable code and a path, for a 4xx)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from promokit import Campaign, CampaignError, CartError, CartPricingError, Money, MoneyError
from promokit._errors import CART_PRICING_CODES
from promokit.rules._gates import rrule_problem

LINE = {"id": "l1", "sku": "S", "shop": "A", "unit_price": "250.00", "quantity": 1}
CART: dict[str, Any] = {"currency": "CNY", "at": "2026-11-11T00:05:00+08:00", "lines": [LINE]}


def campaign(*rules: dict[str, Any], **fields: Any) -> Campaign:
    return Campaign.from_dict({"campaign": "t", "currency": "CNY", "rules": list(rules), **fields})


def refused(*rules: dict[str, Any], **fields: Any) -> str:
    with pytest.raises(CampaignError) as exc:
        campaign(*rules, **fields)
    return str(exc.value)


T = {"id": "t", "kind": "threshold", "stage": "shop", "scope": "shop", "min_spend": 200,
     "discount": 20}


def test_integer_amounts_are_bounded_as_strings_are() -> None:
    assert "too large" in refused({**T, "discount": 10**20})
    assert "too large" in refused({**T, "discount": 10**26})
    assert "too large" in refused({**T, "discount": str(10**20)})
    with pytest.raises(MoneyError, match="too large"):
        Money.of(10**20, "CNY")
    assert campaign({**T, "discount": 10**14}).id == "t"


def test_perk_stage_before_threshold_base_is_refused() -> None:
    text = refused({**T, "stage": "platform", "scope": "pool"}, threshold_base="shop",
                   tiers={"levels": [{"name": "gold", "rank": 1,
                                      "perks": {"discount": {"percent": 5, "stage": "item"}}}]})
    assert "tiers.levels[0].perks.discount.stage" in text


@pytest.mark.parametrize(("rule", "words"), [
    ("FREQ=HOURLY;BYSECOND=61", "BYSECOND=61"), ("FREQ=DAILY;BYMINUTE=75", "BYMINUTE=75"),
    ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY=0"), ("FREQ=MONTHLY;BYMONTHDAY=-32", "-32"),
    ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0"), ("BYMONTHDAY=8", "no FREQ"),
    ("FREQ=SECONDLY", "FREQ=SECONDLY"), ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
    ("FREQ=DAILY;UNTIL=20260101", "UTC"), ("FREQ=DAILY;BYDAY=XX", "BYDAY=XX"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never occurs"), ("FREQ=DAILY;X=1", "'X=1'"),
])
def test_bad_recurrences_are_named(rule: str, words: str) -> None:
    problem = rrule_problem(rule)
    assert problem is not None and words in problem
    assert words in refused({**T, "schedule": {"rrule": rule}})


@pytest.mark.parametrize("rule", ["FREQ=MONTHLY;BYMONTHDAY=8", "FREQ=MONTHLY;BYDAY=-1FR",
                                  "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "freq=weekly;byday=mo",
                                  "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR",
                                  "FREQ=DAILY;UNTIL=20261231T160000Z;BYHOUR=20"])
def test_good_recurrences_pass(rule: str) -> None:
    assert rrule_problem(rule) is None


def test_underscores_are_not_digit_separators() -> None:
    assert "'1_5'" in refused({"id": "p", "kind": "percent_off", "stage": "item",
                               "percent": "1_5"})
    with pytest.raises(CartError, match="1_000"):
        campaign(T).price({**CART, "lines": [{**LINE, "unit_price": "1_000.00"}]})


def test_rule_ids_of_perks_and_coupons_are_reserved() -> None:
    tiers = {"levels": [{"name": "gold", "rank": 1,
                         "perks": {"discount": {"percent": 5, "stage": "cash"}}}]}
    assert "tier-gold-discount" in refused({**T, "id": "tier-gold-discount"}, tiers=tiers)
    assert "coupon:" in refused({**T, "id": "coupon:x"})
    assert campaign({**T, "id": "tier-gold-discount"}).id == "t"  # no such perk: no clash


def test_small_percents_are_warnings() -> None:
    c = campaign({"id": "tea", "name": "龙井8.5折", "kind": "percent_off", "stage": "item",
                  "percent": "0.85"})
    assert [w.path for w in c.warnings] == ["rules[0].percent"]
    assert any("15 for 8.5折" in (w.expected or "") for w in c.warnings)


P1 = {"id": "p1", "kind": "presale", "stage": "item", "deposit": 10, "counts_as": 20}
P2 = {"id": "p2", "kind": "presale", "stage": "item", "deposit": 10, "counts_as": 20,
      "select": {"shops": ["A"]}}


def test_presales_certain_to_share_a_line_are_refused_at_load() -> None:
    message = refused(P1, P2)
    assert "rules[1].select" in message and "pre-sale rule 'p1'" in message


def test_presales_that_meet_under_a_schedule_are_refused_at_pricing() -> None:
    # whether the two meet depends on the time: load cannot know, pricing refuses the line
    c = campaign(P1, {**P2, "schedule": {"rrule": "FREQ=DAILY", "hours": 24}})
    assert c.warnings == ()
    with pytest.raises(CartPricingError) as exc:
        c.price(CART)
    assert exc.value.code == "presale_overlap" and exc.value.path == "lines[0]"


def test_presales_that_cannot_meet_are_accepted() -> None:
    c = campaign({"id": "p1", "kind": "presale", "stage": "item", "deposit": 10, "counts_as": 20,
                  "select": {"skus": ["A"]}, "window": {"end": "2027-01-01T00:00:00"}},
                 {"id": "p2", "kind": "presale", "stage": "item", "deposit": 10, "counts_as": 20,
                  "select": {"skus": ["B"]}},
                 {"id": "p3", "kind": "presale", "stage": "item", "deposit": 10, "counts_as": 20,
                  "select": {"skus": ["A"]}, "window": {"start": "2027-01-01T00:00:00"}},
                 {"id": "p4", "kind": "presale", "stage": "item", "deposit": 10, "counts_as": 20,
                  "select": {"skus": ["A", "B"], "exclude": {"skus": ["A", "B"]}}})
    assert [w.rule for w in c.warnings] == []


def test_cart_pricing_errors_have_a_code_and_a_path() -> None:
    timed = campaign({**T, "window": {"start": "2026-11-10T00:00:00"}},
                     tiers={"levels": [{"name": "silver", "rank": 0}]})
    cases = [({**CART, "currency": "USD"}, {}, "currency_mismatch", "currency"),
             ({k: v for k, v in CART.items() if k != "at"}, {}, "missing_time", "at"),
             ({**CART, "customer": {"tier": "gold"}}, {}, "unknown_tier", "customer.tier"),
             (CART, {"phase": "later"}, "unknown_phase", "phase")]
    for cart, kwargs, code, path in cases:
        with pytest.raises(CartPricingError) as exc:
            timed.price(cart, **kwargs)
        err = exc.value
        assert (err.code, err.path) == (code, path) and code in CART_PRICING_CODES
        assert f"[{code}]" in str(err) and err.problem("cart.json").file == "cart.json"


def test_a_schedule_walk_is_bounded() -> None:
    c = campaign({**T, "schedule": {"rrule": "FREQ=HOURLY", "hours": 1}})
    with pytest.raises(CartPricingError) as exc:
        c.price(CART, at=datetime(9000, 1, 1))
    assert exc.value.code == "schedule_bound"


def test_coupon_window_order() -> None:
    bad = {"id": "c", "kind": "platform", "value": "5.00", "start": "2026-11-12T00:00:00",
           "end": "2026-11-11T00:00:00"}
    with pytest.raises(CartError, match=r"wallet\[0\]\.end"):
        campaign(T).price({**CART, "wallet": [bad]})
