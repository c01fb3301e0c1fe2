"""Checkout subcommands of the ``promokit`` command: pricing against a ledger and the order's life.

    promokit checkout CART --campaign FILE --ledger URL --order ID [--best-coupons] [--json]
                           [--ttl SECONDS] [--retries N] [--at TIME] [--phase PHASE]
    promokit commit ID --ledger URL [--at TIME]
    promokit release ID --ledger URL [--at TIME]
    promokit refund RESULT --return LINE:QTY ... --ledger URL --order ID [--refund-id ID]
    promokit ledger report --ledger URL --campaign FILE     (the campaign's unused limits too)

``checkout`` prices the cart with what the ledger has left and reserves what the result takes
(exit 0, the receipt or ``--json`` result); when concurrent orders keep taking what it needs
beyond its retries it exits :data:`EXIT_CONTENTION` (3), reserving nothing. ``refund`` with
``--ledger`` gives back to the ledger what the refund returns (:func:`promokit.checkout.give_back`
over the limits the order took), once per refund id. Every error exits 2 with one message naming
the file, field and what was expected, and writes nothing; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from promokit._campaign import load_campaign, load_cart, plan_of
from promokit._errors import ContentionError, Problem, PromokitError, RefundError
from promokit._money import currency_digits, format_minor
from promokit._result.types import PriceResult
from promokit.checkout import DEFAULT_RETRIES, checkout, consumption, give_back
from promokit.ledger import Consumption
from promokit.ledger import _cli as _ledger_cli
from promokit.ledger.base import DEFAULT_TTL, open_command_ledger
from promokit.refunds import _cli as _refund_cli

__all__ = ["COMMANDS", "EXIT_CONTENTION", "add_parsers", "add_refund_options", "run",
           "run_ledger", "run_refund"]

EXIT_OK, EXIT_ERROR = 0, 2
#: ``checkout``: every retry found a limit taken by a concurrent order; nothing was reserved.
EXIT_CONTENTION = 3
#: The top-level subcommands this module adds (``refund`` and ``ledger`` are extended).
COMMANDS = frozenset({"checkout", "commit", "release"})


def order_id_arg(value: str) -> str:
    """An order id argument: not empty."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an order id must not be empty")
    return value


def _ttl(value: str) -> timedelta:
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a TTL (expected a whole number of seconds >= 1, e.g. 900)")
    return timedelta(seconds=seconds)


def _retries(value: str) -> int:
    try:
        retries = int(value)
    except ValueError:
        retries = -1
    if retries < 0:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of retries (expected a whole number >= 0)")
    return retries


def add_parsers(sub: Any, at: Callable[[str], datetime]) -> None:
    """Add ``checkout``, ``commit`` and ``release`` to the command's subparsers."""
    p = sub.add_parser(
        "checkout", help="price a cart against a ledger and reserve what the order takes",
        description="Price CART with what the ledger has left of every limit and reserve what "
                    "the result takes, all or nothing, for --order. Exit 0 with the result; "
                    f"{EXIT_CONTENTION} when concurrent orders kept taking what it needed "
                    "beyond the retries (nothing reserved); 2 on bad input.")
    p.add_argument("cart", help="cart JSON file")
    p.add_argument("--campaign", required=True, help="campaign file (YAML, JSON or TOML)")
    p.add_argument("--ledger", required=True, metavar="URL",
                   help="sqlite:///path/ledger.db or postgresql://user@host:port/db")
    p.add_argument("--order", required=True, type=order_id_arg, metavar="ID",
                   help="the order id to reserve under (the same id again is the same order)")
    p.add_argument("--best-coupons", action="store_true",
                   help="choose the wallet coupons that minimise the amount due")
    p.add_argument("--json", action="store_true",
                   help="print the result as JSON (what `promokit refund` takes as RESULT)")
    p.add_argument("--ttl", type=_ttl, default=DEFAULT_TTL, metavar="SECONDS",
                   help="how long the unpaid reservation holds what it took "
                        f"(default: {int(DEFAULT_TTL.total_seconds())})")
    p.add_argument("--retries", type=_retries, default=DEFAULT_RETRIES, metavar="N",
                   help=f"how often to price again under contention (default: {DEFAULT_RETRIES})")
    p.add_argument("--at", type=at, help="evaluation time (default: the cart's 'at', or now)")
    p.add_argument("--phase", choices=("deposit", "balance"),
                   help="pre-sale phase to price (default: balance)")
    for name, what in (("commit", "make an order's reservation final (payment)"),
                       ("release", "give back an order's reservation (cancel)")):
        c = sub.add_parser(name, help=what)
        c.add_argument("order_id", metavar="ID", type=order_id_arg,
                       help="the order id given to checkout")
        c.add_argument("--ledger", required=True, metavar="URL", help="the ledger")
        c.add_argument("--at", type=_ledger_cli.at_time,
                       help="the time of the operation (default: now)")


