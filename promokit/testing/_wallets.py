"""The ``wallets()`` strategy: valid wallets of coupons of every kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from promokit._cart.wallet import COUPON_KINDS, Coupon
from promokit._money import format_minor
from promokit.testing._common import _digits, _int, _minor_range, _of, _opt, _percent

_GROUPS = ("g1", "g2")
_WEEK = 7 * 24 * 60  # in minutes: how far from ``at`` an end may lie
_NEED_SHOP = ("shop", "shipping")  # kinds the model refuses without a shop
_PERCENT_KINDS = ("shop", "platform", "allowance", "product", "shipping")  # red envelope: value


def wallets(
    *,
    currency: str = "CNY",
    shops: Sequence[str] = ("A", "B", "C"),
    kinds: Sequence[str] = COUPON_KINDS,
    min_coupons: int = 1,
    max_coupons: int = 8,
    max_value: str = "100.00",
    at: datetime | None = None,
    expired: bool = True,
) -> st.SearchStrategy[tuple[Coupon, ...]]:
    """Valid wallets of ``min_coupons`` to ``max_coupons`` coupons of ``kinds``, unique ids.

    Each coupon takes a face value in ``(0, max_value]`` at ``currency``'s minor unit or, for shop,
    platform, allowance, product and shipping coupons, a percent in ``(0, 100]`` (whole or tenths),
    optionally capped by a ``max_discount`` in ``(0, max_value]``. Shop and shipping coupons belong
    to one of ``shops``, product coupons optionally; every kind but red envelopes may have a
    ``min_spend`` in ``[0, 10 x max_value]``; any coupon may join stack group ``g1`` or ``g2``. With
    ``at``, coupons may have an ``end`` within a week after ``at`` and, with ``expired``, within a
    week before it (ends are exclusive: one at ``at`` has expired); ends are naive when ``at`` is,
    otherwise at ``at``'s offset or UTC, so whether a coupon has expired does not depend on the
    campaign's time zone. Without ``at``, no coupon ends. Ids are ``c1`` to ``cN`` in some order.
    Every coupon is built with ``Coupon.model_validate``; pass
    ``[c.model_dump(mode="json", exclude_none=True) for c in wallet]`` as a cart's ``wallet``.

    Shrinks towards one red envelope (or the simplest of ``kinds`` when it has none) worth one
    minor unit, id ``c1``, with no threshold, cap, optional shop, stack group or end.
    """
    digits = _digits(currency)
    kinds = tuple(kinds)
    if not kinds or len(set(kinds)) != len(kinds) or set(kinds) - set(COUPON_KINDS):
        raise InvalidArgument(f"kinds={kinds!r}: expected distinct kinds among "
                              f"{', '.join(COUPON_KINDS)}")
    if not 0 <= min_coupons <= max_coupons:
        raise InvalidArgument(f"expected 0 <= min_coupons <= max_coupons, got {min_coupons}, "
                              f"{max_coupons}")
    shops = tuple(shops)
    needy = [k for k in kinds if k in _NEED_SHOP]
    if needy and not shops:
        raise InvalidArgument(f"kinds {needy} need a shop: shops must name at least one")
    top = _minor_range("0", max_value, digits, "max_value")[1]
    if top < 1:
        raise InvalidArgument(f"max_value={max_value!r} leaves no value of one minor unit "
                              f"({format_minor(1, digits)} {currency}) or more")
    if at is not None and not isinstance(at, datetime):
        raise InvalidArgument(f"at={at!r}: expected a datetime or None")
    first = tuple(sorted(kinds, key=lambda k: k != "red_envelope"))  # stable: the rest in order
    plan = _Plan(digits=digits, shops=shops, kinds=first, top=top, at=at, expired=expired)
    return _wallets(_coupons(plan), min_coupons, max_coupons)


@dataclass(frozen=True)
class _Plan:
    digits: int
    shops: tuple[str, ...]
    kinds: tuple[str, ...]
    top: int
    at: datetime | None
    expired: bool


@st.composite
def _wallets(draw: st.DrawFn, coupon: st.SearchStrategy[dict[str, Any]], low: int,
             high: int) -> tuple[Coupon, ...]:
    raws = draw(st.lists(coupon, min_size=low, max_size=high))
    order = draw(st.permutations(range(1, len(raws) + 1)))
    return tuple(_validate({"id": f"c{k}", **raw}) for k, raw in zip(order, raws, strict=True))


@st.composite
def _coupons(draw: st.DrawFn, p: _Plan) -> dict[str, Any]:
    """One coupon's fields but its id."""
    kind = draw(_of(*p.kinds))
    out: dict[str, Any] = {"kind": kind}
    if kind in _NEED_SHOP:
        out["shop"] = draw(_of(*p.shops))
    elif kind == "product" and p.shops:
        shop = draw(_opt(_of(*p.shops)))
        if shop is not None:
            out["shop"] = shop
    if kind in _PERCENT_KINDS and draw(st.booleans()):
        out["percent"] = _percent(draw(_int(1, 1000)))
        cap = draw(_opt(_int(1, p.top)))
        if cap is not None:
            out["max_discount"] = format_minor(cap, p.digits)
    else:
        out["value"] = format_minor(draw(_int(1, p.top)), p.digits)
    if kind != "red_envelope":
        spend = draw(_opt(_int(0, 10 * p.top)))
        if spend is not None:
            out["min_spend"] = format_minor(spend, p.digits)
    group = draw(_opt(_of(*_GROUPS)))
    if group is not None:
        out["stack_group"] = group
    if p.at is not None and draw(st.booleans()):
        minutes = draw(_int(1, _WEEK))
        past = p.expired and draw(st.booleans())
        end = p.at - timedelta(minutes=minutes - 1) if past else p.at + timedelta(minutes=minutes)
        if end.tzinfo is not None and draw(st.booleans()):
            end = end.astimezone(UTC)
        out["end"] = end
    return out


def _validate(raw: dict[str, Any]) -> Coupon:
    """``Coupon.model_validate``; a refusal shows the coupon that caused it."""
    try:
        return Coupon.model_validate(raw)
    except ValueError as exc:
        raise AssertionError(f"Coupon.model_validate refused a coupon promokit.testing generated "
                             f"as valid: {exc}\n{raw!r}") from exc
