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
    ├── PricingError (RuntimeError)         a valid input that cannot be priced as asked
    │   ├── CartPricingError                ... because of this cart or request: a 4xx, with
    │   │                                       a stable ``code`` and the cart ``path`` at fault
    │   └── SearchBoundError                an exact search would exceed its declared bound
    ├── ContentionError (RuntimeError)      checkout: concurrent orders outlasted the retries
    └── LedgerError                         the ledger (promokit.ledger); each operation is
        │                                       one transaction: an error changes nothing
        ├── LimitReachedError (RuntimeError)       a reservation would exceed a limit
        │   └── InsufficientPointsError            ... a points balance would go negative
        ├── UnknownOrderError (LookupError)        no reservation with that order id
        ├── OrderStateError (RuntimeError)         commit after release, refund of a reservation
        ├── RefundTooLargeError (ValueError)       a refund gives back more than was consumed
        ├── LedgerURLError (ValueError)            a ledger URL that names no store we know
        ├── NotALedgerError (ValueError)           the file or database is not a promokit ledger
        └── LedgerUnavailableError (OSError)       the database is down or cannot be reached
            └── LedgerReadOnlyError                ... or refuses writes

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


#: The stable codes of :class:`CartPricingError`, and what each means.
CART_PRICING_CODES: dict[str, str] = {
    "missing_time": "a rule has a window or schedule and neither the cart nor the call gives "
                    "an evaluation time",
    "currency_mismatch": "the cart's currency is not the campaign's",
    "unknown_tier": "the customer's tier is not one the campaign declares",
    "unknown_phase": "the pre-sale phase asked for is neither deposit nor balance",
    "presale_overlap": "a cart line is selected by two pre-sale rules open at once",
    "schedule_bound": "judging a schedule at this time would walk too many occurrences",
    "presale_price": "a pre-sale line's price does not fit its rule (not above what the deposit "
                     "counts as, or the deposit above the platform's percent of it)",
    "deposit_closed": "priced in the deposit phase outside the rule's deposit window",
}


class CartPricingError(PricingError):
    """A valid campaign cannot price this valid cart as asked: the cart or the request is at
    fault, so a web backend answers with a 4xx.

    ``code`` is stable (one of :data:`CART_PRICING_CODES`); ``path`` is where in the cart
    (``at``, ``currency``, ``customer.tier``, ``lines[2]``); ``option`` names the pricing
    argument that fixes it, when one does (``at``: the ``at=`` argument, ``--at`` on the
    command line). ``str()`` is the problem and the library's hint; :meth:`problem` gives it as
    a :class:`Problem` for a file, and ``hint`` alone can be replaced (the CLI names its flag).
    """

    def __init__(self, code: str, message: str, *, path: str = "", value: object = None,
                 expected: str | None = None, rule: str | None = None, hint: str | None = None,
                 option: str | None = None, file: str | None = None) -> None:
        if code not in CART_PRICING_CODES:
            raise ValueError(f"unknown cart pricing code {code!r}")
        self.code, self.message, self.path, self.value = code, message, path, value
        self.expected, self.rule, self.hint, self.option = expected, rule, hint, option
        self.file = file
        super().__init__(self.render())

    def problem(self, file: str | None = None) -> Problem:
        """The error as a located problem (``file`` defaults to the one it carries)."""
        return Problem(self.message, self.path, self.rule, self.value, self.expected,
                       file or self.file)

    def render(self, file: str | None = None, hint: str | None = None) -> str:
        """One line: where, what, the value and what was expected, then the hint and the code."""
        text = self.problem(file).render()
        hint = self.hint if hint is None else hint
        return f"{text}; {hint} [{self.code}]" if hint else f"{text} [{self.code}]"


class SearchBoundError(PricingError):
    """An exact search (for example the best coupon combination) would exceed its bound."""


class ContentionError(PromokitError, RuntimeError):
    """Checkout: every retry found a limit taken by a concurrent order; nothing is reserved.

    ``order_id`` names the order, ``retries`` how often it was priced again, ``last`` the
    last refusal (which limit, what was left).
    """

    def __init__(self, order_id: str, retries: int, last: str) -> None:
        self.order_id = order_id
        self.retries = retries
        self.last = last
        super().__init__(f"order {order_id!r}: limits kept changing under concurrent checkouts "
                         f"({retries} retries); last refusal: {last}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.order_id, self.retries, self.last))


# --- the ledger (errors pickle: they cross process boundaries in worker pools) ----------

class LedgerError(PromokitError):
    """Root of the ledger's errors."""


class LimitReachedError(LedgerError, RuntimeError):
    """Taking a consumption would exceed a limit; nothing was reserved.

    ``key`` is the limit key (rule or coupon id, a coupon code, or a customer for points),
    ``limit`` which limit (``uses``, ``per_customer``, ``budget``, ``units``,
    ``per_customer_units``, ``code`` or ``points``), ``left`` what is left of it (minor units for a
    budget; ``None`` when nothing can be said, e.g. a per-customer limit for a guest) and
    ``requested`` what the order asked for.
    """

    def __init__(
        self, key: str, limit: str, left: int | None, requested: int, detail: str = ""
    ) -> None:
        self.key = key
        self.limit = limit
        self.left = left
        self.requested = requested
        self.detail = detail
        text = f"limit reached: {key!r} {limit}"
        if left is not None:
            text += f": {left} left, {requested} asked"
        if detail:
            text += f" ({detail})"
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.key, self.limit, self.left, self.requested, self.detail))


class InsufficientPointsError(LimitReachedError):
    """A points balance would go negative (``key`` is the customer)."""


class UnknownOrderError(LedgerError, LookupError):
    """No reservation is known under this order id."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"unknown order id {order_id!r}: it was never reserved in this ledger")

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.order_id,))


class OrderStateError(LedgerError, RuntimeError):
    """The order is in a state that does not allow the operation (commit after release...)."""

    def __init__(self, order_id: str, state: str, operation: str, detail: str = "") -> None:
        self.order_id = order_id
        self.state = state
        self.operation = operation
        self.detail = detail
        text = f"cannot {operation} order {order_id!r}: it is {state}"
        super().__init__(f"{text} ({detail})" if detail else text)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.order_id, self.state, self.operation, self.detail))


class RefundTooLargeError(LedgerError, ValueError):
    """A refund would give back more than the order consumed (less what earlier refunds gave)."""


class LedgerURLError(LedgerError, ValueError):
    """A ledger URL that is not ``sqlite:///path`` or ``postgresql://...``."""


class NotALedgerError(LedgerError, ValueError):
    """The file or database exists but is not a promokit ledger (or not initialised)."""


class LedgerUnavailableError(LedgerError, OSError):
    """The ledger's database is down, missing or cannot be reached."""


class LedgerReadOnlyError(LedgerUnavailableError):
    """The ledger's database refuses writes."""
