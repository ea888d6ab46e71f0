"""Found by the attack: `gsomia item export --out FILE` wrote the STIX bundle — every
object's content in clear, classified — with the process's umask (0644 by default), so any
local account, or a copy of a shared directory, read it. What carries content in clear, and
what the CLI writes of it, is written 0600 and replaces a file of wider mode."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.cli.common import Reach

SECRET = "track of a classified launch"


class _Client:
    """The node's client at the CLI's seam: what the node's export routes answer."""

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def export_stix(self, _ids: list[str]) -> dict[str, Any]:
        report = {"type": "report", "id": "report--1", "description": SECRET}
        return {"type": "bundle", "id": "bundle--1", "objects": [report]}

    def export_ztdf(self, _item_id: str) -> bytes:
        return b"PK container"


@pytest.mark.parametrize("format_", ["stix", "ztdf"])
def test_an_export_is_written_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, format_: str
) -> None:
    monkeypatch.setattr(Reach, "connect", lambda *_: _Client())
    out = tmp_path / f"export.{format_}"
    out.write_text("an older file, world-readable")
    out.chmod(0o644)
    args = ["item", "export", "KOR-1", "--format", format_, "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    if format_ == "stix":
        assert SECRET in out.read_text("utf-8")
