"""Each holding and case whose sealed state only moves forward: its version, a second witness
beside the row (ADR 0146).

Seals bind a row's values to the row, not to a version of it (ADR 0139): a writer of the
database who kept a holding's row from before the originator's re-marking (R14), or a case's
from before its answer, writes it back whole and every seal opens. So each change the node
seals into such a row also seals the row's next version, and writes that version here in the
same transaction. Every read selects the witness beside the row (`witnessed`, one primary-key
lookup a row, in the same query), and a row whose seal says another version than its witness
is damage: put back from before (or the witness edited). A row never changed since it was
written has version 0 and no witness row, so rows from before need no pass.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Label, func, select, update

from gsomia.errors import StoreDamaged
from gsomia.store.tables import row_versions

HOLDING = "holding"
CASE = "case"
#: The label of the witnessed version beside a row read (`witnessed`).
COLUMN = "witnessed"


def witnessed(kind: str, subject_id: ColumnElement[Any]) -> Label[Any]:
    """The witnessed version of the row whose id is `subject_id`, as a column to select beside
    it (labelled `COLUMN`; 0 while it was never changed)."""
    found = select(row_versions.c.version).where(
        row_versions.c.subject_kind == kind, row_versions.c.subject_id == subject_id
    )
    return func.coalesce(found.scalar_subquery(), 0).label(COLUMN)


def version_of(conn: Connection, kind: str, subject_id: str) -> int:
    """The witnessed version of one row, read locked with the caller's transaction."""
    query = select(row_versions.c.version).where(
        row_versions.c.subject_kind == kind, row_versions.c.subject_id == subject_id
    )
    found = conn.execute(query.with_for_update()).scalar()
    return int(found or 0)


def advance(conn: Connection, kind: str, subject_id: str, version: int) -> int:
    """Witness the row's next version after `version` (the one its seal says, checked by the
    caller against `version_of`), in the caller's transaction; that next version."""
    following = version + 1
    if version == 0:
        conn.execute(
            row_versions.insert().values(subject_kind=kind, subject_id=subject_id, version=1)
        )
    else:
        conn.execute(
            update(row_versions)
            .where(row_versions.c.subject_kind == kind, row_versions.c.subject_id == subject_id)
            .values(version=following)
        )
    return following


def check(kind: str, subject_id: str, sealed: int, witness: int) -> None:
    """StoreDamaged unless the row's seal says the version its witness says: an older one is
    a row put back from before a change, a newer one a witness edited or deleted."""
    if sealed == witness:
        return
    if kind == HOLDING:
        said = f"holding {subject_id} reads as its version {sealed} but was changed to {witness}"
    else:
        said = f"case {subject_id} reads as its version {sealed} but was changed to {witness}"
    raise StoreDamaged(said, hint=_HINT)


_HINT = (
    "restore the database from a backup; a row put back from before a change the node made "
    "is never read as current (ADR 0146)"
)
