"""Render time of a rule page for a generated 200-rule campaign (``promokit.explain.rule_docs``).

    python benchmarks/docs_render.py [--rules 200] [--repeat 5]

Prints the median wall time per page for each language and format, with the worked examples
(every threshold priced by the engine as the page is built) and without them. The campaign is
``benchmarks.generate.build_campaign(n)``: every rule kind, exclusive groups, windows. The issue's
target is "well under a second" for 200 rules; nothing asserts it (tests never time).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate  # noqa: E402
from promokit.explain import rule_docs  # noqa: E402


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"operator rule page of a {args.rules}-rule campaign, median of {args.repeat} "
          "(each on a freshly compiled campaign)")
    print(f"{'lang':<5} {'format':<7} {'examples':<9} {'ms':>9} {'bytes':>9}")
    for examples in (True, False):
        for lang in ("en", "zh"):
            for fmt in ("md", "html"):
                times, size = [], 0
                for _ in range(args.repeat):
                    campaign = generate.build_campaign(args.rules)
                    campaign._plan  # noqa: B018 - compile outside the timing, as a server would
                    start = time.perf_counter()
                    page = rule_docs(campaign, lang=lang, fmt=fmt, examples=examples,
                                     audience="operator")
                    times.append(time.perf_counter() - start)
                    size = len(page.encode())
                print(f"{lang:<5} {fmt:<7} {'yes' if examples else 'no':<9} "
                      f"{statistics.median(times) * 1000:>9.1f} {size:>9}")


if __name__ == "__main__":
    main()
