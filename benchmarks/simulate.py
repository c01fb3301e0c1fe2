"""promokit simulate: orders per second for --jobs 1, --jobs 2 and Dask local, the --vs cost.

    python benchmarks/simulate.py [--orders 3000] [--lines 6] [--seed 1] [--no-dask] [--rounds 3]

Generates a synthetic Double 11 log (``--orders`` orders, ``--lines`` lines on average) into a
temporary JSONL file, prices it against examples/simulate/design-a.yaml (and, for the comparison,
design-b.yaml; and design-a-limits.yaml, whose budgets run out mid-sale, through the
limit-aware replay), and prints orders/s, the speed-ups against the issue's targets (jobs 2 >= 1.8x
jobs 1; Dask >= 0.8x the pool; --vs <= 2.1x a single design), the extrapolated time for
1,000,000 orders, and peak memory (this process, and its largest child: a pool or Dask worker).
The pool (jobs 2) and Dask are timed in ``--rounds`` interleaved rounds, each round's Dask
figure divided by the pool's of the same round (min, median, max), so load that drifts on a
shared machine slows both sides of a ratio; the CPU seconds of every process taking part
(this one, the pool's workers, Dask's nannies and workers) are printed beside, and their
ratio, which other work sharing the cores moves less. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import promokit  # noqa: E402
from promokit.simulate import Pricer, simulate, write_orders  # noqa: E402
from promokit.simulate._orders import read_orders  # noqa: E402
from promokit.simulate._run import replay_summary  # noqa: E402

EXAMPLES = ROOT / "examples" / "simulate"


def _peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest waited-for child, in MB."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def _load() -> str:
    """The load averages (1, 5, 15 minutes): other work sharing the cores."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu() -> float:
    """CPU seconds used so far by this process, its finished children (a pool's workers) and
    its live descendants (Dask's nannies and workers; psutil comes with distributed)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    try:
        psutil: Any = importlib.import_module("psutil")
    except ImportError:
        return total
    for process in psutil.Process().children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


#: CPU seconds per order of each timed run, by label prefix ("jobs 2", "dask").
CPU: dict[str, list[float]] = {}


def _time(label: str, count: int, **kwargs: object) -> float:
    cpu, start = _cpu(), time.perf_counter()
    summary = simulate(**kwargs)  # type: ignore[arg-type]
    seconds, used = time.perf_counter() - start, _cpu() - cpu
    assert summary.a.orders == count, (summary.a.orders, summary.bad)
    rate = count / seconds
    CPU.setdefault(label.split(",")[0], []).append(used / count)
    print(f"{label:<28} {seconds:8.2f} s {rate:10.0f} orders/s   {used:7.2f} CPU s "
          f"(all processes)")
    return rate


def main() -> int:
    """Run the benchmark; prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--lines", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    a = promokit.load_campaign(EXAMPLES / "design-a.yaml")
    b = promokit.load_campaign(EXAMPLES / "design-b.yaml")
    print(f"{platform.platform()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, load {_load()}")
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "orders.jsonl"
        lines = write_orders(log, args.orders, seed=args.seed, mean_lines=args.lines)
        size = log.stat().st_size / 1e6
        per_order = log.read_text(encoding="utf-8").count('"sku"') / lines
        print(f"{args.orders} orders, {per_order:.1f} lines per order, {size:.1f} MB")
        n = args.orders
        simulate(log, a, vs=b, jobs=1, progress=False)  # warm up: imports, compiled plans, caches
        one = _time("jobs 1", n, orders=log, campaign=a, jobs=1, progress=False)
        both = _time("jobs 1, --vs", n, orders=log, campaign=a, vs=b, jobs=1, progress=False)
        client = None
        if not args.no_dask:
            try:
                distributed: Any = importlib.import_module("distributed")
            except ImportError:
                print("dask: not installed (pip install 'promokit[dask]')")
            else:
                start = time.perf_counter()
                cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                                   dashboard_address=None)
                client = distributed.Client(cluster)
                print(f"dask LocalCluster (2 procs) started in {time.perf_counter() - start:.1f}"
                      " s (not counted; --dask local counts it)")
        pools: list[float] = []
        dasks: list[float] = []
        for r in range(1, args.rounds + 1):
            pools.append(_time(f"jobs 2, round {r}", n, orders=log, campaign=a, jobs=2,
                               progress=False))
            if client is not None:
                dasks.append(_time(f"dask (2 procs), round {r}", n, orders=log, campaign=a,
                                   dask=client, progress=False))
        if client is not None:
            client.close()
            cluster.close()
        two = statistics.median(pools)
        dask = statistics.median(dasks) if dasks else None
        ratios = sorted(d / p for d, p in zip(dasks, pools, strict=False))
        limited = promokit.load_campaign(EXAMPLES / "design-a-limits.yaml")
        work: dict[str, int] = {}
        start = time.perf_counter()
        replayed = replay_summary(Pricer(limited), read_orders(log, "CNY"), jobs=1, work=work)
        limits = time.perf_counter() - start
        assert replayed.a.orders == n
        print(f"{'limits (replay), jobs 1':<28} {limits:8.2f} s {n / limits:10.0f} orders/s   "
              f"re-priced {work['batch']} in batches, {work['in_place']} in the walk")
    print(f"load at the end: {_load()}")
    me, kid = _peak_mb()
    print()
    print(f"limits / no limits   {limits * one / n:5.2f}x the time of design A without limits "
          "(both in process)")
    print(f"jobs 2 / jobs 1      {two / one:5.2f}x   (median jobs 2 round; target >= 1.8x)")
    if ratios:
        print(f"dask / jobs 2        {statistics.median(ratios):5.2f}x median of {len(ratios)} "
              f"rounds (min {ratios[0]:.2f}, max {ratios[-1]:.2f})   (target >= 0.8x)")
        cost = sorted(p / d for p, d in zip(CPU["jobs 2"], CPU["dask (2 procs)"], strict=True))
        print(f"  in CPU time        {statistics.median(cost):5.2f}x the pool's orders per CPU "
              f"second (min {cost[0]:.2f}, max {cost[-1]:.2f}); other work on the cores moves "
              "this less than wall time")
    print(f"--vs cost            {one / both:5.2f}x a single design   (target <= 2.1x)")
    best = max(two, dask or 0.0)
    print(f"1,000,000 orders     {1e6 / best / 60:5.1f} min at {best:.0f} orders/s "
          f"(target <= 10 min), {1e6 / one / 60:.1f} min with jobs 1")
    print(f"peak memory          {me:.0f} MB this process, {kid:.0f} MB largest child "
          "(target < 1 GB whatever the input size)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
