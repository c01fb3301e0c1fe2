"""The customer's rule page (``audience="customer"``): what a shop publishes, in its own words,
and how it renders in a real browser (headless Chromium) on a phone and a desktop."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from explain_support import EXAMPLES, check_html

import promokit
from promokit.explain import ExplainError, rule_docs

D11 = EXAMPLES / "double11" / "campaign.yaml"
SCRIPT = "<script>alert(1)</script>"


def d11(lang: str = "zh", fmt: str = "md") -> str:
    return rule_docs(promokit.load_campaign(D11), lang=lang, fmt=fmt, audience="customer")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_no_ids_codes_funding_file_or_any_time(lang: str, fmt: str) -> None:
    """Rule ids, named shop and SKU codes, stage codes, funders and the file name never show."""
    page = d11(lang, fmt)
    campaign = promokit.load_campaign(D11)
    for rule in campaign.spec.rules:
        assert rule.id not in page
    for code in ("TEA-1", "TEA-2", "SNACK-1", "cross_store", "campaign.yaml", "double11-2026",
                 "商家", "平台承担", "merchant", "不限时间", "any time", "Asia/Shanghai",
                 "店铺 A", "shop A"):
        assert code not in page, code
    if lang == "zh":
        assert re.search("[A-Za-z]{4,}", page.split("<body>")[-1].replace("DOCTYPE", "")
                         .replace("html", "")) is None or fmt == "html"
    if fmt == "html":
        check_html(page)


def test_the_chinese_page_has_the_sections_of_a_platform_rule_page() -> None:
    page = d11()
    for heading in ("## 活动时间", "## 活动对象", "## 活动内容", "## 优惠叠加规则", "## 退款说明",
                    "## 常见问题"):
        assert heading in page
    assert "2026-11-10 20:00 至 2026-11-12 00:00（北京时间）" in page
    assert "参与店铺：西湖茶叶旗舰店、脆脆零食铺、窑火杯具店。" in page
    assert "### 2. 明前龙井限时85折" in page            # the rule's display title
    assert "适用商品：脆脆零食铺；零食" in page          # shop and category by name


def test_each_offer_is_priced_on_its_own_in_the_campaigns_shops() -> None:
    """One snack at 100.00 pays 100.00: the shop's 满100减10 is not silently included."""
    page = d11()
    assert ("差一点满2件：脆脆零食铺 活动商品 ¥100.00 × 1件，需2件才能享受，当前1件，"
            "实付¥100.00") in page
    assert "示例：西湖茶叶旗舰店 明前龙井 250g ¥100.00 × 1件，优惠¥15.00，实付¥85.00" in page


def test_a_tier_perk_the_example_customer_gets_is_shown_with_it() -> None:
    """An offer for gold members, priced alone, still shows the gold perk it came with."""
    campaign = promokit.Campaign.from_dict({
        "campaign": "t", "currency": "CNY", "timezone": "Asia/Shanghai",
        "names": {"shops": {"A": "茶叶旗舰店"}, "tiers": {"gold": "金卡"}},
        "tiers": {"levels": [{"name": "gold", "rank": 2, "min_spend": 300,
                              "perks": {"discount": {"percent": 5, "stage": "shop"}}}]},
        "rules": [{"id": "g", "kind": "threshold", "stage": "item", "scope": "shop",
                   "min_spend": 100, "discount": 10, "customers": {"tiers": ["gold"]}}]})
    page = rule_docs(campaign, lang="zh", audience="customer")
    assert "仅限金卡" in page and "另享金卡会员额外9.5折" in page
    assert "gold" not in page
    assert "## 活动时间" not in page                # no period and no window: no 活动时间


def test_presale_example_is_in_a_real_shop() -> None:
    campaign = promokit.load_campaign(EXAMPLES / "presale" / "campaign.yaml")
    page = rule_docs(campaign, lang="zh", audience="customer")
    assert "## 预售说明" in page and "EXAMPLE" not in page
    assert "定金阶段付¥100.00，尾款阶段付¥600.00" in page


