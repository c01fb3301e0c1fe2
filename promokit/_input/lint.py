"""Warnings: what a valid campaign most likely got wrong, said without refusing it.

``promokit check`` prints them and still exits 0; :attr:`promokit.Campaign.warnings` holds them.
Each is a :class:`~promokit.Problem` (file, line, rule id, field, value, what was expected).

- a percent under 1 (``percent: 0.85``): percents run 0..100, so 0.85 is 0.85% off; a rule
  called 85折 means 15% off (``percent: 15``);
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from promokit._errors import Problem
from promokit._input.documents import Document
from promokit._input.messages import Found, number
from promokit._input.schema import Loc, drop_none, get_path, walk
from promokit._input.validation import placed
from promokit._spec.campaign import CampaignSpec
from promokit._types import Percent

__all__ = ["campaign_warnings"]

#: 85折, 8.5折, 八五折 is not read: a number before 折 (pay that many tenths, or percent).
_ZHE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*折")


def campaign_warnings(data: object, doc: Document | None = None) -> list[Problem]:
    """The warnings of a campaign's raw data (already validated), located like problems."""
    if not isinstance(data, Mapping):
        return []
    found = _small_percents(data)
    return placed(found, data, doc)


def _small_percents(data: Mapping[Any, Any]) -> list[Found]:
    """Percents between 0 and 1, exclusive."""
    out = []
    for loc, value in _percent_places(data):
        dec = number(value)
        if dec is None or not 0 < dec < 1:
            continue
        rule = get_path(data, loc[:2]) if loc[:1] == ("rules",) else None
        words = " ".join(str(rule.get(k) or "") for k in ("id", "name")) \
            if isinstance(rule, Mapping) else ""
        zhe = _ZHE.search(words)
        hint = f"{_off(Decimal(zhe.group(1)))} for {zhe.group(0)}" if zhe else \
            f"{dec * 100} for {dec * 100}% off"
        out.append(Found(f"percent {dec} is less than 1%: percents run from 0 to 100", loc, dec,
                         f"a percent off such as {hint}"))
    return out


def _off(zhe: Decimal) -> Decimal:
    """The percent off of a 折 figure: 85折 and 8.5折 are 15% off."""
    paid = zhe * 10 if zhe < 10 else zhe
    return (100 - paid).normalize()


def _percent_places(data: Mapping[Any, Any]) -> list[tuple[Loc, object]]:
    """(location, value) of every Percent field in the campaign data, read as the models do."""
    return [(loc, value) for loc, hint, value in walk(CampaignSpec, data)
            if drop_none(hint) == Percent]
