"""What every rule kind shares: the spec fields, the compile environment, and the runtime contract.

A rule kind is a module with a pydantic ``Spec`` (validation, description) whose ``compile`` returns
a :class:`Rule`. At pricing time the engine hands the rule a :class:`Ctx` (the running amounts and
the snapshots taken after each stage) and the indices of the lines its selection matched; the rule
returns :class:`Effect` records (what it would take off, per line, already capped) and
:class:`Miss` records (why it did not apply). The engine alone commits effects, so a rule can be
tried without side effects (``best`` exclusive groups, coupon search).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import ClassVar, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field

from promokit._cart.selection import Matcher, Selection
from promokit._money import Rounding, format_minor, round_div, to_minor
from promokit._types import Ident, RuleDisplay
from promokit.ledger.limits import Limits
from promokit.ledger.records import IssuedCoupon
from promokit.rules._gates import Customers, Gate, Schedule, Window
from promokit.rules._kind import Draws, Fact, Reach, Worked
from promokit.rules._reason import Reason as Reason  # re-exported: kinds name it from here

Funder = Literal["merchant", "platform"]
Overflow = Literal["lose", "spill", "best_single"]


class RuleSpec(BaseModel):
    """Fields every rule has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Ident
    kind: str
    stage: Ident
    name: str | None = Field(default=None, description="display name, e.g. 店铺满200减20")
    display: RuleDisplay | None = Field(
        default=None, description="title and description in zh/en for the customer's rule page")
    select: Selection = Field(default_factory=Selection)
    priority: int = Field(default=0, description="smaller applies first within a stage; ties by id")
    exclusive: str | None = Field(default=None, description="exclusive group this rule belongs to")
    funded_by: Funder = "merchant"
    window: Window | None = None
    schedule: Schedule | None = None
    customers: Customers | None = None
    limits: Limits | None = Field(
        default=None, description="uses, per-customer uses, budget, units; counted by a ledger")

    # --- hooks: what the rest of the library knows about a kind (docs/adding-a-rule-kind.md) ---
    # Every kind overrides every hook; ``promokit.rules.register`` refuses a kind that does not.

    def compile(self, env: Env) -> Rule:
        """The runtime form of this rule (pricing)."""
        raise _missing(type(self), "compile")

    def describe(self, lang: str = "en") -> str:
        """One sentence a customer understands, in ``lang`` ("en" or "zh") (every view)."""
        raise _missing(type(self), "describe")

    @classmethod
    def label(cls, lang: str = "en") -> str:
        """The kind's name in ``lang`` ("en" or "zh"): "spend threshold", 满减 (every view)."""
        raise _missing(cls, "label")

    def reach(self) -> Reach:
        """What this rule's lowest step needs before it can apply (the audit)."""
        raise _missing(type(self), "reach")

    def worked(self, env: Env, unit: int) -> Worked:
        """What a worked example of this rule shows (the rule page); ``unit`` is the page's plain
        example price in minor units."""
        raise _missing(type(self), "worked")

    def facts(self) -> tuple[Fact, ...]:
        """This kind's own lines in the rule page's terms (base, scope, limits, ...)."""
        raise _missing(type(self), "facts")

    @classmethod
    def draw_fields(cls, d: Draws) -> dict[str, object]:
        """The kind's own fields of a random valid rule, drawn with ``d`` (promokit.testing)."""
        raise _missing(cls, "draw_fields")

    #: Is the ``base`` of an applied rule of this kind the measure of a threshold it reached
    #: (rather than the amount its discount was taken from)?
    judged: ClassVar[bool] = False
    #: Can one application of this kind earn its discount several times (每满)?
    repeats: ClassVar[bool] = False
    #: May a rule of this kind be in an exclusive group (``exclusive``)?
    groupable: ClassVar[bool] = True

    # --- optional hooks of the zero-discount benefit kinds (gifts, issued coupons) ---

    @classmethod
    def units_given(cls, times: int, line_units: int) -> int:
        """The units one application takes from a ``limits: {units: N}`` stock: by default the
        quantities of the lines it discounted (``line_units``); a kind that gives items (a gift)
        counts what it gives (``times``)."""
        return line_units

    def issues(self, times: int, customer: str, code: str, at: datetime,
               currency: str) -> tuple[IssuedCoupon, ...]:
        """The coupons ``times`` applications of this rule issue to ``customer`` at ``at``
        (codes ``f"{code}:{n}"``), written to the wallet when the order is committed; none by
        default. Money in minor units of ``currency``."""
        return ()


