"""The ``limits:`` block model, the Consumption value and period keys (no store needed)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from promokit.ledger import (
    Consumption,
    InsufficientPointsError,
    IssuedCoupon,
    LedgerUnavailableError,
    LimitReachedError,
    Limits,
    LimitUse,
    OrderStateError,
    UnknownOrderError,
    period_key,
)
from promokit.ledger.records import us_from, utc_from_us


def test_limits_parse_the_campaign_block_exactly() -> None:
    lim = Limits.model_validate({"uses": 1000, "per_customer": 1, "budget": "500000.00",
                                 "units": 500, "per_customer_units": 2, "period": "day"})
    assert lim.budget == Decimal("500000.00") and lim.budget_minor("CNY") == 50_000_000
    assert lim.on_exhausted == "skip" and lim.per_customer_limited
    assert Limits().period == "never" and Limits().budget_minor("CNY") is None
    assert Limits(budget="1000").budget_minor("JPY") == 1000


@pytest.mark.parametrize("bad", [
    {"budget": 0.1}, {"budget": "abc"}, {"budget": "-1.00"}, {"uses": -1}, {"uses": "3"},
    {"uses": 1.0}, {"period": "year"}, {"on_exhausted": "refuse"}, {"limit": 3},
])
def test_limits_refuse_bad_blocks(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Limits.model_validate(bad)


def test_limits_are_frozen_and_a_budget_too_precise_is_an_error() -> None:
    lim = Limits(uses=1)
    with pytest.raises(ValidationError):
        lim.uses = 2  # type: ignore[misc]
    with pytest.raises(ValueError, match="decimal place"):
        Limits(budget="1.005").budget_minor("CNY")


def test_period_keys_in_the_campaign_zone() -> None:
    at = datetime(2026, 11, 10, 16, 30, tzinfo=UTC)  # 00:30 on 11-11 in Shanghai
    assert period_key(at, "day", "Asia/Shanghai") == "2026-11-11"
    assert period_key(at, "day") == "2026-11-10"
    assert period_key(at, "week", "Asia/Shanghai") == "2026-W46"
    assert period_key(at, "month", "Asia/Shanghai") == "2026-11"
    assert period_key(at, "never") == "all"
    assert period_key(datetime(2027, 1, 1, tzinfo=UTC), "week") == "2026-W53"
    assert period_key(datetime(2026, 11, 30, 23, tzinfo=timezone(timedelta(hours=-5))),
                      "month", "Asia/Shanghai") == "2026-12"
    with pytest.raises(ValueError, match="offset"):
        period_key(datetime(2026, 11, 11), "day")
    with pytest.raises(ValueError, match="time zone"):
        period_key(at, "day", "Mars/Olympus")


def test_consumption_is_plain_validated_data() -> None:
    c = Consumption({"r": LimitUse(1, 500, 2)}, customer="u1", coupon_codes=("A",),
                    points_paid=10, issued=(IssuedCoupon("X", "u1", 100),))
    assert Consumption.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="guest"):
        Consumption(points_paid=1)
    with pytest.raises(ValueError, match="non-negative"):
        LimitUse(uses=-1)
    with pytest.raises(ValueError, match="non-negative"):
        LimitUse(budget=True)
    with pytest.raises(ValueError, match="twice"):
        Consumption(coupon_codes=("A", "A"))
    with pytest.raises(ValueError, match="offset"):
        IssuedCoupon("X", "u1", 100, valid_until=datetime(2026, 12, 1))


def test_instants_round_trip_exactly_to_the_microsecond() -> None:
    for at in (datetime(2026, 11, 11, 0, 0, 0, 999_999, tzinfo=UTC),
               datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC)):
        assert utc_from_us(us_from(at)) == at


def test_errors_survive_pickling_into_another_process() -> None:
    for error in (LimitReachedError("r", "uses", 0, 1, "why"),
                  InsufficientPointsError("u1", "points", 5, 6),
                  UnknownOrderError("o1"), OrderStateError("o1", "released", "commit", "x"),
                  LedgerUnavailableError("down")):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error)
