"""Running a simulation: in this process, on a process pool, or on a Dask cluster.

Every executor cuts the stream of orders into chunks, prices each chunk into a partition
:class:`Summary` with the same pure function, and merges the summaries as they come back (in any
order: merging is associative and commutative). At most a few chunks per worker are in flight, so
memory stays bounded however long the input is. A JSON Lines file on Dask is the exception: the
workers read their own byte ranges of it and merge the summaries among themselves
(:func:`_dask_file`), so only the file's path and offsets leave the parent.

A campaign with limits (budgets, uses, units, per-customer limits) goes through
:func:`replay_summary` instead: the orders consume the limits in time order (see
:mod:`promokit.simulate._limits`), which needs every order in memory and prices on the
local pool or on Dask.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeGuard

from promokit import Campaign, Cart, PriceResult, Problem, load_campaign
from promokit._progress import progress as progress_bar

from ._limits import limited, replay, time_key
from ._orders import (
    JSONL_SUFFIXES,
    ByteRange,
    Item,
    Order,
    RawLines,
    byte_ranges,
    count_lines,
    count_newlines,
    orders_from_carts,
    raw_jsonl,
    read_orders,
)
from ._partition import OrderRow, Pricer
from ._summary import Summary, merge_all, problem_key

#: Summaries merged by one task of the tree reduction on Dask.
SPLIT_EVERY = 8

#: Orders in one chunk (one task of the pool or of Dask).
CHUNK = 500

Orders = str | os.PathLike[str] | Iterable[Mapping[str, Any] | Item]


class BadInputError(ValueError):
    """Raised in strict mode at the first bad order (``problem`` says where and what)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.render())


def _campaign(value: Campaign | str | os.PathLike[str]) -> Campaign:
    return value if isinstance(value, Campaign) else load_campaign(value)


def order_items(orders: Orders, currency: str, seed: int = 0) -> Iterator[Item]:
    """Orders (and problems) from a file path, ``synthetic:N`` (N generated orders), cart dicts or
    items."""
    if isinstance(orders, str) and orders.startswith("synthetic:"):
        from ._generate import generate_carts

        count = int(orders.split(":", 1)[1])
        return orders_from_carts(generate_carts(count, seed=seed, currency=currency), currency,
                                 file="synthetic")
    if isinstance(orders, str | os.PathLike):
        return read_orders(orders, currency)
    return _mixed(orders, currency)


def _mixed(orders: Iterable[Mapping[str, Any] | Item], currency: str) -> Iterator[Item]:
    for number, item in enumerate(orders, 1):
        if isinstance(item, Order | Problem):
            yield item
        else:
            yield from orders_from_carts([item], currency, file=f"<order {number}>")


def _chunks(items: Iterator[Item], size: int, strict: bool) -> Iterator[list[Item]]:
    while chunk := list(islice(items, size)):
        if strict:
            for item in chunk:
                if isinstance(item, Problem):
                    raise BadInputError(item)
        yield chunk


_worker: Pricer | None = None


def _start(pricer: Pricer) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    _worker = pricer


Chunk = list[Item] | RawLines


def _pool_chunk(chunk: Chunk) -> Summary:
    assert _worker is not None, "worker not started"
    return _price_chunk(_worker, chunk)


def _price_chunk(pricer: Pricer, chunk: Chunk | ByteRange) -> Summary:
    items = chunk if isinstance(chunk, list) else chunk.items(pricer.currency)
    return pricer.partition(items)


def _position(chunk: Chunk) -> int:
    if isinstance(chunk, RawLines):
        return chunk.lines[-1][0]
    last = chunk[-1]
    return last.line or 0


