"""Tests for promokit.testing: its strategies make only valid inputs; its checker catches lies."""

from __future__ import annotations

import dataclasses
import importlib
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from support import cny

import promokit.testing
from promokit import Campaign, CampaignSpec, Cart, NotApplied, ShopResult
from promokit._cart.wallet import COUPON_KINDS, Coupon
from promokit._money import MINOR_UNITS
from promokit.rules import RULE_KINDS
from promokit.testing import campaign_dicts, campaigns, carts, check_invariants, wallets

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
CURRENCIES = st.sampled_from(("CNY", "JPY", "KWD"))
CATALOG = (
    {"sku": "TEA-1", "shop": "A", "unit_price": "128.00", "category": "tea", "tags": ["double11"]},
    {"sku": "CUP-1", "unit_price": ("10", "20.5"), "brand": "kiln"},
    {"sku": "SNACK-1", "shop": "B"},
)


def test_exports_match_all() -> None:
    """``__all__`` lists exactly the public names of promokit.testing."""
    # (pytest's assertion rewriting may add names such as '@py_builtins': not identifiers)
    public = {n for n in vars(promokit.testing) if not n.startswith("_") and n.isidentifier()}
    assert promokit.testing.__all__ == sorted(promokit.testing.__all__)
    assert set(promokit.testing.__all__) == {"campaign_dicts", "campaigns", "carts",
                                             "check_invariants", "wallets"} == public
    assert all((getattr(promokit.testing, n).__doc__ or "").strip()
               for n in promokit.testing.__all__)


