"""Returns, refunds and per-shop settlement of a priced order (DOMAIN.md, "Refunds").

Two policies, both exact to the minor unit:

* ``allocated`` (Taobao's published rule): a returned unit is refunded at its allocated net, and
  the remaining lines keep their discounts even when they fall below a threshold.
* ``reprice``: the remaining cart is priced again under the same campaign, at the original time
  and phase, with the same coupons; refund = paid - new total, never negative and never more
  than was paid for the returned units; what the remaining lines lose shows as a claw-back.

A refund works from the price result's JSON form and carries what remains of the order, so
refunds can run in other processes: pass the earlier refunds of the order in ``earlier=``.
Successive partial refunds add up exactly to a full refund, and a full return refunds exactly
what was paid (less deposits the shop keeps, or shipping a policy does not refund).

>>> import promokit
>>> campaign = promokit.Campaign.from_dict({"campaign": "demo", "currency": "CNY", "rules": [
...     {"id": "s200-20", "kind": "threshold", "stage": "shop", "scope": "shop",
...      "min_spend": 200, "discount": 20}]})
>>> result = campaign.price({"currency": "CNY", "lines": [
...     {"id": "A", "sku": "A", "shop": "S", "unit_price": "100.00", "quantity": 1},
...     {"id": "B", "sku": "B", "shop": "S", "unit_price": "110.00", "quantity": 1}]})
>>> promokit.refund(result, {"A": 1}).amount
Money('90.48', 'CNY')
>>> promokit.refund(result, {"A": 1}, policy="reprice", campaign=campaign).amount
Money('80.00', 'CNY')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from promokit._errors import Problem, RefundError
from promokit._result.types import PriceResult
from promokit.refunds._calc import Refunder, settlement
from promokit.refunds._order import REFUND_FORMAT, Order, State, read_order
from promokit.refunds._types import Refund, RefundPolicy, Settlement

if TYPE_CHECKING:
    from promokit._campaign import Campaign

__all__ = ["Refund", "RefundError", "RefundPolicy", "Settlement", "parse_return", "refund",
           "settle"]

Returns = Mapping[str, int] | Iterable[tuple[str, int] | str]
ResultLike = PriceResult | Mapping[str, Any]
RefundLike = Refund | Mapping[str, Any]


def refund(result: ResultLike, returns: Returns, *, policy: RefundPolicy | str = "allocated",
           campaign: Campaign | None = None, earlier: Sequence[RefundLike] = (),
           at: datetime | None = None) -> Refund:
    """Refund returned units of a priced order.

    ``result``: a :class:`PriceResult` or its JSON form. ``returns``: ``{line id: units}``,
    ``(line id, units)`` pairs or ``"LINE:QTY"`` strings. ``policy``: ``"allocated"``,
    ``"reprice"`` (needs the ``campaign`` the order was priced with) or a :class:`RefundPolicy`.
    ``earlier``: this order's earlier refunds, in order. ``at``: when the refund is made (default:
    the order's time); a coupon whose end is after it goes back to the wallet on a full return.
    """
    order = read_order(result)
    pol = RefundPolicy.of(policy)
    state = _chain(order, earlier)
    want = _wanted(returns, order, state)
    checked = _check_campaign(order, campaign) if pol.method == "reprice" else None
    return Refunder(order, state, pol, at if at is not None else order.at).run(want, checked)


def settle(result: ResultLike, refunds: Sequence[RefundLike] = ()) -> Settlement:
    """Per-shop settlement of an order after the given refunds (all of them, in order)."""
    order = read_order(result)
    state = _chain(order, refunds)
    return settlement(order, state)


def parse_return(text: str) -> tuple[str, int]:
    """``"LINE:QTY"`` as ``(line id, units)``."""
    line, sep, qty = text.rpartition(":")
    if not sep or not line or not qty.strip().isdigit() or int(qty) < 1:
        raise RefundError([Problem("a return is LINE:QTY", path="returns", value=text,
                                   expected="a line id, a colon and a whole number >= 1, "
                                            "e.g. l1:2")])
    return line, int(qty)


# --- checking the inputs ----------------------------------------------------------------------

def _chain(order: Order, earlier: Sequence[RefundLike]) -> State:
    if isinstance(earlier, Refund | Mapping):
        earlier = [earlier]
    last: Mapping[str, Any] | None = None
    problems = []
    for k, item in enumerate(earlier, 1):
        data = item.to_dict() if isinstance(item, Refund) else item
        where = f"earlier[{k - 1}]"
        if not isinstance(data, Mapping) or data.get("kind") != "refund" \
                or data.get("format") != REFUND_FORMAT:
            problems.append(Problem("not a promokit refund", path=where,
                                    expected=f"a Refund or its JSON form (format "
                                             f"{REFUND_FORMAT})"))
        elif data.get("order") != order.digest:
            problems.append(Problem("a refund of another order (or of a different price result)",
                                    path=f"{where}.order", value=data.get("order"),
                                    expected=order.digest))
        elif data.get("sequence") != k:
            problems.append(Problem("earlier refunds go in order, all of them", path=where,
                                    value=data.get("sequence"), expected=f"refund {k}"))
        else:
            last = data
    if problems:
        raise RefundError(problems)
    if last is None:
        return State.initial(order)
    try:
        return State.from_json(last["state"], order)
    except (KeyError, TypeError, ValueError) as exc:
        raise RefundError([Problem(f"its order state cannot be read: {exc}",
                                   path=f"earlier[{len(earlier) - 1}].state")]) from None


def _wanted(returns: Returns, order: Order, state: State) -> dict[str, int]:
    items: Iterable[Any] = returns.items() if isinstance(returns, Mapping) else returns
    if isinstance(returns, str):
        items = [returns]
    want: dict[str, int] = {}
    problems = []
    for k, item in enumerate(items):
        try:
            line, qty = parse_return(item) if isinstance(item, str) else item
        except RefundError as exc:
            problems += exc.problems
            continue
        except (TypeError, ValueError):
            problems.append(Problem("a return is (line id, units)", path=f"returns[{k}]",
                                    value=item, expected="('l1', 2) or 'l1:2'"))
            continue
        if line not in order.lines:
            problems.append(Problem("unknown line", path="returns", value=line,
                                    expected="one of " + ", ".join(order.lines)))
        elif not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            problems.append(Problem("units to return must be a whole number >= 1",
                                    path=f"returns.{line}", value=qty))
        else:
            want[line] = want.get(line, 0) + qty
    for line, qty in want.items():
        left, bought = state.lines[line].units, order.lines[line].quantity
        if qty > left:
            problems.append(Problem(f"returning {qty} units but only {left} remain ({bought} "
                                    f"bought, {bought - left} returned before)",
                                    path=f"returns.{line}", value=qty,
                                    expected=f"at most {left}"))
    if not want and not problems:
        problems.append(Problem("nothing to return", path="returns",
                                expected="at least one LINE:QTY"))
    if problems:
        raise RefundError(problems)
    return {k: want[k] for k in order.lines if k in want}  # in the order's line order


def _check_campaign(order: Order, campaign: Campaign | None) -> Campaign:
    if campaign is None:
        raise RefundError([Problem("the reprice policy prices the remaining cart again and "
                                   "needs the campaign the order was priced with",
                                   path="campaign", expected=f"campaign {order.campaign!r}")])
    if campaign.fingerprint != order.fingerprint:
        raise RefundError([Problem(
            f"campaign {campaign.id!r} is not the one this order was priced with; re-pricing "
            "under another campaign would refund the wrong amount", path="campaign",
            value=campaign.fingerprint, expected=f"{order.fingerprint} ({order.campaign})")])
    return campaign
