"""The one-rooted exception tree of promokit.

    PromokitError
    ├── MoneyError (ValueError)            bad amounts, floats, unknown currencies
    │   └── CurrencyMismatchError           two currencies mixed; names both
    ├── InputError (ValueError)             a file or object failed validation
    │   ├── CampaignError                   ... a campaign file (all its problems at once)
    │   ├── CartError                       ... a cart
    │   ├── RefundError                     ... a refund request or the stored result it reads
    │   └── AuditInputError                 ... a catalog, costs file or audit option
    ├── ExplainError (ValueError)           an explanation or rule page cannot be rendered
    └── PricingError (RuntimeError)         a valid input that cannot be priced as asked
        └── SearchBoundError                an exact search would exceed its declared bound

Every input error carries a list of :class:`Problem` records with structured fields, so a CLI, an
editor or a test can point at the exact place: file, rule id, field path, value, expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal


class PromokitError(Exception):
    """Root of every error promokit raises on purpose."""


class MoneyError(PromokitError, ValueError):
    """An amount or currency that cannot be exact money."""


class CurrencyMismatchError(MoneyError):
    """Two amounts in different currencies were combined."""

    def __init__(self, left: str, right: str) -> None:
        self.left = left
        self.right = right
        super().__init__(f"cannot combine {left} with {right}: amounts are in different currencies")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    ``item`` is the id of the cart line a problem is under (``lines[i]``), when it has one.
    """

    message: str
    path: str = ""
    rule: str | None = None
    value: object = None
    expected: str | None = None
    file: str | None = None
    line: int | None = None
    item: str | None = None

    def render(self) -> str:
        """The problem as one line: ``file:line: rule 'x': field: message (is: v, expected: e)``.

        A cart line's problem names the line after the rule part: ``line 'l1': lines[0]...``;
        a decimal shows as written (``is: 19.90``), other values as their repr.
        """
        where = []
        if self.file:
            where.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.rule:
            where.append(f"rule {self.rule!r}")
        if self.item:
            where.append(f"line {self.item!r}")
        if self.path:
            where.append(self.path)
        text = ": ".join([*where, self.message])
        details = []
        if self.value is not None:
            shown = str(self.value) if isinstance(self.value, Decimal) else repr(self.value)
            details.append(f"is: {shown if len(shown) <= 60 else shown[:57] + '...'}")
        if self.expected:
            details.append(f"expected: {self.expected}")
        return f"{text} ({', '.join(details)})" if details else text


class InputError(PromokitError, ValueError):
    """An input failed validation; ``problems`` lists every problem found, not just the first."""

    what = "input"

    def __init__(self, problems: Iterable[Problem], file: str | None = None) -> None:
        self.problems: Sequence[Problem] = tuple(problems)
        self.file = file
        count = len(self.problems)
        head = f"{file}: " if file else ""
        lines = [f"{head}{count} problem{'s' if count != 1 else ''} in {self.what}:"]
        lines += [f"  - {p.render()}" for p in self.problems]
        super().__init__("\n".join(lines))


class CampaignError(InputError):
    """A campaign file or object is invalid."""

    what = "campaign"


class CartError(InputError):
    """A cart is invalid."""

    what = "cart"


class RefundError(InputError):
    """A refund that cannot be made as asked: unknown line, too many units, wrong campaign..."""

    what = "refund"


class AuditInputError(InputError):
    """A catalog, costs file or audit option is invalid."""

    what = "audit input"


class ExplainError(PromokitError, ValueError):
    """An explanation or rule page cannot be rendered: unknown language, format or template.

    ``template`` names the template at fault when there is one.
    """

    def __init__(self, message: str, template: str | None = None) -> None:
        self.template = template
        super().__init__(f"template {template!r}: {message}" if template else message)


class PricingError(PromokitError, RuntimeError):
    """A valid input that cannot be priced as asked."""


class SearchBoundError(PricingError):
    """An exact search (for example the best coupon combination) would exceed its bound."""
