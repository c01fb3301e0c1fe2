"""Refunds: both policies hand-checked, shipping, pre-sale, coupons, points, errors, the CLI, and
properties over random carts and campaigns (refunds never exceed what was paid; partial refunds
add up to the full refund)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import PROPS, cny, gift_refund, gifts_deducted, random_orders, splits

import promokit
from promokit import (
    Campaign,
    Money,
    PriceResult,
    Refund,
    RefundError,
    RefundPolicy,
    refund,
)
from promokit.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = ROOT / "examples" / "refund"
CST = timezone(timedelta(hours=8))


def demo(shipping: dict[str, str] | None = None) -> tuple[Campaign, PriceResult]:
    """The issue's example: A 100 + B 110 in one shop, spend 200 save 20."""
    campaign = Campaign.from_dict({"campaign": "demo", "currency": "CNY", "rules": [
        {"id": "s200-20", "kind": "threshold", "stage": "shop", "scope": "shop",
         "min_spend": 200, "discount": 20}]})
    result = campaign.price({"currency": "CNY", "shipping": shipping or {}, "lines": [
        {"id": "A", "sku": "A", "shop": "S", "unit_price": "100.00", "quantity": 1},
        {"id": "B", "sku": "B", "shop": "S", "unit_price": "110.00", "quantity": 1}]})
    return campaign, result


def example(**kw: Any) -> tuple[Campaign, PriceResult]:
    """examples/refund: pre-sale, thresholds, a platform coupon, a red envelope, points."""
    campaign = promokit.load_campaign(EXAMPLE / "campaign.yaml")
    return campaign, campaign.price(promokit.load_cart(EXAMPLE / "cart.json"), **kw)


def deposit_phase() -> tuple[Campaign, PriceResult]:
    """The example cart priced in the deposit phase: the balance was never paid."""
    return example(phase="deposit", at=datetime(2026, 11, 1, 10, tzinfo=CST))


# --- the allocated policy ----------------------------------------------------------------------


def test_allocated_refunds_the_allocated_net() -> None:
    """Returning A refunds 90.48: 20 off split 100:110 is 9.52 + 10.48 (the issue's example)."""
    _, result = demo()
    done = refund(result, {"A": 1})
    assert (done.amount, done.cash, done.clawback) == (cny("90.48"), cny("90.48"), cny("0"))
    assert [(x.id, x.units, x.paid, x.refund) for x in done.lines] == [
        ("A", 1, cny("90.48"), cny("90.48"))]
    assert not done.full_return and done.clawbacks == ()


def test_allocated_remaining_line_keeps_its_discount_below_the_threshold() -> None:
    """B alone (110) is below 200 but keeps its 10.48 share: it refunds 99.52 later."""
    _, result = demo()
    first = refund(result, {"A": 1})
    second = refund(result, {"B": 1}, earlier=[first])
    assert second.amount == cny("99.52")
    assert first.amount + second.amount == result.payable == cny("190.00")
    assert second.full_return and second.sequence == 2


def test_units_of_a_line_differ_by_at_most_one_fen_and_add_up() -> None:
    """Net 100.00 over 3 units: 33.34, then 33.33, then 33.33 (the extra fen goes first)."""
    campaign = Campaign.from_dict({"campaign": "x", "currency": "CNY", "rules": [
        {"id": "off", "kind": "threshold", "stage": "shop", "scope": "order", "min_spend": 0,
         "discount": "50"}]})
    result = campaign.price({"currency": "CNY", "lines": [
        {"id": "l1", "sku": "S", "shop": "A", "unit_price": "50.00", "quantity": 3}]})
    assert result.line("l1").net == cny("100.00")
    done: list[Refund] = []
    for _ in range(3):
        done.append(refund(result, ["l1:1"], earlier=done))
    assert [r.amount for r in done] == [cny("33.34"), cny("33.33"), cny("33.33")]


def test_a_full_return_refunds_exactly_what_was_paid() -> None:
    """Everything at once refunds the order's total: cash paid now and as deposit, and points."""
    _, result = example()
    done = refund(result, {x.id: x.quantity for x in result.lines})
    assert done.amount == result.total == cny("908.50")
    assert done.cash == result.payable + result.prepaid_total == cny("878.50")
    assert (done.points, done.points_value, done.points_clawed_back) == (3000, cny("30.00"), 870)
    assert done.full_return


# --- the reprice policy ------------------------------------------------------------------------


