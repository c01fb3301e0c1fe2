"""Shared fixtures of the simulate tests: the example designs and a small synthetic log."""

from __future__ import annotations

from pathlib import Path

import pytest

import promokit
from promokit.simulate import write_orders

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "simulate"


@pytest.fixture(scope="session")
def design_a() -> promokit.Campaign:
    return promokit.load_campaign(EXAMPLES / "design-a.yaml")


@pytest.fixture(scope="session")
def design_b() -> promokit.Campaign:
    return promokit.load_campaign(EXAMPLES / "design-b.yaml")


@pytest.fixture(scope="session")
def orders_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("orders") / "orders.jsonl"
    write_orders(path, 300, seed=7, coupons=True)
    return path


@pytest.fixture(scope="session")
def orders_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("orders") / "orders.csv"
    write_orders(path, 200, seed=11)
    return path
