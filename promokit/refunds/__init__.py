"""Returns, refunds and per-shop settlement of a priced order.

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

The stored result and the earlier refunds are untrusted (docs/refunds.md): each refund checks
the result's consistency, with ``campaign=`` re-prices it, with ``key=`` checks the signature
:func:`sign` added, and replays the earlier refunds instead of trusting their stored state.

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

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promokit._campaign import plan_of
from promokit._errors import MoneyError, Problem, RefundError
from promokit._money import Money, to_minor
from promokit._result.types import PriceResult
from promokit.refunds._calc import Refunder, settlement
from promokit.refunds._order import REFUND_FORMAT, SIGNATURE, Order, State, read_order
from promokit.refunds._types import BASES, Basis, Refund, RefundPolicy, Settlement
from promokit.refunds._verify import (
    check_consistent,
    check_ledger,
    check_repriced,
    check_signature,
    check_transition,
    read_time,
    signature,
)

if TYPE_CHECKING:
    from promokit._campaign import Campaign
    from promokit.ledger.base import Ledger

__all__ = ["Refund", "RefundError", "RefundPolicy", "Settlement", "parse_return", "refund",
           "settle", "sign", "verify"]

Returns = Mapping[str, int] | Iterable[tuple[str, int] | str]
ResultLike = PriceResult | Mapping[str, Any]
RefundLike = Refund | Mapping[str, Any]
Key = bytes | str


def refund(result: ResultLike, returns: Returns | None = None, *,
           amount: str | Decimal | Money | None = None, basis: Basis | str = "order",
           policy: RefundPolicy | str = "allocated", campaign: Campaign | None = None,
           earlier: Sequence[RefundLike] = (), at: datetime | None = None,
           key: Key | None = None, ledger: Ledger | None = None) -> Refund:
    """Refund returned units of a priced order, or an amount of money.

    ``result``: a :class:`PriceResult` or its JSON form. ``returns``: ``{line id: units}``,
    ``(line id, units)`` pairs or ``"LINE:QTY"`` strings. ``policy``: ``"allocated"``,
    ``"reprice"`` (needs the ``campaign`` the order was priced with) or a :class:`RefundPolicy`.
    ``earlier``: this order's earlier refunds, in order. ``at``: when the refund is made (default:
    the order's time); a coupon whose end is after it goes back to the wallet on a full return.

    ``amount`` instead of ``returns``: a partial refund of money, no units returned (WeChat Pay).
    With ``basis="order"`` (the default, WeChat Pay's rule) the amount is in terms of the order
    before discounts and is scaled by paid / that, half up to the minor unit (asking for the
    whole order refunds exactly what was paid); with ``basis="paid"`` it is the money itself.
    Either way the money is split over the lines (and shipping) in proportion to what remains
    paid of each, largest remainder first, and is never more than remains paid. Policy
    ``allocated`` only.

    The result is verified first (see :func:`verify`): with ``key`` its signature, with
    ``campaign`` (under either policy) by pricing its cart again, with ``ledger`` against the
    ledger's record of the order, and always its consistency.
    The earlier refunds are replayed from the verified order, never taken on trust.
    """
    order = _verified(result, campaign, key, ledger)
    pol = RefundPolicy.of(policy)
    state = _chain(order, earlier, campaign, key)
    if amount is not None or returns is None:
        if returns is not None:
            raise RefundError([Problem("give returned units or an amount, not both",
                                       path="amount", expected="returns or amount")])
        asked, how = _asked(amount, basis, order, pol)
        done = Refunder(order, state, pol, at if at is not None else order.at).run_amount(
            asked, how)
        _guard(order, state, done)
        return done
    want = _wanted(returns, order, state)
    checked = _check_campaign(order, campaign) if pol.method == "reprice" else None
    done = Refunder(order, state, pol, at if at is not None else order.at).run(
        want, checked, campaign)
    _guard(order, state, done)
    return done


def settle(result: ResultLike, refunds: Sequence[RefundLike] = (), *,
           campaign: Campaign | None = None, key: Key | None = None) -> Settlement:
    """Per-shop settlement of an order after the given refunds (all of them, in order).

    Verified as :func:`refund` verifies: ``campaign`` re-prices the order and lets earlier
    ``reprice`` refunds be recomputed, ``key`` checks signatures.
    """
    order = _verified(result, campaign, key)
    state = _chain(order, refunds, campaign, key)
    return settlement(order, state)


def verify(result: ResultLike, *, campaign: Campaign | None = None,
           key: Key | None = None, ledger: Ledger | None = None) -> None:
    """Raise :class:`RefundError` unless the stored price result can be trusted to refund from.

    Always: well typed, within bounds, and every sum adds up (line nets + shipping = total,
    allocations = discounts, payable = total - prepaid - points, ...). With ``key``: it carries
    a valid :func:`sign` signature. With ``campaign``: the fingerprint is the campaign's and
    pricing the recorded cart again gives exactly the stored result. With ``ledger``: the
    order it records is paid in the ledger, and the uses and budget of each limited rule and
    what the customer paid are what the ledger took and counted for it (the ledger, not the
    stored result, is the record of what was paid).
    """
    _verified(result, campaign, key, ledger)


def sign(data: ResultLike | RefundLike, key: Key) -> dict[str, Any]:
    """The JSON form of a price result or a refund with an HMAC-SHA256 ``signature`` added.

    Sign what you store (``price --json`` output, each refund's ``to_dict()``); pass the same
    ``key=`` to :func:`refund` and :func:`settle`, and a changed document is refused. The key
    is at least 16 bytes and stays on the server.
    """
    plain = data.to_dict() if isinstance(data, PriceResult | Refund) else dict(data)
    plain = json.loads(json.dumps(plain, ensure_ascii=False, default=_refuse))
    plain.pop(SIGNATURE, None)
    return {**plain, SIGNATURE: signature(plain, key)}


def parse_return(text: str) -> tuple[str, int]:
    """``"LINE:QTY"`` as ``(line id, units)``."""
    line, sep, qty = text.rpartition(":")
    if not sep or not line or not qty.strip().isdigit() or len(qty) > 12 or int(qty) < 1:
        raise RefundError([Problem("a return is LINE:QTY", path="returns", value=text,
                                   expected="a line id, a colon and a whole number >= 1, "
                                            "e.g. l1:2")])
    return line, int(qty)


# --- checking the inputs ----------------------------------------------------------------------

def _refuse(value: object) -> object:
    raise RefundError([Problem("cannot be signed: not plain JSON", value=type(value).__name__,
                               expected="strings, integers, lists and objects")])


def _verified(result: ResultLike, campaign: Campaign | None, key: Key | None,
              ledger: Ledger | None = None) -> Order:
    if isinstance(result, PriceResult):
        data: Any = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        data = result
    if not isinstance(data, Mapping):
        raise RefundError([Problem("a refund needs a price result or its JSON form",
                                   value=type(data).__name__, expected="PriceResult or dict")])
    if key is not None:
        check_signature(data, key, "result")
    try:
        order = read_order(data)  # the format, then what a refund reads
    except RefundError as exc:
        try:
            check_consistent(data)  # says precisely where, when it can
        except RefundError as precise:
            raise RefundError([*exc.problems, *precise.problems]) from None
        raise
    check_consistent(data)
    if campaign is not None:
        check_repriced(data, campaign)
    if ledger is not None:
        check_ledger(data, ledger, None if campaign is None else plan_of(campaign).limited)
    return order


def _chain(order: Order, earlier: Sequence[RefundLike], campaign: Campaign | None,
           key: Key | None) -> State:
    """The order's state after the earlier refunds, each replayed from the verified order.

    An ``allocated`` refund (or a ``reprice`` one, given the campaign) is recomputed and must
    equal the stored one in every field; the stored ``state`` is never read. A ``reprice``
    refund without the campaign is checked by :func:`check_transition` instead.
    """
    if isinstance(earlier, Refund | Mapping):
        earlier = [earlier]
    if not isinstance(earlier, Sequence) or isinstance(earlier, str):
        raise RefundError([Problem("earlier refunds are a list", path="earlier",
                                   value=type(earlier).__name__, expected="a list of refunds")])
    state = State.initial(order)
    for k, item in enumerate(earlier, 1):
        where = f"earlier[{k - 1}]"
        data = item.to_dict() if isinstance(item, Refund) else item
        if not isinstance(data, Mapping) or data.get("kind") != "refund" \
                or data.get("format") != REFUND_FORMAT:
            raise RefundError([Problem("not a promokit refund", path=where,
                                       expected=f"a Refund or its JSON form (format "
                                                f"{REFUND_FORMAT})")])
        if data.get("order") != order.digest:
            raise RefundError([Problem(
                "a refund of another order (or of a different price result)",
                path=f"{where}.order", value=data.get("order"), expected=order.digest)])
        if data.get("sequence") != k:
            raise RefundError([Problem("earlier refunds go in order, all of them", path=where,
                                       value=data.get("sequence"), expected=f"refund {k}")])
        if key is not None and not isinstance(item, Refund):
            check_signature(data, key, where)
        state = _replay(order, state, data, campaign, where)
    return state


def _replay(order: Order, state: State, data: Mapping[str, Any], campaign: Campaign | None,
            where: str) -> State:
    try:
        raw = data.get("policy")
        if not isinstance(raw, Mapping):
            raise RefundError([Problem("missing or not an object", path="policy")])
        pol = RefundPolicy(raw.get("method"), raw.get("shipping"),  # type: ignore[arg-type]
                           raw.get("refund_deposit"))  # type: ignore[arg-type]
        lines = data.get("lines")
        if not isinstance(lines, list) or not all(isinstance(x, Mapping) for x in lines):
            raise RefundError([Problem("not a list of returned lines", path="lines")])
        requested = data.get("requested")
        if requested is not None:  # a refund of an amount: replayed like one
            if not isinstance(requested, Mapping):
                raise RefundError([Problem("not an object", path="requested")])
            asked, how = _asked(requested.get("amount"), requested.get("basis"), order, pol)
            refunder = Refunder(order, state, pol, read_time(data.get("at"), "at"))
            again = refunder.run_amount(asked, how)
        else:
            returns = [(x.get("id"), x.get("units")) for x in lines]
            if len({r[0] for r in returns if isinstance(r[0], str)}) != len(returns):
                raise RefundError([Problem("a line returned twice in one refund",
                                           path="lines")])
            if pol.method == "reprice" and campaign is None:
                if any(g.policy != "keep" for g in order.gifts):  # recomputed, never trusted
                    raise RefundError([Problem(
                        "the order has a gift whose rule declares on_return; replaying its "
                        "refunds needs the campaign", path="campaign",
                        expected=f"campaign={order.campaign!r}")])
                return check_transition(order, state, data)
            when = read_time(data.get("at"), "at")
            want = _wanted(returns, order, state)
            refunder = Refunder(order, state, pol, when)
            again = refunder.run(want, _check_campaign(order, campaign)
                                 if pol.method == "reprice" else None, campaign)
    except RefundError as exc:
        raise RefundError([Problem(f"{where}: {p.message}", path=f"{where}.{p.path}",
                                   value=p.value, expected=p.expected)
                           for p in exc.problems]) from None
    except Exception as exc:  # a malformed time and the like: never a traceback
        raise RefundError([Problem(f"the earlier refund cannot be read: {exc}", path=where,
                                   expected="a refund as promokit wrote it")]) from None
    return _same(again, data, where, refunder.state)


def _same(again: Refund, data: Mapping[str, Any], where: str, state: State) -> State:
    """``state`` when the stored refund ``data`` is exactly the recomputed one, else an error."""
    fresh = json.loads(json.dumps(again.to_dict(), ensure_ascii=False))
    stored = {k: v for k, v in data.items() if k != SIGNATURE}
    stored = json.loads(json.dumps(stored, ensure_ascii=False, default=str))
    if fresh != stored:
        diffs = [k for k in sorted(set(fresh) | set(stored)) if fresh.get(k) != stored.get(k)]
        shown = {k: (stored.get(k), fresh.get(k)) for k in ("amount", "cash", "kept")
                 if k in diffs}
        detail = "; ".join(f"{k} is {a!r}, recomputed {b!r}" for k, (a, b) in shown.items())
        raise RefundError([Problem(
            "the earlier refund is not what this order gives for its returns (edited after "
            f"it was made?): {', '.join(map(str, diffs[:8]))} differ"
            + (f" ({detail})" if detail else ""), path=where,
            expected="the refund exactly as promokit made it")])
    return state


def _asked(amount: object, basis: object, order: Order, policy: RefundPolicy
           ) -> tuple[int, Basis]:
    """An amount refund's request, checked: minor units and its basis."""
    problems: list[Problem] = []
    minor = 0
    if policy.method != "allocated":
        problems.append(Problem("a refund of an amount is split by the allocated policy",
                                path="policy.method", value=policy.method,
                                expected="allocated"))
    if basis not in BASES:
        problems.append(Problem("unknown basis for an amount", path="basis", value=basis,
                                expected=" or ".join(BASES)))
    if any(x.deposit_only for x in order.lines.values()):
        problems.append(Problem("an order priced in the deposit phase is refunded by returning "
                                "its units (the deposit rules decide what is kept)",
                                path="amount", expected="returns, not an amount"))
    if isinstance(amount, Money) and amount.currency != order.currency:
        problems.append(Problem(f"an amount in {amount.currency} for an order in "
                                f"{order.currency}", path="amount", value=amount.currency,
                                expected=order.currency))
    try:
        value = amount.to_json() if isinstance(amount, Money) else amount
        if isinstance(value, float | bool) or value is None:
            raise MoneyError(f"{value!r} is not an amount")
        minor = to_minor(value, order.digits, "amount")
        if minor <= 0:
            raise MoneyError(f"{value} is not above zero")
    except MoneyError as exc:
        problems.append(Problem(f"not an amount to refund: {exc}", path="amount",
                                value=str(amount),
                                expected=f"a decimal string above 0 with at most {order.digits} "
                                         "decimals, e.g. 9.00"))
    if problems:
        raise RefundError(problems)
    return minor, "paid" if basis == "paid" else "order"


def _guard(order: Order, before: State, done: Refund) -> None:
    """Last line of defence: never more than was paid, per returned line and in all."""
    problems: list[Problem] = []
    for x in done.lines:
        left = before.lines[x.id].paid
        if done.requested is not None and not 0 <= x.refund.minor <= left:
            problems.append(Problem(f"would refund {x.refund.to_json()} of a line of which "
                                    f"{order.show(left)} remains paid", path=f"lines.{x.id}"))
        if not 0 <= x.refund.minor <= x.paid.minor:
            problems.append(Problem(f"would refund {x.refund.to_json()} for units that cost "
                                    f"{x.paid.to_json()}", path=f"lines.{x.id}"))
    for shop, amount in done.shipping:
        if amount.minor > before.shipping[shop].paid:
            problems.append(Problem(f"would refund {amount.to_json()} of shipping of which "
                                    f"{order.show(before.shipping[shop].paid)} remains paid",
                                    path=f"shipping.{shop}"))
    if done.amount.minor < 0 or before.refunded + done.amount.minor > order.total:
        problems.append(Problem(
            f"would refund {done.amount.to_json()} after {order.show(before.refunded)} refunded "
            f"of an order of {order.show(order.total)}", path="amount",
            expected=f"at most {order.show(max(0, order.total - before.refunded))}"))
    if problems:
        raise RefundError(problems)


def _wanted(returns: Returns, order: Order, state: State) -> dict[str, int]:
    items: Iterable[Any] = returns.items() if isinstance(returns, Mapping) else returns
    if isinstance(returns, str):
        items = [returns]
    want: dict[str, int] = {}
    problems: list[Problem] = []
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