def test_reprice_claws_back_the_discount_b_loses() -> None:
    """Returning A: B alone is priced 110: refund 190 - 110 = 80.00, and 10.48 is clawed back."""
    campaign, result = demo()
    done = refund(result, {"A": 1}, policy="reprice", campaign=campaign)
    assert (done.amount, done.clawback) == (cny("80.00"), cny("10.48"))
    assert done.lines[0].paid == cny("90.48")
    assert [(c.what, c.id, c.amount) for c in done.clawbacks] == [("line", "B", cny("10.48"))]
    last = refund(result, {"B": 1}, policy="reprice", campaign=campaign, earlier=[done])
    assert last.amount == cny("110.00")
    assert done.amount + last.amount == result.payable


def test_reprice_returning_b_first() -> None:
    """Returning B: A alone costs 100, refund 190 - 100 = 90.00 of the 99.52 paid for B."""
    campaign, result = demo()
    done = refund(result, {"B": 1}, policy="reprice", campaign=campaign)
    assert (done.amount, done.clawback) == (cny("90.00"), cny("9.52"))


def test_reprice_never_refunds_more_than_was_paid_for_the_returned_units() -> None:
    """Returning a1's two units re-spreads 每满300减50 over less: capped at their 156.31."""
    campaign, result = example()
    done = refund(result, {"a1": 2}, policy="reprice", campaign=campaign)
    assert done.amount == cny("156.31") == done.lines[0].paid
    assert done.clawback == cny("0") and any("capped" in n for n in done.notes)


def test_reprice_never_refunds_a_negative_amount() -> None:
    """Any 3 for 30: returning one of three 20.00 units leaves 40.00 to pay: refund 0, not -10."""
    campaign = Campaign.from_dict({"campaign": "b", "currency": "CNY", "rules": [
        {"id": "any3", "kind": "bundle", "stage": "item", "size": 3, "price": 30}]})
    result = campaign.price({"currency": "CNY", "lines": [
        {"id": "A", "sku": "A", "shop": "S", "unit_price": "20.00", "quantity": 3}]})
    first = refund(result, {"A": 1}, policy="reprice", campaign=campaign)
    assert (first.amount, first.clawback) == (cny("0"), cny("10.00"))
    rest = refund(result, {"A": 2}, policy="reprice", campaign=campaign, earlier=[first])
    assert rest.amount == cny("30.00") == result.payable


def test_reprice_the_example_tv() -> None:
    """Without the TV, 405.50 earns 每满300减50 once and misses the 30-off coupon: 10.70 lost."""
    campaign, result = example()
    done = refund(result, {"b1": 1}, policy="reprice", campaign=campaign)
    assert (done.amount, done.clawback) == (cny("570.00"), cny("10.70"))
    assert {c.id: c.amount for c in done.clawbacks} == {
        "a1": cny("7.85"), "a2": cny("1.18"), "c1": cny("1.67")}
    assert refund(result, {"b1": 1}).amount == cny("580.70")


def test_reprice_refuses_another_campaign() -> None:
    """The campaign's fingerprint must match the order's."""
    _, result = demo()
    other = Campaign.from_dict({"campaign": "demo", "currency": "CNY"})
    with pytest.raises(RefundError, match="not the one this order was priced with"):
        refund(result, {"A": 1}, policy="reprice", campaign=other)
    with pytest.raises(RefundError, match="needs the campaign"):
        refund(result, {"A": 1}, policy="reprice")


# --- shipping ----------------------------------------------------------------------------------


def test_shipping_is_refunded_on_the_full_return_of_the_shops_lines() -> None:
    """Shop S's 6.00 comes back with its last line, not before."""
    _, result = demo({"S": "6.00"})
    first = refund(result, {"A": 1})
    last = refund(result, {"B": 1}, earlier=[first])
    assert (first.shipping, last.shipping) == ((), (("S", cny("6.00")),))
    assert last.amount == cny("105.52") and first.amount + last.amount == result.payable


@pytest.mark.parametrize(("rule", "first", "last"), [
    ("proportional", "2.86", "3.14"),   # 6.00 x 110/210 = 3.142.. stays, rounded down: 2.86 back
    ("never", "0.00", "0.00"),
])
def test_shipping_policies(rule: str, first: str, last: str) -> None:
    """Shipping back in proportion to the goods returned, or never."""
    _, result = demo({"S": "6.00"})
    policy = RefundPolicy(shipping=rule)  # type: ignore[arg-type]
    a = refund(result, {"A": 1}, policy=policy)
    b = refund(result, {"B": 1}, policy=policy, earlier=[a])
    assert a.amount - cny("90.48") == cny(first)
    assert b.amount - cny("99.52") == cny(last)


