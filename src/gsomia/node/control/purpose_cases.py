"""Purpose requests as both sides show them: one `purpose` case per request, opened on the
holder's node when its officer asks and on the originator's when the request arrives (R13).
"""

from __future__ import annotations

from typing import Any

from gsomia.node.authority import authorise
from gsomia.node.control import casebook
from gsomia.node.runtime import Node
from gsomia.store.users import UserRecord
from gsomia.treaty.roles import Action

PURPOSE = "purpose"


def purpose_view(row: Any) -> dict[str, Any]:
    m = row._mapping
    doc = m["document"]
    return {
        "id": m["id"],
        "status": m["status"],
        "originator": m["originator"],
        "holder": doc.get("holder"),
        "item_ids": doc.get("item_ids", []),
        "purpose": doc.get("purpose"),
        "holding_id": doc.get("holding_id"),
        "requested_by": doc.get("requested_by"),
        "requested_at": doc.get("requested_at"),
        "decided_by": doc.get("decided_by"),
        "decided_at": doc.get("decided_at"),
        "reason": doc.get("reason", ""),
        "role": "holder" if m["counterpart"] == m["originator"] else "originator",
    }


def list_purposes(node: Node, viewer: UserRecord) -> list[dict[str, Any]]:
    """Every new-purpose case, for a person who may see the originator's control
    (`Action.VIEW_CONSENTS`); PolicyDenied, logged, for anyone else."""
    authorise(node, viewer, Action.VIEW_CONSENTS, "purposes")
    with node.reader.connect() as conn:
        rows = casebook.all_of(conn, PURPOSE, keys=node.keys)
    return [purpose_view(row) for row in rows]


def get_purpose(node: Node, case_id: str) -> dict[str, Any]:
    with node.reader.connect() as conn:
        return purpose_view(casebook.load(conn, PURPOSE, case_id, keys=node.keys))
