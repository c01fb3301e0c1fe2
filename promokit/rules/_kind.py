"""What a rule kind tells the rest of the library about itself, as plain data.

A kind's spec class (a :class:`~promokit.rules._base.RuleSpec`) answers every question the views,
the audit and the test strategies ask about it through hooks that return the types below; those
modules read the answers and never branch on the kind's name. See docs/adding-a-rule-kind.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from promokit._cart.selection import Selection
    from promokit.rules._gates import Window


@dataclass(frozen=True, slots=True)
class Reach:
    """What a rule's lowest step needs before it can apply at all (the audit's never-applies check).

    ``spend``: eligible spend, in major units (list prices bound every threshold base); ``units``:
    eligible units in one cart. None where the rule needs nothing of that sort.
    """

    spend: Decimal | None = None
    units: int | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """One threshold a worked example shows a cart just below (when ``below``) and one at.

    Give ``spend`` (the cart's price is searched so that the rule's base, as the engine judges
    it, reaches it) or ``units`` (that many units at the example's unit price); neither: one
    cart of one unit.
    """

    spend: Decimal | None = None
    units: int | None = None
    below: bool = True


@dataclass(frozen=True, slots=True)
class Worked:
    """What the worked examples of a rule page need from a rule (see ``RuleSpec.worked``).

    ``unit``: the unit price (minor units) of example lines that are not searched for;
    ``cases``: the thresholds to show, in order (empty: no example rows); ``first``: the lowest
    spend threshold, so that a missed example can show the base it was judged on; ``shipping``:
    the carts carry a shipping fee; ``reward``: every cart also buys this many units of this
    selection; ``phases``: instead of cases, price one cart in each named phase, at a time inside
    the given window (a pre-sale's deposit and balance).
    """

    unit: int
    cases: tuple[Case, ...] = ()
    first: Decimal | None = None
    shipping: bool = False
    reward: tuple[Selection, int] | None = None
    phases: tuple[tuple[str, Window | None], ...] = ()


@dataclass(frozen=True, slots=True)
class BaseFact:
    """A threshold base for the rule page (None: the campaign's default base)."""

    label: str
    base: str | None


@dataclass(frozen=True, slots=True)
class WindowFact:
    """A validity window for the rule page (None: any time)."""

    label: str
    window: Window | None


@dataclass(frozen=True, slots=True)
class WordFact:
    """A value the page words through its vocabulary (a ``Words`` key such as ``scope_pool``)."""

    label: str
    key: str


@dataclass(frozen=True, slots=True)
class TextFact:
    """A value shown as it is (numbers, limits)."""

    label: str
    text: str


#: One line of a rule's terms on the rule page, beyond those every rule has; ``label`` is a
#: ``Words`` key (``f_base``, ``f_scope``, ...).
Fact = BaseFact | WindowFact | WordFact | TextFact


class Draws(Protocol):
    """What a kind's ``draw_fields`` hook draws with; ``promokit.testing`` backs it with hypothesis.

    Every method draws one value and shrinks towards its first option or lowest value, so
    promokit.rules never imports hypothesis (an optional dependency).
    """

    @property
    def top(self) -> int:
        """The largest amount to draw, in minor units (``max_amount``)."""

    @property
    def presale(self) -> int:
        """The largest pre-sale amount (deposit, counts_as), in minor units; below every price."""

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high]."""

    def maybe_integer(self, low: int, high: int) -> int | None:
        """None or an integer in [low, high]."""

    def flag(self) -> bool:
        """False or True."""

    def pick(self, *options: str) -> str:
        """One of ``options``."""

    def maybe_pick(self, *options: str) -> str | None:
        """None or one of ``options``."""

    def distinct(self, low: int, high: int, at_most: int) -> list[int]:
        """1 to ``at_most`` distinct integers in [low, high], sorted."""

    def money(self, low: int = 0, high: int | None = None) -> str:
        """An amount between ``low`` and ``high`` (default: ``top``) minor units, as a string."""

    def amount(self, minor: int) -> str:
        """``minor`` units as an amount string of the campaign's currency."""

    def percent(self) -> str:
        """A percent, whole or in tenths."""

    def selection(self) -> dict[str, object]:
        """A selection (as campaign-file data) over the strategy's vocabulary."""

    def window(self) -> dict[str, str] | None:
        """A validity window (as campaign-file data), or None."""
