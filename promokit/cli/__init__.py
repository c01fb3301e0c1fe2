"""The ``promokit`` command: price carts, validate campaigns, print the JSON Schema.

Every error exits 2 with a message naming the file, rule, field, value and what was expected;
the CLI never shows a traceback for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime

from promokit._campaign import load_campaign, load_cart
from promokit._cart.cart import Cart
from promokit._errors import CartError, Problem, PromokitError
from promokit._spec.campaign import CampaignSpec
from promokit.audit import _cli as _audit_cli
from promokit.cli._batch import Options, run_batch
from promokit.explain import _cli as _explain_cli
from promokit.refunds import _cli as _refund_cli
from promokit.simulate import _cli as _simulate_cli

EXIT_OK, EXIT_ERROR = 0, 2


def _at(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO-8601 time (expected e.g. 2026-11-11T00:05:00+08:00)"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promokit", description="Exact, explainable pricing of promotion campaigns.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    price = sub.add_parser("price", help="price a cart (or a batch of carts) against a campaign")
    price.add_argument("cart", help="cart JSON file (with --batch: JSON lines, - for stdin)")
    price.add_argument("--campaign", required=True, help="campaign file (YAML, JSON or TOML)")
    price.add_argument("--json", action="store_true", help="print the result as JSON")
    price.add_argument("--at", type=_at, help="evaluation time (default: the cart's 'at')")
    price.add_argument("--phase", choices=("deposit", "balance"),
                       help="pre-sale phase to price (default: balance)")
    price.add_argument("--best-coupons", action="store_true",
                       help="choose the wallet coupons that minimise the amount due")
    price.add_argument("--batch", action="store_true",
                       help="CART is JSON lines, one cart each: print one JSON result per line")
    price.add_argument("--jobs", type=int, default=None,
                       help="with --batch: worker processes (default: every core)")

    check = sub.add_parser("check", help="validate a campaign file and report every problem")
    check.add_argument("campaign", help="campaign file (YAML, JSON or TOML)")

    schema = sub.add_parser("schema", help="print the JSON Schema of campaign (or cart) files")
    schema.add_argument("--cart", action="store_true", help="the cart's schema instead")

    _refund_cli.add_parser(sub, _at)
    _explain_cli.add_parsers(sub, _at)
    _audit_cli.add_parser(sub, _at)
    _simulate_cli.add_parser(sub)
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "audit":
        return _audit_cli.run(args)
    if args.command == "simulate":
        return _simulate_cli.run(args)
    if args.command == "refund":
        print(_refund_cli.run(args), end="")
        return EXIT_OK
    if args.command in _explain_cli.COMMANDS:
        print(_explain_cli.run(args), end="")
        return EXIT_OK
    if args.command == "schema":
        model = Cart if args.cart else CampaignSpec
        print(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))
        return EXIT_OK
    if args.command == "check":
        campaign = load_campaign(args.campaign)
        print(f"{args.campaign}: ok, campaign {campaign.id!r} with {len(campaign.spec.rules)} "
              f"rules in {len(campaign.spec.stages)} stages")
        return EXIT_OK
    if args.batch:
        return _batch(args)
    campaign = load_campaign(args.campaign)
    cart = load_cart(args.cart)
    result = campaign.price(cart, at=args.at, phase=args.phase, best_coupons=args.best_coupons)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(result.receipt(), end="")
    return EXIT_OK


def _batch(args: argparse.Namespace) -> int:
    options = Options(args.campaign, args.at, args.phase, args.best_coupons)
    if args.cart == "-":
        failed = run_batch(options, sys.stdin, sys.stdout, args.jobs)
    else:
        try:
            source = open(args.cart, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CartError([Problem(f"cannot read the file: {exc.strerror}")],
                            file=args.cart) from None
        with source:
            failed = run_batch(options, source, sys.stdout, args.jobs)
    if failed:
        print(f"promokit: error: {failed} cart(s) could not be priced; see their lines",
              file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``promokit`` console script."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except PromokitError as exc:
        print(f"promokit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
