"""Why a rule or coupon did not apply, in words, from the reason code and the record's fields.

The structured fields of :class:`~promokit.NotApplied` (shortfall, would_save, need, has, by,
next_open) and of :class:`~promokit.CouponUse`, with the campaign's own terms (a rule's window,
schedule, customers), give every number and time; messages are never parsed.
"""

from __future__ import annotations

from promokit._result.types import CouponUse, NotApplied
from promokit.explain._schedule import describe_schedule
from promokit.explain._terms import (
    RuleInfo,
    describe_customers,
    describe_history,
    describe_window,
    info_for,
)
from promokit.explain._words import Words

#: Reasons of a customers condition on the customer's history, phrased from that condition.
_HISTORY = ("not_first_order", "too_few_orders", "too_many_orders", "below_past_spend")


def missed_reason(n: NotApplied, info: RuleInfo, w: Words, tier: str | None,
                  index: dict[str, RuleInfo]) -> str:
    """One phrase for a :class:`~promokit.NotApplied` record."""
    code = n.reason
    spec = info.spec
    if code == "below_threshold" and n.shortfall is not None and n.would_save is not None:
        return w.reason(code, short=w.money(n.shortfall), save=w.money(n.would_save))
    if code == "below_quantity" and n.need is not None and n.has is not None \
            and n.would_save is not None:
        return w.reason(code, n=n.need - n.has, save=w.money(n.would_save))
    if code == "not_enough_units" and n.need is not None and n.has is not None:
        return w.reason(code, need=n.need, has=n.has)
    if code == "not_started" and n.next_open is not None:
        return w.reason(code, when=w.time(n.next_open))
    if code == "ended":
        end = _end(info, w)
        if end is not None:
            return w.reason(code, when=end)
    if code == "expired":  # a wallet coupon past its end (also in the result's coupons[])
        end = _end(info, w)
        if end is not None:
            return w.reason("expired_when", when=end)
    if code in ("excluded", "overflow") and n.by is not None:
        return w.reason(code, other=info_for(index, n.by, w).title)
    if code == "off_schedule" and spec is not None and spec.schedule is not None:
        when = describe_schedule(spec.schedule.rrule, spec.schedule.hours, w.lang)
        if n.next_open is not None:
            return w.reason(code, schedule=when, when=w.time(n.next_open))
        return w.reason("off_schedule_never", schedule=when)
    if code == "tier_not_eligible" and spec is not None and spec.customers is not None:
        who = f"{tier}" if tier else w.reason("no_tier")
        allowed = describe_customers(spec.customers.model_copy(update={"tags": ()}), w)
        return w.reason(code, allowed=allowed, who=who)
    if code == "customer_not_eligible" and spec is not None and spec.customers is not None:
        tags_only = spec.customers.model_copy(update={"tiers": (), "min_tier": None})
        return w.reason(code, who=describe_customers(tags_only, w))
    if code in _HISTORY and spec is not None and spec.customers is not None:
        history = describe_history(spec.customers, w)
        if history:
            return w.reason(code, who=w.join(history, "and_sep"))
    if code == "balance_window_missed" and spec is not None:
        return w.reason(code, window=describe_window(getattr(spec, "balance_window", None), w))
    return coded(code, n.message, w)


def coupon_reason(use: CouponUse, info: RuleInfo, w: Words) -> str:
    """Why a wallet coupon was not used: its expiry, its shortfall, else :func:`coded`."""
    code = use.reason or ""
    if code in ("expired", "ended"):
        end = _end(info, w)
        if end is not None:
            return w.reason("expired_when", when=end)
    if code == "below_threshold" and use.shortfall is not None and use.would_save is not None:
        return w.reason(code, short=w.money(use.shortfall), save=w.money(use.would_save))
    if code == "not_chosen" and use.left_out_by == "search":  # not "not selected" by the cart
        code = "not_chosen_best"
    return coded(code, use.message, w)


def coded(code: str, message: str, w: Words) -> str:
    """A reason from its code and message alone: English keeps the engine's message, Chinese
    gets a phrase for the code."""
    if not w.zh and message:
        return message
    for key in (code, f"{code}_bare"):
        try:
            return w.reason(key)
        except KeyError:
            continue
    return message or code


def _end(info: RuleInfo, w: Words) -> str | None:
    spec, coupon = info.spec, info.coupon
    end = coupon.end if coupon is not None else (
        spec.window.end if spec is not None and spec.window is not None else None)
    return None if end is None else w.time(end)
