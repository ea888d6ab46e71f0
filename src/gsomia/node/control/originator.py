"""What the originator provided to whom under which agreement (R12, R13).

The originator's consent to onward release and approval of a new purpose are documents it signs
(`gsomia.seal.documents`); they are checked here against what it provided: an item it never
sent a holder cannot be consented for. Consent, purpose approvals and onward release all rely
on this, hence its own module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from gsomia.errors import NotFound, PolicyDenied
from gsomia.node.runtime import Node
from gsomia.store import items
from gsomia.treaty import sources
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.items import Item, Precedence

THIRD_PARTY = sources.THIRD_PARTY


def agreement_between(node: Node, first: str, second: str, now: datetime) -> Agreement | None:
    """The agreement between two nations as this node knows it: in force now, else the newest."""
    found = [node.agreement(a.id) for a in node.agreements.between(first, second)]
    for agreement in found:
        if agreement.status_at(now.date()).state.in_force:
            return agreement
    return found[-1] if found else None


def provided_items(
    conn: Connection, node: Node, item_ids: Sequence[str], holder: str
) -> list[Item]:
    """This originator's items as provided to `holder` (the agreement of that provision)."""
    found = []
    for item_id in item_ids:
        row = items.get(conn, item_id, node.vault)
        sent = items.provision(conn, item_id, holder)
        if row is None or row.originator != node.nation:
            raise NotFound(f"{node.nation} is not the originator of an item {item_id}")
        if sent is None:
            raise PolicyDenied(
                f"{node.nation} never provided {item_id} to {holder} (R12)", article=THIRD_PARTY
            )
        created = row.created_at
        found.append(
            Item(
                id=row.id,
                originator=node.nation,
                level=node.schemes.parse(node.nation, row.level, at=created.date()),
                purpose=row.purpose,
                agreement_id=sent[0],
                agreement_version=sent[1],
                releasable_to=frozenset(row.releasable_to),
                precedence=Precedence[row.precedence],
                caveats=frozenset(row.caveats),
                created_at=created,
            )
        )
    return found
