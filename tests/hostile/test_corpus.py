"""Hostile input, table-driven: each corpus file, run through the real CLI in-process, gives its
exit code and a message with the words a user needs (file, field, value, what to do), and never
a traceback. The corpus is ``corpus/``; every file there is in a row below."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from promokit.cli import main

CORPUS = Path(__file__).parent / "corpus"
CAMPAIGN = "campaign.yaml"


@dataclass(frozen=True)
class Case:
    """One run: the arguments (corpus file names are made paths), exit code, words the output
    must hold and words it must not."""

    args: tuple[str, ...]
    exit: int
    words: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


def check(name: str, exit: int, *words: str, absent: tuple[str, ...] = ()) -> Case:
    return Case(("check", name), exit, (name, *words), absent)


def price(cart: str, exit: int, *words: str, campaign: str = CAMPAIGN, more: tuple[str, ...] = (),
          absent: tuple[str, ...] = ()) -> Case:
    return Case(("price", cart, "--campaign", campaign, *more), exit, words, absent)


CASES = {
    # amounts: integers are bounded as strings are
    "int 10^26": check("big-int-amount.yaml", 2, "rules[0].discount", "too large", "10^15"),
    "JSON int 10^20": check("big-int-amount.json", 2, "rules[0].discount", "too large"),
    "cart int 10^20": price("cart-big-int.json", 2, "cart-big-int.json", "lines[0].unit_price",
                            "too large"),
    "cart 1e400": price("cart-1e400.json", 2, "lines[0].unit_price", "too large", "10^15",
                        absent=('such as "1E+400"',)),
    # stages
    "perk before threshold_base": check("perk-before-base.yaml", 2,
                                        "tiers.levels[0].perks.discount.stage", "threshold_base",
                                        "'item'"),
    # schedules
    "BYSECOND=61": check("rrule-bysecond.yaml", 2, "rule 'a-200-20'", "schedule.rrule",
                         "BYSECOND=61", "0..59"),
    "BYMINUTE=75": check("rrule-byminute.yaml", 2, "BYMINUTE=75", "0..59"),
    "BYMONTHDAY=0": check("rrule-bymonthday-zero.yaml", 2, "BYMONTHDAY=0", "1..31"),
    "INTERVAL=0": check("rrule-interval-zero.yaml", 2, "INTERVAL=0", "1..1000"),
    "no FREQ": check("rrule-no-freq.yaml", 2, "no FREQ part", "FREQ=HOURLY",
                     absent=("FREQ=?",)),
    "never occurs": check("rrule-never.yaml", 2, "never occurs"),
    "unknown part": check("rrule-unknown-part.yaml", 2, "'BYEASTER=1'", "BYMONTHDAY"),
    # numbers and ids
    "percent 1_5": check("underscore-percent.yaml", 2, "rules[0].percent", "'1_5'", "15"),
    "perk id clash": check("perk-id-clash.yaml", 2, "rules[0].id", "tier-gold-discount",
                           "tiers.levels[0].perks.discount"),
    # warnings: accepted, and said
    "percent 0.85": check("percent-085.yaml", 0, "1 warning", "rule 'tea-85'", "0.85",
                          "15 for 85折"),
    # one line, two sets of deposit terms: refused at load when certain, at pricing when a
    # schedule decides whether the two meet
    "pre-sales overlap": check("presale-overlap.yaml", 2, "rule 'p2'", "'p1'", "rules[1].select",
                               "share no line"),
    "pre-sales overlap scheduled": check("presale-overlap-scheduled.yaml", 0, "ok"),
    "pre-sales overlap priced": price("cart.json", 2, "cart.json", "'p1' and 'p2'",
                                      "presale_overlap",
                                      campaign="presale-overlap-scheduled.yaml"),
    # carts the campaign cannot price: one error type, a code, the file and the flag
    "USD cart": price("cart-usd.json", 2, "cart-usd.json", "currency", "USD", "CNY",
                      "currency_mismatch"),
    "no at": price("cart-no-at.json", 2, "cart-no-at.json", "rule 'night'", "--at",
                   "missing_time", absent=("at=...",)),
    "unknown tier": price("cart-unknown-tier.json", 2, "customer.tier", "'platinum'",
                          "silver, gold", "unknown_tier"),
    # cart documents
    "coupon ends before start": price("cart-coupon-reversed.json", 2, "wallet[0].end",
                                      "not after start"),
    "duplicate coupons": price("cart-duplicate-coupons.json", 2, "wallet[2].id",
                               "duplicate coupon id 'c0'", absent=("xxxxxxxxxx",)),
    "NaN": price("cart-nan.json", 2, "lines[0].unit_price: NaN", "shipping.A: -Infinity"),
    "duplicate key": price("cart-duplicate-key.json", 2, "lines[0].quantity",
                           "duplicate key 'quantity'"),
    "underscore amount": price("cart-underscore.json", 2, "lines[0].unit_price", "'1_000.00'"),
    "jsonl without --batch": price("carts.jsonl", 2, "carts.jsonl", "--batch"),
    "escape sequences": price("cart-escape.json", 0, "l\\x1b[31mRED", absent=("\x1b",)),
    # batches
    "batch non-UTF-8": price("batch-non-utf8.jsonl", 2, '"line": 2', "not UTF-8",
                             '"line": 2', more=("--batch", "--jobs", "1")),
    "batch mixed": price("batch-mixed.jsonl", 2, '"code": "currency_mismatch"',
                         '"code": "missing_time"', "JSON syntax error", "--at",
                         more=("--batch", "--jobs", "1")),
    "jobs -1": price("carts.jsonl", 2, "--jobs", "'-1'", ">= 1", more=("--batch", "--jobs", "-1")),
    "jobs zero": price("carts.jsonl", 2, "--jobs", ">= 1", more=("--batch", "--jobs", "0")),
}


def run(args: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and everything printed, with corpus names made paths (run from the corpus)."""
    argv = [str(CORPUS / a) if (CORPUS / a).is_file() else a for a in args]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refusing an option
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_file(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(case.args, capsys)
    assert "Traceback" not in output
    assert code == case.exit, output
    for word in case.words:
        assert word in output, f"{word!r} not in:\n{output}"
    for word in case.absent:
        assert word not in output, f"{word!r} in:\n{output}"
    if code:
        assert output.strip(), "an error must say something"


def test_every_corpus_file_is_used() -> None:
    named = {a for case in CASES.values() for a in case.args}
    assert {p.name for p in CORPUS.iterdir()} <= named