def test_a_shop_with_a_fee_and_no_lines_is_not_charged_so_nothing_is_refunded() -> None:
    """A fee for a shop without lines in the cart (issue #11) is not charged: the order is
    210.00 - 20.00 = 190.00 with no shipping, and no refund gives any shipping back."""
    _, result = demo({"T": "5.00"})
    assert (result.shipping_total, result.payable) == (cny("0"), cny("190.00"))
    assert [s.shop for s in result.shops] == ["S"]
    first = refund(result, {"A": 1})
    last = refund(result, {"B": 1}, earlier=[first])
    assert first.shipping == () and last.shipping == ()
    assert first.amount + last.amount == cny("190.00")


# --- pre-sale ----------------------------------------------------------------------------------


def test_balance_paid_the_deposit_refunds_as_part_of_the_line() -> None:
    """b1 net 580.70 = deposit 100 + balance 480.70: all of it comes back."""
    _, result = example()
    assert result.line("b1").prepaid == cny("100.00")
    assert refund(result, {"b1": 1}).lines[0].refund == cny("580.70")


def test_deposit_is_kept_when_the_balance_was_never_paid() -> None:
    """Deposit phase: the shop keeps the 100.00 deposit, unless the seller agrees."""
    _, result = deposit_phase()
    kept = refund(result, {"b1": 1})
    assert (kept.amount, kept.kept, kept.lines[0].kept) == (cny("0"), cny("100.00"),
                                                             cny("100.00"))
    assert kept.settlement.shop("B").retained == cny("100.00")
    agreed = refund(result, {"b1": 1}, policy=RefundPolicy(refund_deposit=True))
    assert (agreed.amount, agreed.kept) == (cny("100.00"), cny("0"))


def test_a_full_return_of_a_deposit_order_keeps_only_the_deposit() -> None:
    """Deposit phase, everything returned: refund = total - deposit; the deposit's points stay."""
    _, result = deposit_phase()
    done = refund(result, {x.id: x.quantity for x in result.lines})
    assert done.amount + done.kept == result.total
    assert done.kept == cny("100.00")


# --- coupons and points ------------------------------------------------------------------------


def test_coupons_go_back_only_on_a_full_return_while_still_valid() -> None:
    """Partial: used. Full: back to the wallet; after the coupon's end: expired, not returned."""
    _, result = example()
    partial = refund(result, {"a1": 1})
    assert [(c.id, c.returned) for c in partial.coupons] == [("p1", False), ("r1", False)]
    rest = {"a1": 2, "a2": 1, "b1": 1, "c1": 2}
    full = refund(result, rest, earlier=[partial])
    assert [(c.id, c.returned) for c in full.coupons] == [("p1", True), ("r1", True)]
    late = refund(result, rest, earlier=[partial], at=datetime(2026, 11, 25, tzinfo=CST))
    assert [(c.id, c.returned) for c in late.coupons] == [("p1", False), ("r1", True)]
    assert "expired" in late.coupons[0].reason


def test_points_come_back_in_proportion_and_exactly_in_the_end() -> None:
    """3000 points paid, 870 earned: a 156.31 refund of 908.50 gives back 517 (ceil) and takes
    back 149 (floor); the rest follows on the full return."""
    _, result = example()
    first = refund(result, {"a1": 2})
    assert (first.points, first.points_value, first.points_clawed_back) == (517, cny("5.17"), 149)
    assert first.cash + first.points_value == first.amount
    rest = refund(result, {"a1": 1, "a2": 1, "b1": 1, "c1": 2}, earlier=[first])
    assert first.points + rest.points == 3000
    assert first.points_clawed_back + rest.points_clawed_back == 870


# --- the JSON form, chaining, immutability -----------------------------------------------------


def test_a_refund_runs_from_the_results_json_and_chains_through_json() -> None:
    """The dict form gives the same refund; a refund's JSON feeds the next one."""
    _, result = example()
    from_obj = refund(result, {"a1": 1})
    data = json.loads(json.dumps(result.to_dict()))
    before = json.dumps(data, sort_keys=True)
    from_json = refund(data, ["a1:1"])
    assert from_obj == from_json
    assert json.dumps(data, sort_keys=True) == before  # the result's JSON is not changed
    again = json.loads(json.dumps(from_obj.to_dict()))
    assert refund(data, {"a1": 1}, earlier=[again]) == refund(result, {"a1": 1},
                                                               earlier=[from_obj])


