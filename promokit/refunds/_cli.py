"""The ``promokit refund`` subcommand: refund returned units of an order priced with ``--json``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from promokit._campaign import load_campaign
from promokit._errors import RefundError
from promokit._input.documents import read_document
from promokit.refunds import parse_return, refund
from promokit.refunds._types import METHODS, SHIPPING_RULES, RefundPolicy


def add_parser(sub: Any, at: Callable[[str], datetime]) -> None:
    """Add ``refund`` to the command's subparsers."""
    p = sub.add_parser("refund", help="refund returned units of a priced order",
                       description="Refund returned units of an order: RESULT is the JSON "
                                   "`promokit price --json` printed for it.")
    p.add_argument("result", help="the order's price result (JSON from price --json)")
    p.add_argument("--return", dest="returns", action="append", required=True,
                   type=_return, metavar="LINE:QTY", help="units returned of a line; repeatable")
    p.add_argument("--policy", choices=METHODS, default="allocated",
                   help="allocated: each unit at its allocated net (default); reprice: price "
                        "the remaining cart again (needs --campaign)")
    p.add_argument("--campaign", help="the campaign file the order was priced with (reprice)")
    p.add_argument("--earlier", action="append", default=[], metavar="REFUND.json",
                   help="an earlier refund of this order (its --json output), in order; "
                        "repeatable")
    p.add_argument("--at", type=at, help="refund time (default: the order's time)")
    p.add_argument("--shipping", choices=SHIPPING_RULES, default="full_return",
                   help="when a shop's shipping is refunded (default: on the full return of "
                        "its lines)")
    p.add_argument("--refund-deposit", action="store_true",
                   help="the seller agrees to refund deposits whose balance was never paid")
    p.add_argument("--json", action="store_true", help="print the refund as JSON")


def _return(text: str) -> tuple[str, int]:
    try:
        return parse_return(text)
    except RefundError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not LINE:QTY (expected a line id and a whole number >= 1, "
            "e.g. l1:2)") from None


def run(args: argparse.Namespace) -> str:
    """The refund receipt (or its JSON) for parsed ``refund`` arguments."""
    result = _read(args.result)
    earlier = [_read(path) for path in args.earlier]
    campaign = load_campaign(args.campaign) if args.campaign else None
    policy = RefundPolicy(args.policy, args.shipping, args.refund_deposit)
    done = refund(result, args.returns, policy=policy, campaign=campaign, earlier=earlier,
                  at=args.at)
    if args.json:
        return json.dumps(done.to_dict(), indent=2, ensure_ascii=False) + "\n"
    return done.receipt()


def _read(path: str) -> Any:
    return read_document(path, error=RefundError).data
