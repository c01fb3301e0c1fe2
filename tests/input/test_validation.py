"""Tests for promokit._input.validation: every problem in a campaign file, located and explained."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promokit
from promokit import CampaignError, Problem
from promokit._input.schema import vocabulary
from promokit._input.validation import validate_campaign
from promokit.rules import RULE_KINDS

ROOT = Path(__file__).resolve().parents[2]
HEAD = "campaign: demo\ncurrency: CNY\n"
TEA = "  - id: tea\n    kind: percent_off\n    stage: item\n"
SHOP = "  - id: a-200\n    kind: threshold\n    stage: shop\n    scope: shop\n"


def problems(text: str, fmt: str = "yaml") -> list[Problem]:
    """The problems a campaign text is rejected with (the test fails if it is accepted)."""
    with pytest.raises(CampaignError) as info:
        promokit.parse_campaign(text, fmt, file="c.yaml")
    assert str(info.value).startswith("c.yaml: ")
    return list(info.value.problems)


def only(text: str) -> Problem:
    """The one problem a campaign text is rejected with."""
    found = problems(text)
    assert len(found) == 1, [p.render() for p in found]
    return found[0]


def rules(body: str, head: str = HEAD) -> str:
    """A campaign with the given rule list body."""
    return f"{head}rules:\n{body}"


# --- unknown keys and did-you-mean --------------------------------------------------------------


def test_unknown_rule_field_suggests_the_rule_kinds_own_field() -> None:
    """A misspelt percent is reported once, with 'did you mean', not also as a missing percent."""
    p = only(rules(TEA + "    precent: 15\n"))
    assert (p.rule, p.path, p.value, p.expected, p.line) == (
        "tea", "rules[0].precent", "precent", "'percent'", 7)
    assert p.message == "unknown field 'precent'; did you mean 'percent'?"
    assert p.file == "c.yaml"


def test_unknown_threshold_field_min_spent_suggests_min_spend() -> None:
    """min_spent is a slip for min_spend."""
    p = only(rules(SHOP + "    min_spent: 200\n    discount: 20\n"))
    assert (p.rule, p.path, p.value, p.expected, p.line) == (
        "a-200", "rules[0].min_spent", "min_spent", "'min_spend'", 8)
    assert "did you mean 'min_spend'?" in p.message


def test_did_you_mean_uses_the_fields_valid_at_that_place() -> None:
    """Under select the suggestion is a Selection field; in a ladder item, a Step field."""
    found = problems(rules(
        SHOP + "    select: {skuz: [A]}\n    ladder:\n      - {min_spend: 100, discont: 10}\n"))
    by_path = {p.path: p for p in found}
    assert by_path["rules[0].select.skuz"].expected == "'skus'"
    assert by_path["rules[0].ladder[0].discont"].expected == "'discount'"
    assert by_path["rules[0].ladder[0].discont"].line == 10


def test_field_of_another_rule_kind_names_that_kind() -> None:
    """every_qty on a percent_off rule belongs to threshold rules; the message says so."""
    found = problems(rules(TEA + "    percent: 10\n    every_qty: 2\n"))
    [p] = found
    assert p.path == "rules[0].every_qty"
    assert p.message == ("'every_qty' is a field of threshold and gift rules, "
                         "not of percent_off rules")
    assert p.expected is not None and "percent" in p.expected


def test_unknown_top_level_field_suggests_campaign_field() -> None:
    """A misspelt top-level key is suggested from the campaign's own fields."""
    p = only("campaign: demo\ncurrency: CNY\ntimezon: Asia/Shanghai\n")
    assert (p.path, p.value, p.expected, p.line) == ("timezon", "timezon", "'timezone'", 3)


def test_missing_required_field_reads_well() -> None:
    """pydantic's 'Field required' becomes 'missing required field' with what it expects."""
    p = only(rules(TEA))
    assert p.message == "missing required field 'percent' for percent_off rules"
    assert (p.rule, p.path, p.line) == ("tea", "rules[0].percent", 4)
    assert p.expected is not None and "percent from 0 to 100" in p.expected


