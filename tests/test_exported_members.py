"""The public API is exactly what promokit/__init__.py re-exports, sorted, all documented."""

import types

import promokit


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted and names every public attribute defined by the package."""
    assert promokit.__all__ == sorted(promokit.__all__)
    public = {n for n in dir(promokit) if not n.startswith("_") and n.isidentifier()
              and not isinstance(getattr(promokit, n), types.ModuleType)}  # subpackages
    assert public == set(promokit.__all__)


def test_every_export_has_a_docstring() -> None:
    """Everything public has a one-line docstring."""
    missing = [n for n in promokit.__all__ if not (getattr(promokit, n).__doc__ or "").strip()]
    assert missing == []
