"""The audit trail people read is the one the log proves (issue 13, "the audit trail").

`access_log` rows name their log entry; `gsomia audit verify` proves each against it and names
the first row edited, deleted or added, and the pages show what the log says, marked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from tests.node.node_fixtures import Cast, build_cast
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.ledger.events import LogEvent
from gsomia.node import audit_trail
from gsomia.node.audit_rows import AlteredAccessLog, check_listing, listed_row
from gsomia.store.log_entries import entries_from
from gsomia.store.tables import access_log

runner = CliRunner()


@pytest.fixture(scope="module")
def kor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cast, Path]]:
    root = tmp_path_factory.mktemp("listing")
    cast = build_cast(root, ("KOR",), pin=False)
    cast.publish("KOR", "kim")
    audit_trail.decisions(cast["KOR"], cast.user("KOR", "yoon"))  # a read of the trail, logged
    yield cast, root / "kor"
    cast["KOR"].engine.dispose()


def _verify(home: Path) -> Any:
    return runner.invoke(app, ["audit", "verify", "--home", str(home)])


def _row(cast: Cast, action: str) -> dict[str, Any]:
    with cast["KOR"].engine.connect() as conn:
        found = conn.execute(
            select(access_log).where(access_log.c.action == action).order_by(access_log.c.id)
        )
        return dict(found.mappings().first() or {})


def test_every_row_names_the_entry_it_was_derived_from(kor: tuple[Cast, Path]) -> None:
    cast, home = kor
    with cast["KOR"].engine.connect() as conn:
        rows = conn.execute(select(access_log).order_by(access_log.c.id)).mappings().all()
        entries = dict(entries_from(conn, 0, 10_000))
    assert rows
    assert all(r["log_index"] is not None for r in rows)
    for r in rows:
        expected = listed_row(LogEvent.decode(entries[r["log_index"]]))
        assert {k: r[k] for k in expected} == expected
    result = _verify(home)
    assert result.exit_code == 0, result.output
    assert f"{len(rows)} rows proved" in result.output


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor", "someone-else"), ("at", None), ("allowed", None), ("reason", "nothing to see")],
)
def test_verify_names_the_edited_access_log_row(
    kor: tuple[Cast, Path], column: str, value: Any
) -> None:
    cast, home = kor
    row = _row(cast, "publish")
    if column == "at":
        value = row["at"] - timedelta(days=30)
    if column == "allowed":
        value = not row["allowed"]
    where = access_log.c.id == row["id"]
    with cast["KOR"].engine.begin() as conn:
        conn.execute(update(access_log).where(where).values({column: value}))
    try:
        result = _verify(home)
        assert result.exit_code == 3, result.output
        assert f"first bad access_log row: {row['id']}" in result.output
        assert f"differs from log entry {row['log_index']} in {column}" in result.output
    finally:
        with cast["KOR"].engine.begin() as conn:
            conn.execute(update(access_log).where(where).values({column: row[column]}))
    assert _verify(home).exit_code == 0


def test_verify_names_a_deleted_access_log_row(kor: tuple[Cast, Path]) -> None:
    cast, home = kor
    row = _row(cast, "publish")
    with cast["KOR"].engine.begin() as conn:
        conn.execute(delete(access_log).where(access_log.c.id == row["id"]))
    try:
        result = _verify(home)
        assert result.exit_code == 3, result.output
        assert f"access_log row of log entry {row['log_index']} is missing" in result.output
    finally:
        with cast["KOR"].engine.begin() as conn:
            conn.execute(insert(access_log).values(row))
    assert _verify(home).exit_code == 0


def test_verify_names_a_row_added_beside_a_real_one(kor: tuple[Cast, Path]) -> None:
    cast, home = kor
    row = _row(cast, "publish")
    forged = {**row, "id": row["id"] + 100_000, "actor": "park", "action": "release"}
    with cast["KOR"].engine.begin() as conn:
        conn.execute(insert(access_log).values(forged))
    try:
        result = _verify(home)
        assert result.exit_code == 3, result.output
        assert f"first bad access_log row: {forged['id']}" in result.output
    finally:
        with cast["KOR"].engine.begin() as conn:
            conn.execute(delete(access_log).where(access_log.c.id == forged["id"]))


def test_an_edited_audit_row_is_shown_as_the_log_says_and_marked(kor: tuple[Cast, Path]) -> None:
    cast, _ = kor
    node, yoon = cast["KOR"], cast.user("KOR", "yoon")
    row = _row(cast, "publish")
    where = access_log.c.id == row["id"]
    with node.engine.begin() as conn:
        conn.execute(update(access_log).where(where).values(actor="nobody", reason="routine"))
    try:
        shown = {r["id"]: r for r in audit_trail.decisions(node, yoon, limit=500)}
        edited = shown[row["id"]]
        assert (edited["actor"], edited["reason"]) == (row["actor"], row["reason"])
        assert edited["altered"] == ["actor", "reason"]
        assert all(r["altered"] == [] and r["proved"] for i, r in shown.items() if i != row["id"])
    finally:
        with node.engine.begin() as conn:
            conn.execute(update(access_log).where(where).values(actor=row["actor"]))
            conn.execute(update(access_log).where(where).values(reason=row["reason"]))


def test_check_listing_proves_in_order_and_names_the_first(kor: tuple[Cast, Path]) -> None:
    cast, _ = kor
    with cast["KOR"].engine.connect() as conn:
        entries = entries_from(conn, 0, 10_000)
        rows = conn.execute(
            select(access_log).order_by(access_log.c.log_index, access_log.c.id)
        ).mappings()
        listing = [dict(r) for r in rows]
    assert check_listing(entries, listing) == len(listing)
    second, third = dict(listing[1]), dict(listing[2])
    second["subject"], third["actor"] = "x", "y"
    with pytest.raises(AlteredAccessLog) as first:
        check_listing(entries, [listing[0], second, third, *listing[3:]])
    assert first.value.row == listing[1]["id"]
    with pytest.raises(AlteredAccessLog, match="names log entry"):
        check_listing(entries, [*listing, {**listing[-1], "id": 10**6}])
