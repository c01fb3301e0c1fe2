"""The ``promokit audit`` subcommand: exit 0 when nothing is found, 1 on a flaw, 2 on bad input
or when carts could not be priced (the audit would have checked nothing)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from promokit._campaign import load_campaign
from promokit.audit._catalog import load_catalog, load_costs, load_coupons

EXIT_OK, EXIT_FLAW, EXIT_ERROR = 0, 1, 2


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def _seconds(text: str) -> float:
    """A time budget (not money): a finite decimal above 0; 'nan' or 'inf' would unbound it."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return float(value)  # compared with time.monotonic()


def add_parser(sub: Any, at: Callable[[str], datetime]) -> None:
    """Add ``audit`` to the command's subparsers."""
    p = sub.add_parser(
        "audit", help="search a campaign for flaws, each with a minimal counterexample cart",
        description="Search CAMPAIGN with Hypothesis for carts over the discount-rate limit, "
                    "lines below cost, split-order arbitrage, free orders from stacking and "
                    "rules that never apply. Exit 0: none found; 1: a flaw found; 2: bad input.")
    p.add_argument("campaign", help="campaign file (YAML, JSON or TOML)")
    p.add_argument("--catalog", help="items carts are drawn from (JSON or YAML list of {sku, "
                                     "shop, unit_price or [min, max], category, brand, tags}); "
                                     "default: derived from the campaign's selections")
    p.add_argument("--costs", help="unit cost per sku (JSON or YAML mapping); enables below_cost")
    p.add_argument("--coupons", help="the coupons the campaign will issue (JSON or YAML list, the "
                                     "cart wallet format): carts carry some, used at their best")
    p.add_argument("--max-discount-rate", metavar="R",
                   help="flag carts whose discount / subtotal exceeds R (e.g. 0.5)")
    p.add_argument("--max-examples", type=_positive, default=200, metavar="N",
                   help="carts tried per check (default 200)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="search seed (default 0)")
    p.add_argument("--max-seconds", type=_seconds, default=60.0,
                   help="time bound for the search, shrinking aside (default 60)")
    p.add_argument("--near-free", default="0.05", metavar="F",
                   help="goods paid at most F of their subtotal count as near-free "
                        "(default 0.05)")
    p.add_argument("--split-tolerance", default="0.01", metavar="T",
                   help="a split must save more than T per cart line to count (default 0.01)")
    p.add_argument("--max-lines", type=_positive, default=6, help="lines per cart (default 6)")
    p.add_argument("--max-quantity", type=_positive, default=5,
                   help="units per line (default 5)")
    p.add_argument("--at", type=at, help="evaluation time of every cart (default: times across "
                                         "every window and schedule of the campaign)")
    p.add_argument("--accept", action="append", default=[], metavar="FLAW_ID",
                   help="accept a known flaw by its id (e.g. below_cost:cup-40, as the report "
                        "prints it): reported, but not a failure; repeatable")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


@contextmanager
def _progress(tty: bool) -> Iterator[Callable[[str], None] | None]:
    """Progress on a terminal's stderr: a tqdm bar when tqdm is installed (optional), else one
    line per check; nothing when stderr is not a terminal (CI logs, pipes)."""
    if not tty:
        yield None
        return
    try:
        from tqdm import tqdm  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        yield lambda text: print(text, file=sys.stderr)
        return
    bar = tqdm(file=sys.stderr, unit="check", leave=False)

    def say(text: str) -> None:
        if text.startswith("["):   # "[k/n] searching for ..."
            done, _slash, rest = text[1:].partition("]")
            k, _of, n = done.partition("/")
            bar.total = int(n)
            bar.n = int(k) - 1
            bar.set_description(rest.strip())
        else:
            bar.write(text.strip(), file=sys.stderr)

    try:
        yield say
    finally:
        bar.close()


def run(args: argparse.Namespace) -> int:
    """Audit, print the report, and return the exit code (0 clean, 1 flaws, 2 carts refused)."""
    try:
        from promokit.audit._audit import audit  # optional: hypothesis, a test-only dependency
    except ImportError as exc:
        print(f"promokit: error: promokit audit needs Hypothesis ({exc}); install it with "
              "pip install 'promokit[audit]'", file=sys.stderr)
        return EXIT_ERROR
    campaign = load_campaign(args.campaign)
    catalog = load_catalog(args.catalog) if args.catalog else None
    costs = load_costs(args.costs) if args.costs else None
    coupons = load_coupons(args.coupons) if args.coupons else None
    with _progress(sys.stderr.isatty()) as say:
        report = audit(campaign, catalog=catalog, costs=costs,
                       max_discount_rate=args.max_discount_rate,
                       max_examples=args.max_examples, seed=args.seed,
                       max_seconds=args.max_seconds, near_free=args.near_free,
                       split_tolerance=args.split_tolerance, max_lines=args.max_lines,
                       max_quantity=args.max_quantity, at=args.at, coupons=coupons,
                       progress=say, accept=args.accept)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        text = report.render()
        print(text, end="" if text.endswith("\n") else "\n")
    if report.error:
        print(f"promokit: error: {args.campaign}: {report.error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK if report.ok else EXIT_FLAW
