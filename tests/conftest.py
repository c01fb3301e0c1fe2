"""Puts tests/ on sys.path, so that test modules in any folder below can ``from support import``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import settings

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

# Hypothesis profiles: the default stays fast; HYPOTHESIS_PROFILE=ci runs many more examples.
settings.register_profile("ci", max_examples=1000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