def test_unknown_rule_kind_suggests_the_closest() -> None:
    """kind: percent-off is a slip for percent_off."""
    p = only(rules("  - id: x\n    kind: percent-off\n    stage: item\n"))
    assert (p.rule, p.path, p.value) == ("x", "rules[0].kind", "percent-off")
    assert "did you mean 'percent_off'?" in p.message
    assert p.expected == "one of " + ", ".join(RULE_KINDS)


def test_bad_choice_suggests_an_allowed_value() -> None:
    """scope: shops is a slip for shop."""
    p = only(rules(SHOP.replace("scope: shop", "scope: shops") + "    min_spend: 1\n"
                   "    discount: 1\n"))
    assert (p.path, p.value, p.expected) == (
        "rules[0].scope", "shops", "one of 'shop', 'pool', 'order'")
    assert "did you mean 'shop'?" in p.message


def test_not_a_whole_number_reads_well() -> None:
    """'Input should be a valid integer' becomes 'not a whole number'."""
    p = only(rules(TEA + "    percent: 10\n    priority: high\n"))
    assert (p.message, p.path, p.value, p.expected) == (
        "not a whole number", "rules[0].priority", "high", "a whole number")


# --- ids, stages, bases, groups -----------------------------------------------------------------


def test_duplicate_rule_id() -> None:
    """The second rule with an id is reported at its id, naming the first."""
    p = only(rules(TEA + "    percent: 10\n" + TEA + "    percent: 20\n"))
    assert (p.rule, p.path, p.value, p.expected, p.line) == (
        "tea", "rules[1].id", "tea", "a unique id per rule", 8)
    assert p.message == "duplicate rule id 'tea' (first at rules[0])"


def test_undeclared_stage_suggests_a_declared_one() -> None:
    """stage: shp is not declared; shop is."""
    p = only(rules(TEA.replace("stage: item", "stage: shp") + "    percent: 10\n"))
    assert (p.rule, p.path, p.value, p.line) == ("tea", "rules[0].stage", "shp", 6)
    assert p.expected == "one of item, shop, cross_store, platform, cash"
    assert "did you mean 'shop'?" in p.message


def test_base_naming_a_later_stage() -> None:
    """A threshold in the shop stage cannot be judged on the price after cross_store."""
    p = only(rules(SHOP + "    base: cross_store\n    min_spend: 200\n    discount: 20\n"))
    assert (p.rule, p.path, p.value, p.line) == ("a-200", "rules[0].base", "cross_store", 8)
    assert p.expected == "one of running, list, item"
    assert "is a later stage" in p.message


def test_base_naming_its_own_stage() -> None:
    """A threshold cannot be judged on the price after its own stage."""
    p = only(rules(SHOP + "    base: shop\n    min_spend: 200\n    discount: 20\n"))
    assert "this rule's own stage" in p.message
    assert p.value == "shop"


def test_undeclared_campaign_threshold_base() -> None:
    """threshold_base must be running, list or a declared stage."""
    p = only(HEAD + "threshold_base: shops\n")
    assert (p.path, p.value, p.line) == ("threshold_base", "shops", 3)
    assert "did you mean 'shop'?" in p.message


def test_stage_named_like_a_base_is_refused() -> None:
    """A stage called 'list' would make the base 'list' ambiguous."""
    p = only(HEAD + "stages: [item, list]\n")
    assert (p.path, p.value) == ("stages[1]", "list")


def test_stages_named_outside_rules_must_be_declared() -> None:
    """shipping_stage, a tier discount's stage and a coupon kind's stage are checked too."""
    found = problems(HEAD + "shipping_stage: ship\n"
                     "tiers: {levels: [{name: gold, rank: 1, "
                     "perks: {discount: {percent: 5, stage: membr}}}]}\n"
                     "coupon_policy: {kinds: {shop: {stage: shp}}}\n")
    assert [(p.path, p.value, p.line) for p in found] == [
        ("shipping_stage", "ship", 3), ("tiers.levels[0].perks.discount.stage", "membr", 4),
        ("coupon_policy.kinds.shop.stage", "shp", 5)]
    assert "did you mean 'shop'?" in found[2].message


