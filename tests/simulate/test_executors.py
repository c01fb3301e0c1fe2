"""jobs=1, a process pool and Dask give the same summary, to the cent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import distributed  # in the test extra: these tests run in CI
import pytest

import promokit
from promokit.simulate import simulate


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
