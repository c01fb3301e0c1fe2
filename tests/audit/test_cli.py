"""``promokit audit``: exit 0 clean, 1 on a flaw, 2 on bad input; ``--json`` for CI."""

from __future__ import annotations

import json

import pytest

from promokit.cli import main

from ._support import AUDIT

CATALOG = ["--catalog", str(AUDIT / "catalog.yaml")]
FAST = ["--max-examples", "30"]


def test_clean_campaign_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing found: exit 0 and say so; no progress on a non-terminal stderr."""
    code = main(["audit", str(AUDIT / "clean.yaml"), *CATALOG, *FAST, "--costs",
                 str(AUDIT / "costs.yaml"), "--max-discount-rate", "0.5"])
    out, err = capsys.readouterr()
    assert code == 0, out
    assert "no flaw found" in out and err == ""


def test_flaw_exits_1_with_cart_and_receipt(capsys: pytest.CaptureFixture[str]) -> None:
    """The flaw, its minimal cart and its receipt are printed."""
    code = main(["audit", str(AUDIT / "discount-rate.yaml"), *CATALOG, *FAST,
                 "--max-discount-rate", "0.5"])
    out = capsys.readouterr().out
    assert code == 1
    assert "discount_rate: discount rate above the limit [flash-90]" in out
    assert '"sku": "TEA-1"' in out and "receipt:" in out and "payable" in out


def test_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the report's to_dict(): kinds, carts, receipts."""
    code = main(["audit", str(AUDIT / "split-arbitrage.yaml"), *CATALOG, *FAST, "--json",
                 "--seed", "3"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["ok"] is False and data["seed"] == 3
    [flaw] = data["flaws"]
    assert flaw["kind"] == "split_arbitrage" and len(flaw["orders"]) == 2
    assert flaw["cart"]["lines"] and len(flaw["receipts"]) == 3


@pytest.mark.parametrize("args", [
    ["audit", "missing.yaml"],
    ["audit", str(AUDIT / "clean.yaml"), "--catalog", str(AUDIT / "costs.yaml")],
    ["audit", str(AUDIT / "clean.yaml"), "--costs", str(AUDIT / "catalog.yaml")],
    ["audit", str(AUDIT / "clean.yaml"), "--max-discount-rate", "lots"],
    ["audit", str(AUDIT / "clean.yaml"), "--near-free", "2"],
], ids=["missing-campaign", "bad-catalog", "bad-costs", "bad-rate", "bad-near-free"])
def test_bad_input_exits_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Bad files and options: exit 2 with a message, no traceback."""
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("promokit: error:")


def test_bad_option_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse refuses --max-examples 0 with exit 2."""
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(AUDIT / "clean.yaml"), "--max-examples", "0"])
    assert exc.value.code == 2
    assert "whole number >= 1" in capsys.readouterr().err


@pytest.mark.parametrize("seconds", ["nan", "inf", "0", "-1", "soon"])
def test_a_time_budget_that_would_not_bound_the_search_is_refused(
        seconds: str, capsys: pytest.CaptureFixture[str]) -> None:
    """'nan' and 'inf' used to pass as seconds and leave the search unbounded: usage error."""
    with pytest.raises(SystemExit) as stop:
        main(["audit", str(AUDIT / "clean.yaml"), "--max-seconds", seconds])
    assert stop.value.code == 2
    assert "is not a number of seconds above 0" in capsys.readouterr().err


def test_without_hypothesis_the_audit_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Hypothesis is optional (the audit extra): without it, exit 2 naming the extra to install."""
    import sys

    monkeypatch.setitem(sys.modules, "hypothesis", None)         # import hypothesis fails
    monkeypatch.delitem(sys.modules, "promokit.audit._audit", raising=False)
    assert main(["audit", str(AUDIT / "clean.yaml")]) == 2
    err = capsys.readouterr().err
    assert "needs Hypothesis" in err and "pip install 'promokit[audit]'" in err