def test_customers_name_declared_tiers() -> None:
    """min_tier needs the tier ladder; a tier list is checked against it when there is one."""
    head = HEAD + "tiers: {levels: [{name: gold, rank: 1}]}\n"
    p = only(rules(TEA + "    percent: 5\n    customers: {min_tier: glod}\n", head))
    assert (p.rule, p.path, p.value, p.expected) == (
        "tea", "rules[0].customers.min_tier", "glod", "one of gold")
    assert "did you mean 'gold'?" in p.message
    p = only(rules(TEA + "    percent: 5\n    customers: {tiers: [gold, platinum]}\n", head))
    assert (p.path, p.value) == ("rules[0].customers.tiers[1]", "platinum")


def test_undeclared_exclusive_group() -> None:
    """exclusive names a group that exclusive_groups does not declare."""
    head = HEAD + "exclusive_groups: {coupons: {pick: best}}\n"
    p = only(rules(TEA + "    percent: 10\n    exclusive: coupon\n", head))
    assert (p.rule, p.path, p.value, p.expected, p.line) == (
        "tea", "rules[0].exclusive", "coupon", "one of coupons", 9)
    assert "did you mean 'coupons'?" in p.message


# --- references outside the rules: perks, coupon kinds, pre-sale limits ------------------------

LEVELS = ("tiers: {levels: [{name: silver, rank: 1}, {name: gold, rank: 2}, "
          "{name: diamond, rank: 3, perks: {free_shipping: true}}]}\n")
PRESALE = ("  - {id: ps, kind: presale, stage: item, price: 800, deposit: 200, "
           "counts_as: 400}\n")
BAD_TEA = TEA + "    percent: 200\n"  # the unrelated mistake each case is reported with


@pytest.mark.parametrize(("head", "body", "path", "words"), [
    (LEVELS, "", "tiers.levels[2].perks.free_shipping", "needs shipping_stage"),
    ("shipping_stage: ship\n", "", "shipping_stage", "stage 'ship' is not declared"),
    ("tiers: {levels: [{name: gold, rank: 1, perks: {discount: {percent: 5, stage: membr}}}]}\n",
     "", "tiers.levels[0].perks.discount.stage", "stage 'membr' is not declared"),
    ("coupon_policy: {kinds: {shop: {stage: shp}}}\n", "", "coupon_policy.kinds.shop.stage",
     "stage 'shp' is not declared"),
    ("coupon_policy: {kinds: {shop: {stage: shop, base: platform}}}\n", "",
     "coupon_policy.kinds.shop.base", "base 'platform' is a later stage"),
    ("threshold_base: shop\ncoupon_policy: {kinds: {shop: {stage: shop}}}\n", "",
     "coupon_policy.kinds.shop.stage", "inherits threshold_base 'shop'"),
    ("threshold_base: shop\n", "  - {id: fs, kind: free_shipping, stage: item}\n",
     "rules[1].stage", "inherits threshold_base 'shop'"),
    ("presale_limits: {max_deposit_percent: 20}\n", PRESALE, "rules[1].deposit",
     "deposit 200 is above 20% of the price 800"),
])  # fmt: skip
def test_references_outside_rules_are_reported_with_every_other_problem(
        head: str, body: str, path: str, words: str) -> None:
    """Each check on what a campaign's parts refer to is located and comes with a value error."""
    found = problems(rules(BAD_TEA + body, HEAD + head))
    by_path = {p.path: p for p in found}
    assert sorted(by_path) == sorted([path, "rules[0].percent"])
    assert words in by_path[path].message
    last_of_head = 2 + head.count("\n")  # the references are on the head's last line
    assert by_path[path].line == (last_of_head + 6 if path.startswith("rules") else last_of_head)


@pytest.mark.parametrize(("fields", "rule", "path"), [
    ({"tiers": {"levels": [{"name": "d", "rank": 1, "perks": {"free_shipping": True}}]}},
     None, "tiers.levels[0].perks.free_shipping"),
    ({"coupon_policy": {"kinds": {"shop": {"stage": "shop", "base": "shop"}}}},
     None, "coupon_policy.kinds.shop.base"),
    ({"threshold_base": "shop", "coupon_policy": {"kinds": {"platform": {"stage": "item"}}}},
     None, "coupon_policy.kinds.platform.stage"),
    ({"threshold_base": "shop"}, {"id": "fs", "kind": "free_shipping", "stage": "shop"},
     "rules[0].stage"),
    ({"presale_limits": {"max_deposit_percent": "20"}},
     {"id": "ps", "kind": "presale", "stage": "item", "price": "800", "deposit": "160.01",
      "counts_as": "300"}, "rules[0].deposit"),
])  # fmt: skip
def test_references_outside_rules_are_checked_by_from_dict(
        fields: dict[str, object], rule: dict[str, object] | None, path: str) -> None:
    """Campaign.from_dict reports each of these checks at its path."""
    data = {"campaign": "demo", "currency": "CNY", **fields, "rules": [rule] if rule else []}
    with pytest.raises(CampaignError) as info:
        promokit.Campaign.from_dict(data)
    assert [p.path for p in info.value.problems] == [path]


