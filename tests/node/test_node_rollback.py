"""A holding and its copy destroyed through the node, then put back whole from before by
whoever may write its database (ADR 0139): every read refuses them while their disposal's
record stands, and `gsomia audit verify` names them from the cosignable log even once the
writer took that record away too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from tests.node.custody_fixtures import provide
from tests.node.node_fixtures import Cast, audit_verify, own_cast

from gsomia.errors import StoreDamaged
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node import read
from gsomia.node.audit import DISPOSING, disposals_logged
from gsomia.node.control import derivatives, disposal
from gsomia.node.control.copies import make_copies, translate
from gsomia.node.control.inventory import dependants
from gsomia.node.ledger import may_dispose
from gsomia.store import copies as stored_copies
from gsomia.store.tables import copies, disposals, holdings

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
_DECIDED_KEYS = {"action", "allowed", "reason"}


@pytest.fixture
def cast(tmp_path: Path) -> Iterator[Cast]:
    with own_cast(tmp_path, ("KOR", "JPN")) as built:
        yield built


def _rows(cast: Cast, holding_id: str, copy_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    with cast["JPN"].engine.connect() as conn:
        held = conn.execute(select(holdings).where(holdings.c.id == holding_id)).one()
        copied = conn.execute(select(copies).where(copies.c.id == copy_id)).one()
    return dict(held._mapping), dict(copied._mapping)


def _put_back(cast: Cast, held: dict[str, Any], copied: dict[str, Any]) -> None:
    """What a writer of the database who kept both rows from before does: UPDATEs."""
    with cast["JPN"].engine.begin() as conn:
        conn.execute(update(holdings).where(holdings.c.id == held["id"]).values(**held))
        conn.execute(update(copies).where(copies.c.id == copied["id"]).values(**copied))


def test_a_destroyed_holding_and_copy_put_back_are_refused_and_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    held = provide(cast, content=b"track E: 39.0N 125.7E")
    [copy] = make_copies(jpn, sato, held)
    before = _rows(cast, held, copy.id)
    disposal.destroy(
        jpn,
        cast.user("JPN", "tanaka"),
        held,
        method="shredding",
        officials=["tanaka", "sato"],
        dispose_dependants=True,
    )
    result = audit_verify(tmp_path / "jpn")
    assert result.exit_code == 0, result.output
    assert "disposals     2 the log records, each still disposed of" in result.output
    _put_back(cast, *before)
    assert _rows(cast, held, copy.id) == before  # read back as it was: every seal opens
    # While the disposal's record stands, every read refuses the holding and the copy.
    with pytest.raises(StoreDamaged, match=f"holding {held} reads as held but was destroyed"):
        read.read_holding(jpn, sato, held)
    with (
        jpn.reader.connect() as conn,
        pytest.raises(StoreDamaged, match=f"copy {copy.id} reads as held but was destroyed"),
    ):
        dependants(conn, held, jpn.vault)
    # The writer takes the records away too: the reads cannot tell, the log can.
    with jpn.engine.begin() as conn:
        conn.execute(delete(disposals))
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    message = result.exception.message
    assert f"{held} (reads as held, logged destroyed)" in message
    assert f"{copy.id} (reads as held, logged destroyed)" in message


def test_a_returned_holding_put_back_is_named_by_verify(cast: Cast, tmp_path: Path) -> None:
    held = provide(cast)
    with cast["JPN"].engine.connect() as conn:
        before = dict(conn.execute(select(holdings).where(holdings.c.id == held)).one()._mapping)
    disposal.return_holding(cast["JPN"], cast.user("JPN", "tanaka"), held)
    with cast["JPN"].engine.begin() as conn:
        conn.execute(update(holdings).where(holdings.c.id == held).values(**before))
        conn.execute(delete(disposals))
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    assert f"{held} (reads as held, logged returned)" in result.exception.message


def test_a_copy_deleted_with_its_holdings_count_put_back_is_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    """Found by the attack (ADR 0143), left by ADR 0140 as "a copy row and its holding's terms
    put back together": a writer who kept the holding's row from before its copy was made
    deletes the copy and writes the row back. Every seal opens and the count agrees with the
    rows (none made, none kept), so the copy leaves the inventory unseen and its slot under
    the originator's limit is free again. The log records it made: verify names it."""
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    held = provide(cast)
    with jpn.engine.connect() as conn:
        before = dict(conn.execute(select(holdings).where(holdings.c.id == held)).one()._mapping)
    [copy] = make_copies(jpn, sato, held)
    translation = translate(
        jpn,
        cast.user("JPN", "tanaka"),
        held,
        translator="sato",
        language="ja",
        source_language="ko",
        content="訳",
    )
    result = audit_verify(tmp_path / "jpn")
    assert result.exit_code == 0, result.output
    with jpn.engine.begin() as conn:
        conn.execute(delete(copies).where(copies.c.holding_id == held))
        conn.execute(update(holdings).where(holdings.c.id == held).values(**before))
    with jpn.reader.connect() as conn, pytest.raises(StoreDamaged, match=f"{held} reads as its"):
        # The holding's terms say no count and the rows agree, but its version is older than
        # its witness says: put back from before the copy was made (ADR 0146).
        stored_copies.reproductions(conn, held, jpn.vault)
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    assert f"{copy.id} (logged made, stored nowhere)" in result.exception.message
    assert f"{translation.id} (logged made, stored nowhere)" in result.exception.message


