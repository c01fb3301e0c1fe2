"""``promokit price --batch``: carts in as JSON lines, results out as JSON lines, on every core.

Each worker process loads and compiles the campaign once, then prices the carts it is handed;
results come back in input order. A cart that fails gets an error object on its line (with the
input line number and every problem), the rest are still priced, and the exit code says so.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from promokit._campaign import Campaign, load_campaign
from promokit._errors import CartError, InputError, PromokitError
from promokit._input.documents import parse_document
from promokit._input.validation import load_cart_data

#: Carts handed to a worker at a time: large enough to amortise the hand-off.
CHUNK = 64


@dataclass(frozen=True)
class Options:
    """How every cart of a batch is priced."""

    campaign: str
    at: datetime | None = None
    phase: str | None = None
    best_coupons: bool = False


_worker: tuple[Campaign, Options] | None = None


def _start(options: Options) -> None:
    global _worker
    _worker = (load_campaign(options.campaign), options)


def price_line(number: int, text: str, campaign: Campaign, options: Options) -> tuple[str, bool]:
    """One JSON line in, one JSON line out (the result, or ``{"line": n, "error": ...}``) and
    whether it priced."""
    where = f"line {number}"
    try:
        doc = parse_document(text, "json", file=where, error=CartError, json_floats="reject")
        cart = load_cart_data(doc.data, where)
        result = campaign.price(cart, at=options.at, phase=options.phase,
                                best_coupons=options.best_coupons)
        return json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":")), True
    except PromokitError as exc:
        error: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
        if isinstance(exc, InputError):
            error["problems"] = [p.render() for p in exc.problems]
        return json.dumps({"line": number, "error": error}, ensure_ascii=False), False


def _price_chunk(chunk: list[tuple[int, str]]) -> list[tuple[str, bool]]:
    assert _worker is not None, "worker not started"  # set by the pool's initializer
    campaign, options = _worker
    return [price_line(n, text, campaign, options) for n, text in chunk]


def _chunks(lines: Iterable[str]) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for number, text in enumerate(lines, 1):
        if text.strip():
            chunk.append((number, text))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_batch(options: Options, source: IO[str], out: IO[str], jobs: int | None = None) -> int:
    """Price every cart of ``source`` into ``out``; returns how many carts failed."""
    campaign = load_campaign(options.campaign)  # fail fast, in this process, on a bad campaign
    jobs = jobs or os.cpu_count() or 1
    failed = 0
    if jobs == 1:
        blocks: Iterable[list[tuple[str, bool]]] = (
            [price_line(n, t, campaign, options) for n, t in chunk] for chunk in _chunks(source))
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start, initargs=(options,))
        blocks = _ordered(pool, _chunks(source), window=4 * jobs)
    try:
        for block in blocks:
            for text, ok in block:
                out.write(text + "\n")
                failed += not ok
    finally:
        if jobs != 1:
            pool.shutdown(cancel_futures=True)
    return failed


def _ordered(pool: ProcessPoolExecutor, chunks: Iterator[list[tuple[int, str]]], window: int
             ) -> Iterator[list[tuple[str, bool]]]:
    """Results in input order, with at most ``window`` chunks in flight (memory stays bounded
    however long the input is)."""
    pending: deque[Future[list[tuple[str, bool]]]] = deque()
    for chunk in chunks:
        pending.append(pool.submit(_price_chunk, chunk))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
