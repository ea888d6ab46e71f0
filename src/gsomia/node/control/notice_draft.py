"""What the originator's classification notice says, and to whom it goes (R14): the item's
holders as this node knows them, the notice drafted from the officer's request and checked for
what it says, and one signed notice sent to each holder along the path the item took.

`notices` decides who may issue it and keeps the case; this module only words and addresses it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import InputError
from gsomia.exchange import outbox
from gsomia.exchange.kinds import Kind
from gsomia.node.control.marks import parse_level
from gsomia.node.control.messages import send
from gsomia.node.control.notice_case import NOTICE
from gsomia.node.runtime import Node
from gsomia.store import transfers
from gsomia.store.users import UserRecord
from gsomia.treaty.classification import ChangeKind, ClassificationNotice
from gsomia.treaty.items import Item, Precedence
from gsomia.treaty.onward import CustodyChain, Transfer, bases_to

# Who holds the item --------------------------------------------------------------------------


def holders_chain(conn: Connection, node: Node, item_id: str) -> CustodyChain:
    """Every nation this node knows holds `item_id` and by which path: its own deliveries the
    partner received (outbox), then the `transfers` it recorded or was told of, de-duplicated."""
    found: dict[str, Transfer] = {}
    for sent in outbox.delivered(conn, node.keys, Kind.ITEM, item_id):
        peer, at = sent.peer, sent.settled_at or sent.created_at
        if peer != node.nation and peer not in found:
            found[peer] = Transfer(item_id, node.nation, peer, at, "", sent.agreement_id or "")
    for t in transfers.of_item(conn, item_id):
        if t.to_nation != node.nation and t.to_nation not in found:
            found[t.to_nation] = t
    return CustodyChain(item_id, node.nation, tuple(found.values()))


# The notice ----------------------------------------------------------------------------------


def notice_doc(notice: ClassificationNotice) -> dict[str, Any]:
    return {
        "notice": notice.id,
        "item_id": notice.item_id,
        "originator": notice.originator,
        "change": notice.kind.value,
        "previous": notice.previous.native,
        "level": notice.new_level.native if notice.new_level is not None else "",
        "effective": notice.effective.isoformat(),
        "issued_at": notice.issued_at.isoformat(),
        "issued_by": notice.issued_by,
    }


def draft(
    node: Node,
    officer: UserRecord,
    item: Item,
    *,
    change: str,
    level: str | None,
    effective: datetime,
) -> ClassificationNotice:
    """The notice the officer asks for, checked for what it says (not yet for who may say it)."""
    now = node.clock()
    try:
        kind = ChangeKind(change)
    except ValueError as exc:
        raise InputError(
            f"{change!r} is not a classification change",
            hint="use downgrade, upgrade or declassify",
        ) from exc
    created = item.created_at or now
    if kind is ChangeKind.DECLASSIFY:
        if level:
            raise InputError("a declassification names no new level", hint="omit --level")
        new_level = None
    else:
        if not level:
            raise InputError(f"a {kind.value} names the new level", hint="give --level")
        new_level = parse_level(node, node.nation, level, created)
    if effective > now:
        raise InputError(
            "a classification notice takes effect when it is issued or earlier",
            hint="issue the notice on the day the change takes effect",
        )
    if new_level == item.level:
        raise InputError(f"{item.id} is {item.level} already", hint="name a different level")
    notice = ClassificationNotice(
        id=f"{node.nation}-notice-{uuid.uuid4().hex[:12]}",
        item_id=item.id,
        originator=node.nation,
        previous=item.level,
        new_level=new_level,
        effective=effective,
        issued_at=now,
        issued_by=officer.name,
        verified=True,
    )
    if notice.kind is not kind:
        raise InputError(
            f"{item.level} → {new_level} is a {notice.kind.value}, not a {kind.value}",
            hint=f"use --change {notice.kind.value}",
        )
    return notice


# Sending it ----------------------------------------------------------------------------------


@dataclass
class Addressed:
    """Where a notice went: the holders, the message sent to each reachable one, the rest."""

    holders: list[str]
    messages: dict[str, str] = field(default_factory=dict)
    unreachable: list[str] = field(default_factory=list)


def send_notices(
    conn: Connection,
    node: Node,
    chain: CustodyChain,
    *,
    document: dict[str, Any],
    binding: dict[str, Any],
    now: datetime,
) -> Addressed:
    """One notice to each holder in `chain`, naming the agreements it came on by (`via`) and
    carrying the fresh binding; a holder with no path back here or no pinned card is listed as
    unreachable instead."""
    sent = Addressed(sorted(t.to_nation for t in chain.transfers))
    for holder in sent.holders:
        path = bases_to(chain, holder)
        if path is None or node.peer_card(holder) is None:
            sent.unreachable.append(holder)
            continue
        sent.messages[holder] = send(
            conn,
            node,
            kind=NOTICE,
            peer=holder,
            document={**document, "via": list(path[1:]), "holder": holder, "binding": binding},
            precedence=Precedence.IMMEDIATE,
            now=now,
        )
    return sent
