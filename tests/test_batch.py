"""promokit price --batch: JSON lines in, JSON lines out, in order, on every core."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import promokit
from promokit.cli import main
from promokit.cli._batch import Options, run_batch

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "double11"
CAMPAIGN = str(EXAMPLE / "campaign.yaml")
CART = json.loads((EXAMPLE / "cart.json").read_text("utf-8"))


def _batch(lines: list[str], jobs: int) -> tuple[list[dict], int]:
    out = io.StringIO()
    failed = run_batch(Options(CAMPAIGN), io.StringIO("\n".join(lines) + "\n"), out, jobs)
    return [json.loads(x) for x in out.getvalue().splitlines()], failed


def _variant(k: int) -> str:
    cart = json.loads(json.dumps(CART))
    cart["lines"][0]["quantity"] = k
    return json.dumps(cart)


@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_prices_every_cart_in_input_order(jobs: int) -> None:
    """Each output line is the result of the same input line, as a single price call gives."""
    carts = [_variant(k) for k in range(1, 140)]  # more than two chunks of 64
    results, failed = _batch(carts, jobs)
    campaign = promokit.load_campaign(CAMPAIGN)
    assert failed == 0 and len(results) == len(carts)
    for text, got in zip(carts, results, strict=True):
        assert got == campaign.price(json.loads(text)).to_dict()


def test_bad_lines_get_an_error_object_and_the_rest_still_price() -> None:
    """A JSON float or a syntax error is reported on its own line, with its line number."""
    bad_float = json.dumps(CART).replace('"128.00"', "128.5")
    results, failed = _batch([json.dumps(CART), bad_float, "not json", json.dumps(CART)], 1)
    assert failed == 2
    assert results[0]["payable"] == results[3]["payable"] == "434.55"
    assert results[1]["line"] == 2 and "JSON float" in results[1]["error"]["message"]
    assert results[2]["line"] == 3 and "syntax" in results[2]["error"]["message"]


def test_cli_batch_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 0 when every cart priced, 2 when one did not or the file is missing."""
    good = tmp_path / "carts.jsonl"
    good.write_text(json.dumps(CART) + "\n", "utf-8")
    assert main(["price", str(good), "--batch", "--jobs", "1", "--campaign", CAMPAIGN]) == 0
    assert json.loads(capsys.readouterr().out)["payable"] == "434.55"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n", "utf-8")
    assert main(["price", str(bad), "--batch", "--jobs", "1", "--campaign", CAMPAIGN]) == 2
    assert "1 cart(s) could not be priced" in capsys.readouterr().err
    assert main(["price", str(tmp_path / "nope"), "--batch", "--campaign", CAMPAIGN]) == 2
    assert "cannot read the file" in capsys.readouterr().err
