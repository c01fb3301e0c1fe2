"""Plan.build: exclusive groups keep their members in order, and the collector is left as found."""

from __future__ import annotations

import gc

import promokit
from promokit.pricing.plan import Group, Plan


def campaign() -> promokit.Campaign:
    rules = [{"id": f"r{k}", "kind": "percent_off", "stage": "item", "percent": 5 + k,
              "select": {"shops": ["A"]}, "exclusive": "g" if k % 2 else None}
             for k in range(6)]
    return promokit.Campaign.from_dict({"campaign": "c", "currency": "CNY", "rules": [
        {k: v for k, v in r.items() if v is not None} for r in rules],
        "exclusive_groups": {"g": {"pick": "best"}}})


def test_group_members_in_rule_order() -> None:
    plan = Plan.build(campaign().spec)
    groups = [e for e in plan.entries["item"] if isinstance(e, Group)]
    assert [[r.id for r in g.rules] for g in groups] == [["r1", "r3", "r5"]]
    assert [e.name if isinstance(e, Group) else e.id for e in plan.entries["item"]] == \
        ["r0", "g", "r2", "r4"]


def test_the_collector_is_left_as_found() -> None:
    spec = campaign().spec
    assert gc.isenabled()
    Plan.build(spec)
    assert gc.isenabled()
    gc.disable()
    try:
        Plan.build(spec)
        assert not gc.isenabled()
    finally:
        gc.enable()
