"""Property testing for promokit: Hypothesis strategies for carts, wallets and campaigns, and
invariants.

Hypothesis is a test-only dependency (``pip install promokit[test]``).

>>> from hypothesis import given
>>> from promokit.testing import campaigns, carts, check_invariants
>>> @given(carts(min_price="50.01"), campaigns())
... def test_results_are_consistent(cart, campaign):
...     check_invariants(campaign.price(cart))

(Lines above ``max_presale``, 50.00 by default: the engine rightly refuses to price a pre-sale
line whose price is not above its boosted value.)

Every strategy builds its value through promokit's own validation (``Cart.model_validate``,
``Coupon.model_validate``, ``Campaign.from_dict``), so what it generates is what a user could
write in a file; :func:`campaign_dicts` gives the campaign documents themselves, to print or save
a failing one.
"""

# First, before any private module: once those are imported they stay in sys.modules, and a
# re-import of this package without hypothesis must still fail here with this message.
try:
    from hypothesis import errors as _errors  # noqa: F401
    from hypothesis import strategies as _strategies  # noqa: F401
except ImportError as exc:  # pragma: no cover - covered by a test that hides hypothesis
    raise ImportError(
        "promokit.testing needs hypothesis, a test-only dependency: pip install promokit[test] "
        "(or promokit[audit] for promokit audit alone)"
    ) from exc

from promokit.testing._campaigns import campaign_dicts, campaigns
from promokit.testing._carts import carts
from promokit.testing._invariants import check_invariants
from promokit.testing._wallets import wallets

__all__ = ["campaign_dicts", "campaigns", "carts", "check_invariants", "wallets"]
