"""examples/double11-gifts: 同款第二件半价, 满300赠 (the cart picks the tote bag), gold 额外95折
最高减50, 满99包邮 and 每单捐赠1元, priced to the cent (numbers hand-checked below)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import promokit
from promokit import Money
from promokit.testing import check_invariants

FOLDER = Path(__file__).resolve().parents[2] / "examples" / "double11-gifts"
REGEN = os.environ.get("PROMOKIT_REGEN") == "1"  # rewrite expected.json instead of comparing


def cny(text: str) -> Money:
    return Money.of(text, "CNY")


def _price() -> promokit.PriceResult:
    campaign = promokit.load_campaign(FOLDER / "campaign.yaml")
    return campaign.price(promokit.load_cart(FOLDER / "cart.json"))


def test_hand_checked() -> None:
    r = _price()
    check_invariants(r)
    # 第二件半价: 3 x 39.90 nuts -> one 2nd unit (3 // 2) at half: 19.95 off
    assert r.line("nuts").discounts[0].amount == cny("19.95")
    # 满300赠 on the running amounts after the item stage: 99.75 + 256.00 + 699.00 = 1054.75;
    # the cart carries the bag (the 2nd choice): its 29.90 is taken off, it nets 0.00
    g = next(a for a in r.applied if a.rule == "gift-300")
    assert (g.base, g.amount, r.line("bag").net) == (cny("1054.75"), cny("29.90"), cny("0"))
    assert g.detail == ("gives 1 x 帆布袋 (GIFT-BAG, value 29.90), 1 in the cart at 0.00 each; "
                        "on return: deduct")
    # gold 95折 最高减50: 5% of 1054.75 = 52.7375 -> 52.74, capped at 50.00, split by
    # 99.75 : 256.00 : 699.00 -> 4.7286, 12.1356, 33.1358 -> floors 4.72 + 12.13 + 33.13 =
    # 49.98; the 2 fen go to the largest remainders (nuts .86, earbuds .58)
    t = next(a for a in r.applied if a.rule == "tier-gold-discount")
    assert (t.amount, dict(t.allocations)) == (cny("50.00"), {
        "nuts": cny("4.73"), "tea": cny("12.13"), "earbuds": cny("33.14")})
    # 满99包邮 per shop: A 338.89, B 665.86 -> both fees (8.00, 12.00) waived
    assert r.shipping_total == cny("0")
    # 每单捐赠1元: a pledge, nothing off
    d = next(a for a in r.applied if a.rule == "give-1")
    assert (d.amount, d.detail) == (cny("0"), "pledges 1.00 to 希望工程, funded by merchant")
    # 1104.60 - (19.95 + 29.90 + 50.00) = 1004.75
    assert (r.subtotal, r.discount_total, r.payable) == (cny("1104.60"), cny("99.85"),
                                                          cny("1004.75"))


def test_matches_expected_json() -> None:
    """The full JSON result equals the checked-in expected.json."""
    expected = FOLDER / "expected.json"
    got = _price().to_dict()
    if REGEN:
        expected.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert got == json.loads(expected.read_text("utf-8"))


def test_rule_pages_show_the_gift_choice_and_the_cap() -> None:
    """The checked-in customer pages (kept fresh by the docs test) name both gifts and the
    member discount's cap, in zh and en."""
    pages = FOLDER.parents[1] / "docs" / "rules"
    zh = (pages / "double11-gifts.zh.md").read_text("utf-8")
    en = (pages / "double11-gifts.en.md").read_text("utf-8")
    assert "保温杯/帆布袋任选" in zh and "最高减¥50.00" in zh and "希望工程" in zh
    assert "one of 保温杯 / 帆布袋" in en and "at most CN¥50.00" in en
