"""Hostile stored results and refund histories: each is refused with the exact error type, the
CLI's exit code 2 and the words its message must contain, and never pays anything out."""

from __future__ import annotations

import copy
import json
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import RefundError
from promokit.cli import main
from promokit.refunds import refund, settle, sign, verify

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "refund"
CAMPAIGN = promokit.load_campaign(EXAMPLE / "campaign.yaml")
OTHER = promokit.load_campaign(ROOT / "examples" / "double11" / "campaign.yaml")
KEY = b"0123456789abcdef-refund-key"
Doc = dict[str, Any]


def stored() -> Doc:
    """examples/refund priced and stored as JSON: a1 3 x 100 (net 234.46), a2, b1, c1 x 2."""
    result = CAMPAIGN.price(promokit.load_cart(EXAMPLE / "cart.json"))
    return json.loads(json.dumps(result.to_dict()))


def edit(change: Callable[[Doc], object]) -> Doc:
    data = copy.deepcopy(stored())
    change(data)
    return data


def _set(path: list[Any], value: object) -> Callable[[Doc], None]:
    def change(data: Doc) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return change


# (name, mutation, words the message must contain); each is refused in consistency mode
TAMPERED: list[tuple[str, Callable[[Doc], object], list[str]]] = [
    ("edited net", _set(["lines", 0, "net"], "3333.00"),
     ["lines[0] (a1).net", "net 3333.00 is more than unit price x quantity", "300.00"]),
    ("edited payable", _set(["payable"], "9999.00"),
     ["payable 9999.00 is not total 908.50 - prepaid 100.00 - points 30.00"]),
    ("edited total", _set(["total"], "9999.00"), ["total 9999.00 is not line nets"]),
    ("edited allocation", _set(["applied", 0, "allocations", "a1"], "99.99"),
     ["do not add up to the rule's amount"]),
    ("negative quantity", _set(["lines", 0, "quantity"], -3),
     ["lines[0] (a1).quantity", "out of bounds", "-3"]),
    ("quantity 10^9", _set(["lines", 0, "quantity"], 10**9),
     ["lines[0] (a1).quantity", "1000000000", "[1, 100000]"]),
    ("quantity as text", _set(["lines", 0, "quantity"], "3"), ["not a whole number"]),
    ("quantity as bool", _set(["lines", 0, "quantity"], True), ["not a whole number"]),
    ("negative net", _set(["lines", 0, "net"], "-5.00"), ["lines[0] (a1).net", "negative"]),
    ("huge integer amount", _set(["total"], 10**20), ["total", "too large", "10^15"]),
    ("huge string amount", _set(["total"], "1e400"), ["total", "too large"]),
    ("float amount", _set(["total"], 908.5), ["total", "not an amount"]),
    ("lines not a list", _set(["lines"], "a1"), ["lines", "not a list"]),
    ("line not an object", _set(["lines", 0], 7), ["lines[0]", "not an object"]),
    ("missing net", lambda d: d["lines"][0].pop("net"), ["lines[0] (a1).net", "missing"]),
    ("unit price raised", _set(["lines", 0, "unit_price"], "1000.00"),
     ["subtotal 300.00 is not unit price x quantity"]),
    ("line not the cart's", _set(["cart", "lines", 0, "quantity"], 1),
     ["the priced line is not the cart's line"]),
    ("shop total edited", _set(["shops", 0, "payable"], "1.00"),
     ["shops[0] (A).payable", "not subtotal - discount + shipping"]),
    ("points value edited", _set(["points", "value"], "0.00"),
     ["points used and their value must both be zero or both positive"]),
    ("unknown currency", _set(["currency"], "XXX"), ["currency", "unknown currency"]),
]


@pytest.mark.parametrize(("name", "change", "words"), TAMPERED, ids=[t[0] for t in TAMPERED])
def test_a_tampered_result_is_refused_not_paid(name: str, change: Callable[[Doc], object],
                                                words: list[str]) -> None:
    data = edit(change)
    tracemalloc.start()
    with pytest.raises(RefundError) as caught:
        refund(data, {"a1": 1})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    message = str(caught.value)
    for word in words:
        assert word in message, (word, message)
    assert peak < 50_000_000  # bounded in memory: no per-unit lists for a quantity of 10^9
    with pytest.raises(RefundError):
        settle(data)


def test_the_issues_edit_is_refused_and_the_honest_line_refunds_its_net() -> None:
    """The issue: net edited to 3333.00 refunded 3333.00 for 1 unit of a 234.46 line."""
    with pytest.raises(RefundError, match=r"net 3333\.00 is more than unit price x quantity"):
        refund(edit(_set(["lines", 0, "net"], "3333.00")), {"a1": 1})
    total = sum(refund(stored(), {"a1": n}).amount.minor for n in (3,))
    assert total == 23446