def test_references_that_can_take_effect_are_accepted() -> None:
    """A free-shipping perk with a shipping_stage, a deposit of exactly the limit, a later base."""
    promokit.Campaign.from_dict({
        "campaign": "demo", "currency": "CNY", "stages": ["item", "shop", "shipping"],
        "shipping_stage": "shipping", "threshold_base": "item",
        "tiers": {"levels": [{"name": "d", "rank": 1, "perks": {"free_shipping": True}}]},
        "coupon_policy": {"kinds": {"shop": {"stage": "shop"}}},
        "presale_limits": {"max_deposit_percent": 20},
        "rules": [{"id": "ps", "kind": "presale", "stage": "item", "price": 800,
                   "deposit": 160, "counts_as": 300},
                  {"id": "fs", "kind": "free_shipping", "stage": "shipping"}]})


# --- amounts ------------------------------------------------------------------------------------


def test_negative_amount() -> None:
    """A negative discount names the value and the rule."""
    p = only(rules(SHOP + "    min_spend: 200\n    discount: -20\n"))
    assert (p.rule, p.path, p.value, p.expected, p.line) == (
        "a-200", "rules[0].discount", Decimal(-20), "an amount >= 0", 9)
    assert p.message == "-20 is negative"


@pytest.mark.parametrize(("text", "message"), [
    (".nan", "'.nan' is not a decimal number"),
    ("nan", "'nan' is not a finite number"),
    ("NaN", "'NaN' is not a finite number"),
    (".inf", "'.inf' is not a decimal number"),
    ("-.inf", "'-.inf' is not a decimal number"),
    ("Infinity", "'Infinity' is not a finite number"),
    ("twenty", "'twenty' is not a decimal number"),
    ("'12,5'", "'12,5' is not a decimal number"),
])  # fmt: skip
def test_nan_infinite_and_non_numeric_amounts(text: str, message: str) -> None:
    """NaN, infinities and words are not amounts."""
    p = only(rules(SHOP + f"    min_spend: 200\n    discount: {text}\n"))
    assert (p.message, p.path, p.rule, p.line) == (message, "rules[0].discount", "a-200", 9)
    assert p.value == text.strip("'")
    assert p.expected == "an amount >= 0 written as a decimal, such as 19.90"


def test_json_nan_in_a_campaign_file() -> None:
    """A JSON campaign with NaN is refused by the reader, naming the constant."""
    data = {"campaign": "demo", "currency": "CNY"}
    text = json.dumps(data)[:-1] + ', "rounding": NaN}'
    [p] = problems(text, "json")
    assert (p.value, p.expected) == ("NaN", "a finite number")


@pytest.mark.parametrize("percent", ["150", "-1", "100.01"])
def test_percent_outside_0_to_100(percent: str) -> None:
    """A percent off must lie in 0..100 (negative ones are caught by the same check)."""
    p = only(rules(TEA + f"    percent: {percent}\n"))
    assert (p.path, p.rule, p.value, p.line) == ("rules[0].percent", "tea", Decimal(percent), 7)
    assert p.message == f"{percent} is outside 0..100"
    assert p.expected == "a percent such as 15 for 15% off"


def test_more_decimals_than_the_currency_has() -> None:
    """20.005 yuan cannot be paid: CNY has two decimals, JPY none."""
    p = only(rules(SHOP + "    min_spend: 200\n    discount: 20.005\n"))
    assert (p.path, p.rule, p.value, p.expected, p.line) == (
        "rules[0].discount", "a-200", Decimal("20.005"), "at most 2 decimal places for CNY", 9)
    head = "campaign: demo\ncurrency: JPY\n"
    p = only(rules(SHOP + "    ladder:\n      - {min_spend: 1000.5, discount: 100}\n", head))
    assert (p.path, p.value) == ("rules[0].ladder[0].min_spend", Decimal("1000.5"))
    assert p.expected == "a whole number of JPY (it has no minor unit)"


