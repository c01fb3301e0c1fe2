"""pytest plugin (entry point ``pytest11``): fixtures to load a campaign and price carts under it.

* ``promokit_campaign``: the campaign named by the test's ``@pytest.mark.promokit_campaign(path)``
  marker (nearest wins: function, class, module), else by the ``promokit_campaign`` ini option.
  A marker's relative path is relative to the test file's folder; the ini option's to the
  rootdir (where pytest.ini / pyproject.toml is).
* ``price``: ``price(cart, **options)`` prices a cart (a dict or a :class:`promokit.Cart`) under
  that campaign, runs :func:`promokit.testing.check_invariants` on the result and returns it;
  ``options`` are those of :meth:`promokit.Campaign.price` (``at``, ``phase``, ``best_coupons``).

Loaded in every pytest session once promokit is installed, it only registers the marker and the
ini option; nothing is imported or read until a test asks for one of its fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from promokit._campaign import Campaign
    from promokit._result.types import PriceResult

MARKER = "promokit_campaign"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``promokit_campaign`` ini option."""
    parser.addini(MARKER, help="campaign file the promokit_campaign fixture loads, relative to "
                               "the rootdir (a test's promokit_campaign marker overrides it)",
                  default=None)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``promokit_campaign`` marker."""
    config.addinivalue_line(
        "markers", f"{MARKER}(path): campaign file for the promokit_campaign and price "
                   "fixtures, relative to the test file")


def _campaign_path(request: pytest.FixtureRequest) -> Path:
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if len(marker.args) != 1 or marker.kwargs:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes one argument, the campaign "
                                    f"file (is: args {marker.args}, kwargs {marker.kwargs})")
        return Path(request.path).parent / Path(marker.args[0])
    configured = request.config.getini(MARKER)
    if not configured:
        raise pytest.UsageError(
            f"the promokit_campaign fixture needs a campaign: mark the test with "
            f"@pytest.mark.{MARKER}('campaign.yaml') or set {MARKER} = ... in the ini file")
    return Path(request.config.rootpath) / str(configured)


@pytest.fixture
def promokit_campaign(request: pytest.FixtureRequest) -> Campaign:
    """The campaign named by the test's ``promokit_campaign`` marker or ini option."""
    from promokit._campaign import load_campaign

    return load_campaign(_campaign_path(request))


@pytest.fixture
def price(promokit_campaign: Campaign) -> Callable[..., PriceResult]:
    """Price a cart under ``promokit_campaign``, checking every result invariant."""
    from promokit.testing import check_invariants

    def price_cart(cart: Any, **options: Any) -> PriceResult:
        result = promokit_campaign.price(cart, **options)
        check_invariants(result)
        return result

    return price_cart
