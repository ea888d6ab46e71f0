"""Ids as the lists print them: the first characters of an item's or a holding's id.

`gsomia item list` shows eight characters; `item read f59bb757` must find the holding they
begin (issue 16). A prefix names a record only if exactly one id begins with it.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from gsomia.store.tables import holdings, items

TABLES = {"items": items, "holdings": holdings}


def expand(conn: Connection, kind: str, prefix: str, *, limit: int = 2) -> list[str]:
    """Up to `limit` ids of `kind` ("items" or "holdings") that begin with `prefix`."""
    table = TABLES[kind]
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = select(table.c.id).where(table.c.id.like(f"{escaped}%", escape="\\")).limit(limit)
    return [str(found) for (found,) in conn.execute(query)]
