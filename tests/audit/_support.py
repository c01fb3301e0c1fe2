"""Shared paths and loaders for the auditor's tests."""

from __future__ import annotations

from pathlib import Path

import promokit
from promokit.audit import load_catalog, load_costs

ROOT = Path(__file__).resolve().parents[2]
AUDIT = ROOT / "examples" / "audit"
CATALOG = load_catalog(AUDIT / "catalog.yaml")
COSTS = load_costs(AUDIT / "costs.yaml")


def campaign(name: str) -> promokit.Campaign:
    """A campaign of examples/audit by file stem."""
    return promokit.load_campaign(AUDIT / f"{name}.yaml")