class GivesPerApplication(RuleSpec):
    """Base of the zero-discount kinds that give something counted per application (a gift, a
    pledge): a ``limits: {units: N}`` stock counts what they give, they are judged like a
    threshold, and they never join an exclusive group (they save nothing, so never win one)."""

    @classmethod
    def units_given(cls, times: int, line_units: int) -> int:
        """A stock of what is given: ``times``."""
        return times

    judged: ClassVar[bool] = True
    groupable: ClassVar[bool] = False


#: The hooks every kind must override.
HOOKS = ("compile", "describe", "label", "reach", "worked", "facts", "draw_fields")


def _missing(cls: type[RuleSpec], hook: str) -> NotImplementedError:
    return NotImplementedError(f"rule kind {cls.__name__} does not define the {hook!r} hook; "
                               "see docs/adding-a-rule-kind.md")


@dataclass(frozen=True, slots=True)
class Env:
    """What compiling a rule needs from its campaign."""

    currency: str
    digits: int
    rounding: Rounding
    stages: tuple[str, ...]
    default_base: str
    overflow: Overflow
    tz: tzinfo
    ranks: dict[str, int] = field(default_factory=dict)  # tier name -> rank
    limits: dict[str, Decimal] = field(default_factory=dict)  # campaign limits (presale_limits)

    def minor(self, value: Decimal) -> int:
        """Exact minor units of a validated amount."""
        if type(value) is Decimal and value.is_finite():  # the common case, without parsing
            scaled = value.scaleb(self.digits)
            if scaled == scaled.to_integral_value():
                return int(scaled)
        return to_minor(value, self.digits)

    def show(self, minor: int) -> str:
        """Minor units as a plain decimal string."""
        return format_minor(minor, self.digits)


@dataclass(slots=True)
class CartLine:
    """A cart line in the engine's plain form: integer minor units, frozen tags."""

    index: int
    id: str
    sku: str
    shop: str
    unit: int
    qty: int
    category: str | None
    brand: str | None
    tags: frozenset[str]
    presale: bool = False

    @property
    def subtotal(self) -> int:
        """unit x quantity, in minor units."""
        return self.unit * self.qty


@dataclass(slots=True)
class Ctx:
    """The state one pricing run exposes to rules (read-only for them)."""

    lines: Sequence[CartLine]
    amounts: list[int]                       # running line amounts, minor units
    snapshots: dict[str, Sequence[int]]      # amounts after each finished stage, and "list"
    stage_start: Sequence[int]               # amounts when the current stage began
    env: Env
    floors: list[int] = field(default_factory=list)   # no line goes below its floor (0, deposit)
    shipping: dict[str, int] = field(default_factory=dict)  # running shipping fee per shop
    multipliers: dict[str, tuple[int, int]] = field(default_factory=dict)  # benefit -> factor
    at: datetime | None = None
    phase: str = "full"
    customer: str | None = None              # the cart's customer id (None: a guest)
    #: gifts whose value counts toward thresholds (``counts_toward_thresholds``), from finished
    #: stages only (a tuple, replaced at each stage's end, so copies of a run can share it)
    credits: tuple[GiftCredit, ...] = ()
    pending: list[GiftCredit] = field(default_factory=list)  # given in the running stage

    def room(self, i: int) -> int:
        """How much more line ``i`` can be discounted (its amount above its floor)."""
        return self.amounts[i] - self.floors[i]

    def scaled(self, benefit: str, amount: int) -> int:
        """``amount`` times the customer's multiplier for ``benefit`` (1 when none applies)."""
        factor = self.multipliers.get(benefit)
        if factor is None:
            factor = self.multipliers.get(benefit.partition(":")[0])
            if factor is None:
                return amount
        return round_div(amount * factor[0], factor[1], self.env.rounding)

    def base(self, name: str) -> Sequence[int]:
        """Line amounts a threshold is judged on: ``running``, ``list`` or after a named stage."""
        if name == "running":
            return self.stage_start
        return self.snapshots[name]

    def round(self, numerator: int, denominator: int) -> int:
        """A fraction rounded with the campaign's rounding mode."""
        return round_div(numerator, denominator, self.env.rounding)


