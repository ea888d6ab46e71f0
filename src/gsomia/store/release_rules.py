"""Standing release rules: an officer's decision that a feed's items go to partners (R50).

A rule names its feed, the partner nations, a ceiling (a marking of this nation's scheme), a
purpose, the officer who set it and when it ends. Whether a rule covers an item is the
treaty's (`StandingRelease`, `may_provide`); this module only keeps the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select

from gsomia.store import driver_rows
from gsomia.store.tables import release_rules


@dataclass(frozen=True)
class ReleaseRuleRecord:
    id: int
    feed: str
    to_nations: tuple[str, ...]
    max_level: str  # the ceiling, a native marking of this nation's scheme
    purpose: str
    officer: str  # the user who set it
    created_at: datetime
    expires_at: datetime


def _record(row: Row[Any] | Mapping[Any, Any]) -> ReleaseRuleRecord:
    m = row if isinstance(row, Mapping) else row._mapping
    return ReleaseRuleRecord(
        id=int(m["id"]),
        feed=m["feed"],
        to_nations=tuple(m["to_nations"]),
        max_level=m["max_level"],
        purpose=m["purpose"],
        officer=m["officer"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
    )


def add(
    conn: Connection,
    *,
    feed: str,
    to_nations: tuple[str, ...],
    max_level: str,
    purpose: str,
    officer: str,
    created_at: datetime,
    expires_at: datetime,
) -> int:
    """Store a rule; its id."""
    result = conn.execute(
        release_rules.insert().values(
            feed=feed,
            to_nations=list(to_nations),
            max_level=max_level,
            purpose=purpose,
            officer=officer,
            created_at=created_at,
            expires_at=expires_at,
        )
    )
    key = result.inserted_primary_key
    assert key is not None  # an INSERT with an autoincrement key always has one
    return int(key[0])


#: Asked by every publication to a feed (each TAXII post): built once (ADR 0137), and straight
#: to SQLite's driver (`driver_rows`, issue 17).
_UNEXPIRED = driver_rows.Straight(
    select(release_rules)
    .where(
        release_rules.c.feed == bindparam("feed"),
        release_rules.c.expires_at > bindparam("now", type_=release_rules.c.expires_at.type),
    )
    .order_by(release_rules.c.id)
)


def unexpired(conn: Connection, feed: str, now: datetime) -> list[ReleaseRuleRecord]:
    """The rules for `feed` that have not ended at `now`, oldest first."""
    return [_record(row) for row in _UNEXPIRED.mappings(conn, {"feed": feed, "now": now})]
