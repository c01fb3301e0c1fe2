"""What an audit finds: :class:`Flaw` records in an immutable :class:`AuditReport`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: Every flaw kind, in the order an audit reports them.
FLAW_KINDS = ("discount_rate", "below_cost", "split_arbitrage", "free_order", "never_applies")

_TITLES = {
    "discount_rate": "discount rate above the limit",
    "below_cost": "line sold below its cost",
    "split_arbitrage": "splitting the order pays less",
    "free_order": "free or near-free order from stacking",
    "never_applies": "rule that can never apply",
}


def _frozen(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(data))


@dataclass(frozen=True, slots=True)
class Flaw:
    """One flaw: its kind, the rules involved, what is wrong, and a minimal counterexample.

    ``cart`` is the shrunk cart as its JSON form (None for a flaw found without pricing, such as
    a selection that matches nothing); ``receipts`` are the receipts that show the flaw (for a
    split, the whole order's, then each part's); ``facts`` holds the numbers, as strings.
    """

    kind: str
    rules: tuple[str, ...]
    message: str
    cart: Mapping[str, Any] | None = None
    receipts: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    orders: tuple[Mapping[str, Any], ...] = ()   # split_arbitrage: the two orders, as carts

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", _frozen(self.facts))
        if self.cart is not None:
            object.__setattr__(self, "cart", _frozen(self.cart))

    @property
    def title(self) -> str:
        """The kind in words."""
        return _TITLES.get(self.kind, self.kind)

    @property
    def id(self) -> str:
        """A stable id, ``kind:rule+rule`` (the kind and the rules involved, sorted: never the
        cart, the seed, the order rules applied in or the numbers), for ``--accept ID``."""
        return f"{self.kind}:{'+'.join(sorted(self.rules))}" if self.rules else self.kind

    def to_dict(self) -> dict[str, Any]:
        """The flaw as JSON-ready data."""
        return {
            "id": self.id, "kind": self.kind, "rules": list(self.rules), "message": self.message,
            "facts": dict(self.facts),
            "cart": None if self.cart is None else dict(self.cart),
            "orders": [dict(o) for o in self.orders],
            "receipts": list(self.receipts),
        }


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The outcome of :func:`promokit.audit.audit`: flaws found, and what was searched.

    ``checks`` names the flaw kinds searched for (a kind needing costs or a rate limit is left
    out without them); ``examples`` how many carts each search tried. Seeded: the same campaign,
    options and seed give the same report. ``accepted`` holds the flaws found whose ids the
    caller accepted; ``refused`` how many carts each check could not price and ``refusal`` the
    first such (check, phase, the engine's message, the cart): carts were not checked, so a
    report with refusals is not ``ok``.
    """

    campaign: str
    seed: int
    max_examples: int
    checks: tuple[str, ...]
    flaws: tuple[Flaw, ...]
    examples: Mapping[str, int] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    accepted: tuple[Flaw, ...] = ()
    refused: Mapping[str, int] = field(default_factory=dict)
    refusal: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "examples", _frozen(self.examples))
        object.__setattr__(self, "options", _frozen(self.options))
        object.__setattr__(self, "refused", _frozen(self.refused))
        if self.refusal is not None:
            object.__setattr__(self, "refusal", _frozen(self.refusal))

    @property
    def ok(self) -> bool:
        """True when no flaw was found (accepted ones aside) and every cart could be priced."""
        return not self.flaws and not self.error

    @property
    def error(self) -> str | None:
        """Why the audit is incomplete (carts the engine refused), or None."""
        if not self.refused or self.refusal is None:
            return None
        count = sum(self.refused.values())
        where = f" in the {self.refusal['phase']} phase" if self.refusal.get("phase") else ""
        return (f"the engine refused to price {count} of the carts (or split orders) the audit "
                f"generated, so they could not be checked; the first, in the "
                f"{self.refusal['check']} check{where}: {self.refusal['message']}. Give "
                f"--at a time when the campaign is open, or fix the campaign or catalog so its "
                f"carts can be priced")
    def of_kind(self, kind: str) -> tuple[Flaw, ...]:
        """The flaws of one kind."""
        if kind not in FLAW_KINDS:
            raise ValueError(f"unknown flaw kind {kind!r}; expected one of {', '.join(FLAW_KINDS)}")
        return tuple(f for f in self.flaws if f.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``promokit audit --json`` prints)."""
        return {
            "campaign": self.campaign, "ok": self.ok, "seed": self.seed,
            "max_examples": self.max_examples, "checks": list(self.checks),
            "examples": dict(self.examples), "options": dict(self.options),
            "flaws": [f.to_dict() for f in self.flaws],
            "accepted": [f.to_dict() for f in self.accepted],
            "refused": dict(self.refused), "error": self.error,
            "refusal": None if self.refusal is None else dict(self.refusal),
        }

    def render(self) -> str:
        """The report as text: a summary line, then each flaw with its cart and receipts."""
        head = (f"audit of campaign {self.campaign!r} (seed {self.seed}, up to "
                f"{self.max_examples} carts per check; checks: {', '.join(self.checks)})")
        times: list[str] = list(self.options.get("times") or ())
        if times and (len(times) > 1 or len(self.options.get("phases") or ()) > 1):
            head += (f"\npriced at {len(times)} evaluation times from {times[0]} to {times[-1]}"
                     f", phases: {', '.join(self.options.get('phases') or ())}")
        if self.accepted:
            head += "\naccepted: " + ", ".join(f.id for f in self.accepted)
        if self.error:
            head += f"\nerror: {self.error}"
        if self.ok:
            return f"{head}\nno flaw found\n"
        if not self.flaws:
            return f"{head}\nno flaw found in the carts that could be priced\n"
        out = [head, f"{len(self.flaws)} flaw{'s' if len(self.flaws) != 1 else ''} found", ""]
        for n, flaw in enumerate(self.flaws, 1):
            rules = f" [{', '.join(flaw.rules)}]" if flaw.rules else ""
            out.append(f"{n}. {flaw.kind}: {flaw.title}{rules} (id {flaw.id})")
            out.append(f"   {flaw.message}")
            if flaw.cart is not None:
                out.append("   cart:")
                out += ["     " + line for line in _cart_text(flaw.cart).splitlines()]
            names = ["receipt"] if len(flaw.receipts) == 1 else \
                ["receipt (one order)", "receipt (first order)", "receipt (second order)"]
            for name, receipt in zip(names, flaw.receipts, strict=False):
                out.append(f"   {name}:")
                out += ["     " + line for line in receipt.rstrip("\n").splitlines()]
            out.append("")
        return "\n".join(out)


def _cart_text(cart: Mapping[str, Any]) -> str:
    """A cart as JSON with one line per cart line."""
    def one(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, default=str)

    rest = [f"  {one(k)}: {one(v)}" for k, v in cart.items() if k != "lines"]
    lines = ",\n".join(f"    {one(x)}" for x in cart.get("lines", ()))
    return "{\n" + ",\n".join([*rest, f'  "lines": [\n{lines}\n  ]']) + "\n}"
