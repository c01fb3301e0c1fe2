"""Ledger throughput: committed checkouts per second, printed, never asserted.

    python benchmarks/ledger.py                 # SQLite 1 process; PostgreSQL 1 and 4 clients
    python benchmarks/ledger.py --seconds 5     # longer runs
    python benchmarks/ledger.py --sqlite-only   # no PostgreSQL
    python benchmarks/ledger.py --profile       # and where PostgreSQL's time goes

Three figures: the store alone (reserve + commit of a hand-built consumption); a whole checkout
through ``promokit.checkout`` (price a 10-line cart against the ledger + reserve + commit) on
SQLite (1 client) and PostgreSQL (1 and 4 clients); and the extra cost of pricing that cart with
a ledger snapshot (``campaign.price(cart, ledger=...)``) against without one
(``campaign.price(cart)``), as a ratio measured in the same run, interleaved.

PostgreSQL is the database of ``$PROMOKIT_TEST_PG_URL``, or a throw-away cluster started with
``.ci/postgres.sh`` (and stopped afterwards). Each run uses a fresh ledger (a temp file, or a
fresh schema). A checkout consumes what a typical Double 11 order does: a cross-store threshold
(uses, budget), a shop coupon kind (uses, per customer), a flash-sale stock (units, per customer
units) and points earned, for one of 1000 customers. The ``promokit.checkout`` rows price
:data:`CAMPAIGN` (a flash price, a shop 满减, a capped cross-store budget and a per-customer
coupon, every one limited) for :func:`cart` first.

A checkout is two durable transactions (reserve, commit); the printed reference is how long one
durable single-row UPDATE transaction takes on the server (its WAL flush). The
``synchronous_commit=off`` rows show the figures without that wait: where they are not much
higher, the flush is not what limits throughput.

``--profile`` says where the time goes on PostgreSQL: per store checkout from one client, the
wall time, this process's CPU and the server backend's CPU (from ``/proc``, when the server runs
on this machine); then, with 4 clients, how many of their server backends are on average
waiting on a row lock (the global counter rows every checkout of a campaign updates), on the
WAL flush, for their client, or running (``pg_stat_activity`` sampled every 10 ms). Client plus
server CPU per checkout, over the machine's cores, bounds the rate whatever the locking.
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

import promokit  # noqa: E402
from promokit.ledger import Consumption, Limits, LimitUse, open_ledger  # noqa: E402

LIMITS = {
    "cross-300-50": Limits(uses=10_000_000, budget="1000000000.00"),
    "shop-coupon": Limits(uses=10_000_000, per_customer=1_000_000),
    "flash-sale": Limits(units=100_000_000, per_customer_units=1_000_000),
}


#: Appended to a URL whose options are set: commits do not wait for the WAL flush (a server
#: crash may lose the last ~0.6 s of commits, never consistency).
ASYNC = "%20-csynchronous_commit%3Doff"


#: Double 11 with every rule limited (limits far above what a run takes, so none runs out).
CAMPAIGN = {
    "campaign": "bench-d11", "currency": "CNY", "timezone": "Asia/Shanghai",
    "stages": ["item", "shop", "cross_store", "platform"],
    "rules": [
        {"id": "flash", "kind": "special_price", "stage": "item", "select": {"skus": ["S0"]},
         "price": "59.00", "limits": {"units": 100_000_000, "per_customer_units": 1_000_000}},
        {"id": "shop-a-200-20", "kind": "threshold", "stage": "shop", "scope": "shop",
         "select": {"shops": ["A"]}, "min_spend": 200, "discount": 20,
         "limits": {"uses": 100_000_000}},
        {"id": "x-300-50", "kind": "threshold", "stage": "cross_store", "scope": "pool",
         "every": 300, "discount": 50, "cap": None,
         "limits": {"budget": "1000000000.00", "on_exhausted": "cap"}},
        {"id": "new-20", "kind": "threshold", "stage": "platform", "scope": "pool",
         "min_spend": 199, "discount": 20, "limits": {"per_customer": 1_000_000}},
    ]}


def cart(i: int) -> dict[str, object]:
    """A 10-line cart over three shops for customer ``i % 1000``, priced now (no ``at``: the
    reservation's TTL runs from now, so commit finds it)."""
    return {"currency": "CNY", "customer": {"id": f"u{i % 1000}"}, "lines": [
        {"id": f"l{k}", "sku": f"S{k}", "shop": "ABC"[k % 3],
         "unit_price": f"{69 + 10 * k}.00", "quantity": 1 + k % 2} for k in range(10)]}


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


def checkout_client(args: tuple[str, str, float, float]) -> int:
    """Like :func:`client`, through ``promokit.checkout``: price against the ledger, reserve,
    commit."""
    url, prefix, start, seconds = args
    campaign = promokit.Campaign.from_dict(CAMPAIGN)
    done = 0
    with open_ledger(url) as ledger:
        time.sleep(max(0.0, start - time.time()))
        end = start + seconds
        while time.time() < end:
            order_id = f"{prefix}-{done}"
            promokit.checkout(campaign, cart(done), ledger, order_id, retries=20)
            ledger.commit(order_id)
            done += 1
    return done


def snapshot_cost(url: str, rounds: int = 5, per_round: int = 200) -> tuple[float, float]:
    """Microseconds per ``campaign.price(cart)`` and per ``campaign.price(cart, ledger=...)``
    of a 10-line cart, the best of ``rounds`` interleaved rounds each."""
    campaign = promokit.Campaign.from_dict(CAMPAIGN)
    carts = [promokit.Cart.model_validate(cart(i)) for i in range(per_round)]
    best = [float("inf"), float("inf")]
    with open_ledger(url) as ledger:
        ledger.init()
        for i in range(20):  # counters in the ledger, as in production
            promokit.checkout(campaign, cart(i), ledger, f"warm-{i}")
            ledger.commit(f"warm-{i}")
        for _ in range(rounds):
            for which, kw in enumerate(({}, {"ledger": ledger})):
                t0 = time.perf_counter()
                for c in carts:
                    campaign.price(c, **kw)  # type: ignore[arg-type]
                best[which] = min(best[which], (time.perf_counter() - t0) / per_round * 1e6)
    return best[0], best[1]


def durable_floor(base: str, rounds: int = 100) -> float:
    """Milliseconds per durable single-row UPDATE transaction on this server (the WAL flush a
    commit waits for): the reference that bounds checkouts on one hot counter row."""
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_floor_ref (k INT PRIMARY KEY, v INT)")
        conn.execute("INSERT INTO bench_floor_ref VALUES (1, 0) ON CONFLICT DO NOTHING")
        t0 = time.perf_counter()
        for _ in range(rounds):
            with conn.transaction():
                conn.execute("UPDATE bench_floor_ref SET v = v + 1 WHERE k = 1")
        took = (time.perf_counter() - t0) / rounds * 1e3
        conn.execute("DROP TABLE bench_floor_ref")
    return took


def measure(url: str, clients: int, seconds: float, worker: object = client) -> float:
    """Committed checkouts per second from ``clients`` processes."""
    with open_ledger(url) as ledger:
        ledger.init()
    if clients == 1:
        start = time.time()
        count = worker((url, "c0", start, seconds))  # type: ignore[operator]
        return count / (time.time() - start)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(clients) as pool:
        pool.map(time.sleep, [0.5] * clients, chunksize=1)  # every process up and importing
        start = time.time() + 1.0
        counts = pool.map(worker, [(url, f"c{i}", start, seconds) for i in range(clients)])
    with open_ledger(url) as ledger:
        assert ledger.verify().ok
    return sum(counts) / seconds


def profile_one(url: str, count: int = 400) -> tuple[float, float, float | None]:
    """Milliseconds per store checkout (reserve + commit) from one client: wall time, this
    process's CPU, and the server backend's CPU (read from ``/proc``: None when the server is
    not on this machine or not readable)."""
    with open_ledger(url) as ledger:
        ledger.init()
        for i in range(20):  # warm: statements prepared, rows created
            ledger.reserve(f"warm-{i}", consumption(i), LIMITS)
            ledger.commit(f"warm-{i}")
        conn = getattr(ledger, "_conn", None)
        pid = conn.info.backend_pid if conn is not None else None

        def server_cpu() -> float | None:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                return None
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        s0, c0, t0 = server_cpu(), time.process_time(), time.perf_counter()
        for i in range(count):
            ledger.reserve(f"p-{i}", consumption(i), LIMITS)
            ledger.commit(f"p-{i}")
        wall, cpu, s1 = time.perf_counter() - t0, time.process_time() - c0, server_cpu()
    server = None if s0 is None or s1 is None else (s1 - s0) / count * 1e3
    return wall / count * 1e3, cpu / count * 1e3, server


def _ready(seconds: float) -> None:
    """Sleep in a pool process (mapping it imports this module there before any run starts)."""
    time.sleep(seconds)


def lock_waits(url: str, base: str, clients: int, seconds: float) -> tuple[float, dict[str, float]]:
    """Run :func:`client` in ``clients`` processes while sampling ``pg_stat_activity`` every
    10 ms: the rate, and how many of the clients' server backends are, on average, in each
    state (waiting on a row lock, on the WAL flush, for the client, or running)."""
    import threading

    import psycopg

    tagged = f"{url}{'&' if '?' in url else '?'}application_name=promokit-bench"
    with open_ledger(tagged) as ledger:
        ledger.init()
    seen: dict[str, float] = {}
    samples = [0]
    stop = threading.Event()

    def sample() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            while not stop.is_set():
                for kind, event in conn.execute(
                        "SELECT wait_event_type, wait_event FROM pg_stat_activity "
                        "WHERE application_name = 'promokit-bench' AND state <> 'idle'"):
                    what = {"Lock": "waiting on a row lock", "Client": "waiting for the client",
                            None: "running"}.get(kind, f"waiting on {kind}:{event}")
                    if event == "WALSync":
                        what = "waiting on the WAL flush"
                    seen[what] = seen.get(what, 0) + 1
                samples[0] += 1
                time.sleep(0.01)

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(clients) as pool:
        pool.map(_ready, [0.5] * clients, chunksize=1)  # every process has imported this module
        watcher = threading.Thread(target=sample)
        watcher.start()
        start = time.time() + 1.0
        try:
            counts = pool.map(client, [(tagged, f"c{i}", start, seconds) for i in range(clients)])
        finally:
            stop.set()
            watcher.join()
    return sum(counts) / seconds, {k: v / max(1, samples[0]) for k, v in seen.items()}


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
    parser.add_argument("--profile", action="store_true",
                        help="PostgreSQL: CPU per checkout (client, server) and where 4 "
                             "clients' server backends wait")
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
        print("promokit.checkout (price 10 lines against the ledger + reserve + commit)")
        rate = measure(f"sqlite:///{folder}/checkout.db", 1, options.seconds, checkout_client)
        print(f"  SQLite      1 process                       : {rate:7.0f} checkouts/s")
        plain, with_ledger = snapshot_cost(f"sqlite:///{folder}/snapshot.db")
        print(f"pricing a 10-line cart: {plain:.0f} us without a ledger, {with_ledger:.0f} us "
              f"with a SQLite snapshot: x{with_ledger / plain:.2f} "
              f"(+{(with_ledger / plain - 1) * 100:.0f}%)")
    if options.sqlite_only:
        return
    base, cluster = pg_base()
    try:
        print(f"PostgreSQL: one durable single-row UPDATE transaction takes "
              f"{durable_floor(base):.1f} ms here (the flush every commit waits for)")
        for clients, extra, what in ((1, "", "server defaults      "),
                                     (4, "", "server defaults      "),
                                     (1, ASYNC, "synchronous_commit=off"),
                                     (4, ASYNC, "synchronous_commit=off")):
            rate = measure(pg_schema_url(base) + extra, clients, options.seconds)
            label = "client " if clients == 1 else "clients"
            print(f"  PostgreSQL  {clients} {label}   ({what}): {rate:7.0f} checkouts/s")
        print("promokit.checkout (price 10 lines against the ledger + reserve + commit)")
        for clients, extra, what in ((1, "", "server defaults      "),
                                     (4, "", "server defaults      "),
                                     (4, ASYNC, "synchronous_commit=off")):
            rate = measure(pg_schema_url(base) + extra, clients, options.seconds,
                           checkout_client)
            label = "client " if clients == 1 else "clients"
            print(f"  PostgreSQL  {clients} {label}   ({what}): {rate:7.0f} checkouts/s")
        plain, with_ledger = snapshot_cost(pg_schema_url(base))
        print(f"pricing a 10-line cart: {plain:.0f} us without a ledger, {with_ledger:.0f} us "
              f"with a PostgreSQL snapshot: x{with_ledger / plain:.2f} "
              f"(+{(with_ledger / plain - 1) * 100:.0f}%)")
        if options.profile:
            wall, cpu, server = profile_one(pg_schema_url(base))
            shown = "unknown (server not local)" if server is None else f"{server:.2f} ms"
            print(f"profile, 1 client, per store checkout: {wall:.2f} ms wall, {cpu:.2f} ms "
                  f"client CPU, server CPU {shown}")
            rate, waits = lock_waits(pg_schema_url(base), base, 4, options.seconds)
            print(f"profile, 4 clients ({rate:.0f} checkouts/s): of the 4 server backends, on "
                  "average:")
            for what, n in sorted(waits.items(), key=lambda kv: -kv[1]):
                print(f"  {n:5.2f} {what}")
    finally:
        if cluster:
            subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), "stop", cluster],
                           capture_output=True, check=False)


if __name__ == "__main__":
    main()
