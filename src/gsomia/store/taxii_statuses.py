"""The statuses of TAXII posts (ADR 0118): one row a post, the oldest dropped past `KEPT`
statuses or `KEPT_BYTES` of them together, so posting cannot fill the database."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, bindparam, delete, func, select

from gsomia.store.tables import taxii_statuses

__all__ = ["KEPT", "KEPT_BYTES", "KeptStatus", "add", "get"]

KEPT = 1000
#: A status names each refused object (its id cut to 300 characters, the reason to 500): a
#: post of 1,000 is under 1 MB, and 1,000 of them were gigabytes (found by the attack).
KEPT_BYTES = 32 << 20


#: Every post's statements, built once: built on each post, their construction was half of
#: keeping a status, a tenth of a single-object POST (py-spy, ADR 0137).
_INSERT = taxii_statuses.insert()
_HELD = select(func.count(), func.coalesce(func.sum(taxii_statuses.c.size), 0))
_SEQ = taxii_statuses.c.seq
#: The oldest past `KEPT` go in one statement, not in a walk of every row kept (which was as
#: much of a post's time as its log entry, py-spy, ADR 0124).
_CUTOFF = (
    select(_SEQ)
    .order_by(_SEQ.desc())
    .offset(bindparam("kept", type_=Integer))
    .limit(1)
    .scalar_subquery()
)
_DROP_PAST_COUNT = delete(taxii_statuses).where(_SEQ <= _CUTOFF)


@dataclass(frozen=True)
class KeptStatus:
    id: str
    api_root: str
    poster: str
    created_at: datetime
    body: Mapping[str, Any]


def add(conn: Connection, status: KeptStatus) -> None:
    """Keep `status`, then drop the oldest past `KEPT` statuses or `KEPT_BYTES`."""
    size = len(json.dumps(status.body, ensure_ascii=False))
    conn.execute(
        _INSERT,
        {
            "id": status.id,
            "api_root": status.api_root,
            "poster": status.poster,
            "created_at": status.created_at,
            "size": size,
            "body": dict(status.body),
        },
    )
    count, total = conn.execute(_HELD).one()
    if count <= KEPT and total <= KEPT_BYTES:
        return
    if total <= KEPT_BYTES:
        # Only the count is past its bound, as on every post once a node has kept `KEPT`.
        conn.execute(_DROP_PAST_COUNT, {"kept": KEPT})
        return
    rows = conn.execute(
        select(taxii_statuses.c.seq, taxii_statuses.c.size).order_by(taxii_statuses.c.seq.desc())
    )
    kept, carried, oldest_kept = 0, 0, None
    for seq, row_size in rows:
        if kept == KEPT or carried + row_size > KEPT_BYTES:
            break
        kept, carried, oldest_kept = kept + 1, carried + row_size, seq
    # The newest is always kept: a status is at most about 1 MB, far under `KEPT_BYTES`.
    conn.execute(delete(taxii_statuses).where(taxii_statuses.c.seq < (oldest_kept or 0)))


def get(conn: Connection, status_id: str) -> KeptStatus | None:
    row = conn.execute(select(taxii_statuses).where(taxii_statuses.c.id == status_id)).first()
    if row is None:
        return None
    m = row._mapping
    return KeptStatus(m["id"], m["api_root"], m["poster"], m["created_at"], m["body"])
