"""The big-sale examples (examples/presale, examples/wallet, examples/snack-tiers): each re-priced
through the CLI equals its checked-in expected JSON, and its key numbers are hand-checked here.

Set PROMOKIT_REGEN=1 to rewrite the expected files from the CLI instead of comparing.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

import promokit
from promokit.cli import main
from promokit.rules import Reason

from ._support import ZERO, applied, cny, core, coupon, missed, taken

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REGEN = os.environ.get("PROMOKIT_REGEN") == "1"
DEPOSIT_AT = "2026-10-25T12:00:00+08:00"

# (folder, cart, expected file, extra CLI arguments): the commands in each folder's README.md
RUNS = [
    ("presale", "cart.json", "expected-deposit.json", ["--phase", "deposit", "--at", DEPOSIT_AT]),
    ("presale", "cart.json", "expected-balance.json", ["--phase", "balance"]),
    ("wallet", "cart.json", "expected.json", ["--best-coupons"]),
    ("snack-tiers", "cart-silver.json", "expected-silver.json", []),
    ("snack-tiers", "cart-gold.json", "expected-gold.json", []),
    ("snack-tiers", "cart-diamond.json", "expected-diamond.json", []),
]


@pytest.mark.parametrize(("folder", "cart", "expected", "extra"), RUNS,
                         ids=[f"{r[0]}/{r[2]}" for r in RUNS])
def test_cli_output_matches_expected_json(capsys: pytest.CaptureFixture[str], folder: str,
                                          cart: str, expected: str, extra: list[str]) -> None:
    """`promokit price ... --json` prints exactly the checked-in file, and the API agrees."""
    path = EXAMPLES / folder
    argv = ["price", str(path / cart), "--campaign", str(path / "campaign.yaml"), "--json", *extra]
    assert main(argv) == 0
    out = capsys.readouterr().out
    if REGEN:
        (path / expected).write_text(out, "utf-8")
    assert json.loads(out) == json.loads((path / expected).read_text("utf-8"))
    # the same through the API (and the result passes every invariant)
    c = promokit.load_campaign(path / "campaign.yaml")
    phase = extra[extra.index("--phase") + 1] if "--phase" in extra else None
    at = extra[extra.index("--at") + 1] if "--at" in extra else None
    r = core(c.price(promokit.load_cart(path / cart), phase=phase,
                     at=datetime.fromisoformat(at) if at else None,
                     best_coupons="--best-coupons" in extra))
    assert r.to_dict() == json.loads(out)


def _example(folder: str, cart: str = "cart.json", **kw: object) -> promokit.PriceResult:
    path = EXAMPLES / folder
    c = promokit.load_campaign(path / "campaign.yaml")
    return core(c.price(promokit.load_cart(path / cart), **kw))  # type: ignore[arg-type]


# --- examples/presale -------------------------------------------------------------------------

def test_presale_example_deposit_phase() -> None:
    """Deposits only: TV 100 + cooker 2 x 20 = 140; no shipping (every line is on pre-sale), no
    coupon, no threshold."""
    r = _example("presale", phase="deposit", at=datetime.fromisoformat(DEPOSIT_AT))
    assert (r.line("tv").net, r.line("cooker").net) == (cny("100"), cny("40"))
    assert (r.shipping_total, r.total, r.prepaid_total, r.payable) == (
        ZERO, cny("140"), ZERO, cny("140"))
    assert r.applied == ()


def test_presale_example_balance_phase() -> None:
    """Balance phase, per line and in total.

    TV: 800 - boost (200 - 100) = 700; shopA-30 (min 600 on 700) -> 670.
    Cooker: 2 x (399 - 10 立减 - 30 boost) = 718; shopB-20 needs 800: 82 short.
    跨店每满300减50 on 670 + 718 = 1388: 4 x 50 = 200, split 670:718 = 96.54.. : 103.45..
    (fen: 9654.18 and 10345.82 -> the spare fen to the larger remainder) -> 96.54 + 103.46.
    Nets 573.46 + 614.54 = 1188.00, + 8.00 shipping = 1196.00 in all; deposits 140 prepaid;
    1056.00 due (TV 473.46, cooker 574.54 + 8.00 shipping).
    """
    r = _example("presale", phase="balance")
    tv, cooker = r.line("tv"), r.line("cooker")
    assert tv.presale is not None and cooker.presale is not None
    assert (tv.presale["deposit"], tv.presale["boost"]) == (cny("100"), cny("100"))
    assert (cooker.presale["deposit"], cooker.presale["boost"],
            cooker.presale["instant_reduction"]) == (cny("40"), cny("60"), cny("20"))
    assert taken(r, "tv") == {"tv-presale": cny("100"), "coupon:shopA-30": cny("30"),
                              "x-300-50": cny("96.54")}
    # 立减 20 off the price first (every base starts lower), then the boost 60 at its stage
    assert taken(r, "cooker") == {"cooker-presale.instant_reduction": cny("20"),
                                  "cooker-presale": cny("60"), "x-300-50": cny("103.46")}
    x = applied(r, "x-300-50")
    assert (x.base, x.times, x.amount, x.funded_by) == (cny("1388"), 4, cny("200"), "platform")
    b20 = coupon(r, "shopB-20")
    assert (b20.applied, b20.reason, b20.message) == (
        False, "below_threshold", "add 82.00 more to save 20.00")
    assert (tv.net, tv.prepaid, tv.due) == (cny("573.46"), cny("100"), cny("473.46"))
    assert (cooker.net, cooker.prepaid, cooker.due) == (cny("614.54"), cny("40"), cny("574.54"))
    assert (r.total, r.prepaid_total, r.shipping_total, r.payable) == (
        cny("1196"), cny("140"), cny("8"), cny("1056"))
    assert [n.message for n in r.nudges] == ["add 82.00 more to save 20.00",
                                             "add 112.00 more to save 50.00"]


def test_presale_example_paid_late_forfeits() -> None:
    """The same cart on 13 November: both deposits forfeit, no boost, no 立减, no credit.
    800 + 798 = 1598; shopA-30 on 800 -> 770; x-300-50 on 770 + 798 = 1568: 5 x 50 = 250;
    1598 - 30 - 250 = 1318 + 8 shipping = 1326 due."""
    r = _example("presale", at=datetime.fromisoformat("2026-11-13T00:00:00+08:00"))
    assert {n.rule for n in r.not_applied if n.reason == Reason.BALANCE_WINDOW_MISSED} == {
        "tv-presale", "cooker-presale"}
    assert (r.prepaid_total, r.payable) == (ZERO, cny("1326"))


# --- examples/wallet --------------------------------------------------------------------------

def test_wallet_example_best_combination() -> None:
    """Best: shopA-30 (A 388 >= 300) + shopB-25 (B 259 >= 200) -> 592; allow-50 (>= 400) -> 542;
    red-3 + red-5 -> 534; ship-B takes shop B's whole 8.00 fee. 534.00 due."""
    r = _example("wallet", best_coupons=True)
    used = {u.id: u.amount for u in r.coupons if u.applied}
    assert used == {"shopA-30": cny("30"), "shopB-25": cny("25"), "allow-50": cny("50"),
                    "red-3": cny("3"), "red-5": cny("5"), "ship-B": cny("8")}
    assert {u.id: u.reason for u in r.coupons if not u.applied} == {
        "plat-80": "incompatible", "shopA-10": "kind_limit", "shopC-20": "no_eligible_lines",
        "red-2": "incompatible", "old-100": "expired"}
    # shopA-30 split 299:89 -> 23.12 + 6.88; allow-50 over 275.88:82.12:234.00 -> 23.30, 6.94,
    # 19.76; red-3 -> 1.40, 0.42, 1.18; red-5 -> 2.33, 0.69, 1.98 (largest remainders)
    assert (r.line("jacket").net, r.line("scarf").net, r.line("boots").net) == (
        cny("248.85"), cny("74.07"), cny("211.08"))
    assert (r.subtotal, r.discount_total, r.shipping_total, r.payable) == (
        cny("647"), cny("113"), ZERO, cny("534"))


