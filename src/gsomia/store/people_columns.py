"""People's columns as the database keeps them, unchecked: for `gsomia audit verify` to hold
them against the log (`node.ledger.verify_people`), as a writer of the database left them.
Every read that makes a person checks its row (`store.users`); this one decides nothing."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, select

from gsomia.store.tables import users

__all__ = ["as_kept"]


def as_kept(
    conn: Connection, names: Collection[str], fields: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """`fields` (columns of `users`) and `disabled_at` of each of `names` that has a row."""
    columns = [users.c.name, users.c.disabled_at, *(users.c[k] for k in fields)]
    query = select(*columns).where(users.c.name.in_(sorted(names)))
    return {row.name: dict(row._mapping) for row in conn.execute(query)}
