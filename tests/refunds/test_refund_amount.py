"""Refund by amount: a partial refund of money, no units returned (WeChat Pay).

DOMAIN.md, "Refund of an amount (WeChat Pay)": the amount asked is in order-total terms and
scaled by paid / total, half up to the fen; asking for the whole order total refunds exactly what
was paid. The money is then split over the lines (and shipping) in proportion to what remains
paid of each, with the largest remainder ("Allocation"), never more than remains paid. Numbers
hand-checked in the docstrings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import campaign, cart, cny, line

import promokit
from promokit import RefundError
from promokit.cli import main
from promokit.refunds import refund, settle, sign


def voucher(off: str) -> promokit.Campaign:
    """An order-wide voucher of ``off`` (a WeChat Pay coupon's analogue)."""
    return campaign({"id": "v", "kind": "threshold", "stage": "shop", "scope": "order",
                     "min_spend": "0.01", "discount": off})


@pytest.fixture
def ten() -> promokit.PriceResult:
    """3.00 + 7.00 = 10.00 with a 1.00 voucher: 9.00 paid, 2.70 and 6.30 (1.00 split 3:7)."""
    r = voucher("1").price(cart(line("a", "3.00"), line("b", "7.00")))
    assert (r.total, r.line("a").net, r.line("b").net) == (cny("9.00"), cny("2.70"),
                                                          cny("6.30"))
    return r


def by_line(done: promokit.Refund) -> dict[str, promokit.Money]:
    return {x.id: x.refund for x in done.lines}


def test_wechat_partial_refund_is_scaled_by_paid_over_total(ten: promokit.PriceResult) -> None:
    """9.00 of a 10.00 order paid 9.00: 9.00 x 9.00 / 10.00 = 8.10, split 2.70 : 6.30 ->
    2.43 + 5.67. Then the last 1.00: 10.00 x 0.9 = 9.00 in all, 0.90 now (0.27 + 0.63); the
    requests add up to the order, so exactly what was paid is refunded."""
    first = refund(ten, amount="9.00")
    assert (first.amount, by_line(first)) == (cny("8.10"), {"a": cny("2.43"), "b": cny("5.67")})
    assert first.lines[0].units == 0 and not first.full_return
    second = refund(ten, amount="1.00", earlier=[first])
    assert (second.amount, by_line(second)) == (cny("0.90"), {"a": cny("0.27"),
                                                              "b": cny("0.63")})
    assert first.amount + second.amount == ten.total
    assert settle(ten, [first, second]).paid == cny("0.00")
    with pytest.raises(RefundError, match=r"at most 0\.00"):
        refund(ten, amount="0.01", earlier=[first, second])


def test_an_amount_that_does_not_divide_evenly() -> None:
    """Three lines of 10.00 with 3.00 off: 9.00 paid on each, 27.00 in all.
    Asking 10.01: 10.01 x 27 / 30 = 9.009 -> 9.01; thirds of 901 fen are 300.33: 300 each and
    the odd fen to the first id by the largest-remainder tie-break: 3.01 + 3.00 + 3.00."""
    r = voucher("3").price(cart(line("a", "10.00"), line("b", "10.00"), line("c", "10.00")))
    done = refund(r, amount="10.01")
    assert done.amount == cny("9.01")
    assert by_line(done) == {"a": cny("3.01"), "b": cny("3.00"), "c": cny("3.00")}


def test_half_up_on_the_running_sum() -> None:
    """10.00 order, 0.01 off: 9.99 paid. 5.00 asked: 5 x 9.99 / 10 = 4.995 -> 5.00 (half up).
    The other 5.00: 10.00 asked in all -> 9.99, so 4.99 now: together exactly what was paid."""
    r = voucher("0.01").price(cart(line("a", "10.00")))
    first = refund(r, amount="5.00")
    second = refund(r, amount="5.00", earlier=[first])
    assert (first.amount, second.amount) == (cny("5.00"), cny("4.99"))


def test_basis_paid_refunds_the_money_asked() -> None:
    """basis paid: 3.33 of 2.70 : 6.30 -> 0.999 -> 1.00 (largest remainder) + 2.331 -> 2.33."""
    r = voucher("1").price(cart(line("a", "3.00"), line("b", "7.00")))
    done = refund(r, amount="3.33", basis="paid")
    assert (done.amount, by_line(done)) == (cny("3.33"), {"a": cny("1.00"), "b": cny("2.33")})
    with pytest.raises(RefundError, match=r"only 5\.67 of the order remains paid"):
        refund(r, amount="5.68", basis="paid", earlier=[done])


def test_shipping_takes_its_share() -> None:
    """Goods 20.00 + shipping 5.00 = 25.00, no discount. 10.00 asked: 10.00 (paid = total), split
    20 : 5 -> 8.00 to the line, 2.00 to shop A's shipping."""
    r = campaign().price(cart(line("a", "20.00"), shipping={"A": "5.00"}))
    done = refund(r, amount="10.00")
    assert (done.amount, by_line(done), dict(done.shipping)) == (
        cny("10.00"), {"a": cny("8.00")}, {"A": cny("2.00")})


def test_then_returning_the_units_refunds_only_what_remains(ten: promokit.PriceResult) -> None:
    """After 8.10 back, a returns 1 unit: 2.70 - 2.43 = 0.27; b then 6.30 - 5.67 = 0.63: the
    order's refunds in all are its 9.00 paid, never more."""
    first = refund(ten, amount="9.00")
    a = refund(ten, {"a": 1}, earlier=[first])
    b = refund(ten, {"b": 1}, earlier=[first, a])
    assert (a.amount, b.amount, b.full_return) == (cny("0.27"), cny("0.63"), True)
    assert first.amount + a.amount + b.amount == ten.total


def test_an_edited_earlier_amount_refund_is_refused(ten: promokit.PriceResult) -> None:
    """The replay recomputes an amount refund like any other: a raised amount is caught."""
    first = refund(ten, amount="9.00").to_dict()
    first["requested"]["amount"] = "10.00"
    with pytest.raises(RefundError, match="not what this order gives"):
        refund(ten, amount="0.01", earlier=[first])


@pytest.mark.parametrize(("amount", "match"), [
    ("0", "not above zero"), ("-1", "not above zero"), ("1.001", "decimal"),
    ("10.01", "at most 10.00")])
def test_bad_amounts_are_refused(ten: promokit.PriceResult, amount: str, match: str) -> None:
    with pytest.raises(RefundError, match=match):
        refund(ten, amount=amount)


def test_amount_needs_the_allocated_policy_and_not_both(ten: promokit.PriceResult) -> None:
    with pytest.raises(RefundError, match="allocated"):
        refund(ten, amount="1.00", policy="reprice", campaign=voucher("1"))
    with pytest.raises(RefundError, match="not both"):
        refund(ten, {"a": 1}, amount="1.00")
    with pytest.raises(RefundError, match="order or paid"):
        refund(ten, amount="1.00", basis="cash")


def test_cli_amount(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                    ten: promokit.PriceResult) -> None:
    """``promokit refund RESULT --amount 9.00``: 8.10 back, signed, and the next one chains."""
    key = tmp_path / "key"
    key.write_text("k" * 32)
    result = tmp_path / "result.json"
    result.write_text(json.dumps(sign(ten, "k" * 32)))
    code = main(["refund", str(result), "--amount", "9.00", "--key-file", str(key), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    assert (data["amount"], data["requested"]) == ("8.10", {"amount": "9.00", "basis": "order"})
    first = tmp_path / "first.json"
    first.write_text(out)
    code = main(["refund", str(result), "--amount", "0.90", "--basis", "paid", "--earlier",
                 str(first), "--key-file", str(key)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "refund           0.90 CNY" in out and "amount asked 0.90 CNY" in out
