"""Progress bars: drawn on stderr when asked, never when not; the output stays the same."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from promokit._progress import progress
from promokit.cli._batch import Options, run_batch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_a_quiet_bar_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    """Asked not to show, the callback takes positions and prints nothing."""
    bar = progress(10, show=False)
    for k in range(11):
        bar(k)
    bar(None)
    assert capsys.readouterr().err == ""


def test_a_shown_bar_counts_to_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    """Shown (tqdm is in the test extra), the bar is drawn with its total and unit on stderr,
    and closing it clears the line (``leave=False``)."""
    bar = progress(3, show=True, unit="cart")
    for k in (1, 2, 3):
        bar(k)
    bar(None)
    err = capsys.readouterr().err
    assert "0/3" in err and "cart/s" in err


def test_batch_output_is_the_same_with_a_bar() -> None:
    """--batch prints the same results whether or not it shows progress."""
    cart = (EXAMPLES / "double11" / "cart.json").read_text("utf-8")
    lines = (json.dumps(json.loads(cart)) + "\n") * 3
    options = Options(str(EXAMPLES / "double11" / "campaign.yaml"), None, None, False)
    outputs = []
    for show in (False, True):
        out = io.StringIO()
        assert run_batch(options, io.BytesIO(lines.encode()), out, 1, show_progress=show) == 0
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert [json.loads(x)["payable"] for x in outputs[0].splitlines()] == ["434.55"] * 3
