"""`gsomia demo` is a thin command over `gsomia.demo` (the story itself runs in
tests/integration/test_integration_exchange.py, over real node processes)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from gsomia.cli import app


def test_demo_refuses_a_workdir_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "left-over").write_text("x")
    result = CliRunner().invoke(app, ["demo", "--exit", "--workdir", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not empty" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["left-over"]