@dataclass(frozen=True, slots=True)
class GiftCredit:
    """A gift whose reference value counts toward the thresholds of later stages.

    ``carried``: ``(line, units, cost)`` of gift lines the cart carries, taken down by the gift
    to ``cost`` (the token price): in a later judgement each such unit counts its reference value
    instead of what it costs on the base (``cost`` on a base after the gift's stage, its share of
    the line on ``list`` or an earlier stage), so the value is counted once whatever the base.
    ``loose``: gifts given as a record only, counted at ``anchor`` (the first line that earned
    them), so a scope group or a selection counts them once, where they were earned.
    """

    stage: str
    value: int
    anchor: int
    loose: int
    carried: tuple[tuple[int, int, int], ...] = ()

    def extra(self, ctx: Ctx, base: str, amounts: Sequence[int], idxs: Sequence[int]) -> int:
        """What this gift adds to the spend of lines ``idxs`` judged on ``base``."""
        out = self.value * self.loose if self.anchor in idxs else 0
        if not self.carried:
            return out
        stages = ctx.env.stages
        after = base == "running" or (base in stages and self.stage in stages
                                      and stages.index(base) >= stages.index(self.stage))
        for j, units, cost in self.carried:
            if j in idxs:
                share = min(cost, amounts[j]) if after \
                    else ctx.round(amounts[j] * units, ctx.lines[j].qty)
                out += self.value * units - share
        return out


def gift_extra(ctx: Ctx, base: str, amounts: Sequence[int], idxs: Sequence[int]) -> int:
    """What gifts of earlier stages that count toward thresholds add to the spend of lines
    ``idxs`` judged on ``base`` (``amounts``: that base's line amounts); 0 when none do."""
    return sum(c.extra(ctx, base, amounts, idxs) for c in ctx.credits)


@dataclass(slots=True)
class Effect:
    """What one rule takes off (per line, capped at what is left) in one scope group."""

    amount: int
    base: int
    times: int
    alloc: dict[int, int]                     # line index -> minor units taken off
    shop: str | None = None
    lost: int = 0                             # requested but not given (lines at zero)
    detail: str = ""
    nudge: tuple[int, int] | None = None      # (add this much more, to save this much more)
    ship: dict[str, int] = field(default_factory=dict)  # shop -> shipping fee taken off
    credit: GiftCredit | None = None          # a gift's value later thresholds count


@dataclass(slots=True)
class Miss:
    """Why a rule did not apply in one scope group."""

    reason: Reason
    message: str
    shop: str | None = None
    shortfall: int | None = None
    would_save: int | None = None
    next_open: datetime | None = None
    need: int | None = None      # units needed (below_quantity, not_enough_units)
    has: int | None = None       # units there
    by: str | None = None        # the rule that won an exclusive group (excluded)


Outcome = Effect | Miss


@dataclass(slots=True)
class Rule(ABC):
    """A compiled rule: plain data plus ``evaluate``."""

    id: str
    kind: str
    stage: str
    priority: int
    group: str | None
    funded_by: str
    matcher: Matcher
    gate: Gate | None
    spec: RuleSpec = field(repr=False)
    benefit: str | None = None   # the multiplier key this rule's benefit answers to
    from_wallet: bool = False    # a customer's wallet coupon: after the campaign's rules in a stage
    overflow: str | None = None  # the rule's own overflow policy (None: the campaign's)

    @abstractmethod
    def evaluate(self, ctx: Ctx, eligible: list[int]) -> list[Outcome]:
        """Effects and misses of this rule on the eligible lines (indices into ctx.lines)."""

    def prepare(self, ctx: Ctx, eligible: list[int]) -> Claim | None:
        """Before any stage runs: fix floors, prepayments or a phase's fixed charges (pre-sale)."""
        return None

    def sort_key(self) -> tuple[int, int, str]:
        """Order within a stage: campaign rules before coupons, then priority, then id."""
        return (int(self.from_wallet), self.priority, self.id)


