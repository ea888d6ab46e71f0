"""The chain of custody of an item: who holds it and by which path, and this node's onward
releases with their state (R12, R17).

Read-only: the transfers this node recorded or was told of (`receipt`), the originator's own
provisions its partners acknowledged, the holder's own link, and the "onward" cases
(`handover`). Separate from the workflows that write them, as the answer to "where is my item?".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gsomia.errors import NotFound
from gsomia.exchange import outbox
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise
from gsomia.node.control import casebook
from gsomia.node.control.handover import ONWARD, transfer_json
from gsomia.node.runtime import Node
from gsomia.seal import NodeKeys
from gsomia.store import cases, holdings, items, transfers
from gsomia.store.users import UserRecord
from gsomia.treaty.onward import CustodyChain, Transfer
from gsomia.treaty.roles import Action


def custody(node: Node, user: UserRecord, item_id: str) -> dict[str, Any]:
    """Every nation holding `item_id` that this node knows of, and by which path (R12, R17)."""
    _, allowed = authorise(node, user, Action.VIEW_TRANSFERS, item_id)
    with node.reader.connect() as conn:
        originator = items.originator_of(conn, item_id)
        held_here = holdings.of_item(conn, item_id, node.vault)
        held = held_here[0] if held_here else None
        if originator is None and held is not None:
            originator = held.originator
        if originator is None:
            raise NotFound(f"no item {item_id} is known here")
        found = transfers.of_item(conn, item_id)
        provided = outbox.delivered(conn, node.keys, Kind.ITEM, item_id)
        releases = _releases(conn, item_id, node.keys)
    if originator == node.nation:  # provisions answered received, if not in the table yet
        have = {(t.from_nation, t.to_nation) for t in found}
        for sent in provided:
            if (node.nation, sent.peer) not in have and sent.settled_at is not None:
                marked = str(((sent.answer or {}).get("answer") or {}).get("marked", ""))
                basis = sent.agreement_id or ""
                found.append(
                    Transfer(item_id, node.nation, sent.peer, sent.settled_at, marked, basis)
                )
    if (
        held is not None
        and held.sender == originator
        and not any(t.to_nation == node.nation for t in found)
    ):
        # The holder's own link, as the originator provided it: its releases follow from it.
        # (An item that came onward or by a hub carries the original agreement, not the path.)
        found.append(
            Transfer(
                item_id,
                held.sender,
                node.nation,
                held.received_at,
                held.local_level,
                held.agreement_id,
                held.consent_id or "",
            )
        )
    chain = CustodyChain(item_id, originator)
    for transfer in sorted(found, key=lambda t: t.at):
        if transfer.from_nation in chain.holders() and transfer.to_nation not in chain.holders():
            chain = chain.record(transfer)
    now = node.clock()
    with node.engine.begin() as conn:
        audit.record(
            conn, actor=user.name, action="custody", subject=item_id, decision=allowed, now=now
        )
    return {
        "item_id": item_id,
        "originator": originator,
        "holders": sorted(chain.holders()),
        "transfers": [transfer_json(t) for t in chain.transfers],
        "paths": {nation: list(chain.path_to(nation)) for nation in sorted(chain.holders())},
        # This node's onward releases of the item, received or refused or still on their way.
        "releases": releases,
    }


def _release_view(row: Any) -> dict[str, Any]:
    doc = row.document
    return {
        "id": row.id,
        "action": doc.get("action"),
        "item_id": row.item_id,
        "to": row.counterpart,
        "status": row.status,
        "transfer": doc.get("transfer"),
        "released_by": doc.get("released_by"),
        "released_at": row.opened_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "refusal": doc.get("refusal"),
        "report": doc.get("report"),
    }


def _releases(conn: Connection, item_id: str, keys: NodeKeys) -> list[dict[str, Any]]:
    return [_release_view(r) for r in cases.of_item(conn, ONWARD, item_id, keys=keys)]


def get_release(node: Node, user: UserRecord, case_id: str) -> dict[str, Any]:
    """An onward release or forwarding this node made, with its history: sent, then received
    by the third nation (custody passed) or refused with its reason."""
    authorise(node, user, Action.VIEW_TRANSFERS, case_id)
    with node.reader.connect() as conn:
        row = casebook.load(conn, ONWARD, case_id, keys=node.keys)
        return {**_release_view(row), "steps": casebook.steps(conn, case_id)}


def list_releases(node: Node, user: UserRecord, item_id: str | None = None) -> list[dict[str, Any]]:
    """The onward releases and forwardings this node made (of `item_id`), newest first."""
    authorise(node, user, Action.VIEW_TRANSFERS, item_id or ONWARD)
    with node.reader.connect() as conn:
        if item_id:
            return list(reversed(_releases(conn, item_id, node.keys)))
        return [_release_view(r) for r in casebook.all_of(conn, ONWARD, keys=node.keys)]
