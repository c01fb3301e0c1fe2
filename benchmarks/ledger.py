"""Ledger throughput: committed checkouts per second (reserve + commit), printed, never asserted.

    python benchmarks/ledger.py                 # SQLite 1 process; PostgreSQL 1 and 4 clients
    python benchmarks/ledger.py --seconds 5     # longer runs
    python benchmarks/ledger.py --sqlite-only   # no PostgreSQL

PostgreSQL is the database of ``$PROMOKIT_TEST_PG_URL``, or a throw-away cluster started with
``.ci/postgres.sh`` (and stopped afterwards). Each run uses a fresh ledger (a temp file, or a
fresh schema). A checkout consumes what a typical Double 11 order does: a cross-store threshold
(uses, budget), a shop coupon kind (uses, per customer), a flash-sale stock (units, per customer
units) and points earned, for one of 1000 customers. Pricing is not included: the engine does
not read the ledger yet.

A checkout is two durable transactions (reserve, commit): on a disk where one fsync takes ~4 ms
that alone caps a single client at ~120/s, and clients queue on the same hot counter rows while
each commit flushes. The ``synchronous_commit=off`` rows show the figures without that wait.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from promokit.ledger import Consumption, Limits, LimitUse, open_ledger  # noqa: E402

LIMITS = {
    "cross-300-50": Limits(uses=10_000_000, budget="1000000000.00"),
    "shop-coupon": Limits(uses=10_000_000, per_customer=1_000_000),
    "flash-sale": Limits(units=100_000_000, per_customer_units=1_000_000),
}


#: Appended to a URL whose options are set: commits do not wait for the WAL flush (a server
#: crash may lose the last ~0.6 s of commits, never consistency).
ASYNC = "%20-csynchronous_commit%3Doff"


def consumption(i: int) -> Consumption:
    """What checkout ``i`` takes."""
    return Consumption(
        {"cross-300-50": LimitUse(1, 5000, 0), "shop-coupon": LimitUse(1, 2000, 0),
         "flash-sale": LimitUse(1, 0, 2)},
        customer=f"u{i % 1000}", points_earned=350)


def client(args: tuple[str, str, float, float]) -> int:
    """Check out as many orders as possible from ``start`` for ``seconds``; returns the count."""
    url, prefix, start, seconds = args
    done = 0
    with open_ledger(url) as ledger:
        time.sleep(max(0.0, start - time.time()))
        end = start + seconds
        while time.time() < end:
            order_id = f"{prefix}-{done}"
            ledger.reserve(order_id, consumption(done), LIMITS)
            ledger.commit(order_id)
            done += 1
    return done


def measure(url: str, clients: int, seconds: float) -> float:
    """Committed checkouts per second from ``clients`` processes."""
    with open_ledger(url) as ledger:
        ledger.init()
    if clients == 1:
        start = time.time()
        count = client((url, "c0", start, seconds))
        return count / (time.time() - start)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(clients) as pool:
        pool.map(time.sleep, [0.5] * clients, chunksize=1)  # every process up and importing
        start = time.time() + 1.0
        counts = pool.map(client, [(url, f"c{i}", start, seconds) for i in range(clients)])
    with open_ledger(url) as ledger:
        assert ledger.verify().ok
    return sum(counts) / seconds


def pg_base() -> tuple[str, str | None]:
    """A PostgreSQL URL, and the cluster folder to stop afterwards (None: given)."""
    given = os.environ.get("PROMOKIT_TEST_PG_URL")
    if given:
        return given, None
    out = subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), "start"],
                         capture_output=True, text=True, check=True).stdout
    env = dict(line.removeprefix("export ").split("=", 1)
               for line in out.splitlines() if line.startswith("export "))
    return env["PROMOKIT_TEST_PG_URL"], env["PROMOKIT_PG_DIR"]


def pg_schema_url(base: str) -> str:
    """A fresh schema in ``base``'s database."""
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote('-csearch_path=' + schema)}"


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each run")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    options = parser.parse_args()
    print(f"ledger checkouts (reserve + commit), {options.seconds:g} s each, "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        for clients, sync in ((1, "normal"), (1, "full"), (4, "normal")):
            url = f"sqlite:///{folder}/ledger-{clients}-{sync}.db?synchronous={sync}"
            rate = measure(url, clients, options.seconds)
            label = "process  " if clients == 1 else "processes"
            print(f"  SQLite      {clients} {label} (synchronous={sync:6}): "
                  f"{rate:7.0f} checkouts/s")
    if options.sqlite_only:
        return
    base, cluster = pg_base()
    try:
        for clients, extra, what in ((1, "", "server defaults      "),
                                     (4, "", "server defaults      "),
                                     (1, ASYNC, "synchronous_commit=off"),
                                     (4, ASYNC, "synchronous_commit=off")):
            rate = measure(pg_schema_url(base) + extra, clients, options.seconds)
            label = "client " if clients == 1 else "clients"
            print(f"  PostgreSQL  {clients} {label}   ({what}): {rate:7.0f} checkouts/s")
    finally:
        if cluster:
            subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), "stop", cluster],
                           capture_output=True, check=False)


if __name__ == "__main__":
    main()
