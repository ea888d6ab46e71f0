"""`gsomia item list` prints what the node's lists return, markup-free: a redacted row and a
partner's title in brackets are shown as written, not swallowed as Rich markup."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.cli.common import Reach
from gsomia.client import Listed

REDACTED = "[redacted]"


class _Client:
    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def page(self, path: str, **_: Any) -> Listed:
        rows = self.items() if path.endswith("/items") else self.holdings()
        return Listed(rows, None, None)

    def items(self) -> list[dict[str, Any]]:
        row = {"id": "KOR-1234567890", "title": REDACTED, "level": REDACTED, "state": "released"}
        return [{**row, "releasable_to": ["JPN"], "precedence": "FLASH", "redacted": True}]

    def holdings(self) -> list[dict[str, Any]]:
        return [
            {
                "id": "h-1234567890",
                "title": "[bold red]not markup[/]",
                "marking": "極秘",
                "original_marking": "군사II급비밀",
                "originator": "KOR",
                "precedence": "ROUTINE",
                "received_at": "2026-12-03T05:00:00+00:00",
            }
        ]


def test_redacted_rows_and_bracketed_titles_print_as_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Reach, "connect", lambda *_: _Client())
    result = CliRunner().invoke(
        app, ["item", "list", "--url", "http://x", "--token", "t"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert REDACTED in result.output
    assert "[bold red]not markup[/]" in result.output
