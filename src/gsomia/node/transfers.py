"""What the sender sees of its items' journeys: queued, received, rejected with the reason.

Transfers are shown only to the roles that may view them (`Action.VIEW_TRANSFERS`: Art. 6(f),
R17), whichever door asks: the API, the CLI through it, and the pages. A refusal is logged and
raised by `authorise`; an allowed listing is not logged, as no item is opened by it (the custody
readers' list is the same, `node.control.inventory.readers`). The item list itself is open to
every person of this node: it names this nation's own items.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from gsomia.errors import InputError, NotFound
from gsomia.exchange import outbox
from gsomia.exchange.kinds import Kind
from gsomia.node.authority import authorise
from gsomia.node.paging import Page, Place, Position, read_page
from gsomia.node.runtime import Node
from gsomia.store import items
from gsomia.store.items import ItemRecord
from gsomia.store.users import UserRecord
from gsomia.treaty.items import Precedence
from gsomia.treaty.listing import ListFilter
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
    agreement: str | None = None  # the agreement and version it was provided under (R6)


def _transfer(sent: outbox.Sent) -> Transfer:
    answer = (sent.answer or {}).get("answer", {})
    return Transfer(
        message_id=sent.message_id,
        item_id=sent.item_id,
        peer=sent.peer,
        precedence=outbox.precedence_of(sent.priority).name,
        state=sent.state,
        attempts=sent.attempts,
        last_error=sent.last_error,
        created_at=sent.created_at,
        settled_at=sent.settled_at,
        reason=answer.get("reason"),
        marked=answer.get("marked"),
        agreement=sent.agreement,
    )


#: The subject a refusal to list every transfer is logged under.
OUTBOX = "outbox"


def list_transfers(
    node: Node, user: UserRecord, item_id: str | None = None, limit: int = 500
) -> list[Transfer]:
    """This node's item transfers, newest first (of `item_id` only, if given)."""
    authorise(node, user, Action.VIEW_TRANSFERS, item_id or OUTBOX)
    with node.reader.connect() as conn:
        sent = outbox.sent(conn, node.keys, Kind.ITEM, item_id=item_id, limit=limit)
    return [_transfer(s) for s in sent]


def transfers_page(
    node: Node,
    user: UserRecord,
    wanted: ListFilter,
    position: Position,
    limit: int = 100,
) -> Page[Transfer]:
    """A page of this node's item transfers, newest first, for the roles that may view them
    (R17); filtered on the partner, the state and the precedence (InputError for a filter a
    transfer has no field for)."""
    if wanted.level or wanted.purpose or wanted.text:
        raise InputError(
            "transfers are filtered by partner, state and precedence only",
            hint="the item's own page lists its transfers",
        )
    authorise(node, user, Action.VIEW_TRANSFERS, OUTBOX)
    level = None if wanted.precedence is None else _priority(wanted.precedence)
    with node.reader.connect() as conn:

        def fetch(after: Place | None, n: int, backward: bool) -> list[tuple[int, outbox.Sent]]:
            return outbox.sent_page(
                conn,
                node.keys,
                Kind.ITEM,
                after=None if after is None else int(after[1]),
                limit=n,
                backward=backward,
                peer=wanted.partner,
                state=wanted.state,
                level=level,
            )

        return read_page(
            fetch,
            lambda found: (found[1].created_at, str(found[0])),
            lambda found: _transfer(found[1]),
            position,
            limit,
        )


def _priority(precedence: str) -> int:
    try:
        return outbox.priority(Precedence[precedence])
    except KeyError:
        raise InputError(
            f"no precedence {precedence!r}", hint="FLASH, IMMEDIATE, PRIORITY or ROUTINE"
        ) from None


def list_items(node: Node, limit: int = 200) -> list[dict[str, Any]]:
    """This node's own items, newest first, as their fields."""
    with node.reader.connect() as conn:
        return [fields_of(record) for record in items.newest(conn, limit, node.vault)]


def get_item(node: Node, item_id: str) -> dict[str, Any]:
    """One of this node's own items, as its fields; NotFound if there is none."""
    with node.reader.connect() as conn:
        record = items.get(conn, item_id, node.vault)
        if record is None:
            raise NotFound(f"no item {item_id}", hint="`gsomia item list` shows this node's items")
        provided = {p: items.provision(conn, item_id, p) for p in record.releasable_to}
    # R6: the agreement (and its version) each provision of the item was made under.
    agreements = {p: f"{a} v{v}" for p, found in provided.items() if found for a, v in [found]}
    return {**fields_of(record), "agreements": agreements}


def fields_of(record: ItemRecord) -> dict[str, Any]:
    """An item's fields as the faces read them: its lists as lists, like its JSON columns."""
    fields = asdict(record)
    fields.update(releasable_to=list(record.releasable_to), caveats=list(record.caveats))
    return fields
