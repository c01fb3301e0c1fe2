"""Golden files: explanations of example carts and rule pages, in both languages, every format."""

from __future__ import annotations

import pytest
from explain_support import EXAMPLES, FIXTURES, check_golden, check_html

import promokit
from promokit.explain import explain, rule_docs

#: case -> (campaign file, cart file, phase)
CASES = {
    "double11": (EXAMPLES / "double11" / "campaign.yaml", EXAMPLES / "double11" / "cart.json",
                 None),
    "western": (EXAMPLES / "western" / "campaign.yaml", EXAMPLES / "western" / "cart.json", None),
    "snack-gold": (EXAMPLES / "snack-tiers" / "campaign.yaml", FIXTURES / "snack-gold.json",
                   None),
    "showcase-deposit": (FIXTURES / "showcase.yaml", FIXTURES / "showcase-deposit.json",
                         "deposit"),
    "showcase-balance": (FIXTURES / "showcase.yaml", FIXTURES / "showcase-balance.json", None),
}
EXT = {"text": "txt", "md": "md", "html": "html"}


def priced(case: str) -> tuple[promokit.Campaign, promokit.PriceResult]:
    """The campaign and the result of a golden case."""
    campaign_file, cart_file, phase = CASES[case]
    campaign = promokit.load_campaign(campaign_file)
    return campaign, campaign.price(promokit.load_cart(cart_file), phase=phase)


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_explanation_matches_golden(case: str, lang: str, fmt: str) -> None:
    """The explanation of each golden cart equals its checked-in golden file."""
    campaign, result = priced(case)
    text = explain(result, campaign, lang=lang, fmt=fmt)
    if fmt == "html":
        check_html(text)
    check_golden(f"{case}.explain.{lang}.{EXT[fmt]}", text)


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_showcase_rule_page_matches_golden(lang: str, fmt: str) -> None:
    """The rule page of the showcase campaign (every kind, pre-sale, tiers, coupons) is golden."""
    text = rule_docs(promokit.load_campaign(FIXTURES / "showcase.yaml"), lang=lang, fmt=fmt,
                     audience="operator")
    if fmt == "html":
        check_html(text)
    check_golden(f"showcase.docs.{lang}.{fmt}", text)
