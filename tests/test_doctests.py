"""Every docstring example in the package runs and gives what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import promokit

# The audit and the pytest plugin import Hypothesis (an optional dependency, present in the
# test extra); every module is imported here, so a module that fails to import fails this test.
# promokit.__main__ runs the CLI when imported: it has no examples to run.
MODULES = sorted(m.name for m in pkgutil.walk_packages(promokit.__path__, "promokit.")
                 if m.name != "promokit.__main__")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    """The module's doctests pass (a module without examples passes trivially)."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_the_package_has_docstring_examples() -> None:
    """The doctests above check something: the package's examples number more than a handful."""
    finder = doctest.DocTestFinder()
    examples = sum(len(test.examples) for n in MODULES
                   for test in finder.find(importlib.import_module(n)))
    assert examples >= 10
