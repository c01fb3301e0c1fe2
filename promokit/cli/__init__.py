"""The ``promokit`` command: price carts, validate campaigns, print the JSON Schema.

Every error exits 2 with a message naming the file, rule, field, value and what was expected;
the CLI never shows a traceback for bad input. ``check`` exits 0 on a campaign it accepts and
prints its warnings (likely mistakes that are still valid, such as ``percent: 0.85``). What is
printed for a terminal has its control characters escaped: ids cannot carry terminal escapes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from promokit._campaign import load_campaign, load_cart
from promokit._cart.cart import Cart
from promokit._errors import CartError, CartPricingError, Problem, PromokitError
from promokit._result.document import result_schema
from promokit._result.receipt import CONTROL, safe_text
from promokit._spec.campaign import CampaignSpec
from promokit.audit import _cli as _audit_cli
from promokit.checkout import _cli as _checkout_cli
from promokit.cli._batch import FLAG_HINTS, Options, run_batch
from promokit.explain import _cli as _explain_cli
from promokit.ledger import _cli as _ledger_cli
from promokit.refunds import _cli as _refund_cli
from promokit.simulate import _cli as _simulate_cli

EXIT_OK, EXIT_ERROR = 0, 2
#: Cart files that hold one cart per line: they are priced with --batch.
_LINES_SUFFIXES = (".jsonl", ".ndjson")


def _json_text(text: str) -> str:
    """JSON text with DEL and C1 controls written as ``\\u`` escapes (json leaves them raw)."""
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of worker processes (expected a whole number >= 1)")
    return jobs


def _at(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO-8601 time (expected e.g. 2026-11-11T00:05:00+08:00)"
        ) from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("promokit")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


#: --at's help: the format it takes, with an example.
AT_HELP = ("evaluation time, ISO 8601 with its offset, e.g. 2026-11-11T00:05:00+08:00 "
           "(default: the cart's 'at')")


def _doc(*examples: str) -> dict[str, object]:
    """An epilog of examples for a subcommand's --help."""
    return {"epilog": "examples:\n" + "\n".join(f"  {e}" for e in examples),
            "formatter_class": argparse.RawDescriptionHelpFormatter}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promokit", description="Exact, explainable pricing of promotion campaigns.",
        **_doc("promokit price examples/double11/cart.json "  # type: ignore[arg-type]
               "--campaign examples/double11/campaign.yaml",
               "promokit COMMAND --help"))
    parser.add_argument("--version", action="version", version=f"promokit {_version()}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    price = sub.add_parser(
        "price", help="price a cart (or a batch of carts) against a campaign",
        description="Price a cart against a campaign: a receipt, or the result as JSON.",
        **_doc("promokit price examples/double11/cart.json "  # type: ignore[arg-type]
               "--campaign examples/double11/campaign.yaml",
               "promokit price cart.json --campaign campaign.yaml --json "
               "--at 2026-11-11T00:05:00+08:00",
               "promokit price cart.json --campaign campaign.yaml --json --best-coupons "
               "--order 2026-A-0001",
               "promokit price carts.jsonl --campaign campaign.yaml --batch --jobs 2"))
    price.add_argument("cart", help="cart JSON file (with --batch: JSON lines, - for stdin)")
    price.add_argument("--campaign", required=True, help="campaign file (YAML, JSON or TOML)")
    price.add_argument("--json", action="store_true", help="print the result as JSON")
    price.add_argument("--at", type=_at, metavar="TIME", help=AT_HELP)
    price.add_argument("--phase", choices=("deposit", "balance"),
                       help="pre-sale phase to price (default: balance)")
    price.add_argument("--best-coupons", action="store_true",
                       help="choose the wallet coupons that minimise the amount due")
    price.add_argument("--order", metavar="ID", type=_checkout_cli.order_id_arg,
                       help="the order id to record in the result (e.g. --order 2026-A-0001); "
                            "not with --batch")
    price.add_argument("--batch", action="store_true",
                       help="CART is JSON lines, one cart each: print one JSON result per line")
    price.add_argument("--jobs", type=_jobs, default=None,
                       help="with --batch: worker processes (default: every core)")

    check = sub.add_parser(
        "check", help="validate a campaign file and report every problem",
        description="Validate a campaign file: exit 0 with a summary and its warnings, or exit 2 "
                    "with every problem (file, rule, field, value, what was expected).",
        **_doc("promokit check examples/double11/campaign.yaml",  # type: ignore[arg-type]
               "promokit check campaign.yaml --json"))
    check.add_argument("campaign", help="campaign file (YAML, JSON or TOML)")
    check.add_argument("--json", action="store_true",
                       help="print the summary and its warnings as JSON")

    schema = sub.add_parser(
        "schema", help="print the JSON Schema of campaign (or cart, or result) files",
        description="Print a JSON Schema (draft 2020-12, standard keywords only): of campaign "
                    "files by default, of carts with --cart, of stored price results with "
                    "--result.",
        **_doc("promokit schema > campaign.schema.json",  # type: ignore[arg-type]
               "promokit schema --cart", "promokit schema --result"))
    which = schema.add_mutually_exclusive_group()
    which.add_argument("--cart", action="store_true", help="the cart's schema instead")
    which.add_argument("--result", action="store_true",
                       help="the schema of a price result's JSON (price --json, refund input)")

    _checkout_cli.add_refund_options(_refund_cli.add_parser(sub, _at))
    _checkout_cli.add_parsers(sub, _at)
    _ledger_cli.add_parsers(sub)
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
        print(safe_text(_checkout_cli.run_refund(args)), end="")
        return EXIT_OK
    if args.command in _checkout_cli.COMMANDS:
        return _checkout_cli.run(args)
    if args.command in _ledger_cli.COMMANDS:
        return _checkout_cli.run_ledger(args)
    if args.command in _explain_cli.COMMANDS:
        print(safe_text(_explain_cli.run(args)), end="")
        return EXIT_OK
    if args.command == "schema":
        schema = (result_schema() if args.result else
                  (Cart if args.cart else CampaignSpec).model_json_schema())
        print(json.dumps(schema, indent=2, ensure_ascii=False))
        return EXIT_OK
    if args.command == "check":
        return _check(args.campaign, as_json=args.json)
    if args.batch:
        if args.order is not None:
            raise CartError([Problem("--order names one order; a batch prices many carts",
                                     path="--order", value=args.order,
                                     expected="--order without --batch")])
        return _batch(args)
    if Path(args.cart).suffix.lower() in _LINES_SUFFIXES:
        raise CartError([Problem("a JSON-lines file holds one cart per line",
                                 expected="a .json cart, or --batch to price every line",
                                 file=args.cart)], file=args.cart)
    campaign = load_campaign(args.campaign)
    cart = load_cart(args.cart)
    try:
        result = campaign.price(cart, at=args.at, phase=args.phase,
                                best_coupons=args.best_coupons, order_id=args.order)
    except CartPricingError as exc:
        print(f"promokit: error: {safe_text(_cart_pricing(exc, args.cart))}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        print(_json_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False)))
    else:
        print(safe_text(result.receipt()), end="")
    return EXIT_OK


def _check(path: str, *, as_json: bool = False) -> int:
    """Validate a campaign: its summary and its warnings (exit 0), or its problems (exit 2)."""
    campaign = load_campaign(path)
    found = campaign.warnings
    if as_json:
        warnings = [{"message": w.message, "path": w.path, "rule": w.rule, "line": w.line,
                     "value": None if w.value is None else str(w.value), "expected": w.expected}
                    for w in found]
        print(_json_text(json.dumps(
            {"file": path, "ok": True, "campaign": campaign.id, "rules": len(campaign.spec.rules),
             "stages": len(campaign.spec.stages), "warnings": warnings},
            indent=2, ensure_ascii=False)))
        return EXIT_OK
    print(safe_text(f"{path}: ok, campaign {campaign.id!r} with {len(campaign.spec.rules)} "
                    f"rules in {len(campaign.spec.stages)} stages"
                    + (f", {len(found)} warning{'s' if len(found) != 1 else ''}" if found else "")))
    for warning in found:
        print(safe_text(f"  warning: {warning.render()}"))
    return EXIT_OK


def _cart_pricing(exc: CartPricingError, cart: str) -> str:
    """A cart pricing error as the command line says it: the cart file, and its flags."""
    return exc.render(cart, FLAG_HINTS.get(exc.option or ""))


def _batch(args: argparse.Namespace) -> int:
    options = Options(args.campaign, args.at, args.phase, args.best_coupons)
    if args.cart == "-":
        failed = run_batch(options, getattr(sys.stdin, "buffer", sys.stdin), sys.stdout,
                           args.jobs, show_progress=sys.stderr.isatty())
    else:
        try:
            source = open(args.cart, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CartError([Problem(f"cannot read the file: {exc.strerror}")],
                            file=args.cart) from None
        with source:
            failed = run_batch(options, source, sys.stdout, args.jobs,
                               show_progress=sys.stderr.isatty())
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
    except CartPricingError as exc:
        print(f"promokit: error: {safe_text(exc.render(hint=FLAG_HINTS.get(exc.option or '')))}",
              file=sys.stderr)
        return EXIT_ERROR
    except PromokitError as exc:
        print(f"promokit: error: {safe_text(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