def simulate(orders: Orders, campaign: Campaign | str | os.PathLike[str],
             vs: Campaign | str | os.PathLike[str] | None = None, *, jobs: int | None = None,
             dask: Any = None, best_coupons: bool = False, seed: int = 0, strict: bool = False,
             chunk: int = CHUNK, progress: bool | None = None) -> Summary:
    """Price every order against ``campaign`` (and ``vs``) and summarise, exactly.

    ``orders``: a ``.jsonl``, ``.csv`` or ``.parquet`` file, ``"synthetic:N"`` (N orders from
    the seeded generator), or an iterable of cart dicts. ``jobs``: 1 prices in this process,
    N on a pool of N processes (default: every core). ``dask``: ``"local"`` (a
    ``distributed.LocalCluster``), a scheduler address, or a ``distributed.Client``.
    ``strict``: stop at the first bad order with :class:`BadInputError`. ``progress``: a bar with
    an ETA on stderr (default: when stderr is a terminal and tqdm is installed). The summary is
    the same whatever the executor. A design with limits consumes them in time order
    (:func:`replay_summary`: in this process unless ``jobs`` or ``dask`` says otherwise).
    """
    pricer = Pricer(_campaign(campaign), _campaign(vs) if vs is not None else None,
                    best_coupons=best_coupons)
    items = order_items(orders, pricer.currency, seed)
    if limited(pricer.campaign) or (pricer.vs is not None and limited(pricer.vs)):
        # in this process unless asked: results cross processes slower than they price (docs)
        if dask is None:
            return replay_summary(pricer, items, jobs=jobs or 1, strict=strict)
        with dask_client(dask, jobs) as client:
            return replay_summary(pricer, items, jobs=jobs or _workers(client), strict=strict,
                                  dask=client)
    show = sys.stderr.isatty() if progress is None else progress
    if dask is not None and _jsonl(orders):
        with dask_client(dask, jobs) as client:
            summary = _dask_file(pricer, os.fspath(orders), chunk, client, show)
        if strict and summary.problems:
            raise BadInputError(min(summary.problems, key=problem_key))
        return summary
    total = None
    if show and isinstance(orders, str | os.PathLike) and not str(orders).startswith("synth"):
        total = count_lines(orders)
    elif show and isinstance(orders, str):
        total = int(orders.split(":", 1)[1])
    bar = progress_bar(total, show)
    workers = jobs or os.cpu_count() or 1
    chunks: Iterator[Chunk]
    if workers > 1 and _jsonl(orders):
        # the workers parse: the parent only reads lines (a strict run stops at the first
        # chunk that had a problem, as summaries come back)
        chunks = raw_jsonl(orders, chunk)
    else:
        chunks = _chunks(items, chunk, strict)
    try:
        if dask is not None:
            parts = _on_dask(pricer, chunks, dask, jobs)
        elif workers == 1:
            parts = ((_price_chunk(pricer, c), _position(c)) for c in chunks)
        else:
            parts = _on_pool(pricer, chunks, workers)
        summary = pricer.empty()
        for part, position in parts:
            if strict and part.problems:
                raise BadInputError(min(part.problems, key=problem_key))
            summary = summary.merge(part)
            bar(position)
        return summary
    finally:
        bar(None)


def _jsonl(orders: Orders) -> TypeGuard[str | os.PathLike[str]]:
    return isinstance(orders, str | os.PathLike) \
        and os.fspath(orders).lower().endswith(JSONL_SUFFIXES)


def _on_pool(pricer: Pricer, chunks: Iterator[Chunk], jobs: int
             ) -> Iterator[tuple[Summary, int]]:
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start, initargs=(pricer,))
    pending: dict[Future[Summary], int] = {}
    try:
        for c in chunks:
            pending[pool.submit(_pool_chunk, c)] = _position(c)
            while len(pending) >= 2 * jobs:
                yield from _done(pending, wait(pending, return_when=FIRST_COMPLETED).done)
        while pending:
            yield from _done(pending, wait(pending, return_when=FIRST_COMPLETED).done)
    finally:
        pool.shutdown(wait=not pending, cancel_futures=True)


def _done(pending: dict[Any, int], done: Iterable[Any]) -> Iterator[tuple[Summary, int]]:
    for future in done:
        position = pending.pop(future)
        yield future.result(), position


def _distributed() -> Any:
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise ValueError("--dask needs dask: pip install 'promokit[dask]'") from None


