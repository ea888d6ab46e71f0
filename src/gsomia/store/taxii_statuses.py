"""The statuses of TAXII posts (ADR 0118): one row a post, the oldest dropped past `KEPT`
statuses or `KEPT_BYTES` of them together, so posting cannot fill the database. Their count
and size are kept in one row beside them (`taxii_status_totals`, ADR 0154).

The row is a writer of the database's to change (found by the attack on ADR 0154): deleted, or
set above what is kept, it made every post that keeps a status fail; set low, it let the
table grow past its bound. A post counts the statuses again (`_recounted`) when the row is
missing or says more than could be kept, and never keeps a status more than `KEPT` posts older
than its own (`seq` grows by one a post), whatever the row says: each check rides on what the
post reads anyway, or on one index probe, so the hot path stays O(log n)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Executable,
    Integer,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from gsomia.store import driver_rows
from gsomia.store.tables import taxii_status_totals, taxii_statuses

__all__ = ["KEPT", "KEPT_BYTES", "KeptStatus", "add", "get"]

KEPT = 1000
#: A status names each refused object (its id cut to 300 characters, the reason to 500): a
#: post of 1,000 is under 1 MB, and 1,000 of them were gigabytes (found by the attack).
KEPT_BYTES = 32 << 20


#: Every post's statements, built once: built on each post, their construction was half of
#: keeping a status, a tenth of a single-object POST (py-spy, ADR 0137).
_ADDED = ("id", "api_root", "poster", "created_at", "size", "body")
#: The columns a post gives, each a parameter it must give (`seq` is the database's to number).
_INSERT = (
    taxii_statuses.insert()
    .values({c: bindparam(c, type_=taxii_statuses.c[c].type) for c in _ADDED})
    .returning(taxii_statuses.c.seq)
)
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
_ROW = taxii_statuses.c
#: The oldest status but the post's own (the newest is always kept), by the `seq` index.
_OLDEST = (
    select(_ROW.seq, _ROW.size).where(_ROW.seq != bindparam("newest")).order_by(_ROW.seq).limit(1)
)
_DROP_OLDEST = (
    delete(taxii_statuses)
    .where(_ROW.seq == _OLDEST.with_only_columns(_ROW.seq).scalar_subquery())
    .returning(_ROW.seq, _ROW.size)
)
_DROP = delete(taxii_statuses).where(_ROW.seq == bindparam("seq"))
_COUNTED = select(func.count(), func.coalesce(func.sum(_ROW.size), 0)).select_from(taxii_statuses)
_SET = update(taxii_status_totals).where(_TOTALS.id == 1)
#: A post's four statements at the bound, straight to SQLite's driver (`driver_rows`): with
#: SQLAlchemy's per-statement work they were the largest part of a post's write (py-spy,
#: issue 17).
_INSERT_STRAIGHT = driver_rows.Straight(_INSERT)
_COUNT_IN_STRAIGHT = driver_rows.Straight(_COUNT_IN)
_DROP_OLDEST_STRAIGHT = driver_rows.Straight(_DROP_OLDEST)
_COUNT_OUT_STRAIGHT = driver_rows.Straight(_COUNT_OUT)
_MADE: dict[str, Executable] = {
    "postgresql": pg_insert(taxii_status_totals).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(taxii_status_totals).on_conflict_do_nothing(),
}


@dataclass(frozen=True)
class KeptStatus:
    id: str
    api_root: str
    poster: str
    created_at: datetime
    body: Mapping[str, Any]


def add(conn: Connection, status: KeptStatus) -> None:
    """Keep `status`, then drop the oldest while more than `KEPT` statuses or `KEPT_BYTES` of
    them together are kept, or a status is `KEPT` posts older than this one. The newest is
    always kept: a status is at most about 1 MB, far under `KEPT_BYTES`."""
    size = len(json.dumps(status.body, ensure_ascii=False))
    [(newest,)] = _INSERT_STRAIGHT.rows(
        conn,
        {
            "id": status.id,
            "api_root": status.api_root,
            "poster": status.poster,
            "created_at": status.created_at,
            "size": size,
            "body": dict(status.body),
        },
    )
    found = _COUNT_IN_STRAIGHT.rows(conn, {"added": size})
    kept, carried = found[0] if found else _made_again(conn, newest, size)
    dropped, freed, edge = 0, 0, None
    recounted = False
    while kept - dropped > KEPT or carried - freed > KEPT_BYTES:
        if kept - dropped <= KEPT and not recounted:
            # Only the bytes would drop one: rare (32 MiB of statuses), and a size set high by
            # a writer of the database would drop every other status (found by the attack,
            # ADR 0155). Counted again first, once.
            kept, carried = _recounted(conn)
            dropped, freed, recounted = 0, 0, True
            continue
        gone = next(iter(_DROP_OLDEST_STRAIGHT.rows(conn, {"newest": newest})), None)
        if gone is None:  # only this post's own is left: the row said more than is kept
            kept, carried = _recounted(conn)
            dropped, freed = 0, 0
            break
        edge, dropped, freed = gone[0], dropped + 1, freed + gone[1]
        if kept - dropped > newest - edge:
            # More than the posts since the one just dropped could have left: the row says
            # more than is kept (or, on PostgreSQL, a later post committed first: counted
            # again either way, and right either way).
            kept, carried = _recounted(conn)
            dropped, freed = 0, 0
    # What the row says aside: nothing older than `KEPT` posts before this one. Probed only
    # when the drops above did not already reach that far back (every post once the bound is
    # reached drops the status exactly `KEPT` posts older than its own).
    if edge is None or newest - edge > KEPT:
        while (oldest := conn.execute(_OLDEST, {"newest": newest}).first()) is not None:
            if newest - oldest[0] < KEPT:
                break
            conn.execute(_DROP, {"seq": oldest[0]})
            dropped, freed = dropped + 1, freed + oldest[1]
    if kept - dropped < 1:  # the row said fewer than were kept (this post's own is)
        _recounted(conn)
    elif dropped:
        _COUNT_OUT_STRAIGHT.rows(conn, {"dropped": dropped, "freed": freed})


def _recounted(conn: Connection) -> tuple[int, int]:
    """The statuses counted and summed again, and the totals row (locked by this post) set to
    it: O(`KEPT`) once, when the row cannot be what is kept."""
    kept, size = conn.execute(_COUNTED).one()
    conn.execute(_SET, {"kept": kept, "size": size})
    return int(kept), int(size)


def _made_again(conn: Connection, newest: int, size: int) -> tuple[int, int]:
    """The totals row made again from the statuses but this post's own (`newest`), then
    moved by it as any post moves it. Two posts at once that both find it missing: the second
    one's insert waits for the first's and does nothing, and its own status, which the first
    did not see, is then added to what the first made."""
    others, carried = conn.execute(_COUNTED.where(_ROW.seq != newest)).one()
    conn.execute(_MADE[conn.dialect.name], {"id": 1, "kept": others, "size": carried})
    kept, total = conn.execute(_COUNT_IN, {"added": size}).one()
    return int(kept), int(total)


def get(conn: Connection, status_id: str) -> KeptStatus | None:
    row = conn.execute(select(taxii_statuses).where(taxii_statuses.c.id == status_id)).first()
    if row is None:
        return None
    m = row._mapping
    return KeptStatus(m["id"], m["api_root"], m["poster"], m["created_at"], m["body"])
