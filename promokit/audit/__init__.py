"""The campaign auditor: search a campaign for flaws with Hypothesis, each with a minimal cart.

>>> import promokit
>>> from promokit.audit import audit
>>> report = audit(promokit.load_campaign("examples/audit/free-order.yaml"), seed=0,
...                max_examples=30)
>>> sorted({f.kind for f in report.flaws})
['free_order']

The search needs Hypothesis (``pip install promokit[audit]``, or ``promokit[test]``); it is
imported on first use of :func:`audit`, so the reports and file readers work without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promokit._errors import AuditInputError
from promokit.audit._catalog import (
    derive_catalog,
    load_catalog,
    load_costs,
    load_coupons,
)
from promokit.audit._report import FLAW_KINDS, AuditReport, Flaw

if TYPE_CHECKING:
    from promokit.audit._audit import audit

__all__ = [
    "FLAW_KINDS",
    "AuditInputError",
    "AuditReport",
    "Flaw",
    "audit",
    "derive_catalog",
    "load_catalog",
    "load_costs",
    "load_coupons",
]


def __getattr__(name: str) -> Any:
    if name == "audit":
        from promokit.audit._audit import audit

        return audit
    raise AttributeError(f"module 'promokit.audit' has no attribute {name!r}")
