"""The command line's --version, help, schemas, and the plain-text receipt's layout."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

import promokit
from promokit.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PRESALE = EXAMPLES / "presale"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:   # argparse's --version and --help
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--version")
    assert code == 0 and out.startswith("promokit ") and out.split()[1][0].isdigit()


@pytest.mark.parametrize("command", ["price", "check", "schema", "docs", "explain"])
def test_every_command_has_a_description_and_an_example(
        capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out = run(capsys, command, "--help")
    assert code == 0 and "examples:" in out and f"promokit {command}" in out
    assert out.split("\n\n")[1].strip()          # a description paragraph after the usage


@pytest.mark.parametrize("command", ["price", "explain"])
def test_at_says_its_format(capsys: pytest.CaptureFixture[str], command: str) -> None:
    _, out = run(capsys, command, "--help")
    assert "ISO 8601" in out and "2026-11-11T00:05:00+08:00" in out


def _keys(node: object) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


@pytest.mark.parametrize("flag", [(), ("--cart",), ("--result",)])
def test_schemas_use_standard_keywords_only(capsys: pytest.CaptureFixture[str],
                                            flag: tuple[str, ...]) -> None:
    code, out = run(capsys, "schema", *flag)
    keys = _keys(json.loads(out))
    assert code == 0 and not keys & {"ge", "le", "gt", "lt"}
    if not flag:
        assert "minimum" in keys and "maximum" in keys       # Count's bounds, as standard


def test_result_schema_describes_a_result(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(capsys, "schema", "--result")
    schema = json.loads(out)
    assert {"payable", "lines", "fingerprint"} <= set(schema["properties"])


def _deposit_receipt() -> str:
    campaign = promokit.load_campaign(PRESALE / "campaign.yaml")
    cart = promokit.load_cart(PRESALE / "cart.json")
    return campaign.price(cart, phase="deposit",
                          at=datetime.fromisoformat("2026-10-25T10:00:00+08:00")).receipt()


def test_deposit_phase_lines_show_the_deposit_not_the_price_times_the_deposit() -> None:
    text = _deposit_receipt()
    assert "1 x     800.00 =     100.00" not in text
    assert "1 x     100.00 =     100.00  (deposit; price 800.00)" in text
    assert "2 x      20.00 =      40.00  (deposit; price 399.00)" in text


def test_no_discount_has_no_minus_sign() -> None:
    text = _deposit_receipt()
    assert "-0.00" not in text and "- " not in text.replace("  - ", "")
    assert "discount         0.00" in text


def test_an_expired_coupon_says_expired_once() -> None:
    campaign = promokit.Campaign.from_dict({
        "campaign": "t", "currency": "CNY", "timezone": "Asia/Shanghai",
        "coupon_policy": {"kinds": {"shop": {"stage": "shop", "limit": 1}}},
        "stages": ["item", "shop"]})
    cart = {"currency": "CNY", "at": "2026-11-11T00:00:00+08:00",
            "lines": [{"id": "l1", "sku": "S", "shop": "A", "unit_price": "100.00",
                       "quantity": 1}],
            "wallet": [{"id": "c1", "kind": "shop", "value": 5, "shop": "A",
                        "end": "2026-11-01T00:00:00"}],
            "coupons": ["c1"]}
    text = campaign.price(cart).receipt()
    assert "expired: expired" not in text and "expired" in text


def test_long_codes_keep_the_columns() -> None:
    """A long SKU moves the line's numbers to their own line, aligned with the others."""
    campaign = promokit.Campaign.from_dict({"campaign": "t", "currency": "CNY"})
    cart = {"currency": "CNY", "lines": [
        {"id": "l1", "sku": "SHORT", "shop": "A", "unit_price": "10.00", "quantity": 1},
        {"id": "l2", "sku": "A-VERY-LONG-SKU-CODE-1234567", "shop": "茶叶旗舰店",
         "unit_price": "20.00", "quantity": 2}]}
    lines = campaign.price(cart).receipt().splitlines()
    short = next(ln for ln in lines if "SHORT" in ln)
    long_head = lines.index(next(ln for ln in lines if "A-VERY-LONG" in ln))
    numbers = lines[long_head + 1]
    assert "A-VERY-LONG-SKU-CODE-1234567" in lines[long_head] and "=" not in lines[long_head]
    assert short.index(" x ") == numbers.index(" x ") and short.index("=") == numbers.index("=")


def test_price_records_the_order_id_and_the_time_zone(
        capsys: pytest.CaptureFixture[str]) -> None:
    """``price --order ID --json`` records the order id and the campaign's time zone; the coupon
    mode and the coupons the search chose are recorded too."""
    code, out = run(capsys, "price", str(EXAMPLES / "wallet" / "cart.json"), "--campaign",
                    str(EXAMPLES / "wallet" / "campaign.yaml"), "--json", "--best-coupons",
                    "--order", "2026-A-0001")
    doc = json.loads(out)
    assert code == 0
    assert (doc["order_id"], doc["timezone"], doc["coupon_mode"]) == (
        "2026-A-0001", "Asia/Shanghai", "best")
    assert "red-5" in doc["chosen_coupons"]


@pytest.mark.parametrize(("extra", "said"), [
    (("--order", ""), "an order id must not be empty"),
    (("--order", "A1", "--batch"), "--order names one order"),
])
def test_a_bad_order_flag_exits_2(capsys: pytest.CaptureFixture[str], extra: tuple[str, ...],
                                  said: str) -> None:
    try:
        code = main(["price", str(EXAMPLES / "double11" / "cart.json"), "--campaign",
                     str(EXAMPLES / "double11" / "campaign.yaml"), *extra])
    except SystemExit as exc:   # argparse refusing the value
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    assert code == 2 and said in captured.err and "Traceback" not in captured.err


def test_checkout_records_its_order_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``promokit checkout --order B1`` prices for order B1: the result says so."""
    monkeypatch.chdir(tmp_path)
    ledger = EXAMPLES / "ledger"
    assert main(["ledger", "init", "sqlite:///ledger.db"]) == 0
    capsys.readouterr()
    code = main(["checkout", str(ledger / "bob.json"), "--campaign", str(ledger / "campaign.yaml"),
                 "--ledger", "sqlite:///ledger.db", "--order", "B1", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["order_id"] == "B1"
