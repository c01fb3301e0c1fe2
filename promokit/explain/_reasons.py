"""Why a rule or coupon did not apply, in words, from the reason code and the record's fields.

The structured fields of :class:`~promokit.NotApplied` (shortfall, would_save, next_open) and the
campaign's own terms (a rule's window, schedule, customers) give every number and time. Three
records carry a fact only inside their English message, which is read back here until the result
has a field for it: the item count of ``below_quantity``, the counts of ``not_enough_units``, and
the rule that won an ``excluded`` group.
"""

from __future__ import annotations

import re

from .._money import Money
from .._result import NotApplied
from ._schedule import describe_schedule
from ._terms import RuleInfo, describe_customers, describe_window, info_for
from ._words import Words

_ADD_ITEMS = re.compile(r"add (\d+) more item")
_UNITS = re.compile(r"needs (\d+) eligible units .*has (\d+)")
_SAVE = re.compile(r"add (\d+(?:\.\d+)?) more to save (\d+(?:\.\d+)?)")
_WINNER = re.compile(r"^exclusive group .*?: (['\"])(.+)\1 (?:saves more|comes first)")


def missed_reason(n: NotApplied, info: RuleInfo, w: Words, tier: str | None,
                  index: dict[str, RuleInfo]) -> str:
    """One phrase for a :class:`~promokit.NotApplied` record."""
    code = n.reason
    spec = info.spec
    if code == "below_threshold" and n.shortfall is not None and n.would_save is not None:
        return w.reason(code, short=w.money(n.shortfall), save=w.money(n.would_save))
    if code == "below_quantity":
        m = _ADD_ITEMS.search(n.message)
        if m and n.would_save is not None:
            return w.reason(code, n=m.group(1), save=w.money(n.would_save))
    if code == "not_enough_units":
        m = _UNITS.search(n.message)
        if m:
            return w.reason(code, need=m.group(1), has=m.group(2))
    if code == "not_started" and n.next_open is not None:
        return w.reason(code, when=w.time(n.next_open))
    if code == "ended":
        end = _end(info, w)
        if end is not None:
            return w.reason(code, when=end)
    if code == "excluded":
        m = _WINNER.search(n.message)
        if m:
            return w.reason(code, other=info_for(index, m.group(2), w).title)
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
    if code == "balance_window_missed" and spec is not None:
        return w.reason(code, window=describe_window(getattr(spec, "balance_window", None), w))
    return coded(code, n.message, w)


def coupon_reason(code: str, message: str, info: RuleInfo, w: Words) -> str:
    """Why a wallet coupon was not used: its expiry from the coupon, else :func:`coded`."""
    if code in ("expired", "ended"):
        end = _end(info, w)
        if end is not None:
            return w.reason("expired_when", when=end)
    return coded(code, message, w)


def coded(code: str, message: str, w: Words) -> str:
    """A reason from its code and message alone (a wallet coupon's :class:`CouponUse`).

    A shortfall is read back from the message ("add 171.00 more to save 30.00") until the record
    has fields for it; otherwise English keeps the engine's message and Chinese gets a phrase.
    """
    m = _SAVE.search(message) if code == "below_threshold" else None
    if m:
        short, save = (Money.of(x, w.currency) for x in m.groups())
        return w.reason(code, short=w.money(short), save=w.money(save))
    if not w.zh and message:
        return message
    if code == "not_chosen" and message.startswith("a combination"):
        code = "not_chosen_best"
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
