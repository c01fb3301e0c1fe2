"""``promokit price --batch``: carts in as JSON lines, results out as JSON lines, on every core.

Each worker process loads and compiles the campaign once, then prices the carts it is handed;
results come back in input order. A cart that fails gets an error object on its line (with the
input line number and every problem), the rest are still priced, and the exit code says so. A
line that is not UTF-8 text is such a failed line too: the batch goes on. A cart the campaign
cannot price (:class:`~promokit.CartPricingError`) reports its ``code`` and cart ``path``.
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
from promokit._errors import CartError, CartPricingError, InputError, Problem, PromokitError
from promokit._input.documents import parse_document
from promokit._input.validation import load_cart_data
from promokit._progress import progress

#: Carts handed to a worker at a time: large enough to amortise the hand-off.
CHUNK = 64
#: What the command line says instead of a pricing argument (``at=`` is ``--at``).
FLAG_HINTS = {"at": "give the cart an 'at' or use --at (e.g. --at 2026-11-11T00:05:00+08:00)",
              "phase": "use --phase deposit or --phase balance"}


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


def price_line(number: int, text: str | bytes, campaign: Campaign, options: Options
               ) -> tuple[str, bool]:
    """One JSON line in, one JSON line out (the result, or ``{"line": n, "error": ...}``) and
    whether it priced."""
    where = f"line {number}"
    try:
        if isinstance(text, bytes):
            text = _decode(text, where)
        doc = parse_document(text, "json", file=where, error=CartError, json_floats="reject")
        cart = load_cart_data(doc.data, where)
        result = campaign.price(cart, at=options.at, phase=options.phase,
                                best_coupons=options.best_coupons)
        return json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":")), True
    except PromokitError as exc:
        error: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
        if isinstance(exc, InputError):
            error["problems"] = [p.render() for p in exc.problems]
        if isinstance(exc, CartPricingError):
            error.update(code=exc.code, path=exc.path,
                         message=exc.render(where, FLAG_HINTS.get(exc.option or "")))
        return json.dumps({"line": number, "error": error}, ensure_ascii=False), False


def _decode(raw: bytes, where: str) -> str:
    """A line's bytes as UTF-8 text, or a CartError naming the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CartError([Problem(f"the line is not UTF-8 text (byte 0x{raw[exc.start]:02x} "
                                 f"at column {exc.start + 1})", file=where,
                                 expected="UTF-8 encoded JSON")], file=where) from None


def _price_chunk(chunk: list[tuple[int, str | bytes]]) -> list[tuple[str, bool]]:
    assert _worker is not None, "worker not started"  # set by the pool's initializer
    campaign, options = _worker
    return [price_line(n, text, campaign, options) for n, text in chunk]


def _chunks(lines: Iterable[str | bytes]) -> Iterator[list[tuple[int, str | bytes]]]:
    chunk: list[tuple[int, str | bytes]] = []
    for number, text in enumerate(lines, 1):
        if text.strip():
            chunk.append((number, text))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_batch(options: Options, source: IO[str] | IO[bytes], out: IO[str],
              jobs: int | None = None, show_progress: bool = False) -> int:
    """Price every cart of ``source`` into ``out``; returns how many carts failed.

    ``source`` may be text or bytes; read as bytes, a line that is not UTF-8 fails alone.
    ``show_progress``: a bar with the carts done and the rate on stderr (tqdm, when installed).
    """
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    campaign = load_campaign(options.campaign)  # fail fast, in this process, on a bad campaign
    jobs = jobs or os.cpu_count() or 1
    failed = 0
    if jobs == 1:
        blocks: Iterable[list[tuple[str, bool]]] = (
            [price_line(n, t, campaign, options) for n, t in chunk] for chunk in _chunks(source))
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start, initargs=(options,))
        blocks = _ordered(pool, _chunks(source), window=4 * jobs)
    done = 0
    bar = progress(None, show_progress, unit="cart")
    try:
        for block in blocks:
            for text, ok in block:
                out.write(text + "\n")
                failed += not ok
            done += len(block)
            bar(done)
    finally:
        bar(None)
        if jobs != 1:
            pool.shutdown(cancel_futures=True)
    return failed


def _ordered(pool: ProcessPoolExecutor, chunks: Iterator[list[tuple[int, str | bytes]]],
             window: int
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
