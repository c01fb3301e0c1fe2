"""The ``promokit ledger`` subcommands (``commit``, ``release`` and ``checkout`` are in
``promokit.checkout._cli``).

    promokit ledger init URL
    promokit ledger report --ledger URL [--campaign FILE] [--json]
    promokit ledger verify --ledger URL          exit 0 clean, 1 with differences

Errors (a file that is not a ledger, a database that is down or read-only, a bad URL) exit 2
with one message, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, TextIO

from promokit._errors import PromokitError
from promokit._money import currency_digits, format_minor

from .base import Ledger, open_command_ledger
from .limits import Limits, resolve_zone
from .records import Count, ReportRow

__all__ = ["COMMANDS", "EXIT_DIFFERENCES", "EXIT_ERROR", "EXIT_OK", "add_parsers", "at_time",
           "run"]

EXIT_OK, EXIT_DIFFERENCES, EXIT_ERROR = 0, 1, 2
#: The top-level subcommands this module adds.
COMMANDS = frozenset({"ledger"})
#: The period column of a limit the ledger has not counted yet.
NOT_YET = "-"


def at_time(value: str) -> datetime:
    """An ``--at`` argument: ISO 8601 with its UTC offset (ledger instants carry one)."""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO-8601 time with offset (e.g. 2026-11-11T00:05:00+08:00)")
    return at


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``ledger {init,report,verify}`` to ``sub``."""
    ledger = sub.add_parser("ledger", help="create, report on or verify a ledger")
    lsub = ledger.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    init = lsub.add_parser("init", help="create the ledger's tables, or migrate them")
    init.add_argument("url", help="sqlite:///path/ledger.db or postgresql://user@host:port/db")
    report = lsub.add_parser("report", help="each limit: used, reserved, left, when it ran out")
    report.add_argument("--ledger", required=True, metavar="URL", help="the ledger")
    report.add_argument("--campaign", metavar="FILE",
                        help="also list the campaign's limits not used yet")
    report.add_argument("--json", action="store_true", help="print JSON")
    verify = lsub.add_parser("verify", help="recompute every counter from the journal")
    verify.add_argument("--ledger", required=True, metavar="URL", help="the ledger")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None, *,
        limits: Mapping[str, Limits] | None = None, currency: str = "CNY",
        zone: str | None = None) -> int:
    """Run a ledger subcommand; returns the exit code (2, with a message, on any error).

    ``limits`` (of ``currency``): a campaign's limits; ``report`` lists those not used yet too,
    and shows when limits ran out in the campaign's time ``zone``.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.command == "ledger" and args.ledger_command == "init":
            with open_command_ledger(args.url) as ledger:
                version = ledger.init()
            print(f"{args.url}: ledger ready (schema version {version})", file=out)
            return EXIT_OK
        with open_command_ledger(args.ledger) as ledger:
            return _run(ledger, args, out, limits or {}, currency, zone)
    except PromokitError as exc:
        print(f"promokit: error: {exc}", file=err)
        return EXIT_ERROR


def _run(ledger: Ledger, args: argparse.Namespace, out: TextIO,
         limits: Mapping[str, Limits], currency: str, zone: str | None) -> int:
    if args.ledger_command == "verify":
        result = ledger.verify()
        if result.ok:
            print(f"ok: {result.entries} journal entries replayed; every counter agrees", file=out)
            return EXIT_OK
        for line in result.differences:
            print(line, file=out)
        print(f"{len(result.differences)} difference(s) in {result.entries} journal entries",
              file=out)
        return EXIT_DIFFERENCES
    rows = ledger.report()
    rows += _not_yet(rows, limits, currency)
    if zone is not None:
        where = resolve_zone(zone)
        rows = [replace(r, exhausted_at=r.exhausted_at.astimezone(where)) if r.exhausted_at
                else r for r in rows]
    if args.json:
        print(json.dumps([_row_json(r) for r in rows], indent=2, ensure_ascii=False), file=out)
    else:
        print(_table(rows), file=out, end="")
    return EXIT_OK


def _not_yet(rows: list[ReportRow], limits: Mapping[str, Limits],
             currency: str) -> list[ReportRow]:
    """A row of nothing used for each of ``limits`` the ledger has not counted in any period."""
    counted = {r.key for r in rows}
    return [ReportRow(key, NOT_YET, currency, Count(lim.uses, 0, 0),
                      Count(lim.budget_minor(currency), 0, 0), Count(lim.units, 0, 0), None)
            for key, lim in sorted(limits.items()) if key not in counted]


def _count_json(c: Count) -> dict[str, Any]:
    return {"limit": c.limit, "used": c.used, "reserved": c.reserved, "left": c.left}


def _row_json(r: ReportRow) -> dict[str, Any]:
    return {"key": r.key, "period": r.period, "currency": r.currency,
            "uses": _count_json(r.uses), "budget_minor": _count_json(r.budget),
            "units": _count_json(r.units),
            "exhausted_at": r.exhausted_at.isoformat() if r.exhausted_at else None}


def _show(v: int | None, digits: int | None) -> str:
    if v is None:
        return "-"
    return format_minor(v, digits) if digits is not None else str(v)


def _table(rows: list[ReportRow]) -> str:
    if not rows:
        return "no limit has been used yet\n"
    head = ("limit", "period", "what", "limit", "used", "reserved", "left")
    lines: list[tuple[str, ...]] = [head]
    ran_out: list[str] = []
    for r in rows:
        digits = currency_digits(r.currency)
        for what, c, money in (("uses", r.uses, False), ("budget", r.budget, True),
                               ("units", r.units, False)):
            if c.limit is None and not (c.used or c.reserved) and (what != "uses" or any(
                    x.limit is not None for x in (r.budget, r.units))):
                continue
            cells = [_show(v, digits if money else None) for v in (c.limit, c.used, c.reserved,
                                                                      c.left)]
            lines.append((r.key, r.period, what, *cells))
        if r.exhausted_at:
            ran_out.append(f"{r.key} ({r.period}) ran out at {r.exhausted_at.isoformat()}")
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = "".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
                   + "\n" for line in lines)
    return text + "".join(line + "\n" for line in ran_out)
