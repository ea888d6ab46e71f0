"""Rows put back with their versions' witness from before a change the node logged (ADR 0151).

A writer of the database, holding no key, keeps a holding's row (and its copy's) from before
the originator's upgrade (R14), writes them back whole and deletes the holding's
`row_versions` witness, or sets it back: the seal and the witness agree again, and every read
takes the holding at its old, lower marking (ADR 0148's strict xfail in
`tests/store/test_store_witness_put_back.py`). A case put back from before its last step with
its witness taken away likewise opens as it did. The cosignable log records the marking and
version each re-marking applied and the status and version of each step of a case; `gsomia
audit verify` holds every such row against the log's last word and names each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from tests.node.custody_fixtures import provide
from tests.node.node_fixtures import Cast, audit_verify, own_cast
from tests.node.test_node_notices import pump

from gsomia.errors import StoreDamaged
from gsomia.node import read
from gsomia.node.control.copies import make_copies
from gsomia.node.control.notices import reclassify
from gsomia.store import copies as stored_copies
from gsomia.store import items as stored_items
from gsomia.store.tables import cases, copies, holdings, items, row_versions


@pytest.fixture
def cast(tmp_path: Path) -> Iterator[Cast]:
    with own_cast(tmp_path, ("KOR", "JPN")) as built:
        yield built


def _row(cast: Cast, nation: str, table: Any, row_id: str) -> dict[str, Any]:
    with cast[nation].engine.connect() as conn:
        return dict(conn.execute(select(table).where(table.c.id == row_id)).one()._mapping)


def _put_back(cast: Cast, nation: str, table: Any, row: dict[str, Any]) -> None:
    with cast[nation].engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == row["id"]).values(**row))


def _level(row: Any) -> str:
    return str(row._mapping["level"])


def _upgraded(cast: Cast, *, copied: bool) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """A KOR item JPN holds at 秘 (with a copy if `copied`), upgraded by KOR and re-marked 極秘
    at JPN; the holding and notice ids, and the holding's and copy's rows from before."""
    held = provide(cast, level="군사III급비밀")
    copy_before: dict[str, Any] = {}
    if copied:
        [copy] = make_copies(cast["JPN"], cast.user("JPN", "sato"), held)
        copy_before = _row(cast, "JPN", copies, copy.id)
    held_before = _row(cast, "JPN", holdings, held)
    notice = reclassify(
        cast["KOR"],
        cast.user("KOR", "park"),
        held_before["item_id"],
        change="upgrade",
        level="군사II급비밀",
    )
    [answer] = pump(cast, "KOR", "JPN")
    assert answer["status"] == "received", answer
    assert read.holding_row(cast["JPN"], held).local_level == "極秘"
    return held, notice.id, held_before, copy_before


def test_a_remarked_holding_put_back_with_its_witness_deleted_is_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    """Never changed before its re-marking: its row of before is version 0, which a missing
    witness says."""
    held, _, held_before, _ = _upgraded(cast, copied=False)
    verified = audit_verify(tmp_path / "jpn")
    assert verified.exit_code == 0, verified.output
    _put_back(cast, "JPN", holdings, held_before)
    with cast["JPN"].engine.begin() as conn:
        conn.execute(delete(row_versions).where(row_versions.c.subject_id == held))
    # The reads cannot tell (the seal, the witness and the labels agree): the hole this closes
    # in verify, and leaves in the reads (ADR 0151).
    assert read.holding_row(cast["JPN"], held).local_level == "秘"
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    assert f"holding {held} (marked 秘, logged 極秘; version 0, logged 1)" in (
        result.exception.message
    )


def test_a_remarked_holding_and_copy_put_back_with_the_witness_set_back_are_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    """Changed once before (its copy counted): the witness is set back to 1, as its row of
    before says; the copy, re-marked with it and not versioned, is put back too."""
    held, _, held_before, copy_before = _upgraded(cast, copied=True)
    verified = audit_verify(tmp_path / "jpn")
    assert verified.exit_code == 0, verified.output
    _put_back(cast, "JPN", holdings, held_before)
    _put_back(cast, "JPN", copies, copy_before)
    with cast["JPN"].engine.begin() as conn:
        mine = row_versions.c.subject_id == held
        conn.execute(update(row_versions).where(mine).values(version=1))
    assert read.holding_row(cast["JPN"], held).local_level == "秘"
    with cast["JPN"].reader.connect() as conn:
        assert _level(stored_copies.get(conn, copy_before["id"], cast["JPN"].vault)) == "秘"
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    said = result.exception.message
    assert f"holding {held} (marked 秘, logged 極秘; version 1, logged 2)" in said
    assert f"copy {copy_before['id']} (marked 秘, logged 極秘)" in said


def test_a_case_put_back_from_before_its_last_step_with_its_witness_is_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    _, notice_id, _, _ = _upgraded(cast, copied=False)
    opened = _row(cast, "KOR", cases, notice_id)
    [ack] = pump(cast, "JPN", "KOR")  # the case moves on: acknowledged
    assert ack["status"] == "received", ack
    assert _row(cast, "KOR", cases, notice_id)["status"] != opened["status"]
    verified = audit_verify(tmp_path / "kor")
    assert verified.exit_code == 0, verified.output
    _put_back(cast, "KOR", cases, opened)
    with cast["KOR"].engine.begin() as conn:
        conn.execute(delete(row_versions).where(row_versions.c.subject_id == notice_id))
    result = audit_verify(tmp_path / "kor")
    assert isinstance(result.exception, StoreDamaged), result.output
    said = result.exception.message
    said_of_case = "status awaiting acknowledgements, logged acknowledged; version 0, logged 1"
    assert f"case {notice_id} ({said_of_case})" in said


def test_the_originators_item_put_back_from_before_its_upgrade_is_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    """The originator's own item is not versioned: its row of before, put back whole, opens as
    it did (its label sealed under its data key), and every read takes the lower marking.
    The log's `reclassify` says the marking it set: verify names the item."""
    kor = cast["KOR"]
    item_id = cast.publish("KOR", "kim", level="군사III급비밀", releasable_to=("JPN",))
    before = _row(cast, "KOR", items, item_id)
    reclassify(kor, cast.user("KOR", "park"), item_id, change="upgrade", level="군사II급비밀")
    verified = audit_verify(tmp_path / "kor")
    assert verified.exit_code == 0, verified.output
    _put_back(cast, "KOR", items, before)
    with kor.engine.connect() as conn:
        kept = stored_items.get(conn, item_id, kor.vault)
    assert kept is not None
    assert kept.level == "군사III급비밀"  # every read takes it: the hole
    result = audit_verify(tmp_path / "kor")
    assert isinstance(result.exception, StoreDamaged), result.output
    said = f"item {item_id} (marked 군사III급비밀, logged 군사II급비밀)"
    assert said in result.exception.message