def test_wallet_example_greedy_by_face_value_loses() -> None:
    """Largest face value first (of the usable coupons): plat-80, then ship-B, red-5, red-3 (the
    rest clash with plat-80 or red-3): 647 - 80 - 8 = 559, + 0 shipping: 559.00 > 534.00."""
    from promokit._cart.wallet import Coupon
    from promokit._spec.coupons import conflict

    path = EXAMPLES / "wallet"
    c = promokit.load_campaign(path / "campaign.yaml")
    cart = json.loads((path / "cart.json").read_text("utf-8"))
    policy = c.spec.coupon_policy
    assert policy is not None
    unusable = {u.id for u in c.price({**cart, "coupons": [w["id"] for w in cart["wallet"]]})
                .coupons if u.reason in ("expired", "no_eligible_lines", "not_accepted")}
    usable = [Coupon.model_validate(w) for w in cart["wallet"] if w["id"] not in unusable]
    greedy: list[Coupon] = []
    for w in sorted(usable, key=lambda w: (-(w.value or 0), w.id)):
        if conflict(w, greedy, policy) is None:
            greedy.append(w)
    assert [w.id for w in greedy] == ["plat-80", "ship-B", "red-5", "red-3"]
    g = core(c.price({**cart, "coupons": [w.id for w in greedy]}))
    best = _example("wallet", best_coupons=True)
    assert (g.payable, best.payable) == (cny("559"), cny("534"))