def test_a_consistent_forgery_is_caught_by_the_campaign() -> None:
    """Raise a line's price everywhere so the sums still add up: only re-pricing sees it."""
    def forge(d: Doc) -> None:
        for where in (d["lines"][2], d["cart"]["lines"][2]):
            where["unit_price"] = "900.00"
        x = d["lines"][2]
        for key in ("subtotal", "net", "due"):
            x[key] = str(Decimal(x[key]) + 100)
        for key in ("subtotal", "total", "payable"):
            d[key] = str(Decimal(d[key]) + 100)
        for s in d["shops"]:
            if s["shop"] == x["shop"]:
                s["subtotal"] = str(Decimal(s["subtotal"]) + 100)
                s["payable"] = str(Decimal(s["payable"]) + 100)
    data = edit(forge)
    verify(data)  # internally consistent: the weakest mode cannot tell
    with pytest.raises(RefundError) as caught:
        refund(data, {"b1": 1}, campaign=CAMPAIGN)
    message = str(caught.value)
    assert "not what its campaign gives for its cart" in message
    assert "lines[0].net is '234.46', re-priced '238.53'" in message


def test_a_result_from_another_campaign_is_refused() -> None:
    with pytest.raises(RefundError, match="is not the one this order was priced with"):
        refund(stored(), {"a1": 1}, campaign=OTHER)


def test_a_signed_result_refuses_any_edit_and_a_missing_signature() -> None:
    signed = sign(stored(), KEY)
    assert refund(signed, {"a1": 1}, key=KEY).amount.to_json() == "78.16"
    # the signature does not change the order's identity
    assert refund(signed, {"a1": 1}, key=KEY).order == refund(stored(), {"a1": 1}).order
    for change in (_set(["lines", 3, "net"], "49.76"), _set(["tier"], "gold")):
        data = copy.deepcopy(signed)
        change(data)
        with pytest.raises(RefundError, match="the signature does not match"):
            refund(data, {"a1": 1}, key=KEY)
    with pytest.raises(RefundError, match="the signature does not match"):
        refund(signed, {"a1": 1}, key=b"another key of 16+ bytes")
    with pytest.raises(RefundError, match="not signed, and a key was given"):
        refund(stored(), {"a1": 1}, key=KEY)
    with pytest.raises(RefundError, match="at least 16 bytes"):
        sign(stored(), b"short")


# --- tampered histories ------------------------------------------------------------------------

def first_refund(**kw: Any) -> Doc:
    return json.loads(json.dumps(refund(stored(), {"a1": 1}, **kw).to_dict()))


HISTORY: list[tuple[str, Callable[[Doc], object], str]] = [
    ("state paid raised", _set(["state", "lines", "a1", "paid"], "9999.00"), "state differ"),
    ("units put back", _set(["state", "lines", "a1", "units"], 3), "state differ"),
    ("amount lowered", _set(["amount"], "0.01"), "amount is '0.01', recomputed '78.16'"),
    ("line refund raised", _set(["lines", 0, "refund"], "300.00"), "lines differ"),
    ("units negative", _set(["lines", 0, "units"], -5), "units to return must be a whole"),
    ("units 10^9", _set(["lines", 0, "units"], 10**9), "only 3 remain"),
    ("policy unknown", _set(["policy", "method"], "free"), "unknown refund policy"),
    ("refunded reset", _set(["state", "refunded"], "0.00"), "state differ"),
    ("not a refund", _set(["kind"], "price"), "not a promokit refund"),
    ("lines not a list", _set(["lines"], {"a1": 1}), "not a list of returned lines"),
    ("time garbage", _set(["at"], "yesterday"), "not an ISO-8601 time"),
]


@pytest.mark.parametrize(("name", "change", "words"), HISTORY, ids=[t[0] for t in HISTORY])
def test_a_tampered_earlier_refund_is_refused(name: str, change: Callable[[Doc], object],
                                              words: str) -> None:
    first = first_refund()
    change(first)
    with pytest.raises(RefundError) as caught:
        refund(stored(), {"a1": 2}, earlier=[first])
    assert words in str(caught.value) and "earlier[0]" in str(caught.value)
    with pytest.raises(RefundError):
        settle(stored(), [first])


def reprice_first() -> Doc:
    return first_refund(policy="reprice", campaign=CAMPAIGN)


