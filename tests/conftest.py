"""Puts tests/ on sys.path, so that test modules in any folder below can ``from support import``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import settings

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

# Hypothesis profiles for tests that do not set their own example count: "dev" (the default) is
# quick for local runs; CI (.ci/run) sets HYPOTHESIS_PROFILE=ci for the thorough one.
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# the session's PostgreSQL (ledger and checkout tests), one server for every folder below
from ledger_fixtures import pg_url  # noqa: E402, F401
