"""`--json` and `--csv` on the CLI's lists (issue 16): every field the API answered, for
scripts; CSV under a header row, lists space-joined, a formula cell defused."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from tests.cli.test_cli_common import run, stand_in
from typer.testing import CliRunner

import gsomia.cli
from gsomia.cli import compromise, consent, notices, visits
from gsomia.cli.common import Reach
from gsomia.client import Listed
from gsomia.errors import UsageError

CONSENT = {
    "id": "c-1",
    "status": "requested",
    "originator": "KOR",
    "holder": "JPN",
    "recipient": "USA",
    "purpose": "=cmd|' /C calc'!A0",  # typed by a partner's officer: not run by a spreadsheet
    "item_ids": ["i-1", "i-2"],
    "until": "2099-01-01T00:00:00+00:00",
}

LISTS = [
    (consent, ("consent", "list")),
    (consent, ("purpose", "list")),
    (compromise, ("compromise", "list")),
    (compromise, ("dispute", "list")),
    (visits, ("visit", "list")),
    (visits, ("visit", "security", "list")),
    (notices, ("notice", "list")),
]


@pytest.mark.parametrize(("module", "command"), LISTS)
def test_every_list_prints_json_with_every_field(
    monkeypatch: pytest.MonkeyPatch, module: Any, command: tuple[str, ...]
) -> None:
    stand_in(monkeypatch, module, [CONSENT])
    assert json.loads(run(*command, "--json")) == [CONSENT]


@pytest.mark.parametrize(("module", "command"), LISTS)
def test_every_list_prints_csv_under_a_header_row(
    monkeypatch: pytest.MonkeyPatch, module: Any, command: tuple[str, ...]
) -> None:
    stand_in(monkeypatch, module, [CONSENT])
    [row] = list(csv.DictReader(io.StringIO(run(*command, "--csv"))))
    assert list(row) == list(CONSENT)
    assert row["item_ids"] == "i-1 i-2"
    assert row["purpose"] == "'=cmd|' /C calc'!A0"


def test_json_and_csv_together_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, consent, [CONSENT])
    result = CliRunner().invoke(
        gsomia.cli.app, ["consent", "list", "--json", "--csv", "--url", "http://x", "--token", "t"]
    )
    assert isinstance(result.exception, UsageError)
    assert "--json or --csv" in result.exception.message


class _Pages:
    def __enter__(self) -> _Pages:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def page(self, path: str, **_: Any) -> Listed:
        return Listed(
            [{"id": "KOR-1", "title": "a, b", "releasable_to": ["JPN", "USA"]}], None, None
        )


def test_item_list_as_csv_takes_one_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Reach, "connect", lambda *_: _Pages())
    base = ["item", "list", "--url", "http://x", "--token", "t", "--csv"]
    both = CliRunner().invoke(gsomia.cli.app, base)
    assert isinstance(both.exception, UsageError)
    assert both.exception.hint == "add --what items or holdings"
    one = CliRunner().invoke(gsomia.cli.app, [*base, "--what", "items"])
    assert one.exit_code == 0, one.output
    assert list(csv.DictReader(io.StringIO(one.output))) == [
        {"id": "KOR-1", "title": "a, b", "releasable_to": "JPN USA"}
    ]