def test_decimal_values_show_plainly() -> None:
    """A decimal value renders as the merchant wrote it, not as Decimal('...')."""
    p = only(rules(SHOP + "    min_spend: 200\n    discount: -20.50\n"))
    assert "(is: -20.50, expected: an amount >= 0)" in p.render()


def test_render_names_the_cart_line_after_the_rule() -> None:
    """A problem's cart line comes after its rule part; a decimal shows as written."""
    p = Problem("too small", "lines[0].x", "r", Decimal("19.90"), "more", "f.yaml", 3, "l1")
    assert p.render() == "f.yaml:3: rule 'r': line 'l1': lines[0].x: too small " \
        "(is: 19.90, expected: more)"


def test_unknown_currency_suggests_the_iso_code() -> None:
    """RMB is what merchants say; CNY is the ISO code."""
    p = only("campaign: demo\ncurrency: RMB\n")
    assert (p.path, p.value, p.line) == ("currency", "RMB", 2)
    assert p.message == "unknown currency 'RMB'; did you mean 'CNY'?"
    assert p.expected == "an ISO 4217 code such as CNY, USD, EUR, JPY"


# --- shapes of thresholds ----------------------------------------------------------------------


def test_ladder_that_does_not_increase_points_at_the_step() -> None:
    """The step that breaks the order is named, with the value before it."""
    p = only(rules(SHOP + "    ladder:\n      - {min_spend: 400, discount: 50}\n"
                   "      - {min_spend: 300, discount: 80}\n"))
    assert (p.rule, p.path, p.value, p.line) == ("a-200", "rules[0].ladder[1].min_spend",
                                                 Decimal(300), 10)
    assert p.expected == "more than 400: each step above the one before"


def test_ladder_whose_benefit_drops() -> None:
    """A higher step that gives less is pointed at its discount."""
    p = only(rules(SHOP + "    ladder:\n      - {min_spend: 300, discount: 50}\n"
                   "      - {min_spend: 400, discount: 40}\n"))
    assert (p.path, p.value) == ("rules[0].ladder[1].discount", Decimal(40))


def test_two_threshold_forms_name_both() -> None:
    """min_spend and every together: the value lists what was given."""
    p = only(rules(SHOP + "    min_spend: 200\n    every: 300\n    discount: 20\n"))
    assert (p.path, p.value) == ("rules[0]", "min_spend, every")
    assert p.expected == "exactly one of min_spend, min_qty, every, every_qty, ladder"


def test_window_that_ends_before_it_starts() -> None:
    """The end of a window is pointed at."""
    p = only(rules(TEA + "    percent: 10\n    window: {start: '2026-11-12T00:00:00', "
                   "end: '2026-11-11T00:00:00'}\n"))
    assert (p.path, p.value) == ("rules[0].window.end", "2026-11-11T00:00:00")


# --- the file as a whole ------------------------------------------------------------------------


def test_yaml_syntax_error_names_the_line() -> None:
    """A YAML syntax error is a problem with a line, not a traceback."""
    p = only(HEAD + "rules:\n  - id: x\n   kind: percent_off\n")
    assert p.message.startswith("YAML syntax error")
    assert (p.file, p.line) == ("c.yaml", 5)


def test_every_problem_is_reported_together_in_file_order() -> None:
    """Value problems (pydantic) and cross-rule problems come in one error, sorted by line."""
    found = problems(rules(TEA + "    precent: 10\n" + TEA + "    percent: 200\n"
                           + SHOP.replace("stage: shop", "stage: nope")
                           + "    min_spend: -1\n    discount: 5\n"))
    assert [p.path for p in found] == [
        "rules[0].precent", "rules[1].id", "rules[1].percent", "rules[2].stage",
        "rules[2].min_spend"]
    assert [p.line for p in found] == sorted(p.line or 0 for p in found)


def test_paths_are_rendered_one_way() -> None:
    """Every path uses rules[3].percent, never rules.3.percent."""
    found = problems(rules(TEA + "    precent: 10\n" + TEA + "    percent: 200\n"))
    assert all(not re.search(r"\.\d", p.path) for p in found)