def test_refunds_are_immutable() -> None:
    """A refund and its parts refuse mutation."""
    _, result = demo()
    done = refund(result, {"A": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        done.amount = cny("1")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        done.lines[0].refund = cny("1")  # type: ignore[misc]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("returns", "message"), [
    ({"Z": 1}, "unknown line (is: 'Z', expected: one of A, B)"),
    ({"A": 2}, "returning 2 units but only 1 remain (1 bought, 0 returned before)"),
    ({"A": 0}, "units to return must be a whole number >= 1"),
    (["A-1"], "a return is LINE:QTY"),
    (["A:x"], "a return is LINE:QTY"),
    ({}, "nothing to return"),
])
def test_bad_returns_are_promokit_errors(returns: Any, message: str) -> None:
    """Unknown lines, too many units, bad LINE:QTY: a RefundError naming the problem."""
    _, result = demo()
    with pytest.raises(RefundError) as caught:
        refund(result, returns)
    assert message in str(caught.value)
    assert isinstance(caught.value, promokit.PromokitError | ValueError)


def test_every_bad_return_is_reported_at_once() -> None:
    """Two bad entries, two problems."""
    _, result = demo()
    with pytest.raises(RefundError) as caught:
        refund(result, ["Z:1", "B:5"])
    assert len(caught.value.problems) == 2


def test_units_already_returned_cannot_be_returned_again() -> None:
    """After A is refunded, returning A again is refused."""
    _, result = demo()
    first = refund(result, {"A": 1})
    with pytest.raises(RefundError, match=r"only 0 remain \(1 bought, 1 returned before\)"):
        refund(result, {"A": 1}, earlier=[first])


def test_earlier_refunds_must_be_of_this_order_and_in_order() -> None:
    """A refund of another order, or a missing earlier one, is refused."""
    _, result = demo()
    _, other = example()
    first = refund(result, {"A": 1})
    second = refund(result, {"B": 1}, earlier=[first])
    with pytest.raises(RefundError, match="another order"):
        refund(other, {"a1": 1}, earlier=[first])
    with pytest.raises(RefundError, match="in order, all of them"):
        refund(result, {"B": 1}, earlier=[second])


def test_not_a_price_result() -> None:
    """A cart or junk instead of a result is refused with a clear message."""
    with pytest.raises(RefundError, match="not a promokit price result"):
        refund({"currency": "CNY", "lines": []}, {"A": 1})
    with pytest.raises(RefundError, match="incomplete or malformed"):
        refund({"format": 1, "currency": "CNY"}, {"A": 1})
    with pytest.raises(RefundError, match="unknown refund policy"):
        RefundPolicy("half")  # type: ignore[arg-type]


# --- the CLI -----------------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def result_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    """examples/refund priced with ``promokit price --json``, as its README does."""
    code, out, _ = cli(capsys, "price", str(EXAMPLE / "cart.json"), "--campaign",
                       str(EXAMPLE / "campaign.yaml"), "--json")
    assert code == 0
    path = tmp_path / "result.json"
    path.write_text(out)
    return str(path)


@pytest.mark.parametrize("policy", ["allocated", "reprice"])
def test_cli_refunds_under_both_policies(capsys: pytest.CaptureFixture[str], result_json: str,
                                         policy: str) -> None:
    """A readable receipt and a JSON receipt, exit 0."""
    args = ["refund", result_json, "--return", "b1:1", "--policy", policy,
            "--campaign", str(EXAMPLE / "campaign.yaml")]
    code, out, err = cli(capsys, *args)
    amount = {"allocated": "580.70", "reprice": "570.00"}[policy]
    assert (code, err) == (0, "")
    assert f"refund         {amount} CNY" in out and "settlement after this refund" in out
    code, out, _ = cli(capsys, *args, "--json")
    data = json.loads(out)
    assert (code, data["amount"], data["policy"]["method"]) == (0, amount, policy)


def test_cli_chains_refunds(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                            result_json: str) -> None:
    """--earlier takes the JSON of the refunds before; the full return adds up to the total."""
    result = result_json
    code, out, _ = cli(capsys, "refund", result, "--return", "a1:2", "--json")
    (tmp_path / "r1.json").write_text(out)
    code, out, _ = cli(capsys, "refund", result, "--return", "a1:1", "--return", "a2:1",
                       "--return", "b1:1", "--return", "c1:2", "--earlier",
                       str(tmp_path / "r1.json"), "--json")
    second = json.loads(out)
    first = json.loads((tmp_path / "r1.json").read_text())
    assert code == 0 and second["full_return"]
    assert cny(first["amount"]) + cny(second["amount"]) == cny("908.50")


