"""The statuses of TAXII posts (ADR 0118): one row a post, the oldest dropped past `KEPT`
statuses or `KEPT_BYTES` of them together, so posting cannot fill the database. Their count
and size are kept in one row beside them (`taxii_status_totals`, ADR 0154)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, Integer, bindparam, delete, func, select, update

from gsomia.store.tables import taxii_status_totals, taxii_statuses

__all__ = ["KEPT", "KEPT_BYTES", "KeptStatus", "add", "get"]

KEPT = 1000
#: A status names each refused object (its id cut to 300 characters, the reason to 500): a
#: post of 1,000 is under 1 MB, and 1,000 of them were gigabytes (found by the attack).
KEPT_BYTES = 32 << 20


#: Every post's statements, built once: built on each post, their construction was half of
#: keeping a status, a tenth of a single-object POST (py-spy, ADR 0137).
_INSERT = taxii_statuses.insert()
_TOTALS = taxii_status_totals.c
#: The totals move in the post's transaction, so the bound is checked in a constant number of
#: statements, not by counting and summing every status kept (ADR 0154). The UPDATE takes the
#: row's lock first: on PostgreSQL two posts at once see each other's totals, not a stale sum.
_COUNT_IN = (
    update(taxii_status_totals)
    .where(_TOTALS.id == 1)
    .values(kept=_TOTALS.kept + 1, size=_TOTALS.size + bindparam("added", type_=BigInteger))
    .returning(_TOTALS.kept, _TOTALS.size)
)
_COUNT_OUT = (
    update(taxii_status_totals)
    .where(_TOTALS.id == 1)
    .values(
        kept=_TOTALS.kept - bindparam("dropped", type_=Integer),
        size=_TOTALS.size - bindparam("freed", type_=BigInteger),
    )
)
_SEQ = taxii_statuses.c.seq
_OLDEST = select(func.min(_SEQ)).scalar_subquery()
_DROP_OLDEST = delete(taxii_statuses).where(_SEQ == _OLDEST).returning(taxii_statuses.c.size)


@dataclass(frozen=True)
class KeptStatus:
    id: str
    api_root: str
    poster: str
    created_at: datetime
    body: Mapping[str, Any]


def add(conn: Connection, status: KeptStatus) -> None:
    """Keep `status`, then drop the oldest while more than `KEPT` statuses or `KEPT_BYTES` of
    them together are kept. The newest is always kept: a status is at most about 1 MB, far
    under `KEPT_BYTES`."""
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
    kept, carried = conn.execute(_COUNT_IN, {"added": size}).one()
    dropped, freed = 0, 0
    while kept - dropped > 1 and (kept - dropped > KEPT or carried - freed > KEPT_BYTES):
        freed += conn.execute(_DROP_OLDEST).scalar_one()
        dropped += 1
    if dropped:
        conn.execute(_COUNT_OUT, {"dropped": dropped, "freed": freed})


def get(conn: Connection, status_id: str) -> KeptStatus | None:
    row = conn.execute(select(taxii_statuses).where(taxii_statuses.c.id == status_id)).first()
    if row is None:
        return None
    m = row._mapping
    return KeptStatus(m["id"], m["api_root"], m["poster"], m["created_at"], m["body"])
