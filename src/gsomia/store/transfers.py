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
from gsomia.treaty.onward import Transfer

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


# --- Reading the links of an item's chain (node.control.custody_chain) -----------------------


def of_item(conn: Connection, item_id: str) -> list[Transfer]:
    """The recorded links of `item_id`'s chain, the oldest first."""
    query = select(
        transfers.c.item_id,
        transfers.c.from_nation,
        transfers.c.to_nation,
        transfers.c.at,
        transfers.c.level,
        transfers.c.basis,
        transfers.c.consent_id,
        transfers.c.hub,
    )
    rows = conn.execute(query.where(transfers.c.item_id == item_id).order_by(transfers.c.at))
    return [
        Transfer(
            r.item_id,
            r.from_nation,
            r.to_nation,
            r.at,
            r.level,
            r.basis,
            r.consent_id or "",
            r.hub or "",
        )
        for r in rows
    ]


# --- Recording one link (receipt, return, onward release) ------------------------------------


def is_recorded(
    conn: Connection, item_id: str, *, to_nation: str, from_nation: str | None = None
) -> bool:
    """Whether a move of `item_id` to `to_nation` (from `from_nation`, if given) is recorded."""
    query = select(transfers.c.id).where(
        transfers.c.item_id == item_id, transfers.c.to_nation == to_nation
    )
    if from_nation is not None:
        query = query.where(transfers.c.from_nation == from_nation)
    return conn.execute(query).first() is not None


def basis_to(conn: Connection, item_id: str, to_nation: str) -> str | None:
    """The agreement `item_id` reached `to_nation` under, if that move is recorded."""
    query = select(transfers.c.basis).where(
        transfers.c.item_id == item_id, transfers.c.to_nation == to_nation
    )
    return conn.execute(query).scalar_one_or_none()


def add(
    conn: Connection,
    link: Transfer,
    *,
    message_id: str | None,
    reported_by: str,
) -> None:
    """Record one link (not recorded before: see `is_recorded`)."""
    conn.execute(
        transfers.insert().values(
            item_id=link.item_id,
            from_nation=link.from_nation,
            to_nation=link.to_nation,
            at=link.at,
            level=link.level,
            basis=link.basis,
            consent_id=link.consent_id or None,
            hub=link.hub or None,
            message_id=message_id,
            reported_by=reported_by,
        )
    )
