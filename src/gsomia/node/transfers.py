"""What the sender sees of its items' journeys: queued, received, rejected with the reason.

Transfers are shown only to the roles that may view them (`Action.VIEW_TRANSFERS`: Art. 6(f),
R17), whichever door asks: the API, the CLI through it, and the pages. A refusal is logged and
raised by `authorise`; an allowed listing is not logged, as no item is opened by it (the custody
readers' list is the same, `node.control.inventory.readers`). The item list itself is open to
every person of this node: it names this nation's own items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gsomia.errors import NotFound
from gsomia.node.authority import authorise
from gsomia.node.runtime import Node
from gsomia.store.tables import items, outbox
from gsomia.store.users import UserRecord
from gsomia.treaty.items import Precedence
from gsomia.treaty.roles import Action


@dataclass(frozen=True)
class Transfer:
    message_id: str
    item_id: str | None
    peer: str
    precedence: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    settled_at: datetime | None
    reason: str | None
    marked: str | None


def _transfer(m: Any) -> Transfer:
    answer = (m["answer"] or {}).get("answer", {})
    return Transfer(
        message_id=m["message_id"],
        item_id=m["item_id"],
        peer=m["peer"],
        precedence=Precedence(int(Precedence.FLASH) - m["priority"]).name,
        state=m["state"],
        attempts=m["attempts"],
        last_error=m["last_error"],
        created_at=m["created_at"],
        settled_at=m["settled_at"],
        reason=answer.get("reason"),
        marked=answer.get("marked"),
    )


#: The subject a refusal to list every transfer is logged under.
OUTBOX = "outbox"


def list_transfers(
    node: Node, user: UserRecord, item_id: str | None = None, limit: int = 500
) -> list[Transfer]:
    """This node's item transfers, newest first (of `item_id` only, if given)."""
    authorise(node, user, Action.VIEW_TRANSFERS, item_id or OUTBOX)
    query = select(outbox).where(outbox.c.kind == "item").order_by(outbox.c.id.desc()).limit(limit)
    if item_id is not None:
        query = query.where(outbox.c.item_id == item_id)
    with node.reader.connect() as conn:
        return [_transfer(row._mapping) for row in conn.execute(query)]


def list_items(node: Node, limit: int = 200) -> list[dict[str, Any]]:
    with node.reader.connect() as conn:
        rows = conn.execute(
            select(items).order_by(items.c.created_at.desc()).limit(limit)
        ).mappings()
        return [dict(row) for row in rows]


def get_item(node: Node, item_id: str) -> dict[str, Any]:
    with node.reader.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
    if row is None:
        raise NotFound(f"no item {item_id}", hint="`gsomia item list` shows this node's items")
    return dict(row)
