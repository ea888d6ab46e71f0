"""FLASH alerts kept on the node until their reader acknowledges them (issue 16).

A live alert reaches only the screens open when the item arrives (`gsomia.node.live`). The
node also keeps it: every FLASH holding a person may read (the same access decision) is their
alert until they acknowledge it, shown at sign-in, on every page, and by `gsomia alerts`.
An acknowledgement is a logged act (`alert_ack`): who, when, which holding, in the Merkle log.
Signing out no longer loses an alert.
"""

from __future__ import annotations

from typing import Any

from gsomia.errors import NotFound
from gsomia.node import audit
from gsomia.node.overview import flash_for
from gsomia.node.runtime import Node
from gsomia.store import access_log, holdings
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision

ACK = "alert_ack"
#: Acknowledging is the reader's own act; the rule that alerts are kept is this node's policy.
ACKNOWLEDGED = Decision.allow(
    "FLASH alert acknowledged by its reader", "node policy (issue 16): alerts kept", "R37"
)


def pending(node: Node, user: UserRecord, limit: int = 20) -> list[dict[str, Any]]:
    """`user`'s FLASH alerts not yet acknowledged, newest first, as the live push shapes them."""
    ids = flash_for(node, user, node.clock(), limit)
    with node.reader.connect() as conn:
        done = access_log.acted_on(conn, user.name, ACK, ids)
        held = holdings.by_ids(conn, [i for i in ids if i not in done], node.vault)
    alerts = []
    for holding_id in ids:
        row = held.get(holding_id)
        if row is None:
            continue
        original = row.original_label["ConfidentialityInformation"]["Classification"]
        alerts.append(
            {
                "holding": holding_id,
                "item": row.item_id,
                "title": row.title,
                "marking": row.local_level,
                "original_marking": original,
                "originator": row.originator,
                "precedence": "FLASH",
                "received_at": row.received_at.isoformat(),
            }
        )
    return alerts


def acknowledge(node: Node, user: UserRecord, holding_id: str) -> None:
    """Log that `user` saw the FLASH alert of `holding_id`; NotFound unless it is one of
    their alerts (an acknowledgement says nothing of a holding they may not read)."""
    if holding_id not in flash_for(node, user, node.clock(), limit=200):
        raise NotFound(f"no FLASH alert {holding_id} for {user.name}")
    with node.engine.begin() as conn:
        if access_log.acted_on(conn, user.name, ACK, [holding_id]):
            return  # once is enough: the log keeps the first
        audit.record(
            conn,
            actor=user.name,
            action=ACK,
            subject=holding_id,
            decision=ACKNOWLEDGED,
            now=node.clock(),
        )
