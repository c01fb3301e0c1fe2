"""The command, through its own argparse parser (the main CLI wires it in later)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promokit.simulate._cli import main

from .conftest import EXAMPLES


def test_example_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["simulate", str(EXAMPLES / "orders.csv"), "--campaign",
                   str(EXAMPLES / "design-a.yaml"), "--vs", str(EXAMPLES / "design-b.yaml"),
                   "--out", str(tmp_path), "--json", "--jobs", "1"])
    assert status == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert printed["orders"] == 1000 and printed["bad_orders"] == 0
    assert printed["comparison"]["winners"] + printed["comparison"]["losers"] \
        + printed["comparison"]["unchanged"] == 1000
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 4
    # the example log gives each line's unit cost: the lines sold below cost, per design
    assert printed["a"]["below_cost"]["orders_with_costs"] == 1000
    assert printed["a"]["below_cost"]["lines"] > 0 and "Lines sold below cost" in html
    assert "src=" not in html and "<script" not in html and "<link" not in html
    assert html.replace('xmlns="http://www.w3.org/2000/svg"', "").count("http") == 0


def test_generate_then_simulate_synthetic(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.jsonl"
    assert main(["simulate", "generate", str(out), "--orders", "20", "--seed", "3"]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 20
    assert main(["simulate", "synthetic:20", "--seed", "3", "--campaign",
                 str(EXAMPLES / "design-a.yaml"), "--jobs", "1", "--json"]) == 0
    from_synthetic = json.loads(capsys.readouterr().out)
    assert main(["simulate", str(out), "--campaign", str(EXAMPLES / "design-a.yaml"),
                 "--jobs", "1", "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert from_synthetic["a"]["payable"] == from_file["a"]["payable"]


@pytest.mark.parametrize("argv, words", [
    (["simulate", "missing.csv", "--campaign", "{a}"], "No such file"),
    (["simulate", "{o}", "--campaign", "missing.yaml"], "missing.yaml"),
    (["simulate", "{o}"], "--campaign"),
    (["simulate", "orders.txt", "--campaign", "{a}"], "unknown order file type"),
    (["simulate", "{o}", "--campaign", "{a}", "--jobs", "0"], "--jobs"),
    (["simulate", "generate"], "output file"),
])
def test_bad_input_exits_2_without_traceback(argv: list[str], words: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a.format(a=EXAMPLES / "design-a.yaml", o=EXAMPLES / "orders.csv") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_strict_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "o.csv"
    path.write_text("order_id,sku,shop,unit_price,quantity\no1,A-1,A,1.0.0,1\n", encoding="utf-8")
    assert main(["simulate", str(path), "--campaign", str(EXAMPLES / "design-a.yaml"),
                 "--strict", "--jobs", "1"]) == 2
    assert f"{path}:2: unit_price" in capsys.readouterr().err


def test_report_escapes_what_the_input_says(tmp_path: Path) -> None:
    from promokit.simulate import simulate
    from promokit.simulate._report import render_html

    path = tmp_path / "o.csv"
    path.write_text("order_id,sku,shop,unit_price,quantity\n"
                    "o1,A-1,<script>x</script>,10.00,1\n"
                    "o2,A-1,A,<img src=x>,1\n", encoding="utf-8")
    html = render_html(simulate(path, EXAMPLES / "design-a.yaml", jobs=1))
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "<img" not in html