def test_import_without_hypothesis_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing promokit.testing without hypothesis says how to install it, even with its
    private modules already imported (they stay in sys.modules)."""
    assert "promokit.testing._carts" in sys.modules
    monkeypatch.delitem(sys.modules, "promokit.testing")
    for name in [m for m in sys.modules if m == "hypothesis" or m.startswith("hypothesis.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    with pytest.raises(ImportError, match=r"pip install promokit\[test\]"):
        importlib.import_module("promokit.testing")


@SETTINGS
@given(st.data())
def test_carts_are_valid(data: st.DataObject) -> None:
    """Carts survive a model_dump round trip, have unique ids and respect every bound."""
    currency = data.draw(CURRENCIES)
    cart = data.draw(carts(currency=currency, max_lines=4, max_quantity=3, shops=("X", "Y"),
                           min_price="1", max_price="50", tiers=("gold",)))
    assert Cart.model_validate(cart.model_dump()) == cart
    assert Cart.model_validate(cart.model_dump(mode="json")) == cart
    ids = [ln.id for ln in cart.lines]
    assert len(set(ids)) == len(ids)
    assert cart.currency == currency and 1 <= len(ids) <= 4 and cart.at is None
    assert cart.customer.tier in (None, "gold")
    for line in cart.lines:
        assert line.shop in ("X", "Y") and 1 <= line.quantity <= 3
        assert 1 <= line.unit_price <= 50
        unit = Decimal(1).scaleb(-MINOR_UNITS[currency])
        assert line.unit_price == line.unit_price.quantize(unit)
    assert set(cart.shipping) <= {"X", "Y"}


@SETTINGS
@given(carts(catalog=CATALOG, at=datetime(2026, 11, 11, 0, 5), shipping=False))
def test_carts_from_a_catalog_use_its_entries(cart: Cart) -> None:
    """Catalog lines keep their fixed fields and draw prices from their ranges."""
    assert cart.at == datetime(2026, 11, 11, 0, 5) and cart.shipping == {}
    for line in cart.lines:
        if line.sku == "TEA-1":
            assert (line.shop, line.unit_price, line.category, line.tags) == (
                "A", Decimal("128.00"), "tea", ("double11",))
        elif line.sku == "CUP-1":
            assert Decimal(10) <= line.unit_price <= Decimal("20.5") and line.brand == "kiln"
        else:
            assert (line.sku, line.shop) == ("SNACK-1", "B")


@SETTINGS
@given(st.data())
def test_campaigns_are_valid(data: st.DataObject) -> None:
    """Campaigns survive a model_dump round trip and respect ids, stages, kinds and sizes."""
    currency = data.draw(CURRENCIES)
    stages = ("s1", "s2", "s3")
    campaign = data.draw(campaigns(currency=currency, stages=stages, max_rules=4, windows=True))
    spec = campaign.spec
    assert CampaignSpec.model_validate(spec.model_dump()) == spec
    again = Campaign.from_dict(spec.model_dump(mode="json"))
    assert again.fingerprint == campaign.fingerprint
    ids = [r.id for r in spec.rules]
    assert len(set(ids)) == len(ids) and 1 <= len(ids) <= 4
    assert spec.currency == currency and spec.stages == stages
    assert {r.kind for r in spec.rules} <= set(RULE_KINDS)
    assert all(r.stage in stages for r in spec.rules)
    assert {r.exclusive for r in spec.rules} - {None} <= set(spec.exclusive_groups)


@SETTINGS
@given(campaigns(kinds=("bundle", "threshold"), min_rules=2, max_rules=2))
def test_campaigns_keep_to_the_kinds_asked_for(campaign: Campaign) -> None:
    """``kinds`` limits the rule kinds drawn; min_rules/max_rules the count."""
    assert len(campaign.spec.rules) == 2
    assert {r.kind for r in campaign.spec.rules} <= {"bundle", "threshold"}


def _features(doc: dict[str, Any]) -> set[str]:
    """What a campaign document exercises: its rule kinds and the forms the strategy promises."""
    out = {f"kind {r['kind']}" for r in doc["rules"]}
    for raw in doc["rules"]:
        ladder = raw.get("ladder") or [{}]
        checks = {
            "threshold single spend": "min_spend" in raw and raw["kind"] == "threshold",
            "threshold single quantity, percent": "min_qty" in raw and "percent" in raw,
            "threshold every, capped": "every" in raw and "cap" in raw,
            "threshold every, uncapped": "every" in raw and "cap" not in raw,
            "threshold every_qty": "every_qty" in raw,
            "threshold ladder of 3 by spend": len(ladder) >= 3 and "min_spend" in ladder[0],
            "threshold ladder by quantity": "min_qty" in ladder[0],
            "threshold ladder mixing discount and percent":
                len({"discount" in step for step in ladder}) == 2,
            "scope shop": raw.get("scope") == "shop",
            "scope order": raw.get("scope") == "order",
            "base list": raw.get("base") == "list",
            "base an earlier stage": raw.get("base") in ("item", "shop", "cross_store"),
            "overflow spill": raw.get("overflow") == "spill",
            "priority": raw.get("priority", 0) != 0,
            "platform funded": raw.get("funded_by") == "platform",
            "multibuy with reward": "reward" in raw,
            "selection with exclude": "exclude" in raw.get("select", {}),
            "presale with instant reduction": Decimal(raw.get("instant_reduction", 0)) > 0,
            "free shipping with minimum and cap": "min_spend" in raw and "max_waived" in raw,
            "window": "window" in raw,
            "customers": "customers" in raw,
        }
        out |= {name for name, hit in checks.items() if hit}
    if doc["threshold_base"] not in ("running", "list"):
        out.add("campaign base a stage")
    for name, group in doc["exclusive_groups"].items():
        if sum(r.get("exclusive") == name for r in doc["rules"]) >= 2:
            out.add(f"exclusive {group['pick']}, two members")
    return out


def test_campaigns_reach_every_kind_and_form() -> None:
    """Every rule kind, threshold form, scope and base, and every shared feature, is drawn
    (each document is validated by the other tests; here only its shape counts).

    A new rule kind in RULE_KINDS fails here until the strategy learns to draw it.
    """
    wanted = {f"kind {k}" for k in RULE_KINDS} | {
        "threshold single spend", "threshold single quantity, percent", "threshold every, capped",
        "threshold every, uncapped", "threshold every_qty", "threshold ladder of 3 by spend",
        "threshold ladder by quantity", "threshold ladder mixing discount and percent",
        "scope shop", "scope order", "base list", "base an earlier stage",
        "campaign base a stage", "overflow spill", "priority", "platform funded",
        "multibuy with reward", "selection with exclude", "presale with instant reduction",
        "free shipping with minimum and cap", "window", "customers", "exclusive first, two members",
        "exclusive best, two members"}
    seen: set[str] = set()
    plan = [(None, 120), *(((k,), 100 if k == "threshold" else 25) for k in RULE_KINDS)]
    for kinds, n in plan:

        @settings(max_examples=n, derandomize=True, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(campaign_dicts(kinds=kinds, windows=True, tiers=("gold",)))
        def collect(doc: dict[str, Any]) -> None:
            seen.update(_features(doc))

        collect()
    assert wanted - seen == set()


@pytest.mark.parametrize("make", [
    lambda: carts(max_lines=0),
    lambda: carts(currency="XXX"),
    lambda: carts(min_price="5", max_price="1"),
    lambda: carts(currency="JPY", min_price="0.1", max_price="0.9"),
    lambda: carts(catalog=[{"shop": "A"}]),
    lambda: carts(catalog=[{"sku": "S", "price": "1"}]),
    lambda: campaigns(kinds=("nope",)),
    lambda: campaigns(stages=()),
    lambda: campaigns(stages=("a", "a")),
    lambda: campaigns(min_rules=3, max_rules=2),
    lambda: wallets(currency="XXX"),
    lambda: wallets(kinds=()),
    lambda: wallets(kinds=("coupon",)),
    lambda: wallets(kinds=("shop", "shop")),
    lambda: wallets(shops=(), kinds=("platform", "shipping")),
    lambda: wallets(min_coupons=3, max_coupons=2),
    lambda: wallets(max_value="0.001"),
    lambda: wallets(max_value="ten"),
    lambda: wallets(at="2026-11-11"),  # type: ignore[arg-type]
])
def test_bad_arguments_are_refused_at_once(make: Callable[[], object]) -> None:
    """Invalid strategy arguments raise InvalidArgument when the strategy is made."""
    with pytest.raises(InvalidArgument):
        make()


# --- wallets ---------------------------------------------------------------------------------

UTC8 = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 11, 10)
TIMES = st.sampled_from((None, AT, AT.replace(tzinfo=UTC8)))
PERCENT_KINDS = {"shop", "platform", "allowance", "product", "shipping"}  # 运费5折 too


def _dump(wallet: tuple[Coupon, ...]) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json", exclude_none=True) for c in wallet]


@SETTINGS
@given(st.data())
def test_wallets_are_valid(data: st.DataObject) -> None:
    """Wallets survive a round trip through a cart's JSON, have unique ids and respect every
    bound: kinds, shops, size, values, percents, caps, thresholds and ends around ``at``."""
    currency = data.draw(CURRENCIES)
    kinds = data.draw(st.lists(st.sampled_from(COUPON_KINDS), min_size=1, unique=True))
    at, expired = data.draw(TIMES), data.draw(st.booleans())
    wallet = data.draw(wallets(currency=currency, shops=("X", "Y"), kinds=kinds, min_coupons=2,
                               max_coupons=5, max_value="30", at=at, expired=expired))
    cart = Cart.model_validate({"currency": currency, "lines": [
        {"id": "l1", "sku": "S1", "shop": "X", "unit_price": "1", "quantity": 1}],
        "wallet": _dump(wallet)})
    assert cart.wallet == wallet
    ids = [c.id for c in wallet]
    assert len(set(ids)) == len(ids) and 2 <= len(ids) <= 5
    unit = Decimal(1).scaleb(-MINOR_UNITS[currency])
    for c in wallet:
        assert c.kind in kinds and c.shop in (None, "X", "Y")
        assert c.shop is not None or c.kind not in ("shop", "shipping")
        assert c.shop is None or c.kind in ("shop", "shipping", "product")
        if c.value is not None:
            assert unit <= c.value <= 30 and c.value == c.value.quantize(unit)
            assert c.percent is None and c.max_discount is None
        else:
            assert c.kind in PERCENT_KINDS and c.percent is not None and 0 < c.percent <= 100
        for cap in (c.max_discount, c.min_spend):
            assert cap is None or cap == cap.quantize(unit)
        assert c.max_discount is None or unit <= c.max_discount <= 30
        assert c.min_spend is None or (c.kind != "red_envelope" and 0 <= c.min_spend <= 300)
        assert c.stack_group in (None, "g1", "g2") and c.start is None
        if at is None or c.end is None:
            assert c.end is None or at is not None
            continue
        assert (c.end.tzinfo is None) == (at.tzinfo is None)
        assert abs(c.end - at) <= timedelta(days=7)
        assert expired or c.end > at


def _wallet_features(wallet: tuple[Coupon, ...], at: datetime) -> set[str]:
    """What a wallet exercises: its kinds and the forms the strategy promises."""
    out = {f"kind {c.kind}" for c in wallet}
    for c in wallet:
        checks = {
            "percent, capped": c.max_discount is not None,
            "percent, uncapped": c.percent is not None and c.max_discount is None,
            "min_spend": c.min_spend is not None,
            "product coupon of a shop": c.kind == "product" and c.shop is not None,
            "stack group": c.stack_group is not None,
            "live end": c.end is not None and c.end > at,
            "expired end": c.end is not None and c.end <= at,
            "end at UTC": c.end is not None and c.end.utcoffset() == timedelta(0),
        }
        out |= {name for name, hit in checks.items() if hit}
    if len({c.stack_group for c in wallet if c.stack_group}) < sum(
            c.stack_group is not None for c in wallet):
        out.add("two coupons in one stack group")
    return out


def test_wallets_reach_every_kind_and_form() -> None:
    """Every coupon kind and every promised form is drawn; expired=False draws no expired one."""
    seen: set[str] = set()
    at = AT.replace(tzinfo=UTC8)

    @settings(max_examples=150, derandomize=True, database=None, deadline=None)
    @given(wallets(at=at), wallets(at=at, expired=False))
    def collect(wallet: tuple[Coupon, ...], live: tuple[Coupon, ...]) -> None:
        seen.update(_wallet_features(wallet, at))
        assert "expired end" not in _wallet_features(live, at)

    collect()
    wanted = {f"kind {k}" for k in COUPON_KINDS} | {
        "percent, capped", "percent, uncapped", "min_spend", "product coupon of a shop",
        "stack group", "live end", "expired end", "end at UTC", "two coupons in one stack group"}
    assert wanted - seen == set()


def test_wallets_shrink_to_one_red_envelope_of_one_minor_unit() -> None:
    """The minimal wallet is one red envelope ``c1`` of 0.01 (1 in JPY), and nothing else."""
    for currency, value in (("CNY", "0.01"), ("JPY", "1")):
        wallet = find(wallets(currency=currency, at=AT), lambda w: True)
        assert wallet == (Coupon(id="c1", kind="red_envelope", value=Decimal(value)),)
    wallet = find(wallets(kinds=("shipping",)), lambda w: True)  # a shop is needed: the first
    assert [(c.kind, c.shop, c.value) for c in wallet] == [("shipping", "A", Decimal("0.01"))]


POLICY = {"kinds": {"shop": {"stage": "shop", "per": "shop"}, "product": {"stage": "item"},
                    "allowance": {"stage": "cross_store"}, "platform": {"stage": "platform"},
                    "red_envelope": {"stage": "cash", "limit": None},
                    "shipping": {"stage": "shipping", "per": "shop"}}}
WALLET_CAMPAIGN = Campaign.from_dict({
    "campaign": "w", "currency": "CNY", "timezone": "Asia/Shanghai", "coupon_policy": POLICY,
    "stages": ["item", "shop", "cross_store", "platform", "cash", "shipping"]})


@SETTINGS
@given(carts(at=AT.replace(tzinfo=UTC8), max_lines=3), wallets(at=AT.replace(tzinfo=UTC8)),
       st.data())
def test_wallets_price(cart: Cart, wallet: tuple[Coupon, ...], data: st.DataObject) -> None:
    """A cart with a drawn wallet and some of its coupons chosen prices, and the result keeps
    every invariant."""
    chosen = data.draw(st.lists(st.sampled_from([c.id for c in wallet]), unique=True))
    doc = {**cart.model_dump(mode="json", exclude_none=True), "wallet": _dump(wallet),
           "coupons": chosen}
    check_invariants(WALLET_CAMPAIGN.price(doc))


# --- check_invariants catches lies -----------------------------------------------------------

CART = {"currency": "CNY", "lines": [
    {"id": "l1", "sku": "S1", "shop": "A", "unit_price": "100.00", "quantity": 1},
    {"id": "l2", "sku": "S2", "shop": "B", "unit_price": "50.00", "quantity": 2}],
    "shipping": {"B": "6.00"}}
CAMPAIGN = Campaign.from_dict({"campaign": "t", "currency": "CNY", "rules": [
    {"id": "pct", "kind": "percent_off", "stage": "item", "percent": 10},
    {"id": "x", "kind": "threshold", "stage": "cross_store", "scope": "pool", "every": 100,
     "discount": 15, "funded_by": "platform"}]})


def test_check_invariants_accepts_an_honest_result() -> None:
    """A real result passes."""
    check_invariants(CAMPAIGN.price(CART))


@pytest.mark.parametrize(("lie", "invariant"), [
    (lambda r: {"payable": r.payable + cny("0.01")}, "payable = total - prepaid_total"),
    (lambda r: {"total": r.total + cny("0.01")}, "total = sum of line nets + shipping_total"),
    (lambda r: {"discount_total": cny("0")}, "discount_total"),
    (lambda r: {"subtotal": cny("1")}, "subtotal = sum of line subtotals"),
    (lambda r: {"lines": r.lines[::-1]}, "lines mirror the cart"),
    (lambda r: {"lines": (dataclasses.replace(r.lines[0], net=cny("-1"),
                                              discount=cny("101")), *r.lines[1:])},
     "0 <= prepaid <= net <= subtotal"),
    (lambda r: {"applied": (dataclasses.replace(r.applied[0], amount=cny("0.01")),
                            *r.applied[1:])}, "add up to the amount"),
    (lambda r: {"applied": r.applied[::-1]}, "in order"),
    (lambda r: {"shops": (dataclasses.replace(r.shops[0], merchant_funded=cny("0")),
                          *r.shops[1:])}, "merchant_funded + platform_funded"),
    (lambda r: {"shops": r.shops[:1]}, "shops listed once each"),
    (lambda r: {"shops": (*r.shops, ShopResult("ZZ", *(cny(v) for v in "00005055")))},
     "no shipping is charged for a shop with no lines"),  # issue #11
    (lambda r: {"not_applied": (NotApplied("pct", "percent_off", "item", "excluded", "made up"),)},
     "a rule reports once"),
])
def test_check_invariants_names_the_broken_invariant(lie: Callable[..., dict[str, object]],
                                                     invariant: str) -> None:
    """A tampered result fails with the invariant's name in the message."""
    result = CAMPAIGN.price(CART)
    with pytest.raises(AssertionError, match="invariant '.*" + re.escape(invariant)):
        check_invariants(dataclasses.replace(result, **lie(result)))


