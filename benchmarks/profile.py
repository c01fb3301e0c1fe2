"""Where the time goes: cProfile of one pricing evaluation, top functions by own time.

    python benchmarks/profile.py [--path model|json] [--top 25] [--sort tottime|cumtime]
                                 [--case RULES:LINES ...] [--save DIR] [--raw] [--cpu]
                                 [--general]

By default profiles the two cases the targets are about -- a 10-line cart against the 8-rule
campaign and a 100-line cart against the 1000-rule campaign -- on the model path (a validated
Cart in, a PriceResult out), and prints the top 25 functions by ``tottime`` (time spent in the
function itself), per evaluation. cProfile adds a fixed cost to every Python call, so many tiny
calls look dearer than they are; the unprofiled µs per evaluation is printed for scale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this directory is sys.path[0], and this file would shadow the standard
# library's ``profile`` module, which cProfile imports: take the directory off the path first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from benchmarks import generate  # noqa: E402
from benchmarks.run import json_path, model_path  # noqa: E402
from promokit.pricing import fast  # noqa: E402

DEFAULT_CASES = ((8, 10), (1000, 100))


def where(key: tuple[str, int, str]) -> str:
    """``promokit/pricing/engine.py:140 result`` or ``{built-in method ...}``."""
    file, line, func = key
    if file == "~":
        return func
    if file.startswith(str(ROOT)):
        file = os.path.relpath(file, ROOT)
    if "site-packages" in file:
        file = "…/" + file.split("site-packages/", 1)[1]
    return f"{file}:{line} {func}"


def unprofiled_us(fn: Callable[[], object], seconds: float) -> tuple[float, float, int]:
    """Median µs per call over 5 rounds, in wall and CPU time, and the calls in ``seconds``."""
    for _ in range(3):
        fn()
    t0 = time.perf_counter_ns()
    fn()
    per_call = max(1, time.perf_counter_ns() - t0)
    calls = max(5, int(seconds * 1e9 / per_call))
    wall, cpu = [], []
    for _ in range(5):
        batch = max(1, calls // 5)
        t0, c0 = time.perf_counter_ns(), time.process_time_ns()
        for _ in range(batch):
            fn()
        wall.append((time.perf_counter_ns() - t0) / batch / 1000)
        cpu.append((time.process_time_ns() - c0) / batch / 1000)
    return sorted(wall)[2], sorted(cpu)[2], calls


def profile_case(n_rules: int, n_lines: int, path: str, top: int, sort: str, seconds: float,
                 save: Path | None, raw: bool, cpu: bool) -> None:
    """Profile one case and print its top functions."""
    campaign = generate.build_campaign(n_rules)
    _ = campaign._plan, campaign.fingerprint  # compile outside the profile
    if path == "model":
        fn = model_path(campaign, generate.build_cart(n_lines))
    else:
        fn = json_path(campaign, generate.cart_json(n_lines))
    us, cpu_us, calls = unprofiled_us(fn, seconds)
    gc.collect()
    prof = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    stats = pstats.Stats(prof)
    total_tt = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    title = (f"{n_lines} lines x {n_rules} rules, {path} path: {us:.1f} µs per evaluation "
             f"unprofiled ({cpu_us:.1f} µs CPU time); {calls} evaluations profiled "
             f"({total_tt / calls * 1e6:.0f} µs each under cProfile, "
             f"{'CPU' if cpu else 'wall'} clock)")
    print(f"\n{title}\n{'=' * min(len(title), 100)}")
    print(f"top {top} by {sort}, per evaluation (µs under cProfile; % of all own time)")
    print(f"{'calls':>8} {'tottime':>9} {'%':>6} {'cumtime':>9}  function")
    col = 2 if sort == "tottime" else 3
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][col], reverse=True)  # type: ignore[attr-defined]
    for key, (_cc, nc, tt, ct, _callers) in rows[:top]:
        print(f"{nc / calls:>8.1f} {tt / calls * 1e6:>9.2f} {tt / total_tt:>6.1%} "
              f"{ct / calls * 1e6:>9.2f}  {where(key)}")
    if raw:
        stats.sort_stats(sort).print_stats(top)
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        out = save / f"profile-{path}-{n_rules}r-{n_lines}l.prof"
        stats.dump_stats(out)
        print(f"(saved to {out}; open with snakeviz or python -m pstats)")


def _case(text: str) -> tuple[int, int]:
    rules, lines = text.split(":")
    return int(rules), int(lines)


def main(argv: list[str] | None = None) -> int:
    """Profile the requested cases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=("model", "json"), default="model",
                        help="model: Cart in, PriceResult out; json: JSON text in and out")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", choices=("tottime", "cumtime"), default="tottime")
    parser.add_argument("--case", type=_case, action="append", metavar="RULES:LINES",
                        help="e.g. 8:10 (repeatable; default 8:10 and 1000:100)")
    parser.add_argument("--seconds", type=float, default=1.5,
                        help="unprofiled time to spend per case (default 1.5)")
    parser.add_argument("--save", type=Path, help="also write .prof files into this directory")
    parser.add_argument("--raw", action="store_true", help="also print pstats' own table")
    parser.add_argument("--general", action="store_true",
                        help="switch the fast engine path off: profile the general engine")
    parser.add_argument("--cpu", action="store_true",
                        help="profile with the process CPU clock (a shared machine; dearer)")
    args = parser.parse_args(argv)
    fast.ENABLED = not args.general
    for n_rules, n_lines in args.case or DEFAULT_CASES:
        profile_case(n_rules, n_lines, args.path, args.top, args.sort, args.seconds,
                     args.save, args.raw, args.cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
