"""The audit covers the campaign's period (issue 11): without ``--at`` it prices carts at times
across every window and schedule and in both pre-sale phases, so a windowed campaign shows the
same flaws as the same campaign without windows; refused carts fail the audit; platform-funded
discounts do not make a merchant's line below cost; known flaws can be accepted by id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit._input.documents import read_document
from promokit.audit import AuditReport, Flaw
from promokit.audit import audit as run_audit
from promokit.audit._catalog import evaluation_times
from promokit.cli import main

from ._support import AUDIT, CATALOG, COSTS

EXAMPLES = 60
WINDOW = {"start": "2026-11-10T20:00:00", "end": "2026-11-12T00:00:00"}
MEMBER_DAY = {"rrule": "FREQ=MONTHLY;BYMONTHDAY=11", "hours": 24}
OPTIONS: dict[str, dict[str, Any]] = {
    "below-cost": {"costs": COSTS}, "discount-rate": {"max_discount_rate": "0.5"},
    "split-arbitrage": {}, "free-order": {}, "shadowed": {}, "never-applies": {},
}


def audit(campaign: promokit.Campaign, **options: Any) -> AuditReport:
    """An audit without its wall-clock budget: on a loaded machine a time cut would change
    which carts are tried, and these tests compare reports."""
    return run_audit(campaign, max_seconds=None, **options)


def data(name: str) -> dict[str, Any]:
    loaded = read_document(AUDIT / f"{name}.yaml").data
    assert isinstance(loaded, dict)
    return loaded


def timed(name: str) -> promokit.Campaign:
    """The example with a Double 11 window on every rule, the last rule also on a member day
    (the 11th of each month) inside it, and a campaign time zone. (On the first rule, a member
    day would change the campaign: in examples/audit/shadowed.yaml, the member it shadows would
    then apply on other days.)"""
    spec = data(name)
    spec["timezone"] = "Asia/Shanghai"
    for rule in spec["rules"]:
        rule["window"] = WINDOW
    spec["rules"][-1]["schedule"] = MEMBER_DAY
    return promokit.Campaign.from_dict(spec)


def ids(report: AuditReport) -> list[str]:
    return [f.id for f in report.flaws]


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_a_windowed_campaign_shows_the_flaws_of_the_unwindowed_one(name: str) -> None:
    """Every rule windowed (one also on a member day): audited without a time, the same flaws
    as without the windows, every cart priced (before, every cart was refused: 'no flaw')."""
    plain = audit(promokit.Campaign.from_dict(data(name)), catalog=CATALOG,
                  max_examples=EXAMPLES, seed=0, **OPTIONS[name])
    report = audit(timed(name), catalog=CATALOG, max_examples=EXAMPLES, seed=0,
                   **OPTIONS[name])
    assert plain.flaws, plain.render()
    assert ids(report) == ids(plain), report.render()
    assert report.error is None and not report.refused
    assert report.options["times"] and report.options["phases"] == ["balance"]


def test_times_cover_windows_member_days_and_both_presale_phases() -> None:
    """The member day inside the window is sampled at its start; a pre-sale campaign is
    audited in the deposit phase (at times in the deposit window) and the balance phase."""
    c = timed("below-cost")
    times = [t.isoformat() for t in evaluation_times(c.spec.all_rules(), c.spec.timezone)]
    assert "2026-11-11T00:00:00+08:00" in times     # the member day on the 11th
    assert "2026-11-10T20:00:00+08:00" in times     # the window's start
    assert all("2026-11-10T20" <= t < "2026-11-12" for t in times)
    presale = promokit.load_campaign(AUDIT.parents[0] / "presale" / "campaign.yaml")
    report = audit(presale, max_examples=10, seed=0)
    assert report.options["phases"] == ["deposit", "balance"]
    assert report.error is None, report.error


def test_refused_carts_fail_the_audit(capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    """A pre-sale whose counts_as is above every catalog price: the engine refuses each cart.
    That is not a pass: the report is not ok, says why, and the command exits 2."""
    spec = {"campaign": "refuses", "currency": "CNY", "rules": [
        {"id": "tv", "kind": "presale", "stage": "item", "select": {"skus": ["TEA-1"]},
         "deposit": 100, "counts_as": 200}]}
    report = audit(promokit.Campaign.from_dict(spec), catalog=CATALOG, max_examples=20, seed=0)
    assert not report.ok and report.refused
    assert report.error is not None and "counts_as" in report.error
    assert report.to_dict()["refusal"]["cart"]["lines"]
    path = tmp_path / "refuses.json"
    path.write_text(json.dumps(spec), "utf-8")
    code = main(["audit", str(path), "--catalog", str(AUDIT / "catalog.yaml"),
                 "--max-examples", "20"])
    err = capsys.readouterr().err
    assert code == 2
    assert "refused to price" in err and str(path) in err and "--at" in err


def test_platform_funded_discounts_are_not_below_the_merchants_cost() -> None:
    """40% off cups sells them at 52.80 for 60.00 of cost when the merchant funds it; funded by
    the platform, the merchant still receives 88.00: no below_cost flaw."""
    spec = data("below-cost")
    merchant = audit(promokit.Campaign.from_dict(spec), catalog=CATALOG, costs=COSTS,
                     max_examples=EXAMPLES, seed=0)
    [flaw] = merchant.of_kind("below_cost")
    assert (flaw.facts["received"], flaw.facts["platform_funded"]) == ("52.80", "0")
    spec["rules"][0]["funded_by"] = "platform"
    platform = audit(promokit.Campaign.from_dict(spec), catalog=CATALOG, costs=COSTS,
                     max_examples=EXAMPLES, seed=0)
    assert not platform.of_kind("below_cost"), platform.render()


def test_flaw_ids_do_not_depend_on_the_order_rules_applied_in() -> None:
    """Double 11 with and without its window: both show a split flaw (the counterexample, and
    the order its rules applied in, differ); an id sorts its rules, so the same rules make the
    same id whatever order they applied in."""
    c = promokit.load_campaign(AUDIT.parents[0] / "double11" / "campaign.yaml")
    spec = c.spec.model_dump(mode="json", exclude_none=True)
    for rule in spec["rules"]:
        rule.pop("window", None)
    plain = audit(promokit.Campaign.from_dict(spec), max_examples=EXAMPLES, seed=0)
    windowed = audit(c, max_examples=EXAMPLES, seed=0)
    assert [f.kind for f in windowed.flaws] == [f.kind for f in plain.flaws] == [
        "split_arbitrage"]
    assert Flaw("split_arbitrage", ("tea-15", "a-200-20"), "").id == \
        Flaw("split_arbitrage", ("a-200-20", "tea-15"), "").id == \
        "split_arbitrage:a-200-20+tea-15"


def test_a_known_flaw_is_accepted_by_its_stable_id(capsys: pytest.CaptureFixture[str]) -> None:
    """The id names the kind and rules, not the cart or seed: the same under two seeds; an
    accepted flaw is reported apart and the command exits 0."""
    c = promokit.load_campaign(AUDIT / "split-arbitrage.yaml")
    first = audit(c, catalog=CATALOG, max_examples=EXAMPLES, seed=0)
    second = audit(c, catalog=CATALOG, max_examples=EXAMPLES, seed=5)
    assert ids(first) == ids(second) == ["split_arbitrage:order-100-30"]
    accepted = audit(c, catalog=CATALOG, max_examples=EXAMPLES, seed=0,
                     accept=["split_arbitrage:order-100-30"])
    assert accepted.ok and [f.id for f in accepted.accepted] == ["split_arbitrage:order-100-30"]
    args = ["audit", str(AUDIT / "split-arbitrage.yaml"), "--catalog",
            str(AUDIT / "catalog.yaml"), "--max-examples", "30"]
    assert main(args) == 1
    assert "(id split_arbitrage:order-100-30)" in capsys.readouterr().out
    assert main([*args, "--accept", "split_arbitrage:order-100-30"]) == 0
    out = capsys.readouterr().out
    assert "accepted: split_arbitrage:order-100-30" in out and "no flaw found" in out
