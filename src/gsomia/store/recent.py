"""Reads of what a dashboard lists: the items waiting for release, the latest FLASH holdings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from gsomia.store.tables import holdings, items


def drafts(conn: Connection) -> list[dict[str, Any]]:
    """This node's items still in draft, oldest first: id, title, level, precedence, author."""
    rows = conn.execute(
        select(items.c.id, items.c.title, items.c.level, items.c.precedence, items.c.author)
        .where(items.c.state == "draft")
        .order_by(items.c.created_at)
    )
    return [dict(row) for row in rows.mappings()]


def flash_holdings(conn: Connection, limit: int) -> list[Row[Any]]:
    """The `limit` most recently received FLASH holdings, newest first (whole rows)."""
    return list(
        conn.execute(
            select(holdings)
            .where(holdings.c.precedence == "FLASH")
            .order_by(holdings.c.received_at.desc())
            .limit(limit)
        )
    )
