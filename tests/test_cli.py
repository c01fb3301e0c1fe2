"""Tests for the ``promokit`` command: price, check, schema; exit codes; no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from promokit.cli import main
from promokit.rules import RULE_KINDS

ROOT = Path(__file__).resolve().parent.parent
D11 = ROOT / "examples" / "double11"
CART, CAMPAIGN = str(D11 / "cart.json"), str(D11 / "campaign.yaml")
FIVE = str(ROOT / "examples" / "bad" / "five-mistakes.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``promokit argv``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# --- price --------------------------------------------------------------------------------------


def test_price_prints_the_receipt(capsys: pytest.CaptureFixture[str]) -> None:
    """price prints lines, rules and the payable; exit 0."""
    code, out, err = run(capsys, "price", CART, "--campaign", CAMPAIGN)
    assert (code, err) == (0, "")
    assert "x-300-50" in out
    assert out.rstrip().endswith("434.55 CNY")


def test_price_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the result as JSON with money as decimal strings."""
    code, out, _ = run(capsys, "price", CART, "--campaign", CAMPAIGN, "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["campaign"], data["payable"]) == ("double11-2026", "434.55")
    assert data["at"] == "2026-11-11T00:05:00+08:00"


def test_price_at_overrides_the_carts_time(capsys: pytest.CaptureFixture[str]) -> None:
    """--at before the tea discount's window: it does not apply, with reason not_started."""
    code, out, _ = run(capsys, "price", CART, "--campaign", CAMPAIGN, "--json",
                       "--at", "2026-11-10T10:00:00+08:00")
    data = json.loads(out)
    assert code == 0
    assert data["at"] == "2026-11-10T10:00:00+08:00"
    missed = {m["rule"]: m["reason"] for m in data["not_applied"]}
    assert missed["tea-15"] == "not_started"
    assert data["payable"] != "434.55"


def test_price_at_naive_time_is_read_in_the_campaign_zone(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A naive --at is read in the campaign's time zone (Asia/Shanghai)."""
    code, out, _ = run(capsys, "price", CART, "--campaign", CAMPAIGN, "--json",
                       "--at", "2026-11-11T00:05:00")
    assert code == 0
    assert json.loads(out)["payable"] == "434.55"


def test_bad_at_value_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed --at is a usage error: exit 2 with the expected form."""
    with pytest.raises(SystemExit) as info:
        main(["price", CART, "--campaign", CAMPAIGN, "--at", "11/11 midnight"])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "'11/11 midnight' is not an ISO-8601 time" in err
    assert "Traceback" not in err


def test_price_with_a_bad_campaign_reports_all_five(capsys: pytest.CaptureFixture[str]) -> None:
    """price stops at the campaign and reports every problem in it."""
    code, out, err = run(capsys, "price", CART, "--campaign", FIVE)
    assert (code, out) == (2, "")
    assert_five(err)


def test_missing_campaign_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A missing campaign file: exit 2, file named, no traceback."""
    missing = str(tmp_path / "nope.yaml")
    code, out, err = run(capsys, "price", CART, "--campaign", missing)
    assert (code, out) == (2, "")
    assert f"{missing}: cannot read the file" in err


def test_missing_cart_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A missing cart file: exit 2."""
    code, _, err = run(capsys, "price", str(tmp_path / "nope.json"), "--campaign", CAMPAIGN)
    assert code == 2
    assert "1 problem in cart" in err and "cannot read the file" in err


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe not utf-8", "not UTF-8 text"),
    (b'{"currency": "CNY", "lines": [', "JSON syntax error"),
    (b'{"currency": "CNY", "lines": [{"id": "l1", "sku": "S", "shop": "A", '
     b'"unit_price": 19.9, "quantity": 1}]}', "write money as a decimal string"),
])  # fmt: skip
def test_unreadable_cart(capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes,
                         message: str) -> None:
    """A cart that is not text, not JSON, or has a float price: exit 2 with the reason."""
    path = tmp_path / "cart.json"
    path.write_bytes(content)
    code, out, err = run(capsys, "price", str(path), "--campaign", CAMPAIGN)
    assert (code, out) == (2, "")
    assert err.startswith(f"promokit: error: {path}: 1 problem in cart:")
    assert message in err


def test_cart_that_is_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A directory where the cart should be: exit 2."""
    folder = tmp_path / "cart.json"
    folder.mkdir()
    code, _, err = run(capsys, "price", str(folder), "--campaign", CAMPAIGN)
    assert code == 2
    assert "cannot read the file" in err


def test_currency_mismatch_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A CNY cart priced against a USD campaign names both currencies."""
    code, _, err = run(capsys, "price", CART, "--campaign",
                       str(ROOT / "examples" / "western" / "campaign.yaml"))
    assert code == 2
    assert "USD" in err and "CNY" in err


# --- check --------------------------------------------------------------------------------------


def test_check_a_valid_campaign(capsys: pytest.CaptureFixture[str]) -> None:
    """check prints a one-line summary; exit 0."""
    code, out, err = run(capsys, "check", CAMPAIGN)
    assert (code, err) == (0, "")
    assert out.startswith(f"{CAMPAIGN}: ok, campaign 'double11-2026'")


def assert_five(err: str) -> None:
    """stderr reports the five mistakes of five-mistakes.yaml, each with rule, field and value."""
    assert err.startswith(f"promokit: error: {FIVE}: 5 problems in campaign:\n")
    lines = [x for x in err.splitlines() if x.startswith("  - ")]
    assert len(lines) == 5
    expected = [
        ("tea-15", "rules[0].precent", "is: 'precent'", "did you mean 'percent'?"),
        ("a-200-20", "rules[1].discount", "is: -20", "expected: an amount >= 0"),
        ("a-200-20", "rules[2].id", "is: 'a-200-20'", "duplicate rule id"),
        ("b-ladder", "rules[3].ladder[2].min_spend", "is: 300", "ladder does not increase"),
        ("x-300-50", "rules[4].stage", "is: 'cross_shop'", "did you mean 'cross_store'?"),
    ]
    for text, (rule, path, value, what) in zip(lines, expected, strict=True):
        assert f"{FIVE}:" in text
        assert f"rule {rule!r}: {path}: " in text
        assert value in text and what in text


def test_check_reports_all_five_mistakes(capsys: pytest.CaptureFixture[str]) -> None:
    """check on five-mistakes.yaml: every mistake in one run, exit 2, no traceback."""
    code, out, err = run(capsys, "check", FIVE)
    assert (code, out) == (2, "")
    assert_five(err)


def test_check_yaml_syntax_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A YAML syntax error names file and line."""
    path = tmp_path / "c.yaml"
    path.write_text("campaign: x\ncurrency: CNY\nrules:\n  - id: a\n   kind: b\n",
                    encoding="utf-8")
    code, _, err = run(capsys, "check", str(path))
    assert code == 2
    assert f"{path}:5: YAML syntax error" in err


def test_check_unsupported_extension(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A campaign with an unknown extension: exit 2, the extensions that work."""
    path = tmp_path / "campaign.txt"
    path.write_text("campaign: x\n", encoding="utf-8")
    code, _, err = run(capsys, "check", str(path))
    assert code == 2
    assert "unsupported file extension '.txt'" in err and ".yaml" in err


def test_check_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """check on a missing file: exit 2."""
    code, _, err = run(capsys, "check", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "cannot read the file" in err


# --- schema -------------------------------------------------------------------------------------


def test_schema_is_json_naming_every_rule_kind(capsys: pytest.CaptureFixture[str]) -> None:
    """schema prints a JSON Schema whose rule union names every kind."""
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0
    assert schema["type"] == "object"
    assert {"campaign", "currency", "rules"} <= set(schema["properties"])
    assert "campaign" in schema["required"] and "currency" in schema["required"]
    kinds = {d["properties"]["kind"]["const"] for d in schema["$defs"].values()
             if "kind" in d.get("properties", {}) and "const" in d["properties"]["kind"]}
    assert kinds >= set(RULE_KINDS)


def test_cart_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """schema --cart prints the cart's JSON Schema."""
    code, out, _ = run(capsys, "schema", "--cart")
    schema = json.loads(out)
    assert code == 0
    assert {"currency", "lines"} <= set(schema["required"])


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command: usage, exit 2."""
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage: promokit" in capsys.readouterr().err


# --- the module entry point ---------------------------------------------------------------------


def test_python_dash_m_promokit() -> None:
    """``python -m promokit price ...`` works from a checkout and prints the receipt."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "promokit", "price", "examples/double11/cart.json",
         "--campaign", "examples/double11/campaign.yaml"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.rstrip().endswith("434.55 CNY")


def test_python_dash_m_promokit_bad_input_exits_2() -> None:
    """The entry point passes the exit code on: 2 for bad input, and no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "promokit", "check", FIVE], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60,
        check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "5 problems in campaign" in done.stderr
