"""The rule fields of each kind ``campaigns()`` draws, and what they draw with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import strategies as st

from promokit._money import format_minor
from promokit.testing._common import _int, _of, _opt, _percent, _subset

_WINDOW_FROM = datetime(2026, 11, 10)
_UTC8 = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class _Config:
    currency: str
    digits: int
    top: int
    presale: int
    stages: tuple[str, ...]
    kinds: tuple[str, ...]
    windows: bool
    vocab: dict[str, tuple[str, ...]]
    who: dict[str, tuple[str, ...]]


class _Draw:
    """What the per-kind field builders draw with: the draw function and the configuration."""

    def __init__(self, draw: st.DrawFn, config: _Config) -> None:
        self.draw, self.config, self.digits = draw, config, config.digits

    def money(self, low: int = 0, high: int | None = None) -> str:
        """An amount in [low, high or max_amount] minor units; shrinks towards ``low``."""
        top = self.config.top if high is None else high
        return format_minor(self.minor(low, top), self.digits)

    def minor(self, low: int, high: int) -> int:
        """Minor units in [low, high]; shrinks towards ``low``."""
        return self.draw(_int(low, max(low, high)))

    def percent(self) -> str:
        """A percent, whole or in tenths; shrinks towards 0."""
        return _percent(self.draw(_int(0, 1000)))

    def maybe(self, strategy: st.SearchStrategy[Any]) -> Any:
        """None or a value of ``strategy``; shrinks towards None."""
        return self.draw(_opt(strategy))

    def pick(self, *options: Any) -> Any:
        """One of ``options``; shrinks towards the first."""
        return self.draw(_of(*options))

    def selection(self) -> dict[str, Any]:
        """Up to two include fields and one exclude field; shrinks towards every line."""
        vocab = self.config.vocab
        sel: dict[str, Any] = {}
        fields = tuple(f for f, values in vocab.items() if values)
        for name in self.draw(_subset(fields, 0, 2)) if fields else ():
            sel[name] = self.draw(_subset(vocab[name], 1, 2))
        excluded = self.maybe(_of(*fields)) if fields else None
        if excluded is not None:
            sel["exclude"] = {excluded: self.draw(_subset(vocab[excluded], 1, 2))}
        return sel

    def window(self) -> dict[str, str] | None:
        """A window when windows are on, else None."""
        return self.maybe(_WINDOWS) if self.config.windows else None


@st.composite
def _windows(draw: st.DrawFn) -> dict[str, str]:
    """A window around 2026-11-11, naive (campaign time zone) or at UTC+8; end after start."""
    start = _WINDOW_FROM + timedelta(minutes=draw(_int(0, 3 * 24 * 60)))
    end = start + timedelta(minutes=draw(_int(1, 2 * 24 * 60)))
    if draw(st.booleans()):
        start, end = start.replace(tzinfo=_UTC8), end.replace(tzinfo=_UTC8)
    out = {"start": start.isoformat(), "end": end.isoformat()}
    drop = draw(_of(None, "start", "end"))
    if drop is not None:
        del out[drop]
    return out


_WINDOWS = _windows()


def _percent_off(d: _Draw) -> dict[str, Any]:
    return {"percent": d.percent()}


def _amount_off(d: _Draw) -> dict[str, Any]:
    return {"amount": d.money()}


def _special_price(d: _Draw) -> dict[str, Any]:
    return {"price": d.money()}


def _multibuy(d: _Draw) -> dict[str, Any]:
    out: dict[str, Any] = {"buy": d.draw(_int(1, 3)), "get": d.draw(_int(1, 2))}
    benefit = d.pick("percent_off", "amount_off", "price")
    out[benefit] = d.percent() if benefit == "percent_off" else d.money()
    out["pick"] = d.pick("cheapest", "most_expensive")
    if d.pick(False, True):
        out["reward"] = d.selection()
    for name, high in (("limit", 3), ("max_units", 4)):
        value = d.maybe(_int(1, high))
        if value is not None:
            out[name] = value
    return out


def _bundle(d: _Draw) -> dict[str, Any]:
    out: dict[str, Any] = {"size": d.draw(_int(1, 4)), "price": d.money(),
                           "pick": d.pick("most_expensive", "cheapest")}
    limit = d.maybe(_int(1, 3))
    if limit is not None:
        out["limit"] = limit
    return out


def _threshold(d: _Draw) -> dict[str, Any]:
    out: dict[str, Any] = {"scope": d.pick("pool", "shop", "order")}
    form = d.pick("min_spend", "min_qty", "every", "every_qty", "ladder")
    if form == "ladder":
        out["ladder"] = _ladder(d)
    else:
        out[form] = d.money(1 if form == "every" else 0) if form in ("min_spend", "every") \
            else d.draw(_int(1, 6))
        percent = form in ("min_spend", "min_qty") and d.pick(False, True)
        out["percent" if percent else "discount"] = d.percent() if percent else d.money()
    if d.pick(False, True):
        out["cap"] = d.money()
    overflow = d.maybe(_of("lose", "spill"))
    if overflow is not None:
        out["overflow"] = overflow
    return out


def _ladder(d: _Draw) -> list[dict[str, Any]]:
    """1 to 4 strictly increasing rungs; a benefit never drops below the rung before of its kind."""
    by_qty = d.pick(False, True)
    reaches = sorted(d.draw(_rungs(8 if by_qty else d.config.top, by_qty)))
    steps: list[dict[str, Any]] = []
    for value in reaches:
        step: dict[str, Any] = {"min_qty": value} if by_qty \
            else {"min_spend": format_minor(value, d.digits)}
        kind = d.pick("discount", "percent")
        benefit = Decimal(d.percent() if kind == "percent" else d.money())
        if steps and kind in steps[-1]:
            benefit = max(benefit, Decimal(steps[-1][kind]))
        step[kind] = str(benefit)
        steps.append(step)
    return steps


def _presale(d: _Draw) -> dict[str, Any]:
    """Deposit < counts_as, counts_as + instant reduction <= max_presale (< any price)."""
    top = d.config.presale
    deposit = d.minor(1, top - 1)
    counts_as = d.minor(deposit + 1, top)
    out: dict[str, Any] = {"deposit": format_minor(deposit, d.digits),
                           "counts_as": format_minor(counts_as, d.digits)}
    cut = d.maybe(_int(0, top - counts_as))
    if cut is not None:
        out["instant_reduction"] = format_minor(cut, d.digits)
    if d.pick(False, True):
        out["price"] = d.money(counts_as + (cut or 0) + 1, top + d.config.top)
    for name in ("deposit_window", "balance_window"):
        window = d.window()
        if window is not None:
            out[name] = window
    return out


def _free_shipping(d: _Draw) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("min_spend", "max_waived"):
        if d.pick(False, True):
            out[name] = d.money()
    return out


_KIND_FIELDS = {
    "percent_off": _percent_off, "amount_off": _amount_off, "special_price": _special_price,
    "multibuy": _multibuy, "bundle": _bundle, "threshold": _threshold, "presale": _presale,
    "free_shipping": _free_shipping,
}


@cache
def _rungs(high: int, by_qty: bool) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(1 if by_qty else 0, high), min_size=1, max_size=4, unique=True)
