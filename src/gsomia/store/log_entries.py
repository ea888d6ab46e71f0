"""Reads of the Merkle log's entries by index, for the auditors' view of the log (R39).

`gsomia.store.ledger.SqlLog` owns the log; this only pages through its entries in order.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, select

from gsomia.store.merkle_log import log_leaves


def entries_from(conn: Connection, start: int, limit: int) -> list[tuple[int, bytes]]:
    """Up to `limit` entries from index `start`, each with its index, in log order."""
    rows = conn.execute(
        select(log_leaves.c.idx, log_leaves.c.entry)
        .where(log_leaves.c.idx >= start)
        .order_by(log_leaves.c.idx)
        .limit(limit)
    )
    return [(int(idx), bytes(entry)) for idx, entry in rows]


def entries_at(conn: Connection, indices: Collection[int]) -> dict[int, bytes]:
    """The entries at `indices` that exist, by index."""
    if not indices:
        return {}
    rows = conn.execute(
        select(log_leaves.c.idx, log_leaves.c.entry).where(log_leaves.c.idx.in_(sorted(indices)))
    )
    return {int(idx): bytes(entry) for idx, entry in rows}
