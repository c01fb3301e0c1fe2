"""The example campaigns price their carts to the cent (numbers hand-checked below)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import promokit
from promokit import Money

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REGEN = os.environ.get("PROMOKIT_REGEN") == "1"  # rewrite expected.json files instead of comparing


def cny(text: str) -> Money:
    return Money.of(text, "CNY")


def price(name: str) -> promokit.PriceResult:
    folder = EXAMPLES / name
    campaign = promokit.load_campaign(folder / "campaign.yaml")
    return campaign.price(promokit.load_cart(folder / "cart.json"))


def test_double11_three_shops_hand_checked() -> None:
    """Item discounts, shop 满减 and cross-store 每满300减50 over three shops, to the cent."""
    r = price("double11")
    # tea-15: 2 x 128.00 = 256.00, 15% off = 38.40
    assert r.line("l1").discounts[0].amount == cny("38.40")
    # snack-half-2nd: shop B snack units 39.90, 39.90, 12.50; buy 1 get 1 half: one application,
    # the cheapest unit (12.50) at 50% off = 6.25
    assert [d.rule for d in r.line("l4").discounts] == ["snack-half-2nd", "x-300-50"]
    assert r.line("l4").discounts[0].amount == cny("6.25")
    # a-200-20 on shop A: 217.60 + 59.90 = 277.50 >= 200; 20.00 split 217.60:59.90
    # = 15.683.. and 4.316.. -> 15.68 + 4.32 (largest remainder gives 4.32 the cent)
    a = next(x for x in r.applied if x.rule == "a-200-20")
    assert (a.base, dict(a.allocations)) == (cny("277.50"), {"l1": cny("15.68"), "l2": cny("4.32")})
    # b-100-10: shop B 79.80 + 6.25 = 86.05 < 100 -> add 13.95 more to save 10.00
    b = next(x for x in r.not_applied if x.rule == "b-100-10")
    assert (b.reason, b.shortfall, b.would_save) == ("below_threshold", cny("13.95"), cny("10.00"))
    # x-300-50 over double11 lines: 201.92 + 55.58 + 79.80 + 6.25 + 88.00 = 431.55 -> once, 50.00
    x = next(x for x in r.applied if x.rule == "x-300-50")
    assert (x.base, x.times, x.amount) == (cny("431.55"), 1, cny("50.00"))
    assert sum((m for _, m in x.allocations), cny("0")) == cny("50.00")
    assert "l6" not in dict(x.allocations)  # CUP-2 has no double11 tag
    # 541.20 - (38.40 + 6.25 + 20.00 + 50.00) = 426.55, + 8.00 shipping for shop C = 434.55
    assert (r.subtotal, r.discount_total, r.payable) == (cny("541.20"), cny("114.65"),
                                                          cny("434.55"))
    assert [n.message for n in r.nudges] == ["add 13.95 more to save 10.00",
                                             "add 168.45 more to save 50.00"]


def test_western_three_for_two_and_twenty_over_100() -> None:
    """3 for 2 (cheapest free) then 20% off above 100, in USD."""
    r = price("western")
    usd = lambda t: Money.of(t, "USD")  # noqa: E731
    # 3for2 units: soap 6.99 x3, candle 24.00 x2 -> 5 units, one application: one soap free
    assert r.line("soap").discounts[0].amount == usd("6.99")
    # 145.47 - 6.99 = 138.48 >= 100 -> 20% = 27.696 -> 27.70 (half up)
    t = next(x for x in r.applied if x.rule == "twenty-over-100")
    assert (t.base, t.amount) == (usd("138.48"), usd("27.70"))
    # 138.48 - 27.70 = 110.78, + 5.95 shipping = 116.73
    assert r.payable == usd("116.73")


@pytest.mark.parametrize("name", ["double11", "western"])
def test_example_matches_expected_json(name: str) -> None:
    """The example's full JSON result equals the checked-in expected.json."""
    expected = EXAMPLES / name / "expected.json"
    got = price(name).to_dict()
    if REGEN:
        expected.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert got == json.loads(expected.read_text("utf-8"))


def test_readme_quickstart_runs(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    """The README's Python quickstart runs as written and prints the receipt."""
    readme = (ROOT / "README.md").read_text("utf-8")
    code = re.search(r"## Quickstart\s+```python\n(.*?)```", readme, re.S)
    assert code is not None, "README has no Python quickstart block"
    monkeypatch.chdir(ROOT)
    exec(compile(code.group(1), "README.md", "exec"), {})  # the README is ours, not a merchant's
    out = capsys.readouterr().out
    assert "434.55" in out and "add 13.95 more to save 10.00" in out
