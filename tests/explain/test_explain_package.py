"""The package surface: exports, shipped templates, and the plain receipt's totals."""

from __future__ import annotations

from decimal import Decimal

from explain_support import FIXTURES, ROOT

import promokit
import promokit.explain

TEMPLATES = ROOT / "promokit" / "explain" / "templates"


def test_all_is_sorted_and_documented() -> None:
    """promokit.explain exports a sorted __all__, each name with a docstring."""
    names = promokit.explain.__all__
    assert names == sorted(names)
    assert all((getattr(promokit.explain, n).__doc__ or "").strip() for n in names)


def test_templates_ship_with_the_package() -> None:
    """Every template is a top-level *.j2 file, the pattern pyproject.toml's package-data ships."""
    files = list(TEMPLATES.iterdir())
    assert files and all(p.is_file() and p.suffix == ".j2" for p in files)
    assert '"explain/templates/*.j2"' in (ROOT / "pyproject.toml").read_text("utf-8")


def _amount(line: str) -> Decimal:
    return Decimal(line.split()[1])


def test_receipt_shows_prepaid_points_and_coupons_and_adds_up() -> None:
    """The plain receipt of a balance-phase cart lists coupons, points and the deposit paid, and
    its totals add up to the payable."""
    campaign = promokit.load_campaign(FIXTURES / "showcase.yaml")
    text = campaign.price(promokit.load_cart(FIXTURES / "showcase-balance.json")).receipt()
    assert text.splitlines()[0].endswith(", balance phase)")
    assert "    allow-40 (allowance): incompatible: " in text
    assert "  points: 5000 used (-50.00), 8136 earned (x2)" in text
    totals = {line.split()[0]: _amount(line) for line in text.splitlines()[-6:]}
    assert totals["subtotal"] + totals["discount"] + totals["shipping"] + totals["prepaid"] \
        + totals["points"] == totals["payable"] == Decimal("3968.41")


def test_receipt_of_a_plain_cart_keeps_its_layout() -> None:
    """Without pre-sale, coupons or points the receipt is what it always was."""
    campaign = promokit.load_campaign(ROOT / "examples" / "western" / "campaign.yaml")
    text = campaign.price(promokit.load_cart(ROOT / "examples" / "western" / "cart.json")).receipt()
    assert text.splitlines()[0] == "spring-sale  (USD, at 2026-04-02T10:00:00-04:00)"
    assert text.splitlines()[-4:] == ["  subtotal       145.47", "  discount       -34.69",
                                      "  shipping         5.95", "  payable        116.73 USD"]
