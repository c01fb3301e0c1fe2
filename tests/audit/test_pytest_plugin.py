"""The pytest plugin and the guide's example test file, run as pytest runs them in CI."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from ._support import ROOT


def pytest_run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """pytest in a subprocess with only promokit's plugin loaded (installed or not)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "promokit.pytest_plugin", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_guide_example_passes() -> None:
    """examples/unit_test_your_design/test_campaign.py passes, as the guide says it does."""
    done = pytest_run("examples/unit_test_your_design", "-rA")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("\nPASSED ") == 5, done.stdout


def test_entry_point_is_declared() -> None:
    """pyproject.toml registers the plugin under pytest11."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["entry-points"]["pytest11"] == {"promokit": "promokit.pytest_plugin"}


def test_ini_option_marker_and_missing_campaign(tmp_path: Path) -> None:
    """The ini option names a campaign; a marker overrides it; without either: a usage error."""
    campaign = (ROOT / "examples" / "audit" / "split-arbitrage.yaml").read_text(encoding="utf-8")
    (tmp_path / "c.yaml").write_text(campaign, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.yaml").write_text(campaign.replace("audit-split-arbitrage", "d"),
                                             encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\npromokit_campaign = c.yaml\n",
                                         encoding="utf-8")
    (tmp_path / "sub" / "test_it.py").write_text(
        "import pytest\n"
        "def test_ini(promokit_campaign, price):\n"
        "    assert promokit_campaign.id == 'audit-split-arbitrage'\n"
        "    r = price({'currency': 'CNY', 'lines': [{'id': 'l1', 'sku': 'S', 'shop': 'A',\n"
        "               'unit_price': '100.00', 'quantity': 1}]})\n"
        "    assert str(r.payable.amount) == '70.00'\n"
        "@pytest.mark.promokit_campaign('d.yaml')\n"
        "def test_marker(promokit_campaign):\n"
        "    assert promokit_campaign.id == 'd'\n", encoding="utf-8")
    done = pytest_run("--strict-markers", "-rA", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    done = pytest_run("-k", "ini", cwd=tmp_path)
    assert done.returncode != 0
    assert "needs a campaign" in done.stdout + done.stderr


def test_plugin_unused_changes_nothing(tmp_path: Path) -> None:
    """A session that never asks for its fixtures runs as without it."""
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert True\n",
                                            encoding="utf-8")
    done = pytest_run("-rA", cwd=tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout
