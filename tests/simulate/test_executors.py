"""jobs=1, a process pool and Dask give the same summary, to the cent."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import distributed  # in the test extra: these tests run in CI
import pytest

import promokit
from promokit.simulate import BadInputError, simulate


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def test_pool_and_dask_agree_with_one_process(orders_jsonl: Path, design_a: promokit.Campaign,
                                              design_b: promokit.Campaign, client: Any) -> None:
    one = simulate(orders_jsonl, design_a, vs=design_b, jobs=1).to_dict()
    pool = simulate(orders_jsonl, design_a, vs=design_b, jobs=2, chunk=37).to_dict()
    on_dask = simulate(orders_jsonl, design_a, vs=design_b, dask=client, chunk=29).to_dict()
    assert one == pool == on_dask
    assert one["orders"] == 300


def test_chunk_size_does_not_matter(orders_csv: Path, design_a: promokit.Campaign) -> None:
    a = simulate(orders_csv, design_a, jobs=1, chunk=1).to_dict()
    b = simulate(orders_csv, design_a, jobs=1, chunk=1000).to_dict()
    assert a == b


def test_a_dask_cluster_of_real_processes_agrees(orders_jsonl: Path,
                                                 design_a: promokit.Campaign) -> None:
    """Worker processes receive the campaigns pickled (the in-process cluster above pickles
    nothing): a Campaign refused the default unpickling until it defined how it is pickled."""
    one = simulate(orders_jsonl, design_a, jobs=1).to_dict()
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  scheduler_port=0, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        assert simulate(orders_jsonl, design_a, dask=c, chunk=97).to_dict() == one


def test_a_campaign_pickles_and_stays_immutable(design_a: promokit.Campaign) -> None:
    again = pickle.loads(pickle.dumps(design_a))
    cart = {"currency": "CNY", "at": "2026-11-11T00:05:00+08:00", "lines": [
        {"id": "l1", "sku": "A-001", "shop": "A", "unit_price": "333.33", "quantity": 1}]}
    assert again.fingerprint == design_a.fingerprint and again.file == design_a.file
    assert again.price(cart).to_dict() == design_a.price(cart).to_dict()
    with pytest.raises(AttributeError, match="immutable"):
        again.spec = design_a.spec  # type: ignore[misc]


def _bad_lines_log(tmp_path: Path, orders_jsonl: Path) -> Path:
    """The fixture's 300 orders with bad lines at 1, 61, 150 and 301 (and a blank line 200)."""
    lines = orders_jsonl.read_bytes().splitlines(keepends=True)
    lines.insert(0, b"{not json\n")                       # line 1
    lines.insert(60, b'{"currency": "CNY", "lines": 7}\n')  # line 61: a cart error
    lines.insert(149, b'{"order_id": "x\xff", "currency": "CNY"}\n')  # line 150: not UTF-8
    lines.insert(199, b"\n")                               # line 200: blank, skipped
    lines.append(b'[1, 2]')                                # line 305: no newline at the end
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"".join(lines))
    return path


def test_dask_workers_read_their_own_ranges_and_name_bad_lines(
        tmp_path: Path, orders_jsonl: Path, design_a: promokit.Campaign, client: Any) -> None:
    path = _bad_lines_log(tmp_path, orders_jsonl)
    one = simulate(path, design_a, jobs=1)
    assert one.a.orders == 300 and one.bad == 4
    assert [(p.line, p.path) for p in sorted(one.problems, key=lambda p: p.line or 0)] == [
        (1, ""), (61, "lines"), (150, ""), (305, "")]
    by_line = {p.line: p for p in one.problems}
    assert "not UTF-8: byte 0xff at column 16" in by_line[150].message
    for chunk in (1, 7, 29, 10_000):   # ranges of about 1 to 10,000 lines: one summary
        assert simulate(path, design_a, dask=client, chunk=chunk).to_dict() == one.to_dict()
    with pytest.raises(BadInputError) as caught:   # strict: the first bad line of the file
        simulate(path, design_a, dask=client, chunk=7, strict=True)
    assert caught.value.problem.line == 1


def test_dask_on_an_empty_log(tmp_path: Path, design_a: promokit.Campaign, client: Any) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert simulate(path, design_a, dask=client).to_dict() == simulate(
        path, design_a, jobs=1).to_dict()
