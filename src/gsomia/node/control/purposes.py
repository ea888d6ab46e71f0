"""New purposes for a holding, approved by the originator only (R13, with R19-R21): the
holder's side, and the one door the faces use for both sides.

A holder's officer asks the originator to approve a purpose the item was not provided for;
the request travels as a signed message and opens the same case on both nodes. The
originator's officer approves or refuses; an approval is a document signed with the
originator's node key (`originator`), and once it verifies on the holder's node the purpose
joins the holding's approved purposes, so access for it passes (`may_use_for`). Separate from
consent to onward release (`consent`): the item stays where it is, only its use widens.

The treaty core (`treaty.purposes`, `treaty.access`) decides; this module turns rows into its
values, logs each decision next to the change it allowed, and carries the acts between nodes.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound, PolicyDenied
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise
from gsomia.node.control import casebook, messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.control.originator import THIRD_PARTY
from gsomia.node.control.purpose_cases import PURPOSE, get_purpose, list_purposes
from gsomia.node.control.purpose_decisions import approve_purpose, refuse_purpose
from gsomia.node.people import to_person
from gsomia.node.read import holding_row, treaty_holding
from gsomia.node.runtime import Node
from gsomia.seal import verify_document
from gsomia.store import holdings
from gsomia.store.users import UserRecord
from gsomia.treaty.access import may_access
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding
from gsomia.treaty.purposes import PurposeApproval, apply_purpose_approval
from gsomia.treaty.roles import Action

#: The faces reach both sides of a purpose request here.
__all__ = [
    "HANDLERS",
    "approve_purpose",
    "get_purpose",
    "list_purposes",
    "may_use_for",
    "refuse_purpose",
    "request_purpose",
]


def request_purpose(node: Node, user: UserRecord, holding_id: str, purpose: str) -> dict[str, Any]:
    """The holder's officer asks the originator to approve a new purpose for a holding (R13)."""
    _, allowed = authorise(node, user, Action.REQUEST_CONSENT, holding_id)
    now = node.clock()
    row = holding_row(node, holding_id)
    wanted = purpose.strip()
    if not wanted or len(wanted) > 200:
        raise InputError("name the new purpose (up to 200 characters)")
    if wanted == row.purpose or wanted in (row.approved_purposes or []):
        raise Conflict(f"{wanted!r} is already a purpose of holding {row.id}")
    case_id = uuid.uuid4().hex
    document = {
        "id": case_id,
        "originator": row.originator,
        "holder": node.nation,
        "item_ids": [row.item_id],
        "purpose": wanted,
        "holding_id": row.id,
        "requested_by": user.name,
        "requested_at": now.isoformat(),
    }
    with node.engine.begin() as conn:
        casebook.insert(
            conn,
            case_id=case_id,
            kind=PURPOSE,
            item_id=row.item_id,
            originator=row.originator,
            counterpart=row.originator,
            opened_by=node.nation,
            status="requested",
            document=document,
            now=now,
            keys=node.keys,
        )
        sent = {k: v for k, v in document.items() if k != "holding_id"}
        message_id = messages.send(
            conn, node, kind=Kind.PURPOSE_REQUEST, peer=row.originator, document=sent, now=now
        )
        casebook.step(
            conn,
            case_id,
            actor=user.name,
            nation=node.nation,
            name="requested",
            document=sent,
            at=now,
            message_id=message_id,
            keys=node.keys,
        )
        audit.record_all(
            conn,
            [
                audit.Entry(user.name, Action.REQUEST_CONSENT.value, row.id, allowed),
                audit.Entry(
                    user.name,
                    "purpose_request",
                    row.id,
                    Decision.allow(
                        f"asked {row.originator} to approve {wanted!r}", THIRD_PARTY, "R13"
                    ),
                    also=(case_id,),
                ),
            ],
            now,
        )
    messages.wake(node)
    return get_purpose(node, case_id)


def _on_purpose_decision(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    """The holder's node applies an approval whose signature holds, or records a refusal."""
    doc = incoming.document
    case_id = messages.text(doc, "id", limit=64)
    row = casebook.load(conn, PURPOSE, case_id, keys=node.keys)
    if row.originator != incoming.sender or row.status != "requested":
        raise Conflict(f"purpose request {case_id} is not open with {incoming.sender}")
    status = messages.text(doc, "status", limit=16)
    document = dict(row._mapping["document"])
    document.update(
        decided_by=messages.text(doc, "decided_by", limit=100),
        decided_at=messages.when(doc, "decided_at").isoformat(),
        reason=messages.text(doc, "reason", limit=1000, empty=True),
    )
    if status == "approved":
        signed = verify_document(doc.get("approval"), incoming.card, "purpose approval")
        approval = PurposeApproval(
            id=messages.text(signed, "id", limit=64),
            originator=messages.text(signed, "originator", limit=4),
            holder=messages.text(signed, "holder", limit=4),
            purpose=messages.text(signed, "purpose"),
            approved_by=messages.text(signed, "approved_by", limit=100),
            approved_at=messages.when(signed, "approved_at"),
            item_ids=frozenset(messages.texts(signed, "item_ids", limit=64)),
            verified=True,
        )
        if approval.id != case_id or approval.purpose != document["purpose"]:
            raise PolicyDenied(
                f"the approval signed for {case_id} does not match the request (R13)",
                article=THIRD_PARTY,
            )
        held = holdings.by_ids(conn, [document["holding_id"]], node.vault).get(
            document["holding_id"]
        )
        if held is None:
            raise NotFound(
                f"no holding {document['holding_id']}",
                hint="`gsomia item list` shows what is held",
            )
        updated = apply_purpose_approval(_holding(node, held), approval)
        holdings.set_approved_purposes(conn, held.id, sorted(updated.approved_purposes), node.vault)
        document["approval"] = doc["approval"]
    elif status != "refused":
        raise InputError(f"a purpose decision cannot be {status!r}")
    casebook.save(conn, case_id, status, document, incoming.at, keys=node.keys)
    casebook.step(
        conn,
        case_id,
        actor=document["decided_by"],
        nation=incoming.sender,
        name=status,
        document=doc,
        at=incoming.at,
        message_id=incoming.id,
        signature=incoming.signed.decode("utf-8", "replace"),
        keys=node.keys,
    )
    decision = Decision.allow(
        f"{incoming.sender} {status} purpose {document['purpose']!r}", THIRD_PARTY, "R13"
    )
    return Outcome(decision, case_id, {"case": case_id, "case_status": status})


def _holding(node: Node, row: Any) -> Holding:
    """The treaty holding of a row, with its consent and the purposes approved for it."""
    base = treaty_holding(node, row)
    return replace(
        base,
        approved_purposes=frozenset(row.approved_purposes or ()),
        consent_id=row.consent_id or "",
    )


def may_use_for(node: Node, user: UserRecord, holding_id: str, purpose: str) -> Decision:
    """May `user` access a holding for `purpose`? Logged (R13, with R19–R21)."""
    now = node.clock()
    row = holding_row(node, holding_id)
    person = to_person(user, node.scheme(now.date()))
    decision = may_access(person, _holding(node, row), now, purpose=purpose)
    with node.engine.begin() as conn:
        audit.record(
            conn,
            actor=user.name,
            action=f"use:{purpose}"[:32],
            subject=row.id,
            decision=decision,
            now=now,
        )
    return decision


HANDLERS: dict[Kind, Handler] = {Kind.PURPOSE_DECISION: _on_purpose_decision}
