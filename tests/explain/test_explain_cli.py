"""``promokit explain`` and ``promokit docs``: output, files, exit codes, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from explain_support import EXAMPLES, check_html

from promokit.cli import main

D11 = EXAMPLES / "double11"
CART, CAMPAIGN = str(D11 / "cart.json"), str(D11 / "campaign.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``promokit argv``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_explain_prints_the_steps_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    """explain --lang zh prints 优惠明细 with nudges and the payable."""
    code, out, err = run(capsys, "explain", CART, "--campaign", CAMPAIGN, "--lang", "zh")
    assert (code, err) == (0, "")
    assert out.startswith("优惠明细")
    assert "再买¥168.45，可用“跨店每满300减50”再省¥50.00" in out
    assert "实付款" in out and "¥434.55" in out


def test_explain_html_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """-o writes UTF-8 HTML and prints nothing."""
    target = tmp_path / "receipt.html"
    code, out, _ = run(capsys, "explain", CART, "--campaign", CAMPAIGN, "--format", "html",
                       "-o", str(target))
    assert (code, out) == (0, "")
    check_html(target.read_text("utf-8"))


def test_explain_at_before_the_window(capsys: pytest.CaptureFixture[str]) -> None:
    """--at moves the evaluation time: the tea discount has not started, and says when it will."""
    code, out, _ = run(capsys, "explain", CART, "--campaign", CAMPAIGN,
                       "--at", "2026-11-10T10:00:00+08:00")
    assert code == 0
    assert "not started: opens 2026-11-10 20:00" in out


def test_docs_markdown_and_html(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """docs prints Markdown by default and writes HTML with -o."""
    code, out, _ = run(capsys, "docs", CAMPAIGN, "--lang", "zh")
    assert code == 0 and "跨店每满300减50，上不封顶" in out and "算例" in out
    target = tmp_path / "rules.html"
    code, out, _ = run(capsys, "docs", CAMPAIGN, "--format", "html", "-o", str(target))
    assert (code, out) == (0, "")
    check_html(target.read_text("utf-8"))


def test_docs_without_examples(capsys: pytest.CaptureFixture[str]) -> None:
    """--no-examples leaves the computed examples out."""
    code, out, _ = run(capsys, "docs", CAMPAIGN, "--no-examples")
    assert code == 0 and "Worked examples" not in out and "computed by the pricing" not in out


@pytest.mark.parametrize("argv", [
    ("docs", str(EXAMPLES / "bad" / "five-mistakes.yaml")),
    ("explain", CART, "--campaign", CAMPAIGN, "--templates", "/no/such/folder"),
    ("docs", CAMPAIGN, "-o", "/no/such/folder/rules.md"),
])
def test_errors_exit_2_with_a_message(capsys: pytest.CaptureFixture[str],
                                      argv: tuple[str, ...]) -> None:
    """Bad campaigns, missing template folders and unwritable outputs exit 2, no traceback."""
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("promokit: error: ")