@contextmanager
def dask_client(dask: Any, jobs: int | None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``dask``: the client given, a new ``LocalCluster``
    (``"local"``, ``jobs`` single-threaded worker processes, default every core) or the scheduler
    at an address; what it started is closed on exit."""
    dd = _distributed()
    Client, LocalCluster = dd.Client, dd.LocalCluster
    own: list[Any] = []
    if isinstance(dask, Client):
        client = dask
    elif dask == "local":
        cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
        own = [client, cluster]
    else:
        client = Client(dask)
        own = [client]
    try:
        yield client
    finally:
        for thing in own:
            thing.close()


def _workers(client: Any) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def _on_dask(pricer: Pricer, chunks: Iterator[Chunk], dask: Any, jobs: int | None
             ) -> Iterator[tuple[Summary, int]]:
    as_completed = _distributed().as_completed
    with dask_client(dask, jobs) as client:
        workers = _workers(client)
        shared = client.scatter(pricer, broadcast=True)
        flow = as_completed()
        pending: dict[Any, int] = {}
        for c in chunks:
            future = client.submit(_price_chunk, shared, c, pure=False)
            pending[future] = _position(c)
            flow.add(future)
            while len(pending) >= 2 * workers:
                yield from _done(pending, [next(flow)])
        for future in flow:
            yield from _done(pending, [future])


def _count_task(file: str, ranges: list[tuple[int, int]]) -> list[int]:
    return count_newlines(file, ranges)


def _merge_task(*parts: Summary) -> Summary:
    return merge_all(parts)


def _dask_file(pricer: Pricer, file: str, chunk: int, client: Any, show: bool) -> Summary:
    """A JSON Lines file on Dask: the workers count its newlines (for line numbers), read their
    own byte ranges, price them and merge the summaries in a tree; the parent ships only the
    campaigns (once per worker) and ``(path, offset, length)``, and receives one summary."""
    ranges = byte_ranges(file, chunk)
    workers = _workers(client)
    step = -(-len(ranges) // workers) if ranges else 1
    groups = [ranges[i:i + step] for i in range(0, len(ranges), step)]
    counts = [n for found in client.gather(client.map(_count_task, [file] * len(groups), groups,
                                                      pure=False)) for n in found]
    before = [0]
    for n in counts:
        before.append(before[-1] + n)
    shared = client.scatter(pricer, broadcast=True)
    level = [client.submit(_price_chunk, shared, ByteRange(file, offset, length, before[i]),
                           pure=False) for i, (offset, length) in enumerate(ranges)]
    lines = dict(zip((f.key for f in level), counts, strict=True))
    parts, submitted = level, list(level)
    while len(level) > 1:
        level = [client.submit(_merge_task, *level[i:i + SPLIT_EVERY], pure=False)
                 if len(level[i:i + SPLIT_EVERY]) > 1 else level[i]
                 for i in range(0, len(level), SPLIT_EVERY)]
        submitted += level
    bar = progress_bar(before[-1], show)
    try:
        if show:
            done = 0
            for future in _distributed().as_completed(parts):
                done += lines[future.key]
                bar(done)
        return client.gather(level[0]) if level else pricer.empty()
    except BaseException:   # Ctrl-C or a failed task: stop the work still queued
        client.cancel(submitted)
        raise
    finally:
        bar(None)


def iter_rows(orders: Orders, campaign: Campaign | str | os.PathLike[str],
              vs: Campaign | str | os.PathLike[str] | None = None, *, best_coupons: bool = False,
              seed: int = 0, summary: Summary | None = None) -> Iterator[OrderRow]:
    """Each priced order's :class:`OrderRow`, in input order, in this process; bad orders are
    skipped (and counted into ``summary`` when one is given). For a pandas table:
    ``pandas.DataFrame(r.to_dict() for r in iter_rows(...))``."""
    pricer = Pricer(_campaign(campaign), _campaign(vs) if vs is not None else None,
                    best_coupons=best_coupons)
    return pricer.rows(order_items(orders, pricer.currency, seed), summary)


def rows_table(rows: Iterable[OrderRow], kind: str = "arrow") -> Any:
    """Per-order rows as a ``pyarrow.Table`` (``kind="arrow"``) or a ``pandas.DataFrame``
    (``kind="pandas"``), where those are installed. Money columns stay integer minor units."""
    records = [r.to_dict() for r in rows]
    if kind == "pandas":
        pandas: Any = importlib.import_module("pandas")
        return pandas.DataFrame.from_records(records, columns=list(OrderRow.__slots__))
    if kind == "arrow":
        arrow: Any = importlib.import_module("pyarrow")
        if not records:
            return arrow.table({name: [] for name in OrderRow.__slots__})
        return arrow.Table.from_pylist(records)
    raise ValueError(f"kind {kind!r}: expected 'arrow' or 'pandas'")


def replay_summary(pricer: Pricer, items: Iterable[Item], *, jobs: int = 1,
                   strict: bool = False, work: dict[str, int] | None = None,
                   dask: Any = None) -> Summary:
    """The summary of ``items`` when each design's limits are consumed in time order (orders
    sorted by ``at``, ties by order id): equal, order by order, to a sequential replay through
    a ledger (``promokit.checkout`` and ``commit`` per order). Holds every order in memory; an
    order without a time is bad input (a limit needs to know when it was used)."""
    summary = pricer.empty()
    zone = pricer.campaign.spec.timezone
    orders: list[Order] = []
    for item in items:
        if isinstance(item, Order) and not item.cart.get("at"):
            item = Problem(message=f"order {item.id!r} has no time: the campaign has limits, "
                           "consumed in time order", path="at", file=item.file, line=item.line,
                           expected="the order's time, e.g. 2026-11-11T00:00:00+08:00")
        elif isinstance(item, Order):
            try:
                Cart.model_validate(item.cart)
            except ValueError:   # a bad cart: the problems as pricing reports them
                checked = pricer.price(item)
                item = checked if isinstance(checked, Problem) else item
        if isinstance(item, Problem):
            if strict:
                raise BadInputError(item)
            pricer.add(summary, item)
        else:
            orders.append(item)
    orders.sort(key=lambda o: time_key(o, zone))
    a, limits_a = replay(orders, pricer.campaign, best_coupons=pricer.best_coupons, jobs=jobs,
                         work=work, dask=dask)
    b: list[PriceResult] | list[None] = [None] * len(orders)
    if pricer.vs is not None:
        b, summary.limits_b = replay(orders, pricer.vs, best_coupons=pricer.best_coupons,
                                     jobs=jobs, dask=dask)
    summary.limits_a = limits_a
    for order, result_a, result_b in zip(orders, a, b, strict=True):
        pricer.record(summary, order, result_a, result_b)
    return summary
