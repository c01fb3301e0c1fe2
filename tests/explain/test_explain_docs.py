"""Rule pages: docs/rules is current, every page parses, the worked examples are the engine's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from explain_support import EXAMPLES, FIXTURES, ROOT, check_html

import promokit
from promokit.explain import build_docs, explain, rule_docs
from promokit.explain._examples import Examples, _base_of
from promokit.explain._terms import rule_index
from promokit.explain._words import Words

DOCS = ROOT / "docs" / "rules"


def test_docs_rules_are_current() -> None:
    """docs/rules holds exactly the pages the example campaigns give today."""
    stale = build_docs.stale(EXAMPLES, DOCS)
    assert stale == [], ("stale rule pages; run `python -m promokit.explain.build_docs`: "
                         + ", ".join(stale))


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.html")))
def test_checked_in_html_pages_parse_cleanly(page: str) -> None:
    """Every generated HTML page is a well-formed document."""
    check_html((DOCS / page).read_text("utf-8"))


def test_build_writes_and_prunes(tmp_path: Path) -> None:
    """build writes every page and the index, removes pages no campaign gives, and then is
    current."""
    (tmp_path / "gone.en.md").write_text("old", "utf-8")
    written = build_docs.build(EXAMPLES, tmp_path)
    assert "README.md" in written and "double11.zh.html" in written
    assert not (tmp_path / "gone.en.md").exists()
    assert build_docs.stale(EXAMPLES, tmp_path) == []
    assert build_docs.main(["--examples", str(EXAMPLES), "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "western.en.md").write_text("edited", "utf-8")
    assert build_docs.main(["--examples", str(EXAMPLES), "--out", str(tmp_path), "--check"]) == 1


def _campaign(*rules: dict, **top: object) -> promokit.Campaign:
    return promokit.Campaign.from_dict({"campaign": "t", "currency": "CNY", "rules": list(rules),
                                        **top})


def test_price_at_a_threshold_is_judged_after_earlier_stages() -> None:
    """With 15% off first, the price "at" 满300 is the smallest whose base reaches 300.00."""
    campaign = _campaign(
        {"id": "pct", "kind": "percent_off", "stage": "item", "percent": 15},
        {"id": "t300", "kind": "threshold", "stage": "shop", "scope": "order",
         "min_spend": 300, "discount": 30})
    w = Words("en", "CNY", campaign._plan.env.tz)
    ex = Examples(campaign, w, rule_index(campaign.spec, (), w))
    rule = campaign.spec.rules[1]
    price = ex._reach(rule, 30000, 30000, False)

    def base(unit: int) -> int | None:
        cart = ex._cart(rule, [(rule.select, unit, 1)])
        return _base_of(campaign.price(cart), "t300", 30000)

    assert base(price) == 30000 and base(price - 1) < 30000   # type: ignore[operator]
    rows, why = ex.rows(rule)
    assert why == "" and [r["base"] for r in rows] == ["CN¥299.99", "CN¥300.00"]
    assert rows[0]["outcome"].startswith("below the threshold: add CN¥0.01 more")
    assert rows[1]["outcome"] == "saves CN¥30.00"


def test_every_threshold_gets_a_case_below_and_at() -> None:
    """Each rung of a ladder, and the first multiple of 每满, gets both cases."""
    page = rule_docs(promokit.load_campaign(FIXTURES / "showcase.yaml"), lang="zh",
                     audience="operator")
    for rung in ("¥200.00", "¥400.00", "¥300.00"):
        assert f"| 差一点满{rung} |" in page and f"| 刚好满{rung} |" in page
    assert "| 差一点满2件 |" in page and "| 刚好满2件 |" in page


def test_presale_example_follows_the_domain_numbers() -> None:
    """Price 800, deposit 100 counting as 200, 20 off for paying it: 100 now, 580 later."""
    page = rule_docs(promokit.load_campaign(FIXTURES / "showcase.yaml"), lang="en",
                     audience="operator")
    assert ("a price of CN¥800.00 costs CN¥100.00 in the deposit phase and CN¥580.00 in the "
            "balance phase; CN¥680.00 in all") in page


def test_a_presale_only_rule_says_why_it_has_no_example() -> None:
    """A rule for pre-sale lines only has no standalone cart; the page says so."""
    campaign = _campaign({"id": "p", "kind": "percent_off", "stage": "item", "percent": 5,
                          "select": {"presale": True}})
    assert "No example: it applies to pre-sale items only" in rule_docs(campaign,
                                                                         audience="operator")


def test_explain_without_the_campaign_names_rules_by_id() -> None:
    """A result without its campaign's spec is still enough: rules are named by their ids."""
    campaign = promokit.load_campaign(EXAMPLES / "double11" / "campaign.yaml")
    result = campaign.price(promokit.load_cart(EXAMPLES / "double11" / "cart.json"))
    text = explain(dataclasses.replace(result, spec=None))
    assert "✓ x-300-50 [x-300-50]" in text and "CN¥434.55" in text


def test_result_explains_itself_with_rule_names() -> None:
    """result.explain() uses the spec the result carries: rules by name, in Chinese too."""
    campaign = promokit.load_campaign(EXAMPLES / "double11" / "campaign.yaml")
    result = campaign.price(promokit.load_cart(EXAMPLES / "double11" / "cart.json"))
    assert "跨店每满300减50" in result.explain(lang="zh")
    assert result.explain() == explain(result, campaign)


def test_docs_of_a_campaign_without_rules() -> None:
    """An empty campaign still gets a page."""
    assert "This campaign has no rules." in rule_docs(_campaign(), audience="operator")


def test_the_default_audience_is_the_customer() -> None:
    """rule_docs defaults to the page a shop publishes, as ``promokit docs`` does: no rule ids
    or funding; the operator view has them."""
    campaign = promokit.load_campaign(EXAMPLES / "double11" / "campaign.yaml")
    page = rule_docs(campaign, lang="zh")
    assert page == rule_docs(campaign, lang="zh", audience="customer")
    operator = rule_docs(campaign, lang="zh", audience="operator")
    assert "x-300-50" in operator and "x-300-50" not in page
