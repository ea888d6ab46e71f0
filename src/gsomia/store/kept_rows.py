"""Holdings', copies', items' and cases' clear markings, statuses and witnessed versions, as a
writer of the database left them, for `gsomia audit verify` to hold against the log's last
word on each (`node.ledger.verify_kept`, ADR 0151).

Read raw, not through each read's check: a row a writer changed is what the check would
refuse before it could be named; the comparison is `node.audit.rows_against_log`'s.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Connection, Table, select

from gsomia.store import row_versions
from gsomia.store.db import CHUNK
from gsomia.store.tables import cases, copies, holdings, items

#: Each kind of row: its table, the clear column the log's field is held against, that field,
#: and the kind its version is witnessed under (None: not versioned).
_KINDS: Mapping[str, tuple[Table, str, str, str | None]] = {
    "holding": (holdings, "local_level", "marking", row_versions.HOLDING),
    "copy": (copies, "level", "marking", None),
    "item": (items, "level", "marking", None),
    "case": (cases, "status", "status", row_versions.CASE),
}


def as_kept(
    conn: Connection, wanted: Collection[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Each of `wanted` (kind, id) that is stored, with its field as the row says it and, for
    a versioned kind, `version`: the witness (0 where there is none), by (kind, id)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, (table, column, field, witnessed_as) in _KINDS.items():
        ids = sorted(i for k, i in wanted if k == kind)
        columns: list[Any] = [table.c.id, table.c[column]]
        if witnessed_as is not None:
            columns.append(row_versions.witnessed(witnessed_as, table.c.id))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for row in conn.execute(select(*columns).where(table.c.id.in_(chunk))):
                said: dict[str, Any] = {field: row[1]}
                if witnessed_as is not None:
                    said["version"] = int(row[2] or 0)
                found[(kind, str(row[0]))] = said
    return found