def add_refund_options(refund: argparse.ArgumentParser) -> None:
    """Add ``--ledger``, ``--order`` and ``--refund-id`` to the ``refund`` subcommand."""
    refund.add_argument("--ledger", metavar="URL",
                        help="check RESULT against this ledger's record of the order, then "
                             "give back to it what the refund returns (needs --order)")
    refund.add_argument("--order", type=order_id_arg, metavar="ID",
                        help="with --ledger: the order id the result was checked out under")
    refund.add_argument("--refund-id", type=order_id_arg, metavar="ID",
                        help="with --ledger: the refund's id, once per refund (default: "
                             "ORDER/refund-N, N the refund's sequence in the order)")


def _problem(message: str, expected: str, path: str, file: str | None = None) -> PromokitError:
    return RefundError([Problem(message, expected=expected, path=path, file=file)])


def run(args: argparse.Namespace) -> int:
    """Run ``checkout``, ``commit`` or ``release``; the exit code."""
    if args.command == "checkout":
        return _checkout(args)
    with open_command_ledger(args.ledger) as ledger:
        act = ledger.commit if args.command == "commit" else ledger.release
        record = act(args.order_id, at=args.at)
    print(f"order {record.order_id}: {record.state}")
    return EXIT_OK


def _checkout(args: argparse.Namespace) -> int:
    campaign = load_campaign(args.campaign)
    cart = load_cart(args.cart)
    with open_command_ledger(args.ledger) as ledger:
        try:
            result = checkout(campaign, cart, ledger, args.order, at=args.at, phase=args.phase,
                              best_coupons=args.best_coupons, ttl=args.ttl,
                              retries=args.retries)
        except ContentionError as exc:
            print(f"promokit: error: {exc}; nothing is reserved: check out again "
                  f"(exit {EXIT_CONTENTION})", file=sys.stderr)
            return EXIT_CONTENTION
        record = ledger.order(args.order)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(result.receipt(), end="")
        until = record.expires_at.astimezone(ZoneInfo(campaign.spec.timezone))
        print(f"order {record.order_id}: reserved until {until.isoformat()}; "
              f"`promokit commit {record.order_id} --ledger URL` when it is paid")
    return EXIT_OK


def run_ledger(args: argparse.Namespace) -> int:
    """``promokit ledger ...``; with ``report --campaign`` the campaign's unused limits too."""
    campaign = getattr(args, "campaign", None)
    if campaign:
        loaded = load_campaign(campaign)
        return _ledger_cli.run(args, limits=plan_of(loaded).limited,
                               currency=loaded.spec.currency, zone=loaded.spec.timezone)
    return _ledger_cli.run(args)


def run_refund(args: argparse.Namespace) -> str:
    """``promokit refund``: the refund as printed; with ``--ledger`` given back first."""
    if args.ledger is None and args.order is None and args.refund_id is None:
        return _refund_cli.run(args)
    if args.ledger is None or args.order is None:
        missing = "--order" if args.ledger is not None else "--ledger"
        raise _problem("giving a refund back to a ledger needs both --ledger and --order",
                       expected=f"{missing} as well (or neither, to refund without a ledger)",
                       path=missing)
    result = PriceResult.from_dict(_refund_cli.read_result(args.result), file=args.result)
    with open_command_ledger(args.ledger) as ledger:
        # RESULT is checked against the ledger's record of the order (paid, the customer, each
        # limited rule's uses and budget, the payable) before any refund is worked out
        done, key = _refund_cli.compute(args, ledger)
        refund_id = args.refund_id or f"{args.order}/refund-{done.sequence}"
        taken = ledger.order(args.order).consumption
        limited = tuple(taken.limits)
        priced = consumption(result, limited=limited)
        if _comparable(priced) != _comparable(taken):
            raise _problem(f"RESULT is not what order {args.order!r} reserved in the ledger",
                           expected="the --json result `promokit checkout` printed for "
                                    "that order", path="--order", file=args.result)
        back = ledger.refund(args.order, refund_id, give_back(done, result, limited=limited))
    note = f"ledger: refund {refund_id} of order {args.order} gave back {_describe(back)}\n"
    shown = _refund_cli.show(done, args, key)
    if args.json:
        print(note, end="", file=sys.stderr)
        return shown
    return shown + note


def _comparable(c: Consumption) -> dict[str, Any]:
    data = c.to_dict()
    data.pop("issued")
    return data


def _describe(back: Consumption) -> str:
    digits = currency_digits(back.currency)
    parts = []
    for key, use in sorted(back.limits.items()):
        what = [f"{n} {w}{'' if n == 1 else 's'}" for n, w in ((use.uses, "use"),
                                                              (use.units, "unit")) if n]
        if use.budget:
            what.append(f"budget {format_minor(use.budget, digits)}")
        parts.append(f"{key}: {', '.join(what) or 'nothing'}")
    parts += [f"coupon {code}" for code in back.coupon_codes]
    if back.points_paid:
        parts.append(f"{back.points_paid} points paid")
    if back.points_earned:
        parts.append(f"{back.points_earned} points earned taken back")
    parts += [f"issued coupon {c.code} revoked" for c in back.issued]
    return "; ".join(parts) or "nothing"

