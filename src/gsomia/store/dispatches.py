"""Courier and air-gapped dispatches (R27): what this node sent by bundle and what it took in.

A row is written with the bundle, in the transaction that logs the dispatch; an outgoing one
is settled once, when the partner's signed receipt comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from gsomia.store.tables import dispatches

OUT, IN = "out", "in"


def add(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(dispatches.insert(), [dict(row)])


def get(conn: Connection, dispatch_id: str) -> dict[str, Any] | None:
    found = conn.execute(select(dispatches).where(dispatches.c.id == dispatch_id)).first()
    return None if found is None else dict(found._mapping)


def count_to(conn: Connection, peer: str) -> int:
    """How many bundles this node has sent `peer`: the next dispatch number follows it."""
    query = select(func.count()).where(dispatches.c.direction == OUT, dispatches.c.peer == peer)
    return int(conn.execute(query).scalar_one())


def acknowledge(
    conn: Connection, dispatch_id: str, at: datetime, answers: Mapping[str, str]
) -> bool:
    """Settle an outgoing dispatch with its receipt; False if it was settled already."""
    done = conn.execute(
        update(dispatches)
        .where(
            dispatches.c.id == dispatch_id,
            dispatches.c.direction == OUT,
            dispatches.c.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=at, answers=dict(answers))
    )
    return done.rowcount == 1


def listed(
    conn: Connection, *, direction: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Dispatches, newest first (`direction` out or in, or both)."""
    query = select(dispatches).order_by(dispatches.c.sent_at.desc(), dispatches.c.id.desc())
    if direction is not None:
        query = query.where(dispatches.c.direction == direction)
    return [dict(row._mapping) for row in conn.execute(query.limit(limit))]


def unacknowledged(conn: Connection) -> list[dict[str, Any]]:
    """Outgoing dispatches still waiting for their receipt, the oldest due first."""
    query = (
        select(dispatches)
        .where(dispatches.c.direction == OUT, dispatches.c.acknowledged_at.is_(None))
        .order_by(dispatches.c.receipt_due)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
