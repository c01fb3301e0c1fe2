"""Rules that can never apply, found without pricing: empty selections, thresholds out of reach.

A selection matches nothing when no catalog item matches it in any shop a cart can draw (pre-sale
or not). A threshold is out of reach when its lowest step needs more than the largest cart can
hold: ``max_lines x max_quantity`` units, or spend above ``max_lines x max_quantity x`` the highest
unit price of the catalog items the rule selects (list prices bound every threshold base).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from promokit.audit._catalog import Entry, matching, selections, top_price
from promokit.audit._report import Flaw
from promokit.rules._base import RuleSpec


def _reach(spec: RuleSpec) -> tuple[Decimal | None, int | None]:
    """(spend, units) the rule's lowest step needs; None where it needs none."""
    kind = spec.kind
    if kind == "threshold":
        ladder = getattr(spec, "ladder", None)
        first = ladder[0] if ladder else spec
        spend = getattr(first, "min_spend", None)
        if spend is None and not ladder:
            spend = getattr(spec, "every", None)
        units = getattr(first, "min_qty", None)
        if units is None and not ladder:
            units = getattr(spec, "every_qty", None)
        return spend, units
    if kind == "free_shipping":
        return getattr(spec, "min_spend", None), None
    if kind == "multibuy":
        buy, get = spec.buy, spec.get  # type: ignore[attr-defined]
        return None, buy if getattr(spec, "reward", None) is not None else buy + get
    if kind == "bundle":
        return None, spec.size  # type: ignore[attr-defined]
    return None, None


def never_applies(rules: Sequence[RuleSpec], catalog: Sequence[Entry], shops: Sequence[str],
                  *, max_lines: int, max_quantity: int, max_price: Decimal) -> list[Flaw]:
    """Flaws for selections that match nothing and thresholds no cart can reach."""
    flaws = []
    for spec in rules:
        empty = [n for n, sel in enumerate(selections(spec))
                 if not matching(sel, catalog, shops)]
        if empty:
            which = "its selection" if empty == [0] else "its reward selection"
            flaws.append(Flaw(
                "never_applies", (spec.id,),
                f"rule {spec.id!r}: {which} matches no item of the catalog "
                f"({len(catalog)} items, shops {', '.join(shops)})",
                facts={"check": "empty_selection",
                       "selection": (spec.select if empty == [0] else spec.reward)  # type: ignore[attr-defined]
                       .model_dump(mode="json", exclude_defaults=True)}))
            continue
        spend, units = _reach(spec)
        most_units = max_lines * max_quantity
        if units is not None and units > most_units:
            flaws.append(Flaw(
                "never_applies", (spec.id,),
                f"rule {spec.id!r} needs {units} units; a cart holds at most {most_units} "
                f"({max_lines} lines x {max_quantity} units)",
                facts={"check": "unreachable_quantity", "needs": units, "most": most_units}))
        elif spend is not None:
            top = top_price(matching(spec.select, catalog, shops), max_price)
            most = top * most_units
            if spend > most:
                flaws.append(Flaw(
                    "never_applies", (spec.id,),
                    f"rule {spec.id!r} needs a spend of {spend}; its items reach at most "
                    f"{most} ({max_lines} lines x {max_quantity} units x {top})",
                    facts={"check": "unreachable_spend", "needs": str(spend),
                           "most": str(most)}))
    return flaws