def test_unknown_audience_is_an_error() -> None:
    with pytest.raises(ExplainError, match="unknown audience"):
        rule_docs(promokit.load_campaign(D11), audience="shopper")


def hostile_page(lang: str = "zh") -> str:
    campaign = promokit.Campaign.from_dict({
        "campaign": "h", "currency": "CNY", "title": SCRIPT,
        "names": {"shops": {"A": f"<b>{SCRIPT}</b>"},
                  "skus": {"K": "<img src=x onerror=alert(1)>"}},
        "rules": [{"id": "r", "kind": "percent_off", "stage": "item", "percent": 10,
                   "select": {"skus": ["K"], "shops": ["A"]},
                   "display": {"title": SCRIPT, "description": {"zh": SCRIPT}}}]})
    return rule_docs(campaign, lang=lang, fmt="html", audience="customer")


def test_merchant_text_is_escaped() -> None:
    page = hostile_page()
    check_html(page)                                   # no <script>, no on* attribute
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page


# --- a real browser -------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _chromium() -> str:
    """Headless Chromium: the one on the machine, or installed by .ci/chromium.sh (as root)."""
    found = shutil.which("chromium") or ("/usr/bin/chromium"
                                         if os.path.exists("/usr/bin/chromium") else None)
    if found is not None:
        return found
    done = subprocess.run(["bash", str(ROOT / ".ci" / "chromium.sh")], capture_output=True,
                          text=True, timeout=600, check=False)
    if done.returncode != 0:
        pytest.fail(f"the browser tests need Chromium: {done.stderr.strip()}")
    return done.stdout.strip()


def _dom(html: str, width: int) -> str:
    """The DOM headless Chromium ends with for ``html`` in a window ``width`` px wide."""
    browser = _chromium()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, "utf-8")
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp}/profile", f"--window-size={width},900",
             "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _harness(html: str, width: int) -> str:
    """A page that shows ``html`` in a ``width`` px frame (a phone's viewport, whatever the
    headless window's own minimum width) and writes the frame's layout width into its DOM."""
    frame = html.replace("&", "&amp;").replace('"', "&quot;")
    return (f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" srcdoc="{frame}" '
            f'style="width:{width}px;height:900px;border:0"></iframe><script>'
            "const f = document.getElementById('f');"
            "f.addEventListener('load', () => { const d = f.contentDocument.documentElement;"
            "document.body.setAttribute('data-scroll-width', String(d.scrollWidth));"
            "document.body.setAttribute('data-client-width', String(d.clientWidth)); });"
            "</script></body></html>")


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_fits_the_screen_in_chromium(lang: str, width: int) -> None:
    """No horizontal overflow at 390 px (a phone) or 1280 px (a desktop)."""
    dom = _dom(_harness(d11(lang, "html"), width), max(width, 800) + 40)
    scroll = re.search(r'data-scroll-width="(\d+)"', dom)
    client = re.search(r'data-client-width="(\d+)"', dom)
    assert scroll is not None and client is not None, dom[-500:]
    assert int(client.group(1)) <= width             # the frame really is that narrow
    assert int(scroll.group(1)) <= int(client.group(1))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_explanation_fits_a_phone_in_chromium(lang: str) -> None:
    """The 优惠明细 page (result.explain as HTML) has no horizontal overflow at 390 px: its wide
    tables scroll inside their own box."""
    campaign = promokit.load_campaign(EXAMPLES / "double11" / "campaign.yaml")
    result = campaign.price(promokit.load_cart(EXAMPLES / "double11" / "cart.json"))
    dom = _dom(_harness(result.explain(lang=lang, fmt="html"), 390), 430)
    scroll = re.search(r'data-scroll-width="(\d+)"', dom)
    client = re.search(r'data-client-width="(\d+)"', dom)
    assert scroll is not None and client is not None, dom[-500:]
    assert int(client.group(1)) <= 390
    assert int(scroll.group(1)) <= int(client.group(1))


def test_hostile_text_stays_text_in_chromium() -> None:
    """The browser builds no script or img element from merchant text, and shows it as text."""
    dom = _dom(hostile_page(), 390)
    assert "<script" not in dom and "<img" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
