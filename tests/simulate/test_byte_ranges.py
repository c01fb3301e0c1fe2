"""A Dask worker reads its own byte range of a JSON Lines file: cut anywhere, the ranges hold
every line exactly once, numbered as in the whole file."""

from __future__ import annotations

import tempfile
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promokit.simulate._orders import ByteRange, byte_ranges, count_newlines, raw_jsonl

# lines of any bytes but the newline (blank ones, "\r" endings, bytes that are not UTF-8)
_LINE = st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"x"))


def _numbered(content: bytes) -> list[tuple[int, bytes]]:
    """The reference: split on newlines, number from 1, keep the non-blank lines."""
    pieces = content.split(b"\n")
    lines = [(i, p + b"\n") for i, p in enumerate(pieces[:-1], 1)]
    if pieces[-1]:
        lines.append((len(pieces), pieces[-1]))   # the last line, with no newline after it
    return [(n, raw) for n, raw in lines if raw.strip()]


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(_LINE, max_size=12), last_newline=st.booleans(),
       cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=6))
def test_ranges_cut_anywhere_hold_every_line_once(lines: list[bytes], last_newline: bool,
                                                  cuts: list[int]) -> None:
    content = b"\n".join(lines) + (b"\n" if last_newline and lines else b"")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.jsonl"
        path.write_bytes(content)
        bounds = sorted({0, len(content), *(c for c in cuts if c < len(content))})
        spans = list(pairwise(bounds))
        counts = count_newlines(path, [(a, b - a) for a, b in spans])
        counted, read = 0, []
        for (a, b), n in zip(spans, counts, strict=True):
            told = list(ByteRange(str(path), a, b - a, counted).lines())
            assert told == list(ByteRange(str(path), a, b - a).lines())  # counts by itself
            read += told
            counted += n
        assert counted == content.count(b"\n")
        assert read == _numbered(content)
        assert [x for chunk in raw_jsonl(path, 3) for x in chunk.lines] == _numbered(content)


@pytest.mark.parametrize("size", [1, 2, 5, 1000])
def test_planned_ranges_cover_the_file(tmp_path: Path, size: int) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b"".join(b'{"n": %d}\n' % i for i in range(40)))
    ranges = byte_ranges(path, size)
    assert ranges[0][0] == 0 and sum(length for _, length in ranges) == path.stat().st_size
    assert all(a + n == b for (a, n), (b, _) in pairwise(ranges))
    # about `size` lines each (the lines here are 9 or 10 bytes long); the last may be shorter
    counted = 0
    for (offset, length), n in zip(ranges, count_newlines(path, ranges), strict=True):
        held = len(list(ByteRange(str(path), offset, length, counted).lines()))
        counted += n
        assert held <= size + 1 + size // 8 and (held >= size - 1 - size // 8
                                                  or (offset, length) == ranges[-1])
    assert counted == 40
