"""Orders in: JSON Lines of carts, and CSV or Parquet order lines grouped into carts, streamed.

Every reader yields :class:`Order` objects and, for input it cannot use, :class:`promokit.Problem`
records naming the file, the line (or row), the field, the value found and what was expected. A
reader never holds more than one order in memory (plus a bounded window of recent order ids), so
memory does not grow with the file.

Tabular files hold one row per order line; the rows of one order must be **contiguous** (as any
export sorted or grouped by order id is). A row whose order id was already closed within the last
:data:`RECENT` orders is reported as a problem (``order_id``: not contiguous) and skipped; further
back than that, the ids are no longer remembered and such rows would form a second order.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from promokit import Money, Problem, PromokitError

#: File names read as JSON Lines (one order per line), lower-cased.
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
#: Order ids remembered to detect the rows of one order split apart in a tabular file.
RECENT = 10_000

#: Columns of a tabular order log (``order_id``, ``sku``, ``shop``, ``unit_price`` and
#: ``quantity`` are required; ``currency`` defaults to the campaign's; ``unit_cost``, what a unit
#: costs the shop, is optional and finds the lines sold below cost).
COLUMNS = ("order_id", "at", "customer_id", "tier", "sku", "shop", "unit_price", "quantity",
           "category", "brand", "tags", "currency", "unit_cost")
REQUIRED = ("order_id", "sku", "shop", "unit_price", "quantity")

_DECIMAL = re.compile(r"\d{1,15}(\.\d{1,4})?")


@dataclass(frozen=True, slots=True)
class Order:
    """One order to price: its id, where it was read (``file``, first ``line``), the cart dict,
    and what a unit of each line costs the shop where the input says (line id: minor units)."""

    id: str
    file: str
    line: int
    cart: dict[str, Any] = field(compare=False)
    costs: dict[str, int] = field(default_factory=dict, compare=False)


Item = Order | Problem


def _problem(file: str, line: int, path: str, message: str, value: object = None,
             expected: str | None = None) -> Problem:
    return Problem(message=message, path=path, value=value, expected=expected, file=file,
                   line=line)


def _reject_float(text: str) -> Any:
    raise ValueError(text)


def _wrong_currency(file: str, line: int, order_id: str, currency: object, expected: str
                    ) -> Problem:
    return _problem(file, line, "currency", f"order {order_id!r} is in {currency}, refused: the "
                    f"campaign prices {expected}", currency,
                    f"{expected} (the campaign's currency)")


def _order(order_id: str, file: str, number: int, cart: dict[str, Any], currency: str) -> Item:
    """The order of a cart dict whose lines may carry ``unit_cost`` (what a unit costs the
    shop): taken out of the cart (pricing does not read it) into :attr:`Order.costs`."""
    lines = cart.get("lines")
    if not isinstance(lines, list) or not any(isinstance(x, dict) and "unit_cost" in x
                                              for x in lines):
        return Order(order_id, file, number, cart)
    costs: dict[str, int] = {}
    kept = []
    for i, line in enumerate(lines):
        if isinstance(line, dict) and "unit_cost" in line:
            line = dict(line)
            raw = line.pop("unit_cost")
            minor = _minor(raw, currency)
            if minor is None:
                return _problem(file, number, f"lines[{i}].unit_cost", f"order {order_id!r}: "
                                "not an amount", raw, f'an amount in {currency} such as "12.30"')
            costs[str(line.get("id"))] = minor
        kept.append(line)
    return Order(order_id, file, number, {**cart, "lines": kept}, costs)


def _minor(value: object, currency: str) -> int | None:
    """``value`` (a decimal string or an integer) in minor units of ``currency``, or None."""
    text = _money_text(value)
    if text is None:
        return None
    try:
        return Money.of(text, currency).minor
    except PromokitError:
        return None


def read_jsonl(path: str | os.PathLike[str], currency: str) -> Iterator[Item]:
    """Carts, one JSON object a line, each with ``at`` and ``customer``; ``order_id`` (or ``id``)
    names the order (default: ``FILE:LINE``). Money is written as decimal strings."""
    for lines in raw_jsonl(path, 1000):
        yield from lines.items(currency)


#: Bytes read at a time while counting the newlines before a byte range.
COUNT_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class RawLines:
    """Lines of a JSON Lines file not parsed yet (``(number, bytes)``): what a worker process
    receives, so the parent only reads the file and parsing runs where the pricing does."""

    file: str
    lines: list[tuple[int, bytes]]

    def items(self, currency: str) -> list[Item]:
        """The orders (and problems) of these lines."""
        return [_jsonl_item(raw, self.file, number, currency) for number, raw in self.lines]


@dataclass(frozen=True, slots=True)
class ByteRange:
    """The lines of a JSON Lines file that begin in bytes ``[offset, offset + length)``: what a
    Dask worker reads by itself (the file must be at the same path on every worker).

    The ranges of one file cut at any offsets hold every line exactly once: a line belongs to
    the range its first byte lies in, so a range skips the rest of a line begun before it and
    finishes the line it begins last. ``newlines_before`` (the newlines in ``[0, offset)``,
    see :func:`count_newlines`) numbers the lines; when None the reader counts them itself,
    reading the bytes before ``offset`` a block at a time."""

    file: str
    offset: int
    length: int
    newlines_before: int | None = None

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """``(line number, bytes)`` of the non-blank lines in this range, streamed."""
        with open(self.file, "rb") as source:
            before = self.newlines_before
            if before is None:
                before = _newlines(source, 0, self.offset)
            number, position = before + 1, self.offset
            source.seek(self.offset)
            if self.offset > 0:  # the line under way at the offset belongs to the range before
                source.seek(self.offset - 1)
                rest = source.readline()
                position += len(rest) - 1
                if len(rest) > 1 and rest.endswith(b"\n"):  # a newline not counted before
                    number += 1
            end = self.offset + self.length
            while position < end and (raw := source.readline()):
                if raw.strip():
                    yield number, raw
                position += len(raw)
                number += 1

    def items(self, currency: str) -> Iterator[Item]:
        """The orders (and problems) of this range, streamed."""
        for number, raw in self.lines():
            yield _jsonl_item(raw, self.file, number, currency)


def _newlines(source: Any, offset: int, length: int) -> int:
    source.seek(offset)
    count = 0
    while length > 0 and (block := source.read(min(length, COUNT_BLOCK))):
        count += block.count(b"\n")
        length -= len(block)
    return count


def count_newlines(path: str | os.PathLike[str], ranges: Iterable[tuple[int, int]]) -> list[int]:
    """The newlines in each ``(offset, length)`` byte range of a file, read a block at a time:
    summed over the ranges before one, the ``newlines_before`` of a :class:`ByteRange`."""
    with open(path, "rb") as source:
        return [_newlines(source, offset, length) for offset, length in ranges]


def byte_ranges(path: str | os.PathLike[str], size: int) -> list[tuple[int, int]]:
    """``(offset, length)`` ranges covering the file, each about ``size`` lines long (the mean
    line length is estimated from the file's first 64 KiB)."""
    total = os.path.getsize(path)
    with open(path, "rb") as source:
        head = source.read(1 << 16)
    width = max(1, size * len(head) // max(1, head.count(b"\n")))
    return [(offset, min(width, total - offset)) for offset in range(0, total, width)]


def raw_jsonl(path: str | os.PathLike[str], size: int) -> Iterator[RawLines]:
    """The non-blank lines of a JSON Lines file, ``size`` at a time, unparsed."""
    file = os.fspath(path)
    chunk: list[tuple[int, bytes]] = []
    for number, raw in ByteRange(file, 0, os.path.getsize(file), 0).lines():
        chunk.append((number, raw))
        if len(chunk) >= size:
            yield RawLines(file, chunk)
            chunk = []
    if chunk:
        yield RawLines(file, chunk)


def _jsonl_item(raw: bytes, file: str, number: int, currency: str) -> Item:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _problem(file, number, "", f"not UTF-8: byte {raw[exc.start]:#04x} at column "
                        f"{len(raw[:exc.start].decode('utf-8')) + 1}", None, "text in UTF-8")
    try:
        data = json.loads(text, parse_float=_reject_float)
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            return _problem(file, number, "", f"not JSON: {exc.msg} at column {exc.colno}",
                            text.strip()[:40], "one cart as a JSON object per line")
        return _problem(file, number, "", "a JSON number with a fraction (floats cannot hold "
                        "money exactly)", str(exc), 'money as a decimal string such as "19.90"')
    if not isinstance(data, dict):
        return _problem(file, number, "", "not a cart", type(data).__name__, "a JSON object")
    order_id = str(data.pop("order_id", None) or data.pop("id", None) or f"{file}:{number}")
    if data.get("currency") != currency:
        return _wrong_currency(file, number, order_id, data.get("currency"), currency)
    return _order(order_id, file, number, data, currency)


def _money_text(value: object) -> str | None:
    if isinstance(value, bool | float):
        return None
    if isinstance(value, int | Decimal):
        value = str(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return value.strip()
    return None


def _count(value: object) -> int | None:
    if isinstance(value, bool | float):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    if isinstance(value, str) and value.strip().isdigit() and int(value) >= 1:
        return int(value)
    return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class _Grouper:
    """Rows in, one cart per run of rows sharing an order id out."""

    def __init__(self, file: str, currency: str) -> None:
        self.file = file
        self.currency = currency
        self.current: tuple[str, int, dict[str, Any]] | None = None
        self.recent: OrderedDict[str, int] = OrderedDict()

    def row(self, number: int, row: Mapping[str, object]) -> Iterator[Item]:
        missing = [c for c in REQUIRED if _text(row.get(c)) is None]
        if missing:
            yield _problem(self.file, number, missing[0], "missing value", row.get(missing[0]),
                           f"a value in every row for {', '.join(REQUIRED)}")
            return
        order_id = str(_text(row["order_id"]))
        price = _money_text(row["unit_price"])
        if price is None:
            yield _problem(self.file, number, "unit_price", "not an amount", row["unit_price"],
                           'a decimal such as "19.90" (not a float)')
            return
        try:
            Money.of(price, self.currency)
        except PromokitError as exc:
            yield _problem(self.file, number, "unit_price", str(exc), price,
                           f"an amount in {self.currency}")
            return
        cost = _text(row.get("unit_cost"))
        if cost is not None and _minor(row.get("unit_cost"), self.currency) is None:
            yield _problem(self.file, number, "unit_cost", "not an amount", row["unit_cost"],
                           f'an amount in {self.currency} such as "12.30" (or empty: unknown)')
            return
        qty = _count(row["quantity"])
        if qty is None:
            yield _problem(self.file, number, "quantity", "not a quantity", row["quantity"],
                           "a whole number of at least 1")
            return
        at = _text(row.get("at"))
        if at is not None:
            try:
                datetime.fromisoformat(at)
            except ValueError:
                yield _problem(self.file, number, "at", "not a time", at,
                               "ISO-8601, e.g. 2026-11-11T00:05:00+08:00")
                return
        if self.current is None or self.current[0] != order_id:
            if order_id in self.recent:
                yield _problem(self.file, number, "order_id", "not contiguous: this order's "
                               f"rows began at row {self.recent[order_id]} and another order "
                               "came between", order_id, "the rows of an order next to each other")
                return
            yield from self.flush()
            cart: dict[str, Any] = {"currency": _text(row.get("currency")) or self.currency,
                                    "lines": []}
            if at is not None:
                cart["at"] = at
            customer = {k: v for k, v in (("id", _text(row.get("customer_id"))),
                                          ("tier", _text(row.get("tier")))) if v is not None}
            if customer:
                cart["customer"] = customer
            self.current = (order_id, number, cart)
        lines: list[dict[str, Any]] = self.current[2]["lines"]
        line: dict[str, Any] = {"id": f"l{len(lines) + 1}", "sku": _text(row["sku"]),
                                "shop": _text(row["shop"]), "unit_price": price, "quantity": qty}
        for name in ("category", "brand"):
            if (value := _text(row.get(name))) is not None:
                line[name] = value
        tags = _text(row.get("tags"))
        if tags:
            line["tags"] = [t for t in re.split(r"[|;]", tags) if t.strip()]
        if cost is not None:
            line["unit_cost"] = cost
        lines.append(line)

    def flush(self) -> Iterator[Item]:
        if self.current is None:
            return
        order_id, number, cart = self.current
        self.current = None
        self.recent[order_id] = number
        if len(self.recent) > RECENT:
            self.recent.popitem(last=False)
        if cart["currency"] != self.currency:
            yield _wrong_currency(self.file, number, order_id, cart["currency"], self.currency)
        else:
            yield _order(order_id, self.file, number, cart, self.currency)


def read_csv(path: str | os.PathLike[str], currency: str) -> Iterator[Item]:
    """Order lines from a CSV file with a header row (see :data:`COLUMNS`), grouped into carts;
    ``tags`` are separated by ``|`` or ``;``. Rows are numbered as lines of the file."""
    file = os.fspath(path)
    with open(file, encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            yield _problem(file, 1, missing[0], "missing column", reader.fieldnames,
                           f"a header with {', '.join(REQUIRED)}")
            return
        grouper = _Grouper(file, currency)
        for row in reader:
            yield from grouper.row(reader.line_num, row)
        yield from grouper.flush()


def _pyarrow_parquet() -> Any:
    """``pyarrow.parquet`` (an optional extra, untyped), or None."""
    try:
        return importlib.import_module("pyarrow.parquet")
    except ImportError:
        return None


def read_parquet(path: str | os.PathLike[str], currency: str, batch_rows: int = 8192
                 ) -> Iterator[Item]:
    """Order lines from a Parquet file (needs pyarrow: ``pip install 'promokit[parquet]'``), read
    one record batch at a time; rows are numbered from 1. Prices may be strings, integers or
    decimals, never floats."""
    pq = _pyarrow_parquet()
    if pq is None:
        raise ValueError("reading Parquet needs pyarrow: pip install 'promokit[parquet]'")
    file = os.fspath(path)
    grouper = _Grouper(file, currency)
    number = 0
    for batch in pq.ParquetFile(file).iter_batches(batch_size=batch_rows):
        for row in batch.to_pylist():
            number += 1
            yield from grouper.row(number, row)
    yield from grouper.flush()


def read_orders(path: str | os.PathLike[str], currency: str) -> Iterator[Item]:
    """Orders from a file, by its suffix: ``.jsonl``/``.ndjson``, ``.csv`` or ``.parquet``."""
    suffix = Path(path).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return read_jsonl(path, currency)
    if suffix == ".csv":
        return read_csv(path, currency)
    if suffix in (".parquet", ".pq"):
        return read_parquet(path, currency)
    raise ValueError(f"{os.fspath(path)}: unknown order file type {suffix!r}; expected .jsonl, "
                     ".csv or .parquet")


def orders_from_carts(carts: Iterable[Mapping[str, Any]], currency: str,
                      file: str = "<carts>") -> Iterator[Item]:
    """Orders from cart dicts in memory (an ``order_id`` key names each, else its position)."""
    for number, cart in enumerate(carts, 1):
        data = dict(cart)
        order_id = str(data.pop("order_id", None) or data.pop("id", None) or number)
        if data.get("currency") != currency:
            yield _wrong_currency(file, number, order_id, data.get("currency"), currency)
        else:
            yield _order(order_id, file, number, data, currency)


def orders_from_rows(rows: Iterable[Mapping[str, object]], currency: str,
                     file: str = "<rows>", first_row: int = 1) -> Iterator[Item]:
    """Orders from tabular rows in memory (dicts with :data:`COLUMNS`), e.g. the records of a
    pandas batch in Spark's ``mapInPandas``: the same grouping as the file readers."""
    grouper = _Grouper(file, currency)
    for number, row in enumerate(rows, first_row):
        yield from grouper.row(number, row)
    yield from grouper.flush()


def count_lines(path: str | os.PathLike[str]) -> int | None:
    """Lines (JSONL, CSV) or rows (Parquet) in a file, for a progress bar's total."""
    file = os.fspath(path)
    if file.endswith((".parquet", ".pq")):
        pq = _pyarrow_parquet()
        if pq is None:
            return None
        return int(pq.ParquetFile(file).metadata.num_rows)
    with open(file, "rb") as source:
        return sum(block.count(b"\n") for block in iter(lambda: source.read(1 << 20), b""))
