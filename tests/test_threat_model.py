"""The threat model names a test for every attack, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMED = re.compile(r"`(tests/[^`:]+)?::(\w+)`")


def _rows() -> list[str]:
    text = (ROOT / "docs" / "threat-model.md").read_text("utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    return [row for row in rows if not row.startswith("| Attack ")]


def test_every_attack_names_a_test_that_exists() -> None:
    missing = []
    for row in _rows():
        named = NAMED.findall(row)
        if not named:
            missing.append(f"no test named in: {row[:80]}")
        path = ""
        for file, name in named:
            path = file or path  # `::name` continues the file named before it in the row
            source = ROOT / path
            if not source.is_file() or f"def {name}(" not in source.read_text("utf-8"):
                missing.append(f"{path}::{name}")
    assert not missing, missing
    assert len(_rows()) >= 20
