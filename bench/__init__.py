"""Benchmarks: each `bench_*.py` module measures figures beside their anchor, in one run."""
