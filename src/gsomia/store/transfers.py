"""Movements of items between nations that this node knows of: the links of custody chains.

Each is recorded once per item, giver and receiver (a unique index says so): this node's own
provisions, onward transfers it made or received, and those holders reported to it as
originator (R17, R28).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from gsomia.store.tables import transfers

# --- This node's provisions, once the partner received them (node.settlement) ------------------


@dataclass(frozen=True)
class Provision:
    """An item this node provided to a partner, received: the first link of its chain."""

    item_id: str
    from_nation: str
    to_nation: str
    at: datetime
    level: str  # the marking in the receiver's scheme, as the receiver answered
    basis: str  # the agreement it was provided under
    message_id: str
    reported_by: str


def recorded_between(
    conn: Connection, item_ids: Collection[str], *, from_nation: str, to_nation: str
) -> set[str]:
    """Those of `item_ids` already recorded as moved from `from_nation` to `to_nation`."""
    query = select(transfers.c.item_id).where(
        transfers.c.item_id.in_(list(item_ids)),
        transfers.c.from_nation == from_nation,
        transfers.c.to_nation == to_nation,
    )
    return set(conn.execute(query).scalars())


def add_provisions(conn: Connection, provisions: Sequence[Provision]) -> None:
    """Record `provisions` in one statement (each not recorded before: see `recorded_between`)."""
    if provisions:
        conn.execute(
            transfers.insert(),
            [
                {
                    "item_id": p.item_id,
                    "from_nation": p.from_nation,
                    "to_nation": p.to_nation,
                    "at": p.at,
                    "level": p.level,
                    "basis": p.basis,
                    "message_id": p.message_id,
                    "reported_by": p.reported_by,
                }
                for p in provisions
            ],
        )
