"""`access_log`, the queryable index of every decision (R39): newest first for the audit page,
by subject for an item's or a holding's page, the reads of one subject for its reader list.
`gsomia.node.audit` decides what goes in (beside the Merkle log) and writes it through `add`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, select, tuple_

from gsomia.store import driver_rows
from gsomia.store.tables import access_log


def newest(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The `limit` newest rows, newest first."""
    rows = conn.execute(select(access_log).order_by(access_log.c.id.desc()).limit(limit))
    return [dict(row) for row in rows.mappings()]


def page(
    conn: Connection, *, after: int | None, limit: int, backward: bool
) -> list[dict[str, Any]]:
    """Up to `limit` rows after row `after` in the log's order, newest first (`backward`: the
    other way), read by primary key."""
    query = select(access_log)
    if after is not None:
        query = query.where(access_log.c.id > after if backward else access_log.c.id < after)
    order = access_log.c.id if backward else access_log.c.id.desc()
    return [dict(row) for row in conn.execute(query.order_by(order).limit(limit)).mappings()]


def about(conn: Connection, subjects: Sequence[str], limit: int | None) -> list[dict[str, Any]]:
    """The rows about any of `subjects`, oldest first, at most `limit` (all if None)."""
    rows = conn.execute(
        select(access_log)
        .where(access_log.c.subject.in_(subjects))
        .order_by(access_log.c.id)
        .limit(limit)
    )
    return [dict(row) for row in rows.mappings()]


def by_log_index(conn: Connection, batch: int = 4096) -> Iterator[dict[str, Any]]:
    """Every row that names a log entry, by `log_index` then id, `batch` rows a query."""
    after = (-1, -1)
    while True:
        rows = conn.execute(
            select(access_log)
            .where(
                access_log.c.log_index.is_not(None),
                tuple_(access_log.c.log_index, access_log.c.id) > after,
            )
            .order_by(access_log.c.log_index, access_log.c.id)
            .limit(batch)
        ).mappings()
        found = [dict(row) for row in rows]
        yield from found
        if len(found) < batch:
            return
        after = (found[-1]["log_index"], found[-1]["id"])


def unproved(conn: Connection) -> int:
    """How many rows name no log entry (written before rows named theirs)."""
    return int(
        conn.execute(
            select(func.count()).select_from(access_log).where(access_log.c.log_index.is_(None))
        ).scalar_one()
    )


def add(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append `rows` (each derived from, and naming, its Merkle log entry)."""
    if not rows:
        return
    # Straight to the driver on SQLite: SQLAlchemy's per-row parameter handling was a fifth
    # of a TAXII page's log, one row per object handed over (py-spy, ADR 0132).
    driver_rows.insert(conn, access_log, rows)


def acted_on(conn: Connection, actor: str, action: str, subjects: Sequence[str]) -> set[str]:
    """Which of `subjects` `actor` has an allowed `action` logged on (an acknowledgement)."""
    if not subjects:
        return set()
    query = select(access_log.c.subject).where(
        access_log.c.actor == actor,
        access_log.c.action == action,
        access_log.c.allowed.is_(True),
        access_log.c.subject.in_(list(subjects)),
    )
    return {str(subject) for (subject,) in conn.execute(query)}
