"""`python -m bench [NAME ...]`: run the benchmarks (all, or those named) and write results.json.

A benchmark is a module `bench/bench_NAME.py` with `run() -> dict[str, Figure]`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.figures import RESULTS, Figure, merge_results


def _modules(selected: list[str]) -> list[str]:
    here = Path(__file__).parent
    names = sorted(
        info.name.removeprefix("bench_")
        for info in pkgutil.iter_modules([str(here)])
        if info.name.startswith("bench_")
    )
    unknown = set(selected) - set(names)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have {names}")
    return [name for name in names if not selected or name in selected]


def main(argv: list[str]) -> None:
    console = Console()
    figures: dict[str, Figure] = {}
    for name in _modules(argv):
        console.rule(f"[bold]{name}")
        module = importlib.import_module(f"bench.bench_{name}")
        figures.update(module.run())
    table = Table(title=f"gsomia benchmarks → {RESULTS.name}")
    for column in ("figure", "value", "unit", "anchor", "anchor value", "ratio"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    for name, fig in figures.items():
        table.add_row(
            name,
            f"{fig.value:,.2f}",
            fig.unit,
            fig.anchor,
            f"{fig.anchor_value:,.2f}",
            f"{fig.ratio:.2f}",
        )
    console.print(table)
    merge_results(figures)


if __name__ == "__main__":
    main(sys.argv[1:])
