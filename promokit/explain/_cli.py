"""The ``promokit explain`` and ``promokit docs`` subcommands (wired into ``promokit.cli``).

Both print to standard output, or write UTF-8 to ``-o FILE``; every failure is a
:class:`~promokit.PromokitError`, so the CLI exits 2 with a message and never a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from promokit._campaign import load_campaign, load_cart
from promokit._errors import ExplainError
from promokit.explain import AUDIENCES, explain, rule_docs
from promokit.explain._format import LANGS

COMMANDS = ("explain", "docs")


def add_parsers(sub: argparse._SubParsersAction, at: Callable[[str], datetime]) -> None:  # type: ignore[type-arg]
    """Add ``explain`` and ``docs`` to the ``promokit`` subcommands."""
    ex = sub.add_parser(
        "explain", help="explain a priced cart step by step (优惠明细)",
        description="Price a cart and explain it step by step (优惠明细): every rule that "
                    "applied or did not and why, what to add to save more, per-shop totals.",
        epilog="examples:\n"
               "  promokit explain examples/double11/cart.json --campaign "
               "examples/double11/campaign.yaml --lang zh\n"
               "  promokit explain cart.json --campaign campaign.yaml --format html"
               " -o receipt.html",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("cart", help="cart JSON file")
    ex.add_argument("--campaign", required=True, help="campaign file (YAML, JSON or TOML)")
    ex.add_argument("--at", type=at, metavar="TIME",
                    help="evaluation time, ISO 8601 with its offset, e.g. "
                         "2026-11-11T00:05:00+08:00 (default: the cart's 'at')")
    ex.add_argument("--phase", choices=("deposit", "balance"),
                    help="pre-sale phase to price (default: balance)")
    ex.add_argument("--best-coupons", action="store_true",
                    help="choose the wallet coupons that minimise the amount due")
    _common(ex, ("text", "md", "html"), "text")

    docs = sub.add_parser(
        "docs", help="write the rule page of a campaign (md or html)",
        description="Write the rule page of a campaign: by default the page a shop publishes "
                    "(活动规则: dates, who, each offer in plain words with examples priced by the "
                    "engine, how offers stack, refunds, questions); --audience operator gives the "
                    "full view (settings, stages, rule ids, funding).",
        epilog="examples:\n"
               "  promokit docs examples/double11/campaign.yaml --lang zh --format html"
               " -o rules.html\n"
               "  promokit docs examples/double11/campaign.yaml --audience operator",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    docs.add_argument("campaign", help="campaign file (YAML, JSON or TOML)")
    docs.add_argument("--audience", choices=AUDIENCES, default="customer",
                      help="customer: the page a shop publishes (default); operator: the full "
                           "view with stages, rule ids and funding")
    docs.add_argument("--no-examples", action="store_true",
                      help="leave out the worked examples (priced by the engine)")
    _common(docs, ("md", "html"), "md")


def _common(parser: argparse.ArgumentParser, formats: tuple[str, ...], default: str) -> None:
    parser.add_argument("--lang", choices=LANGS, default="en", help="language (default: en)")
    parser.add_argument("--format", dest="fmt", choices=formats, default=default,
                        help=f"output format (default: {default})")
    parser.add_argument("--templates", metavar="DIR",
                        help="a folder of templates overriding the built-in ones")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def run(args: argparse.Namespace) -> str:
    """Run ``explain`` or ``docs``: the text to print (empty when written to ``-o FILE``)."""
    campaign = load_campaign(args.campaign)
    if args.command == "explain":
        result = campaign.price(load_cart(args.cart), at=args.at, phase=args.phase,
                                best_coupons=args.best_coupons)
        text = explain(result, campaign, lang=args.lang, fmt=args.fmt, templates=args.templates)
    else:
        text = rule_docs(campaign, lang=args.lang, fmt=args.fmt, templates=args.templates,
                         examples=not args.no_examples, audience=args.audience)
    if args.output is None:
        return text
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExplainError(f"cannot write {args.output!r}: {exc.strerror or exc}") from None
    return ""
