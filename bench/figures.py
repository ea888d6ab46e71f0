"""What a benchmark reports: a figure, its unit, the anchor it is measured against, the ratio."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


@dataclass(frozen=True)
class Figure:
    """One measured figure, with the anchor measured in the same run (or a published one).

    `ratio` is value / anchor_value, so it reads "how many anchors we are".
    For figures where lower is better (latencies) the ratio is still value / anchor_value;
    `note` says which way is good.
    """

    value: float
    unit: str
    anchor: str
    anchor_value: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.anchor_value if self.anchor_value else float("nan")

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["ratio"] = round(self.ratio, 4)
        return data


def machine_load() -> str:
    """The machine's load as the figure is sampled: its 1-minute load average and cores (other
    work on a shared machine slows every figure, the anchors too)."""
    return f"1-min load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def merge_results(figures: dict[str, Figure], path: Path = RESULTS) -> None:
    """Write `figures` into results.json, keeping figures of benchmarks not run this time."""
    current: dict[str, object] = {}
    if path.exists():
        current = json.loads(path.read_text(encoding="utf-8"))
    current.update({name: figure.to_json() for name, figure in figures.items()})
    path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
