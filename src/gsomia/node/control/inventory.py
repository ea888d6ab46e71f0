"""The inventory of a holding or own item: its chain of custody here, everything made from
it, its destruction or return records, and who read it (R17).

Read-only, over the rows the other workflows write: `copies` and `derivatives` (the `copies`
table), `disposal` (`destructions`), `receipt` (`transfers`) and the access log. Kept apart
because it answers an inspector's question about all of them at once; `dependants` is also
what `disposal` destroys or returns with a holding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.node import audit, read
from gsomia.node.audit_rows import logged_rows
from gsomia.node.authority import authorise
from gsomia.node.control.copies import CopyView, copy_view
from gsomia.node.control.derivatives import source_holding
from gsomia.node.runtime import Node
from gsomia.seal.at_rest import Vault
from gsomia.store import copies, destructions, transfers
from gsomia.store.access_log import about
from gsomia.store.users import UserRecord
from gsomia.treaty.inventory import (
    AccessRecord,
    CustodyEvent,
    CustodyKind,
    chain_of_custody,
    reader_list,
)
from gsomia.treaty.roles import Action


def dependants(conn: Connection, holding_id: str, vault: Vault) -> list[Any]:
    """The copies, translations and derivatives made from `holding_id` (any state)."""
    return [
        row
        for row in copies.every(conn, vault)
        if row.holding_id == holding_id
        or (row.kind == "derivative" and holding_id in row.details.get("sources", ()))
    ]


@dataclass(frozen=True)
class Inventory:
    """Where a holding (or own item) and its reproductions are, and who read it."""

    subject: dict[str, Any]
    copies: list[CopyView]
    destructions: list[dict[str, Any]]
    chain: tuple[CustodyEvent, ...]
    readers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "holding": self.subject,
            "copies": [c.to_json() for c in self.copies],
            "destructions": self.destructions,
            "chain": [
                {
                    "object": e.object_id,
                    "kind": e.kind.value,
                    "at": e.at.isoformat(),
                    "custodian": e.custodian,
                    "location": e.location,
                }
                for e in self.chain
            ],
            "readers": list(self.readers),
        }


def _destruction_json(row: Any) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["id"],
        "subject_kind": m["subject_kind"],
        "subject_id": m["subject_id"],
        "item_id": m["item_id"],
        "method": m["method"],
        "at": m["at"].isoformat(),
        "officials": list(m["officials"]),
        "witnesses": list(m["witnesses"]),
        "recorded_by": m["recorded_by"],
        "record": m["record"],
    }


_KIND_EVENT = {
    "copy": CustodyKind.COPIED,
    "translation": CustodyKind.TRANSLATED,
    "derivative": CustodyKind.DERIVED,
}


def _access_records(conn: Connection, item_id: str, subject: str) -> list[AccessRecord]:
    """Reads of `subject` as the log records them, not as the table may have been edited."""
    rows = logged_rows(conn, about(conn, [subject], None))
    return [
        AccessRecord(item_id, subject, r["actor"], r["at"], r["allowed"])
        for r in rows
        if r["action"] == "read" and r["subject"] == subject
    ]


def readers(node: Node, user: UserRecord, subject_id: str) -> tuple[str, ...]:
    """The persons given access to a holding or own item, in order of first access (R17)."""
    authorise(node, user, Action.VIEW_TRANSFERS, subject_id)
    holding, row, _ = source_holding(node, subject_id)
    with node.reader.connect() as conn:
        return reader_list(_access_records(conn, holding.item.id, row.id), holding.item.id)


def inventory(node: Node, user: UserRecord, subject_id: str) -> Inventory:
    """The chain of custody of a holding or own item and everything made from it, its
    destruction or return records, and the list of persons who read it (R17)."""
    _, decision = authorise(node, user, Action.VIEW_TRANSFERS, subject_id)
    holding, row, table = source_holding(node, subject_id)
    item_id, here = holding.item.id, f"{node.nation} node"
    events: list[CustodyEvent] = []
    with node.reader.connect() as conn:
        made = [copy_view(r) for r in dependants(conn, row.id, node.vault)]
        ids = [row.id, *(c.id for c in made)]
        destroyed = [_destruction_json(r) for r in destructions.of_subjects(conn, ids)]
        moved = transfers.of_item(conn, item_id)
        records = _access_records(conn, item_id, row.id)
    with node.engine.begin() as conn:
        audit.record_all(
            conn, [audit.Entry(user.name, "inventory", row.id, decision)], node.clock()
        )
    if table == "holding":
        events.append(
            CustodyEvent(item_id, row.id, CustodyKind.RECEIVED, row.received_at, node.nation, here)
        )
        subject = _holding_json(read.view_of(row, node.vault))
    else:
        subject = {
            "id": row.id,
            "item_id": row.id,
            "title": row.title,
            "originator": node.nation,
            "marking": row.level,
            "state": row.state,
        }
    for c in made:
        events.append(CustodyEvent(item_id, c.id, _KIND_EVENT[c.kind], c.made_at, c.made_by, here))
    for t in moved:
        kind = CustodyKind.HANDED_OVER
        if t.to_nation == holding.item.originator:
            kind = CustodyKind.RETURNED  # a holder gave it back (either side's record)
        elif t.from_nation == node.nation and table == "holding":
            kind = CustodyKind.RELEASED_ONWARD
        events.append(
            CustodyEvent(
                item_id, item_id, kind, t.at, t.to_nation, f"{t.from_nation} -> {t.to_nation}"
            )
        )
    for d in destroyed:
        at = datetime.fromisoformat(d["at"])
        events.append(
            CustodyEvent(
                item_id, d["subject_id"], CustodyKind.DESTROYED, at, d["recorded_by"], here
            )
        )
    return Inventory(
        subject,
        made,
        destroyed,
        chain_of_custody(events, item_id),
        reader_list(records, item_id),
    )


def _holding_json(view: read.HoldingView) -> dict[str, Any]:
    return {
        "id": view.id,
        "item_id": view.item_id,
        "title": view.title,
        "originator": view.originator,
        "sender": view.sender,
        "marking": view.marking,
        "original_marking": view.original_marking,
        "purpose": view.purpose,
        "agreement": view.agreement,
        "received_at": view.received_at.isoformat(),
        "state": view.state,
    }


#: Copies and derivatives stay on this node: no message kinds of their own (returns and
