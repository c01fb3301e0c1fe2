"""The ``promokit refund`` subcommand: refund returned units (or an amount) of an order priced
with ``--json``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from promokit._campaign import load_campaign
from promokit._errors import Problem, RefundError
from promokit._input.documents import read_document
from promokit.refunds import Refund, parse_return, refund, sign
from promokit.refunds._types import BASES, METHODS, SHIPPING_RULES, RefundPolicy

if TYPE_CHECKING:
    from promokit.ledger.base import Ledger


def add_parser(sub: Any, at: Callable[[str], datetime]) -> argparse.ArgumentParser:
    """Add ``refund`` to the command's subparsers; returns its parser (for more options)."""
    p = sub.add_parser("refund", help="refund returned units (or an amount) of a priced order",
                       description="Refund returned units of an order, or an amount of money: "
                                   "RESULT is the JSON `promokit price --json` printed for it.")
    p.add_argument("result", help="the order's price result (JSON from price --json)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--return", dest="returns", action="append",
                      type=_return, metavar="LINE:QTY", help="units returned of a line; repeatable")
    what.add_argument("--amount", metavar="AMOUNT",
                      help="refund an amount of money, no units returned (WeChat Pay's partial "
                           "refund), split over the lines in proportion to what remains paid")
    p.add_argument("--basis", choices=BASES, default="order",
                   help="with --amount: order (default, WeChat Pay): the amount is in terms of "
                        "the order before discounts, scaled by paid / that; paid: the money itself")
    p.add_argument("--policy", choices=METHODS, default="allocated",
                   help="allocated: each unit at its allocated net (default); reprice: price "
                        "the remaining cart again (needs --campaign)")
    p.add_argument("--campaign", help="the campaign file the order was priced with: needed by "
                                      "reprice, and by an order with a gift whose rule "
                                      "declares on_return; under either policy RESULT must be "
                                      "exactly what it prices the recorded cart to")
    p.add_argument("--earlier", action="append", default=[], metavar="REFUND.json",
                   help="an earlier refund of this order (its --json output), in order; "
                        "repeatable")
    p.add_argument("--at", type=at, help="refund time (default: the order's time)")
    p.add_argument("--shipping", choices=SHIPPING_RULES, default="full_return",
                   help="when a shop's shipping is refunded (default: on the full return of "
                        "its lines)")
    p.add_argument("--refund-deposit", action="store_true",
                   help="the seller agrees to refund deposits whose balance was never paid")
    p.add_argument("--key-file", metavar="FILE",
                   help="a file holding the signing key (16+ bytes; surrounding whitespace is "
                        "stripped): RESULT and every --earlier must carry a valid signature, "
                        "and the --json output is signed with it")
    p.add_argument("--json", action="store_true", help="print the refund as JSON")
    parser: argparse.ArgumentParser = p
    return parser


def _return(text: str) -> tuple[str, int]:
    try:
        return parse_return(text)
    except RefundError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not LINE:QTY (expected a line id and a whole number >= 1, "
            "e.g. l1:2)") from None


def run(args: argparse.Namespace) -> str:
    """The refund receipt (or its JSON) for parsed ``refund`` arguments."""
    done, key = compute(args)
    return show(done, args, key)


def compute(args: argparse.Namespace, ledger: Ledger | None = None
            ) -> tuple[Refund, bytes | None]:
    """The refund parsed ``refund`` arguments ask for, and the signing key (if any); with
    ``ledger``, RESULT is verified against the ledger's record of the order too."""
    result = _read(args.result)
    earlier = [_read(path) for path in args.earlier]
    campaign = load_campaign(args.campaign) if args.campaign else None
    key = _key(args.key_file) if args.key_file else None
    policy = RefundPolicy(args.policy, args.shipping, args.refund_deposit)
    done = refund(result, args.returns, amount=args.amount, basis=args.basis, policy=policy,
                  campaign=campaign, earlier=earlier, at=args.at, key=key, ledger=ledger)
    return done, key


def show(done: Refund, args: argparse.Namespace, key: bytes | None) -> str:
    """The refund as the command prints it: its receipt, or its (signed) JSON with --json."""
    if args.json:
        data = sign(done, key) if key is not None else done.to_dict()
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return done.receipt()


def read_result(path: str) -> Any:
    """A price result's JSON form, read as a refund reads it (floats refused)."""
    return _read(path)


def _read(path: str) -> Any:
    return read_document(path, error=RefundError, json_floats="reject").data


def _key(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            key = handle.read(4097).strip()
    except OSError as exc:
        raise RefundError([Problem(f"cannot read the key file: {exc.strerror}", path="--key-file",
                                   file=path)]) from None
    if not 16 <= len(key) <= 4096:
        raise RefundError([Problem("the key file holds no usable key", path="--key-file",
                                   file=path, value=f"{len(key)} bytes",
                                   expected="16 to 4096 bytes")])
    return key
