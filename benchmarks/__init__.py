"""promokit's benchmark suite: deterministic campaigns and carts, timings, a profile.

Run ``python benchmarks/run.py`` (figures) or ``python benchmarks/profile.py`` (where the time
goes); see benchmarks/README.md.
"""
