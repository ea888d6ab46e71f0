"""Reads of what a dashboard lists: the latest FLASH holdings (drafts: `store.items.drafts`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row

from gsomia.store.holdings import whole
from gsomia.store.tables import holdings


def flash_holdings(conn: Connection, limit: int) -> list[Row[Any]]:
    """The `limit` most recently received FLASH holdings, newest first (whole rows)."""
    return list(
        conn.execute(
            whole()
            .where(holdings.c.precedence == "FLASH")
            .order_by(holdings.c.received_at.desc())
            .limit(limit)
        )
    )
