"""What ``campaigns()`` draws a rule's own fields with: each kind's ``draw_fields`` hook, called
with a :class:`~promokit.rules._kind.Draws` backed by hypothesis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from hypothesis import strategies as st

from promokit._money import format_minor
from promokit.rules import RULE_KINDS
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
    history: bool = False


class _Draw:
    """The :class:`~promokit.rules._kind.Draws` a kind's ``draw_fields`` hook receives: the
    hypothesis draw function and the strategy's configuration."""

    def __init__(self, draw: st.DrawFn, config: _Config) -> None:
        self.draw, self.config, self.digits = draw, config, config.digits

    @property
    def top(self) -> int:
        """``max_amount`` in minor units."""
        return self.config.top

    @property
    def presale(self) -> int:
        """``max_presale`` in minor units."""
        return self.config.presale

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, max(low, high)]; shrinks towards ``low``."""
        return self.minor(low, high)

    def maybe_integer(self, low: int, high: int) -> int | None:
        """None or an integer in [low, high]; shrinks towards None."""
        value: int | None = self.draw(_opt(_int(low, high)))
        return value

    def flag(self) -> bool:
        """False or True; shrinks towards False."""
        value: bool = self.draw(_of(False, True))
        return value

    def pick(self, *options: Any) -> Any:
        """One of ``options``; shrinks towards the first."""
        return self.draw(_of(*options))

    def maybe_pick(self, *options: str) -> str | None:
        """None or one of ``options``; shrinks towards None."""
        value: str | None = self.draw(_opt(_of(*options)))
        return value

    def distinct(self, low: int, high: int, at_most: int) -> list[int]:
        """1 to ``at_most`` distinct integers in [low, high], sorted."""
        return sorted(self.draw(_distinct(low, high, at_most)))

    def money(self, low: int = 0, high: int | None = None) -> str:
        """An amount in [low, high or max_amount] minor units; shrinks towards ``low``."""
        top = self.config.top if high is None else high
        return format_minor(self.minor(low, top), self.digits)

    def amount(self, minor: int) -> str:
        """Minor units as an amount string."""
        return format_minor(minor, self.digits)

    def minor(self, low: int, high: int) -> int:
        """Minor units in [low, high]; shrinks towards ``low``."""
        value: int = self.draw(_int(low, max(low, high)))
        return value

    def percent(self) -> str:
        """A percent, whole or in tenths; shrinks towards 0."""
        return _percent(self.draw(_int(0, 1000)))

    def maybe(self, strategy: st.SearchStrategy[Any]) -> Any:
        """None or a value of ``strategy``; shrinks towards None."""
        return self.draw(_opt(strategy))

    def selection(self) -> dict[str, object]:
        """Up to two include fields and one exclude field; shrinks towards every line."""
        vocab = self.config.vocab
        sel: dict[str, object] = {}
        fields = tuple(f for f, values in vocab.items() if values)
        for name in self.draw(_subset(fields, 0, 2)) if fields else ():
            sel[name] = self.draw(_subset(vocab[name], 1, 2))
        excluded = self.maybe(_of(*fields)) if fields else None
        if excluded is not None:
            sel["exclude"] = {excluded: self.draw(_subset(vocab[excluded], 1, 2))}
        return sel

    def window(self) -> dict[str, str] | None:
        """A window when windows are on, else None."""
        value: dict[str, str] | None = self.maybe(_WINDOWS) if self.config.windows else None
        return value


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


@cache
def _distinct(low: int, high: int, at_most: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(low, high), min_size=1, max_size=at_most, unique=True)


def kind_fields(kind: str, d: _Draw) -> dict[str, object]:
    """The fields of a random rule of ``kind``: the kind's own ``draw_fields`` hook."""
    return RULE_KINDS[kind].draw_fields(d)