# --- examples/snack-tiers ---------------------------------------------------------------------

def test_snack_tiers_silver() -> None:
    """8 November, silver: 325.90 - 50 = 275.90 + 12 shipping = 287.90; the member day is for
    gold and up; 275 points."""
    r = _example("snack-tiers", "cart-silver.json")
    assert r.tier == "silver"
    assert missed(r, "member-day").reason == Reason.TIER_NOT_ELIGIBLE
    assert r.points is not None and r.points.earned == 275
    assert r.payable == cny("287.90")


def test_snack_tiers_gold_on_member_day() -> None:
    """8 November 00:30 Shanghai (7 November in UTC), gold: 275.90 - 10 member day = 265.90;
    5% = 13.295 -> 13.30: 252.60 + 12.00 = 264.60; 2000 points pay 20.00 -> 244.60;
    (252.60 - 20.00) x 1.5 = 348.9 -> 348 points."""
    r = _example("snack-tiers", "cart-gold.json")
    assert r.tier == "gold"
    assert applied(r, "member-day").amount == cny("10")
    assert applied(r, "tier-gold-discount").amount == cny("13.30")
    # member day 10 split 216.72:59.18 -> 7.86 + 2.14; gold 13.30 -> 10.45 + 2.85
    assert (r.line("nuts").net, r.line("jerky").net) == (cny("198.41"), cny("54.19"))
    assert r.points is not None
    assert (r.points.used, r.points.value, r.points.earned) == (2000, cny("20"), 348)
    assert (r.total, r.payable) == (cny("264.60"), cny("244.60"))


def test_snack_tiers_diamond_off_member_day() -> None:
    """9 November, diamond: 275.90 with shipping waived; member day next opens 8 December."""
    r = _example("snack-tiers", "cart-diamond.json")
    assert r.tier == "diamond"
    miss = missed(r, "member-day")
    assert (miss.reason, miss.next_open.isoformat()) == (Reason.OFF_SCHEDULE,
                                                         "2026-12-08T00:00:00+08:00")
    assert (r.shipping_fee_total, r.shipping_total) == (cny("12"), ZERO)
    assert r.points is not None and r.points.earned == 551
    assert r.payable == cny("275.90")
