"""``promokit simulate``: the command line (wired into the main CLI with :func:`add_parser`).

    promokit simulate ORDERS --campaign A.yaml [--vs B.yaml] [--out DIR] [--json] [--jobs N]
                      [--dask ADDRESS|local] [--best-coupons] [--seed S] [--strict]
    promokit simulate generate OUT.jsonl|OUT.csv [--orders N] [--seed S] [--lines L] [--coupons]

Bad input exits with status 2 and a message, never a traceback; Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from promokit import PromokitError

from ._generate import write_orders
from ._report import write_report
from ._run import BadInputError, simulate


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``simulate`` to an argparse subparsers object; returns its parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulate", help="replay orders against a campaign (and compare two designs)",
        description="Price an order log against a campaign design, exactly, and report what it "
                    "costs; with --vs, compare two designs. ORDERS is a .jsonl, .csv or .parquet "
                    "file, or 'synthetic:N'. 'promokit simulate generate OUT' writes a synthetic "
                    "Double 11 order log.")
    parser.add_argument("orders", metavar="ORDERS", help="order file, synthetic:N, or 'generate'")
    parser.add_argument("rest", nargs="?", metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("--campaign", metavar="A.yaml", help="the campaign design to price")
    parser.add_argument("--vs", metavar="B.yaml", help="a second design to compare with")
    parser.add_argument("--out", metavar="DIR", help="write summary.json and report.html here")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="processes (1: in this process; default: every core)")
    parser.add_argument("--dask", metavar="ADDRESS|local",
                        help="run on a Dask cluster ('local' starts a LocalCluster)")
    parser.add_argument("--best-coupons", action="store_true",
                        help="each order uses its best wallet combination")
    parser.add_argument("--seed", type=int, default=0, help="seed for synthetic orders")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad order")
    parser.add_argument("--orders", dest="count", type=int, default=1000,
                        help="generate: how many orders (default 1000)")
    parser.add_argument("--lines", type=float, default=4.0,
                        help="generate: mean lines per order (default 4)")
    parser.add_argument("--coupons", action="store_true",
                        help="generate: a platform coupon in some wallets (.jsonl only)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run ``promokit simulate`` (or ``simulate generate``); the exit status."""
    try:
        if args.orders == "generate":
            return _generate(args)
        return _simulate(args)
    except KeyboardInterrupt:
        print("promokit simulate: interrupted", file=sys.stderr)
        return 130
    except BadInputError as exc:
        print(f"promokit simulate: bad order (--strict): {exc}", file=sys.stderr)
        return 2
    except (PromokitError, ValueError, OSError) as exc:
        print(f"promokit simulate: {exc}", file=sys.stderr)
        return 2


def _generate(args: argparse.Namespace) -> int:
    if not args.rest:
        raise ValueError("generate needs an output file: promokit simulate generate OUT.jsonl")
    if args.count < 1:
        raise ValueError(f"--orders {args.count}: expected at least 1")
    written = write_orders(args.rest, args.count, seed=args.seed, mean_lines=args.lines,
                           coupons=args.coupons)
    print(f"{args.rest}: {args.count} orders ({written} lines), seed {args.seed}",
          file=sys.stderr)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    if args.rest:
        raise ValueError(f"unexpected argument {args.rest!r}")
    if not args.campaign:
        raise ValueError("--campaign A.yaml is required")
    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs {args.jobs}: expected 1 or more")
    summary = simulate(args.orders, args.campaign, vs=args.vs, jobs=args.jobs, dask=args.dask,
                       best_coupons=args.best_coupons, seed=args.seed, strict=args.strict)
    data = summary.to_dict()
    if args.out:
        paths = write_report(summary, args.out)
        print(f"wrote {paths[0]} and {paths[1]}", file=sys.stderr)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(_text(data))
    return 0


def _text(s: dict[str, Any]) -> str:
    lines = [f"{s['orders']} orders, {s['bad_orders']} bad ({s['currency']})"]
    for key in ("a", "b"):
        if key in s:
            d = s[key]
            name = s["campaign"] if key == "a" else s["vs"]
            lines.append(f"{name}: GMV {d['gmv']}  discount {d['discount']} "
                         f"({d['discount_rate']})  payable {d['payable']}  "
                         f"points {d['points_issued']}")
            funders = ", ".join(f"{k} {v}" for k, v in d["by_funder"].items())
            lines.append(f"  funded by: {funders}")
            for r in d.get("limits", ()):
                out = (f"ran out ({r['exhausted']}) at {r['exhausted_at']}, order "
                       f"{r['exhausted_by']}" if r["exhausted"] else "did not run out")
                if r["customers_at_limit"]:
                    out += f"; {r['customers_at_limit']} customers reached their limit"
                lines.append(f"  limit {r['key']} [{r['period']}]: {r['uses']} uses, "
                             f"{r['budget']} given, {r['units']} units; {out}")
    c = s.get("comparison")
    if c:
        lines.append(f"vs: {c['winners']} pay less, {c['losers']} pay more, {c['unchanged']} "
                     f"the same; cost delta {c['cost_delta']} (ratio {c['cost_ratio']})")
    lines += [f"  {p}" for p in s["problems"][:10]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m promokit.simulate._cli ...``: the command on its own, until the main CLI
    wires it in."""
    parser = argparse.ArgumentParser(prog="promokit")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