def test_a_deleted_derivative_is_named_by_verify(cast: Cast, tmp_path: Path) -> None:
    """Found by the attack (ADR 0143): a derivative (a summary of a 極秘 holding) is counted
    by no holding, so a writer who deletes its row leaves nothing a read can miss. The log
    records it made: verify names it."""
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    held = provide(cast)
    made = derivatives.derive(jpn, sato, [held], kind="summary", title="summary", content="s")
    result = audit_verify(tmp_path / "jpn")
    assert result.exit_code == 0, result.output
    with jpn.engine.begin() as conn:
        conn.execute(delete(copies).where(copies.c.id == made.id))
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    assert f"{made.id} (logged made, stored nowhere)" in result.exception.message


def _event(action: str, allowed: bool, *subjects: str) -> LogEvent:
    kind = EventKind.DESTRUCTION if action == "destroy" and allowed else EventKind.DECISION
    return LogEvent(kind, NOW, "tanaka", subjects, {"action": action, "allowed": allowed})


@pytest.mark.parametrize(
    ("events", "disposed"),
    [
        ([_event("destroy", True, "h1", "c1")], {"h1": "destroyed", "c1": "destroyed"}),
        (
            [_event("return", True, "h2", "m1", "c2")],
            {"h2": "returned", "m1": "returned", "c2": "returned"},
        ),
        ([_event("destroy", False, "h1"), _event("return", False, "h2")], {}),  # refused
        ([_event("dispose", True, "h1"), _event("read", True, "h1")], {}),  # decided, not done
        ([_event("copy", True, "h1", "c1")], {}),
    ],
)
def test_the_log_records_disposed_of_what_an_allowed_destruction_or_return_names(
    events: list[LogEvent], disposed: dict[str, str]
) -> None:
    assert disposals_logged(events) == disposed


_TEXT = st.text(max_size=20)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    action=st.sampled_from([*DISPOSING, "read", "dispose", "destroyed", "copy"]),
    allowed=st.booleans(),
    actor=st.text(min_size=1, max_size=20),
    subjects=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=3),
    details=st.dictionaries(_TEXT.filter(lambda k: k not in _DECIDED_KEYS), _VALUES, max_size=4),
)
def test_verify_decodes_every_entry_that_disposes_of_anything(
    action: str, allowed: bool, actor: str, subjects: list[str], details: dict[str, Any]
) -> None:
    """`audit verify` decodes only the entries whose bytes may be a disposal's: whatever else
    the event carries (any text, nested bodies), none that disposes is skipped."""
    body = {**details, "action": action, "allowed": allowed, "reason": "r"}
    event = LogEvent(EventKind.DECISION, NOW, actor, tuple(subjects), body)
    if disposals_logged([event]):
        assert may_dispose(event.encode())
