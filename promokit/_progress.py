"""Progress with an ETA on a terminal, for long runs (``--batch``, ``simulate``).

It uses tqdm when it is installed (the ``progress`` extra) and stderr is a terminal; otherwise
nothing is printed, so pipes, logs and tests stay quiet. tqdm is an optional dependency, so it is
imported by name when a bar is wanted, not at import time.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

Update = Callable[[int | None], None]


def progress(total: int | None, show: bool, unit: str = "line") -> Update:
    """A progress callback: the position reached (a line or row number), or None to close.

    ``show``: draw a bar at all (callers pass ``sys.stderr.isatty()`` unless told otherwise).
    """
    if not show:
        return _quiet
    try:
        tqdm: Any = importlib.import_module("tqdm").tqdm
    except ImportError:
        return _quiet
    bar = tqdm(total=total, unit=unit, file=sys.stderr, leave=False)

    def update(position: int | None) -> None:
        if position is None:
            bar.close()
        elif position > bar.n:
            bar.update(position - bar.n)

    return update


def _quiet(position: int | None) -> None:
    del position
