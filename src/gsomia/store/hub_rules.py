"""The hub arrangements this node forwards under (R47), e.g. the 2014 TISA: which participants,
on which topics. node.control.hub decides each forwarding against them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from gsomia.store.tables import hub_rules


@dataclass(frozen=True)
class HubRuleRecord:
    """A row of `hub_rules`."""

    id: int
    arrangement: str
    participants: tuple[str, ...]
    topics: tuple[str, ...]
    created_by: str
    created_at: datetime


def _record(row: Row[Any]) -> HubRuleRecord:
    m = row._mapping
    return HubRuleRecord(
        id=m["id"],
        arrangement=m["arrangement"],
        participants=tuple(m["participants"]),
        topics=tuple(m["topics"]),
        created_by=m["created_by"],
        created_at=m["created_at"],
    )


def add(
    conn: Connection,
    *,
    arrangement: str,
    participants: Collection[str],
    topics: Collection[str],
    created_by: str,
    created_at: datetime,
) -> HubRuleRecord:
    """Store one rule; it as stored, with its id."""
    result = conn.execute(
        hub_rules.insert().values(
            arrangement=arrangement,
            participants=sorted(participants),
            topics=sorted(topics),
            created_by=created_by,
            created_at=created_at,
        )
    )
    key = result.inserted_primary_key
    assert key is not None  # an autoincrement insert always has one
    return _record(conn.execute(select(hub_rules).where(hub_rules.c.id == key[0])).one())


def all_rules(conn: Connection) -> list[HubRuleRecord]:
    """Every rule, in the order they were configured."""
    return [_record(row) for row in conn.execute(select(hub_rules).order_by(hub_rules.c.id))]
