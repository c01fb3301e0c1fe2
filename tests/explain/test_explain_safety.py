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
            for audience in ("customer", "operator"):
                out.append((fmt, rule_docs(campaign, lang=lang, fmt=fmt, audience=audience)))
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


# --- resource limits on user templates (issue 11) ----------------------------------------------

HUGE = [
    ("{% for x in range(10**9) %}x{% endfor %}", "a number argument of 1000000000"),
    ("{% for x in range(20000) %}x{% endfor %}", "range of 20000 numbers"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
     "more than 1000000 steps"),
    ("{% for a in lines %}{% for b in range(9999) %}{% for c in range(9999) %}{% endfor %}"
     "{% endfor %}{% endfor %}", "more than 1000000 steps"),
    ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(60) }}",
     "more than 1000000 steps"),
    ("{{ 'x' * 10**9 }}", "repeating 1 items 1000000000 times"),
    ("{{ [0] * 10**9 }}", "repeating 1 items 1000000000 times"),
    ("{{ 7 ** 100000 }}", "more than 4096 bits"),
    ("{{ 'x'|center(10**9) }}", "a number argument"),
    ("{{ 'x'.ljust(10**9) }}", "a number argument"),
    ("{{ '%999999999d' % 1 }}", "format width"),
    ("{{ '{:>999999999}'.format(1) }}", "format width"),
    ("{{ '%999999999s'|format(1) }}", "format width"),
    ("{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
     "{% endfor %}", "a value of 2097152 items"),
    ("{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}"
     "{% endfor %}", "a value of 2097152 items"),
    ("{% set ns = namespace(n=3) %}{% for i in range(60) %}{% set ns.n = ns.n * ns.n %}"
     "{% endfor %}", "more than 4096 bits"),
    ("{% for a in range(9999) %}{{ 'y' * 1000 }}{% endfor %}", "the page passed 2000000"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "nested too deep"),
    ("{% for x in lines recursive %}{{ loop(range(100)) }}{% endfor %}", "nested too deep"),
    ("{% include 'explain.text.j2' %}", "nested too deep"),
]


@pytest.mark.parametrize(("body", "words"), HUGE)
def test_user_templates_run_under_resource_limits(tmp_path: Path, body: str,
                                                  words: str) -> None:
    """A huge range, deep loops, runaway macros, huge strings, numbers or pages: a clear
    ExplainError naming the template and the limit, never a hang or gigabytes of memory."""
    (tmp_path / "explain.text.j2").write_text(body, "utf-8")
    campaign, result = hostile()
    with pytest.raises(ExplainError, match=r"explain\.text\.j2") as err:
        explain(result, campaign, templates=tmp_path)
    assert words in str(err.value)


def test_limits_leave_ordinary_templates_alone(tmp_path: Path) -> None:
    """Loops, ranges, formatting and concatenation within the limits render as before; a loop
    variable cannot shadow the checks (they are not names a template can spell)."""
    (tmp_path / "explain.text.j2").write_text(
        "{% set limited_each = 1 %}{% for x in range(3) %}{{ x }}{% endfor %} "
        "{{ 'ab' ~ 'cd' }} {{ 2 ** 10 }} {{ '%d'|format(10**8) }} {{ '{:>4}'.format(7) }} "
        "{{ 'x' * 3 }} {% for line in lines %}{{ loop.index }}{% endfor %}.\n", "utf-8")
    campaign, result = hostile()
    expected = "012 abcd 1024 100000000    7 xxx 1.\n"
    assert explain(result, campaign, templates=tmp_path) == expected
