"""Each holding and copy disposed of (destroyed or returned, R18, R31): one `disposals` row,
written in the transaction that empties it and never changed (ADR 0139).

Seals bind a row's values to the row, not to a version of it: a writer of the database who
kept a holding's row from before its destruction and writes it back whole has a row whose
every seal opens. This record is the row's second witness. Every read of a holding or copy
selects it beside the row (`disposed_state`, one primary-key lookup a row, in the same
query), and `contradicted` decides: a row that does not say what its disposal says is damage.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, Label, select

from gsomia.errors import StoreDamaged
from gsomia.store.tables import disposals

HOLDING = "holding"
COPY = "copy"
DISPOSED = ("destroyed", "returned")
#: The label of the disposal's state beside a row read (`disposed_state`).
COLUMN = "disposed"


def contradicted(state: str, disposed: str | None) -> bool:
    """Whether a row reading `state` contradicts its disposal record (`disposed`: the state it
    records, None if there is none): once disposed of, a row says that state for ever, and a
    record of anything but a disposal is no record the node writes."""
    if disposed is None:
        return False
    return disposed not in DISPOSED or state != disposed


def check(kind: str, subject_id: str, state: str, disposed: str | None) -> None:
    """StoreDamaged if the row contradicts its disposal (`contradicted`)."""
    if contradicted(state, disposed):
        raise _damaged(kind, subject_id, state, str(disposed))


_HINT = (
    "restore the database from a backup; a row put back from before its disposal is never "
    "read as held (ADR 0139)"
)


def _damaged(kind: str, subject_id: str, state: str, disposed: str) -> StoreDamaged:
    if kind == HOLDING:
        return StoreDamaged(f"holding {subject_id} reads as {state} but was {disposed}", hint=_HINT)
    return StoreDamaged(f"copy {subject_id} reads as {state} but was {disposed}", hint=_HINT)


def against_log(logged: Mapping[str, str], found: Mapping[str, str]) -> list[str]:
    """What contradicts the verified log: each id `found` stored in a state (by id) whose
    disposal `logged` records (by id, the state it left), as "id (reads as state, logged
    disposal)", by id. A row stored nowhere contradicts nothing: its disposal's record and
    the log remain."""
    return [
        f"{i} (reads as {found[i]}, logged {logged[i]})"
        for i in sorted(found.keys() & logged.keys())
        if contradicted(found[i], logged[i])
    ]


def disposed_state(kind: str, subject_id: ColumnElement[Any]) -> Label[Any]:
    """The disposal's state of the row whose id is `subject_id`, as a column to select beside
    it (labelled `COLUMN`; NULL while it was never disposed of)."""
    found = select(disposals.c.state).where(
        disposals.c.subject_kind == kind, disposals.c.subject_id == subject_id
    )
    return found.scalar_subquery().label(COLUMN)


def record(conn: Connection, kind: str, subject_ids: Collection[str], state: str) -> None:
    """Record `subject_ids` disposed of as `state`, in the caller's transaction (the one that
    empties them). One recorded already is damage: the node empties only rows read as held."""
    if not subject_ids:
        return
    ids = sorted(subject_ids)
    already = of_subjects(conn, kind, ids)
    for subject_id, disposed in sorted(already.items()):
        raise _damaged(kind, subject_id, "held", disposed)
    rows = [{"subject_kind": kind, "subject_id": i, "state": state} for i in ids]
    conn.execute(disposals.insert(), rows)


def of_subjects(conn: Connection, kind: str, subject_ids: Collection[str]) -> dict[str, str]:
    """The recorded disposal of each of `subject_ids` that has one, by id."""
    query = select(disposals.c.subject_id, disposals.c.state).where(
        disposals.c.subject_kind == kind, disposals.c.subject_id.in_(list(subject_ids))
    )
    return {str(i): str(state) for i, state in conn.execute(query)}