def test_not_a_mapping() -> None:
    """An empty file or a list is named as such."""
    [p] = problems("")
    assert "the file is empty" in p.message
    [p] = problems("- a\n- b\n")
    assert "a list" in p.message


def test_validate_campaign_without_a_document() -> None:
    """Data without a document still gets paths and rule ids, without file or line."""
    with pytest.raises(CampaignError) as info:
        validate_campaign({"campaign": "x", "currency": "CNY", "rules": [
            {"id": "a", "kind": "amount_off", "stage": "item", "amount": "abc"}]})
    [p] = info.value.problems
    assert (p.rule, p.path, p.value, p.file, p.line) == ("a", "rules[0].amount", "abc", None, None)


WORDS = st.sampled_from([*vocabulary(), *RULE_KINDS, "item", "shop", "A", "CNY", "RMB", "1.005",
                         "-1", "nan", "running", "list", "all", "2026-11-11T00:00:00"])
SCALARS = (st.none() | st.booleans() | st.integers(-5, 1000) | WORDS | st.text(max_size=3)
           | st.decimals(allow_nan=True, places=3))
TREES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(WORDS | st.integers(0, 3), inner, max_size=6),
                     max_leaves=30)
CAMPAIGNS = st.fixed_dictionaries(
    {"campaign": WORDS, "currency": st.sampled_from(["CNY", "JPY", "RMB", 5])},
    optional={"rules": st.lists(st.dictionaries(WORDS, TREES, max_size=8), max_size=4),
              "stages": TREES, "threshold_base": TREES, "exclusive_groups": TREES,
              "tiers": TREES, "coupon_policy": TREES})


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(TREES, CAMPAIGNS))
def test_any_data_is_accepted_or_a_campaign_error(data: object) -> None:
    """Whatever the data, validation returns a spec or raises CampaignError: never a crash."""
    try:
        validate_campaign(data)
    except CampaignError as exc:
        assert exc.problems
        assert all(isinstance(p.message, str) and p.message for p in exc.problems)


FIVE = ROOT / "examples" / "bad" / "five-mistakes.yaml"


def test_five_mistakes_example_reports_exactly_five() -> None:
    """The example of bad input has five mistakes of five kinds, each located."""
    with pytest.raises(CampaignError) as info:
        promokit.load_campaign(FIVE)
    found = info.value.problems
    assert [(p.rule, p.path, p.value) for p in found] == [
        ("tea-15", "rules[0].precent", "precent"),
        ("a-200-20", "rules[1].discount", Decimal(-20)),
        ("a-200-20", "rules[2].id", "a-200-20"),
        ("b-ladder", "rules[3].ladder[2].min_spend", Decimal(300)),
        ("x-300-50", "rules[4].stage", "cross_shop"),
    ]
    assert all(p.file == str(FIVE) and p.line and p.expected for p in found)


# --- the reference document ---------------------------------------------------------------------

DOC = ROOT / "docs" / "campaign-format.md"


def doc_campaigns() -> list[str]:
    """The YAML blocks of docs/campaign-format.md that are whole campaigns."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return [b for b in blocks if b.startswith("campaign:")]


def test_doc_has_campaign_examples() -> None:
    """The reference shows a whole campaign for every rule kind."""
    kinds = {m for b in doc_campaigns() for m in re.findall(r"kind: (\w+)", b)}
    assert kinds >= set(RULE_KINDS)


@pytest.mark.parametrize("block", doc_campaigns(), ids=lambda b: b.split("\n", 1)[0])
def test_doc_example_loads(block: str) -> None:
    """Every campaign example in docs/campaign-format.md is valid and compiles."""
    campaign = promokit.parse_campaign(block, file="docs/campaign-format.md")
    assert campaign._plan is not None


def test_doc_names_every_reason_code() -> None:
    """Every reason code is documented."""
    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{reason.value}`" in text for reason in promokit.Reason)


def test_doc_names_every_field() -> None:
    """Every field of every rule kind and of the campaign appears in the reference."""
    text = DOC.read_text(encoding="utf-8")
    fields = {n for kind in RULE_KINDS.values() for n in kind.model_fields}
    fields |= set(promokit.CampaignSpec.model_fields)
    assert sorted(f for f in fields if f"`{f}`" not in text) == []