@dataclass(slots=True)
class Claim:
    """What a rule's ``prepare`` fixes for its lines before the stages run.

    ``floors``: a line may not be discounted below this; ``prepaid``: paid in an earlier phase and
    deducted from what is due now; ``charges``: in this phase the line costs exactly this and no
    other rule touches it; ``cuts``: taken off the price itself before any stage, so every
    threshold base (even ``list``) starts lower (付定金立减); ``info``: per-line facts for the
    result (e.g. deposit, boost).
    """

    cuts: dict[int, int] = field(default_factory=dict)
    floors: dict[int, int] = field(default_factory=dict)
    prepaid: dict[int, int] = field(default_factory=dict)
    charges: dict[int, int] = field(default_factory=dict)
    info: dict[int, dict[str, object]] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)


class RuleFields(TypedDict):
    """The compiled fields every rule has: ``Rule(**rule_fields(spec, env), ...)`` type-checks."""

    id: str
    kind: str
    stage: str
    priority: int
    group: str | None
    funded_by: str
    matcher: Matcher
    gate: Gate | None
    spec: RuleSpec


def rule_fields(spec: RuleSpec, env: Env) -> RuleFields:
    """The common compiled fields of a rule, for a kind's ``compile``."""
    gate = Gate.build(spec.window, spec.schedule, spec.customers, env.tz, env.ranks)
    return RuleFields(
        id=spec.id, kind=spec.kind, stage=spec.stage, priority=spec.priority,
        group=spec.exclusive, funded_by=spec.funded_by, matcher=_matcher(spec.select),
        gate=gate, spec=spec)


#: a selection's compiled matcher (immutable: rules selecting alike share one); campaigns repeat
#: selections, and a 10,000-rule compile spent a third of its rule time compiling them anew
_matcher = lru_cache(maxsize=8192)(Matcher.of)


def ratio(value: Decimal) -> tuple[int, int]:
    """An exact Decimal as (numerator, denominator)."""
    return value.as_integer_ratio()


def judged_spend(ctx: Ctx, base: str, idxs: Sequence[int]) -> int:
    """The spend of lines ``idxs`` on a threshold base (``running``, ``list`` or a stage name),
    as thresholds judge it: the sum of those lines' amounts in that snapshot, plus the value of
    earlier stages' gifts that count toward thresholds (``counts_toward_thresholds``)."""
    amounts = ctx.base(base)
    spend = sum(amounts[i] for i in idxs)
    return spend + gift_extra(ctx, base, amounts, idxs) if ctx.credits else spend


def below_spend(ctx: Ctx, short: int, what: str) -> Miss:
    """A zero-discount benefit's miss below its ``min_spend``: how much more, and what it gives
    (no money saving, so no nudge)."""
    return Miss(Reason.BELOW_THRESHOLD, f"add {ctx.env.show(short)} more to receive {what}",
                shortfall=short)


def unit_values(ctx: Ctx, idxs: Sequence[int]) -> list[tuple[int, str, int]]:
    """Every unit of the given lines as ``(value, line id, line index)``.

    A line's running amount is split over its units exactly: the first ``amount % qty`` units
    carry one minor unit more, so the units of a line always add up to the line.
    """
    units: list[tuple[int, str, int]] = []
    for i in idxs:
        line = ctx.lines[i]
        q, r = divmod(ctx.amounts[i], line.qty)
        units.extend((q + 1, line.id, i) for _ in range(r))
        units.extend((q, line.id, i) for _ in range(line.qty - r))
    return units