@pytest.mark.parametrize(("argv", "message"), [
    (["--return", "zz:1"], "unknown line"),
    (["--return", "a1:9"], "only 3 remain"),
    (["--return", "a1"], "is not LINE:QTY"),
    (["--return", "a1:1", "--policy", "reprice"], "needs the campaign"),
    (["--return", "a1:1", "--policy", "reprice", "--campaign",
      str(ROOT / "examples" / "double11" / "campaign.yaml")], "not the one this order"),
])
def test_cli_errors_exit_2_without_traceback(capsys: pytest.CaptureFixture[str], result_json: str,
                                             argv: list[str], message: str) -> None:
    """Bad returns, a missing or wrong campaign: exit 2 and a message."""
    try:
        code, _, err = cli(capsys, "refund", result_json, *argv)
    except SystemExit as exc:  # argparse rejects LINE:QTY syntax itself
        code, err = int(exc.code or 0), capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_cli_refuses_a_file_that_is_not_a_result(capsys: pytest.CaptureFixture[str]) -> None:
    """A cart given as RESULT, or a missing file: exit 2."""
    code, _, err = cli(capsys, "refund", str(EXAMPLE / "cart.json"), "--return", "a1:1")
    assert code == 2 and "not a promokit price result" in err
    code, _, err = cli(capsys, "refund", str(EXAMPLE / "nope.json"), "--return", "a1:1")
    assert code == 2 and "cannot read the file" in err


# --- properties --------------------------------------------------------------------------------

@st.composite
def orders(draw: st.DrawFn) -> tuple[Campaign, PriceResult, list[dict[str, int]], list[str]]:
    """A priced random cart, its units split into successive returns, a policy for each."""
    campaign, result = draw(random_orders(max_quantity=4))
    steps = draw(splits(result))
    policies = draw(st.lists(st.sampled_from(("allocated", "reprice")), min_size=len(steps),
                             max_size=len(steps)))
    return campaign, result, steps, policies


@PROPS
@given(orders())
def test_successive_refunds_add_up_to_what_was_paid(
        order: tuple[Campaign, PriceResult, list[dict[str, int]], list[str]]) -> None:
    """Refunds never exceed what was paid for what is returned, are never negative, and add up
    exactly to the order's total (with points and earned points exactly given and taken back)."""
    campaign, result, steps, policies = order
    done: list[Refund] = []
    for step, policy in zip(steps, policies, strict=True):
        r = gift_refund(result, step, policy=policy, campaign=campaign, earlier=done)
        zero = Money.zero(result.currency)
        paid_for = sum((x.paid for x in r.lines), zero) + sum((a for _, a in r.shipping), zero)
        assert r.amount.minor >= 0 and r.cash.minor >= 0 and r.points >= 0
        assert r.amount <= paid_for
        for x in r.lines:
            assert 0 <= x.refund.minor <= x.paid.minor
        done.append(r)
    zero = Money.zero(result.currency)
    # a gift deducted (on_return) stays with the shop: refunds + deductions = the total
    assert sum((r.amount for r in done), zero) + gifts_deducted(done, result.currency) \
        == result.total
    assert done[-1].full_return and not any(r.full_return for r in done[:-1])
    used = result.points.used if result.points else 0
    assert sum(r.points for r in done) == used


@PROPS
@given(orders())
def test_allocated_refunds_do_not_depend_on_how_returns_are_split(
        order: tuple[Campaign, PriceResult, list[dict[str, int]], list[str]]) -> None:
    """Under ``allocated``, each line's refunds add up to its net whatever the split (with what
    gift deductions withheld from it: a line's ``clawback`` under ``allocated``)."""
    campaign, result, steps, _ = order
    done: list[Refund] = []
    for step in steps:
        done.append(gift_refund(result, step, campaign=campaign, earlier=done))
    for line in result.lines:
        got = sum(x.refund.minor + x.clawback.minor for r in done for x in r.lines
                  if x.id == line.id)
        assert got == line.net.minor


def test_the_modules_doctests_hold() -> None:
    """The examples in promokit.refunds' docstrings run and give 90.48 and 80.00."""
    import doctest

    import promokit.refunds
    import promokit.refunds._types

    for module in (promokit.refunds, promokit.refunds._types):
        failed, tried = doctest.testmod(module)
        assert failed == 0 and tried > 0, module.__name__
