"""Reads of `access_log`, the queryable index of every decision (R39): newest first for the
audit page, by subject for an item's or a holding's page. `gsomia.node.audit` writes it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from gsomia.store.tables import access_log


def newest(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The `limit` newest rows, newest first."""
    rows = conn.execute(select(access_log).order_by(access_log.c.id.desc()).limit(limit))
    return [dict(row) for row in rows.mappings()]


def about(conn: Connection, subjects: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """The rows about any of `subjects`, oldest first, at most `limit`."""
    rows = conn.execute(
        select(access_log)
        .where(access_log.c.subject.in_(subjects))
        .order_by(access_log.c.id)
        .limit(limit)
    )
    return [dict(row) for row in rows.mappings()]