def test_a_reprice_history_without_the_campaign_is_held_to_conservation() -> None:
    """Moving paid from a returned line to a remaining one keeps the sum: allowed, but b1's
    refund can never exceed its list price, and the total never what was paid."""
    honest = reprice_first()
    assert refund(stored(), {"b1": 1}, earlier=[honest]).amount.minor > 0
    forged = copy.deepcopy(honest)
    forged["state"]["lines"]["b1"]["paid"] = "900.00"  # above its list price 800.00
    with pytest.raises(RefundError, match="not within \\[0, the line's list price\\]"):
        refund(stored(), {"b1": 1}, earlier=[forged])
    forged = copy.deepcopy(honest)
    c1 = forged["state"]["lines"]["c1"]
    c1["paid"], c1["platform"] = c1["gross"], "0.00"  # money out of nowhere
    with pytest.raises(RefundError, match="money is not conserved"):
        refund(stored(), {"c1": 2}, earlier=[forged])
    forged = copy.deepcopy(honest)
    forged["lines"][0]["refund"] = "200.00"
    forged["amount"] = "200.00"
    with pytest.raises(RefundError, match="more than was paid for the units"):
        settle(stored(), [forged])
    with pytest.raises(RefundError, match=r"amount is '200\.00', recomputed"):  # recomputed
        refund(stored(), {"b1": 1}, earlier=[forged], campaign=CAMPAIGN)


def test_a_signed_history_refuses_an_unsigned_or_edited_refund() -> None:
    signed = sign(stored(), KEY)
    first = sign(refund(signed, {"a1": 1}, key=KEY), KEY)
    assert refund(signed, {"a1": 1}, key=KEY, earlier=[first]).sequence == 2
    unsigned = {k: v for k, v in first.items() if k != "signature"}
    with pytest.raises(RefundError, match=r"earlier\[0\].*not signed"):
        refund(signed, {"a1": 1}, key=KEY, earlier=[unsigned])


def test_wrong_types_at_the_top() -> None:
    for bad in (None, [], "result", 42):
        with pytest.raises(RefundError, match="a refund needs a price result"):
            refund(bad, {"a1": 1})  # type: ignore[arg-type]
    with pytest.raises(RefundError, match="earlier refunds are a list"):
        refund(stored(), {"a1": 1}, earlier=42)  # type: ignore[arg-type]
    with pytest.raises(RefundError, match="units to return must be a whole number"):
        refund(stored(), {"a1": 10**30 * -1})
    with pytest.raises(RefundError, match="only 3 remain"):
        refund(stored(), {"a1": 10**30})


# --- the CLI -----------------------------------------------------------------------------------

def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_cli_refuses_the_issues_tampered_result(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(edit(_set(["lines", 0, "net"], "3333.00"))))
    code, out, err = cli(capsys, "refund", str(path), "--return", "a1:1")
    assert code == 2 and out == "" and "net 3333.00 is more than unit price x quantity" in err
    assert "--6495.49" not in out + err


def test_cli_key_file_signs_and_checks(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(KEY + b"\n")
    result = tmp_path / "result.json"
    result.write_text(json.dumps(sign(stored(), KEY)))
    code, out, _ = cli(capsys, "refund", str(result), "--return", "a1:1", "--json",
                       "--key-file", str(key))
    assert code == 0 and json.loads(out)["signature"].startswith("hmac-sha256:")
    first = tmp_path / "r1.json"
    first.write_text(out)
    code, out, _ = cli(capsys, "refund", str(result), "--return", "a1:2", "--earlier",
                       str(first), "--key-file", str(key))
    assert code == 0 and "refund" in out
    tampered = json.loads(first.read_text())
    tampered["amount"] = "0.01"
    first.write_text(json.dumps(tampered))
    code, _, err = cli(capsys, "refund", str(result), "--return", "a1:2", "--earlier",
                       str(first), "--key-file", str(key))
    assert code == 2 and "earlier[0]" in err and "the signature does not match" in err
    code, _, err = cli(capsys, "refund", str(result), "--return", "a1:1", "--key-file",
                       str(tmp_path / "missing"))
    assert code == 2 and "cannot read the key file" in err
    (tmp_path / "short").write_text("abc")
    code, _, err = cli(capsys, "refund", str(result), "--return", "a1:1", "--key-file",
                       str(tmp_path / "short"))
    assert code == 2 and "no usable key" in err


def test_cli_campaign_verifies_under_the_allocated_policy(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(stored()))
    code, _, _ = cli(capsys, "refund", str(path), "--return", "a1:1", "--campaign",
                     str(EXAMPLE / "campaign.yaml"))
    assert code == 0
    code, _, err = cli(capsys, "refund", str(path), "--return", "a1:1", "--campaign",
                       str(ROOT / "examples" / "double11" / "campaign.yaml"))
    assert code == 2 and "not the one this order was priced with" in err


def test_cli_refuses_floats_in_a_result(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(stored()).replace('"total": "908.50"', '"total": 908.5'))
    code, _, err = cli(capsys, "refund", str(path), "--return", "a1:1")
    assert code == 2 and "total" in err
