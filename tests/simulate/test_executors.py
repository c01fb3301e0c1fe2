"""jobs=1, a process pool and Dask give the same summary, to the cent."""

from __future__ import annotations

import pickle
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
