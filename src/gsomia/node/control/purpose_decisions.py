"""The originator's side of a new purpose for a holding: it decides (R13).

The originator's node opens the case the holder's request names and decides nothing by
itself; its officer approves or refuses. An approval goes back as a document signed with this
node's key, which the holder verifies before the purpose joins its holding (`purposes`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError
from gsomia.exchange.incoming import require_addressee, require_party
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise, refuse
from gsomia.node.control import casebook, messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.control.originator import THIRD_PARTY, provided_items
from gsomia.node.control.purpose_cases import PURPOSE, get_purpose
from gsomia.node.runtime import Node
from gsomia.seal import PURPOSE_DOC, sign_document
from gsomia.store import cases
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_decide_request
from gsomia.treaty.purposes import PurposeApproval, may_approve_purpose
from gsomia.treaty.roles import Action

__all__ = ["HANDLERS", "approve_purpose", "refuse_purpose"]


def _on_purpose_request(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    case_id = messages.text(doc, "id", limit=64)
    holder = messages.text(doc, "holder", limit=4)
    purpose = messages.text(doc, "purpose")
    item_ids = messages.texts(doc, "item_ids", limit=64)
    require_party(incoming, holder, f"the holder asking in purpose request {case_id}")
    originator = messages.text(doc, "originator", limit=4)
    require_addressee(node.nation, originator, f"purpose request {case_id}")
    if not item_ids:
        raise InputError(f"purpose request {case_id} names no item")
    provided_items(conn, node, item_ids, holder)
    if cases.exists(conn, case_id):
        raise Conflict(f"purpose request {case_id} is already open")
    requested_by = messages.text(doc, "requested_by", limit=100)
    document = {
        "id": case_id,
        "originator": node.nation,
        "holder": holder,
        "item_ids": item_ids,
        "purpose": purpose,
        "requested_by": requested_by,
        "requested_at": messages.when(doc, "requested_at").isoformat(),
    }
    casebook.insert(
        conn,
        case_id=case_id,
        kind=PURPOSE,
        item_id=item_ids[0],
        originator=node.nation,
        counterpart=holder,
        opened_by=holder,
        status="requested",
        document=document,
        now=incoming.at,
        keys=node.keys,
    )
    casebook.step(
        conn,
        case_id,
        actor=requested_by,
        nation=holder,
        name="requested",
        document=doc,
        at=incoming.at,
        message_id=incoming.id,
        signature=incoming.signed.decode("utf-8", "replace"),
        keys=node.keys,
    )
    decision = Decision.allow(
        f"{holder} asks approval of {purpose!r}; awaiting {node.nation}'s officer",
        THIRD_PARTY,
        "R13",
    )
    return Outcome(decision, case_id, {"case": case_id, "case_status": "requested"})


def _decide_purpose(
    node: Node, officer: UserRecord, case_id: str, *, approve: bool, reason: str = ""
) -> dict[str, Any]:
    person, allowed = authorise(node, officer, Action.DECIDE_CONSENT, case_id)
    now = node.clock()
    with node.reader.connect() as conn:
        row = casebook.load(conn, PURPOSE, case_id, keys=node.keys)
    doc = dict(row._mapping["document"])
    step = "purpose_approve" if approve else "purpose_refuse"
    deciding = may_decide_request(node.nation, row.originator, case_id, "R13")
    if not deciding.allowed:
        refuse(node, actor=officer.name, action=step, subject=case_id, decision=deciding, now=now)
    if row.status != "requested":
        raise Conflict(f"purpose request {case_id} is {row.status}; it cannot be decided again")
    approval = PurposeApproval(
        id=case_id,
        originator=node.nation,
        holder=doc["holder"],
        purpose=doc["purpose"],
        approved_by=officer.name,
        approved_at=now,
        item_ids=frozenset(doc["item_ids"]),
    )
    decision = may_approve_purpose(person, approval, now)
    if not decision.allowed:
        refuse(node, actor=officer.name, action=step, subject=case_id, decision=decision, now=now)
    status = "approved" if approve else "refused"
    answer = _answer(node, officer, approval, status=status, reason=reason, now=now)
    doc.update(decided_by=officer.name, decided_at=now.isoformat(), reason=reason)
    with node.engine.begin() as conn:
        casebook.save(conn, case_id, status, doc, now, keys=node.keys)
        message_id = messages.send(
            conn, node, kind=Kind.PURPOSE_DECISION, peer=approval.holder, document=answer, now=now
        )
        casebook.step(
            conn,
            case_id,
            actor=officer.name,
            nation=node.nation,
            name=status,
            document=answer,
            at=now,
            message_id=message_id,
            keys=node.keys,
        )
        told = Decision.allow(
            f"purpose {approval.purpose!r} {status} for {approval.holder}", THIRD_PARTY, "R13"
        )
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.DECIDE_CONSENT.value, case_id, allowed),
                audit.Entry(officer.name, step, case_id, told, also=(message_id,)),
            ],
            now,
        )
    messages.wake(node)
    return get_purpose(node, case_id)


def _answer(
    node: Node,
    officer: UserRecord,
    approval: PurposeApproval,
    *,
    status: str,
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    """The decision as sent to the holder; an approval carries the document signed with this
    node's key that the holder verifies before the purpose joins its holding."""
    case_id = approval.id
    answer: dict[str, Any] = {
        "id": case_id,
        "status": status,
        "reason": reason,
        "decided_by": officer.name,
        "decided_at": now.isoformat(),
    }
    if status == "approved":
        answer["approval"] = sign_document(
            node.keys,
            {
                "type": PURPOSE_DOC,
                "id": case_id,
                "originator": node.nation,
                "holder": approval.holder,
                "purpose": approval.purpose,
                "item_ids": sorted(approval.item_ids),
                "approved_by": officer.name,
                "approved_at": now.isoformat(),
            },
        )
    return answer


def approve_purpose(node: Node, officer: UserRecord, case_id: str) -> dict[str, Any]:
    return _decide_purpose(node, officer, case_id, approve=True)


def refuse_purpose(node: Node, officer: UserRecord, case_id: str, reason: str) -> dict[str, Any]:
    if not reason.strip():
        raise InputError("a refusal gives its reason")
    return _decide_purpose(node, officer, case_id, approve=False, reason=reason.strip())


HANDLERS: dict[Kind, Handler] = {Kind.PURPOSE_REQUEST: _on_purpose_request}
