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


def never_applies(rules: Sequence[RuleSpec], catalog: Sequence[Entry], shops: Sequence[str],
                  *, max_lines: int, max_quantity: int, max_price: Decimal) -> list[Flaw]:
    """Flaws for selections that match nothing and thresholds no cart can reach."""
    flaws = []
    for spec in rules:
        sels = list(selections(spec))
        empty = [n for n, sel in enumerate(sels) if not matching(sel, catalog, shops)]
        if empty:
            which = "its selection" if empty == [0] else "its reward selection"
            flaws.append(Flaw(
                "never_applies", (spec.id,),
                f"rule {spec.id!r}: {which} matches no item of the catalog "
                f"({len(catalog)} items, shops {', '.join(shops)})",
                facts={"check": "empty_selection",
                       "selection": (sels[0] if empty == [0] else sels[-1])
                       .model_dump(mode="json", exclude_defaults=True)}))
            continue
        reach = spec.reach()  # the kind's own hook
        spend, units = reach.spend, reach.units
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