#: Search for an example that has a property and keep the first found: these tests ask whether
#: the strategy draws it at all, so shrinking it to a minimal example would be wasted work.
FIRST_FOUND = settings(max_examples=5000, database=None, phases=(Phase.generate,))


@pytest.mark.parametrize(("what", "found"), [
    ("first order", lambda r: r.get("customers", {}).get("first_order") is True),
    ("returning customer", lambda r: r.get("customers", {}).get("first_order") is False),
    ("min_orders", lambda r: "min_orders" in r.get("customers", {})),
    ("max_orders", lambda r: "max_orders" in r.get("customers", {})),
    ("min_past_spend", lambda r: "min_past_spend" in r.get("customers", {})),
    ("donation per shop", lambda r: r["kind"] == "donation" and r.get("per") == "shop"),
    ("gift choices at a token price", lambda r: "choices" in r and "price" in r),
    ("gift value counted later", lambda r: r.get("counts_toward_thresholds") is True),
    ("gift kept on return", lambda r: r.get("on_return") == "keep"),
    ("gift returned on return", lambda r: r.get("on_return") == "return"),
    ("gift deducted on return", lambda r: r.get("on_return") == "deduct"),
    ("percent off shipping", lambda r: r["kind"] == "free_shipping" and "percent" in r),
    ("rule-level best_single", lambda r: r.get("overflow") == "best_single"),
])
def test_campaign_dicts_draw_the_new_mechanisms(what: str,
                                                found: Callable[[dict[str, Any]], bool]) -> None:
    """History gates (with ``history=True``), donations, gift choices, a gift's counted value
    and return policies, percent shipping and best_single are all drawn, so the property tests
    and the soak meet them. ``find`` raises ``NoSuchExample`` when no drawn campaign has it."""
    find(campaign_dicts(history=True), lambda d: any(found(r) for r in d["rules"]),
         settings=FIRST_FOUND)


def test_campaign_level_best_single_is_drawn() -> None:
    """The campaign default overflow may be best_single too (``find`` raises if never)."""
    find(campaign_dicts(), lambda d: d["overflow"] == "best_single", settings=FIRST_FOUND)
