"""Handing a held item over to a third nation, and the case that follows it (R12, R28, R47).

An onward release (`onward`) and a hub forwarding (`hub`) decide differently but hand over
alike: the item is sealed from this node to the third nation's with its original label and a
header saying why it may go, and a case of kind "onward" is opened on this node to follow it
until the third nation answers (`receipt`). Kept apart so that both deciders share one way of
sending, and so that the case's shape is written down in one place.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import NotFound
from gsomia.exchange import outbox as queue
from gsomia.exchange.kinds import Kind, item_header
from gsomia.exchange.outbox import priority
from gsomia.node import audit
from gsomia.node.authority import refuse_all
from gsomia.node.control import casebook, messages
from gsomia.node.runtime import Node
from gsomia.seal import parse_held_card
from gsomia.seal.held import open_holding, queued
from gsomia.seal.sealed import Plain
from gsomia.store.holdings import envelope_of
from gsomia.store.users import UserRecord
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.onward import Transfer
from gsomia.treaty.roles import Action

#: The case of one onward release or forwarding, kept by the releasing node.
ONWARD = "onward"
RELEASE, FORWARD = "release_onward", "forward"
SENT, RECEIVED, REFUSED = "sent", "received", "refused"


def transfer_json(t: Transfer) -> dict[str, Any]:
    return {
        "item_id": t.item_id,
        "from": t.from_nation,
        "to": t.to_nation,
        "at": t.at.isoformat(),
        "level": t.level,
        "basis": t.basis,
        "consent_id": t.consent_id or None,
        "hub": t.hub or None,
    }


def send_item(
    conn: Connection,
    node: Node,
    row: Any,
    *,
    to: str,
    extra: Mapping[str, Any],
    agreement_id: str,
    agreement_version: int,
    now: datetime,
) -> str:
    """Seal the holding's item for `to` with the original label, the originator's binding
    of it to the content and `extra`; queue it. Without a binding (an item received before
    bindings existed) the third nation will refuse it."""
    card = node.peer_card(to)
    if card is None:
        raise NotFound(
            f"{to} is not a registered partner of this node",
            hint="an operator adds the partner's identity card with `gsomia peer add`",
        )
    sender = parse_held_card(json.dumps(row.sender_card).encode())
    content = open_holding(
        node.keys, row.id, envelope_of(row, node.vault), row.format, sender
    ).content
    message_id = uuid.uuid4().hex
    header = item_header(
        label=row.original_label,
        item_id=row.item_id,
        title=row.title,
        agreement_id=row.agreement_id,
        version=row.agreement_version,
        precedence=row.precedence,
        # The originator's binding, passed on untouched (ADR 0061).
        binding=json.loads(row.binding) if row.binding else None,
    )
    header.update(extra)
    body = queued(node.keys, Plain(message_id, Kind.ITEM, header, content, row.media_type), to)
    queue.enqueue(
        conn,
        message_id=message_id,
        kind=Kind.ITEM,
        peer=to,
        priority=priority(Precedence[row.precedence]),
        body=body,
        now=now,
        item_id=row.item_id,
        agreement_id=agreement_id,
        agreement_version=agreement_version,
    )
    return message_id


def refuse_unless_allowed(
    node: Node,
    officer: UserRecord,
    row: Any,
    *,
    allowed: Decision,
    subject: str,
    decision: Decision,
    now: datetime,
) -> None:
    """Return if `decision` lets the holding go on; else log it beside the role decision that
    let the officer ask, and raise it (R12, R47): one refusal for releases and forwardings."""
    if not decision.allowed:
        role = audit.Entry(officer.name, Action.RELEASE_ONWARD.value, row.id, allowed)
        refusal = audit.Entry(officer.name, subject, row.item_id, decision)
        refuse_all(node, [role, refusal], now=now)


def _open_case(
    conn: Connection,
    node: Node,
    *,
    actor: str,
    row: Any,
    transfer: Transfer,
    action: str,
    case_id: str,
    message_id: str,
) -> None:
    """The onward release's case, opened as sent, with its first step: the sending."""
    now = transfer.at
    casebook.insert(
        conn,
        case_id=case_id,
        kind=ONWARD,
        item_id=row.item_id,
        originator=row.originator,
        counterpart=transfer.to_nation,
        opened_by=node.nation,
        status=SENT,
        document={
            "action": action,
            "transfer": transfer_json(transfer),
            "released_by": actor,
            "messages": {"item": message_id},
            "refusal": None,
            "report": None,
        },
        now=now,
        keys=node.keys,
    )
    casebook.step(
        conn,
        case_id,
        at=now,
        actor=actor,
        nation=node.nation,
        name=action,
        document={"transfer": transfer_json(transfer)},
        message_id=message_id,
        keys=node.keys,
    )


def hand_over(
    node: Node,
    user: UserRecord,
    row: Any,
    *,
    transfer: Transfer,
    decision: Decision,
    allowed: Decision,
    extra: Mapping[str, Any],
    agreement: Agreement,
) -> dict[str, Any]:
    """Send the item and open the release's case. Custody passes only when the third nation's
    signed answer says it received it (R28): then `receipt` records the transfer and
    reports it to the originator; a refusal is recorded on the case instead."""
    now = transfer.at
    action = FORWARD if transfer.hub else RELEASE
    case_id = uuid.uuid4().hex
    with node.engine.begin() as conn:
        message_id = send_item(
            conn,
            node,
            row,
            to=transfer.to_nation,
            extra=extra,
            agreement_id=agreement.id,
            agreement_version=agreement.version_at(now.date()).number,
            now=now,
        )
        _open_case(
            conn,
            node,
            actor=user.name,
            row=row,
            transfer=transfer,
            action=action,
            case_id=case_id,
            message_id=message_id,
        )
        audit.record_all(
            conn,
            [
                audit.Entry(user.name, Action.RELEASE_ONWARD.value, row.id, allowed),
                audit.Entry(
                    user.name,
                    f"{action}:{transfer.to_nation}",
                    row.item_id,
                    decision,
                    also=(message_id, case_id),
                    details={"marked": transfer.level},
                ),
            ],
            now,
        )
    messages.wake(node, Precedence[row.precedence])
    return {
        "case_id": case_id,
        "status": SENT,
        "transfer": transfer_json(transfer),
        "message_id": message_id,
    }
