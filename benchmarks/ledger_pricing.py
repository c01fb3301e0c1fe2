"""The cost of pricing against a ledger, split: the read and the limit pass. Printed only.

    python benchmarks/ledger_pricing.py                # SQLite, then PostgreSQL
    python benchmarks/ledger_pricing.py --sqlite-only

Prices the 10-line carts of ``benchmarks/ledger.py`` (its :data:`CAMPAIGN`: every rule limited,
limits far above what a run takes) three ways, in interleaved rounds of the same carts, best
round of each (15 rounds; ``--rounds N``):

* ``plain``: ``campaign.price(cart)`` (no ledger: the reference);
* ``ledger``: ``campaign.price(cart, ledger=ledger)`` (one read of the store per cart, then the
  limit pass: what ``benchmarks/ledger.py`` calls the snapshot cost);
* ``reading``: ``campaign.price(cart, ledger=reading)`` with a reading taken before
  (``campaign.read_ledger``): the limit pass alone, what pricing adds when a backend prices
  against a recent view and lets the reservation enforce.

Each is printed in microseconds per cart and as a ratio to ``plain`` measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import promokit  # noqa: E402
from benchmarks.ledger import CAMPAIGN, cart, pg_base, pg_schema_url  # noqa: E402
from promokit.ledger import open_ledger  # noqa: E402


def costs(url: str, rounds: int = 15, per_round: int = 200) -> dict[str, float]:
    """Microseconds per cart of each way, the best of ``rounds`` interleaved rounds."""
    campaign = promokit.Campaign.from_dict(CAMPAIGN)
    carts = [promokit.Cart.model_validate(cart(i)) for i in range(per_round)]
    best = {"plain": float("inf"), "ledger": float("inf"), "reading": float("inf")}
    with open_ledger(url) as ledger:
        ledger.init()
        for i in range(20):  # counters in the ledger, as in production
            promokit.checkout(campaign, cart(i), ledger, f"warm-{i}")
            ledger.commit(f"warm-{i}")
        readings = [campaign.read_ledger(ledger, c) for c in carts]
        ways: dict[str, Callable[[int], object]] = {
            "plain": lambda i: campaign.price(carts[i]),
            "ledger": lambda i: campaign.price(carts[i], ledger=ledger),
            "reading": lambda i: campaign.price(carts[i], ledger=readings[i]),
        }
        for i in range(per_round):  # every way's results agree
            want = ways["ledger"](i).to_dict()  # type: ignore[attr-defined]
            assert ways["reading"](i).to_dict() == want  # type: ignore[attr-defined]
        for _ in range(rounds):
            for name, way in ways.items():
                t0 = time.perf_counter()
                for i in range(per_round):
                    way(i)
                best[name] = min(best[name], (time.perf_counter() - t0) / per_round * 1e6)
    return best


def show(store: str, got: dict[str, float], rounds: int) -> None:
    """One line per way, with its ratio to ``plain``."""
    plain = got["plain"]
    print(f"{store}: pricing a 10-line cart, best of {rounds} interleaved rounds of 200 carts")
    for name, what in (("plain", "no ledger"), ("ledger", "read + limit pass"),
                       ("reading", "limit pass (reading taken before)")):
        print(f"  {name:8} {got[name]:6.0f} us  x{got[name] / plain:.2f}  "
              f"(+{(got[name] / plain - 1) * 100:3.0f}%)  {what}")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (best kept)")
    options = parser.parse_args()
    rounds = options.rounds
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        show("SQLite", costs(f"sqlite:///{folder}/pricing.db", rounds), rounds)
    if options.sqlite_only:
        return
    with postgres() as base:
        show("PostgreSQL", costs(pg_schema_url(base), rounds), rounds)


@contextmanager
def postgres() -> Iterator[str]:
    """The URL of ``benchmarks/ledger.py``'s PostgreSQL, its throw-away cluster stopped after."""
    base, cluster = pg_base()
    try:
        yield base
    finally:
        if cluster:
            stop = ["bash", str(ROOT / ".ci" / "postgres.sh"), "stop", cluster]
            subprocess.run(stop, capture_output=True, check=False)


if __name__ == "__main__":
    main()
