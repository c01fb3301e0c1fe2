"""Campaign and cart text is data, never template code or markup; templates run sandboxed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from explain_support import check_html

import promokit
from promokit.explain import ExplainError, explain, format_money, rule_docs

SCRIPT = "<script>alert(1)</script>"
EXPR = "{{ 7*7 }}"
STMT = "{% for x in range(3) %}loop{% endfor %}"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = f"{SCRIPT}{EXPR}{STMT}{IMG}"


def hostile() -> tuple[promokit.Campaign, promokit.PriceResult]:
    """A campaign, cart and wallet whose every free text holds script, expression and statement."""
    campaign = promokit.Campaign.from_dict({
        "campaign": f"c-{SCRIPT}", "name": HOSTILE, "currency": "CNY",
        "stages": ["item", "shop", "cash"],
        "exclusive_groups": {"g": {"name": HOSTILE}},
        "rules": [
            {"id": f"r1-{EXPR}", "name": HOSTILE, "kind": "threshold", "stage": "shop",
             "scope": "shop", "min_spend": 100, "discount": 10, "exclusive": "g",
             "select": {"shops": [f"S{IMG}"]}},
            {"id": f"r2-{STMT}", "name": HOSTILE, "kind": "percent_off", "stage": "item",
             "percent": 10, "customers": {"tags": [SCRIPT]}},
        ],
        "tiers": {"levels": [{"name": f"t{EXPR}", "rank": 1,
                              "perks": {"discount": {"percent": 5, "stage": "shop"}}}]},
        "coupon_policy": {"kinds": {"red_envelope": {"stage": "cash", "limit": None}}},
    })
    cart: dict[str, Any] = {
        "currency": "CNY", "customer": {"tier": f"t{EXPR}", "tags": [SCRIPT]},
        "lines": [{"id": f"l{SCRIPT}", "sku": f"K{EXPR}", "shop": f"S{IMG}",
                   "unit_price": "80.00", "quantity": 1}],
        "wallet": [{"id": f"w{STMT}", "kind": "red_envelope", "value": 3, "name": HOSTILE}],
        "coupons": [f"w{STMT}"],
    }
    return campaign, campaign.price(cart)


def _outputs() -> list[tuple[str, str]]:
    campaign, result = hostile()
    out = []
    for lang in ("en", "zh"):
        for fmt in ("text", "md", "html"):
            out.append((fmt, explain(result, campaign, lang=lang, fmt=fmt)))
        for fmt in ("md", "html"):
            out.append((fmt, rule_docs(campaign, lang=lang, fmt=fmt)))
    return out


@pytest.mark.parametrize(("fmt", "text"), _outputs())
def test_hostile_text_renders_inert(fmt: str, text: str) -> None:
    """No script, no evaluated expression, no executed statement, whatever the format."""
    assert "loop" + "loop" not in text            # the statement never ran
    assert "49" not in text                        # the expression never ran
    if fmt == "html":
        check_html(text)                           # no <script>, no on* attribute
        assert "&lt;script&gt;" in text and EXPR in text and STMT in text
    elif fmt == "md":
        assert "<script>" not in text and "<img" not in text and "&lt;script&gt;" in text
        assert "{{ 7\\*7 }}" in text              # escaped, shown as written
    else:
        assert SCRIPT in text and EXPR in text and STMT in text


def test_user_templates_override_one_page_and_keep_the_rest(tmp_path: Path) -> None:
    """A user folder is searched first; templates it lacks come from the package."""
    (tmp_path / "explain.text.j2").write_text("PAY {{ payable }} {{ campaign.name }}\n", "utf-8")
    campaign, result = hostile()
    pay = format_money(result.payable, "en")
    assert explain(result, campaign, templates=tmp_path) == f"PAY {pay} {HOSTILE}\n"
    assert explain(result, campaign, fmt="md", templates=tmp_path).startswith("# ")


@pytest.mark.parametrize("body", [
    "{{ lines.__class__.__mro__ }}",
    "{{ ''.__class__.__subclasses__() }}",
    "{{ lines.append(1) }}",
    "{{ nothing_here }}",
    "{% if %}",
])
def test_unsafe_or_broken_user_templates_are_explain_errors(tmp_path: Path, body: str) -> None:
    """The sandbox refuses internals and mutation; strict undefined and syntax errors name the
    template."""
    (tmp_path / "explain.text.j2").write_text(body, "utf-8")
    campaign, result = hostile()
    with pytest.raises(ExplainError, match=r"explain\.text\.j2"):
        explain(result, campaign, templates=tmp_path)


def test_unknown_format_and_folder_are_explain_errors(tmp_path: Path) -> None:
    """Unknown formats name the ones there are; a missing template folder is reported."""
    campaign, result = hostile()
    with pytest.raises(ExplainError, match="expected one of text, md, html"):
        explain(result, campaign, fmt="pdf")
    with pytest.raises(ExplainError, match="expected one of md, html"):
        rule_docs(campaign, fmt="text")
    with pytest.raises(ExplainError, match="not a directory"):
        explain(result, campaign, templates=tmp_path / "missing")
