"""Numbered reproductions, translations and derivatives of an item or holding (R8, R15–R18,
R29): one `copies` row each, its content sealed to this node's own key and emptied when the
copy is destroyed or returned. node.control.copies and .derivatives decide what is made.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select, update

from gsomia.store import disposals
from gsomia.store.tables import copies

#: Every column of a copy, and its disposal's record, checked on each read (ADR 0139).
_WHOLE = select(copies, disposals.disposed_state(disposals.COPY, copies.c.id))

#: The kinds numbered per holding: copies and translations (a derivative is a new item).
REPRODUCED = ("copy", "translation")


def insert(
    conn: Connection,
    *,
    copy_id: str,
    kind: str,
    item_id: str,
    holding_id: str | None,
    number: int,
    level: str,
    label: Mapping[str, Any],
    details: Mapping[str, Any],
    content: bytes | None,
    made_by: str,
    made_at: datetime,
) -> None:
    """Inventory one reproduction, held."""
    conn.execute(
        copies.insert().values(
            id=copy_id,
            kind=kind,
            item_id=item_id,
            holding_id=holding_id,
            number=number,
            level=level,
            label=dict(label),
            details=dict(details),
            content=content,
            made_by=made_by,
            made_at=made_at,
            state="held",
        )
    )


def _checked(row: Row[Any]) -> Row[Any]:
    """The row, unless it contradicts its disposal: StoreDamaged for a copy put back from
    before its destruction or return (ADR 0139)."""
    disposals.check(disposals.COPY, row.id, row.state, row.disposed)
    return row


def get(conn: Connection, copy_id: str) -> Row[Any] | None:
    row = conn.execute(_WHOLE.where(copies.c.id == copy_id)).first()
    return None if row is None else _checked(row)


def states_of(conn: Connection, copy_ids: Collection[str]) -> dict[str, str]:
    """The state of each of `copy_ids` stored, by id (read in chunks of `CHUNK` ids)."""
    ids, found = sorted(copy_ids), {}
    for start in range(0, len(ids), CHUNK):
        query = select(copies.c.id, copies.c.state)
        rows = conn.execute(query.where(copies.c.id.in_(ids[start : start + CHUNK])))
        found.update({str(i): str(state) for i, state in rows})
    return found


#: How many ids a query names at most (SQLite's limit on parameters is 32,766).
CHUNK = 1000


def reproductions(conn: Connection, holding_id: str) -> int:
    """How many copies and translations of `holding_id` were ever made (the next number - 1)."""
    query = select(func.count()).select_from(copies)
    query = query.where(copies.c.holding_id == holding_id, copies.c.kind.in_(REPRODUCED))
    return int(conn.execute(query).scalar_one())


def every(conn: Connection) -> list[Row[Any]]:
    """Every reproduction, in any state, the oldest first."""
    return [_checked(row) for row in conn.execute(_WHOLE.order_by(copies.c.made_at, copies.c.id))]


def live(conn: Connection) -> list[dict[str, Any]]:
    """Every reproduction not destroyed, as plain dicts."""
    rows = conn.execute(_WHOLE.where(copies.c.state != "destroyed"))
    return [
        {k: v for k, v in _checked(row)._mapping.items() if k != disposals.COLUMN} for row in rows
    ]


def remark(conn: Connection, copy_id: str, level: str, label: Mapping[str, Any]) -> None:
    """Re-mark one reproduction after a classification change (R14)."""
    query = update(copies).where(copies.c.id == copy_id)
    conn.execute(query.values(level=level, label=dict(label)))


def empty(conn: Connection, copy_ids: Collection[str], state: str) -> None:
    """Erase the content of `copy_ids`, now `state` (destroyed or returned), and record their
    disposal, the witness a row put back from before contradicts (ADR 0139)."""
    if copy_ids:
        query = update(copies).where(copies.c.id.in_(list(copy_ids)))
        conn.execute(query.values(content=b"", state=state))
        disposals.record(conn, disposals.COPY, copy_ids, state)
