"""The assurance a contract needs, asked of and given by the partner's node (Art. 16, R33).

Before a classified contract carries a partner's CMI, this node's officer asks the partner's
national security authority for its assurance: the request travels signed
(`ASSURANCE_REQUEST`) and opens a case on the partner's node, whose officer answers it
(`answer_assurance`); the answer travels signed back (`ASSURANCE_ANSWER`) and, when given,
records the assurance on the contract with the signed message as its reference. Only the
partner asked may answer, only once, and only a request this node sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.exchange.incoming import require_party
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise
from gsomia.node.control import casebook, messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.runtime import Node
from gsomia.store import cases
from gsomia.store import contractors as stored
from gsomia.store.users import UserRecord
from gsomia.treaty.contractors import POLICY
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.roles import Action

__all__ = ["HANDLERS", "answer_assurance", "ask_assurance", "list_requests"]

KIND = "contract_assurance"
ASKING, ASKED = "asking", "asked"
REQUESTED, GIVEN, REFUSED = "requested", "given", "refused"


def ask_assurance(
    conn: Connection, node: Node, user: UserRecord, contract: dict[str, Any], now: datetime
) -> str:
    """Send the partner of `contract` the request for its assurance, in the caller's
    transaction, and open this side's case; the request's id."""
    request_id = uuid.uuid4().hex
    document = {
        "request_id": request_id,
        "contract_id": contract["id"],
        "facility_id": contract["facility_id"],
        "purpose": contract["purpose"],
        "highest_level": contract["highest_level"],
        "security_clause": contract["security_clause"],
        "asked_by": user.name,
        "asked_at": now.isoformat(),
    }
    partner = contract["partner"]
    message_id = messages.send(
        conn, node, kind=Kind.ASSURANCE_REQUEST, peer=partner, document=document,
        precedence=Precedence.ROUTINE, now=now,
    )  # fmt: skip
    casebook.insert(
        conn, case_id=request_id, kind=KIND, counterpart=partner, opened_by=node.nation,
        status=REQUESTED, document={"side": ASKING, "request": document}, now=now,
        keys=node.keys,
    )  # fmt: skip
    casebook.step(
        conn, request_id, at=now, actor=user.name, nation=node.nation, name=REQUESTED,
        document=document, message_id=message_id, keys=node.keys,
    )  # fmt: skip
    return request_id


def _on_request(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    request_id = messages.text(doc, "request_id", limit=64)
    contract_id = messages.text(doc, "contract_id", limit=64)
    if node.agreement_with(incoming.sender, incoming.at) is None:
        denial = Decision.deny(
            f"{node.nation} has no agreement in force with {incoming.sender}", POLICY, "R33"
        )
        return Outcome(denial, request_id)
    for key in ("facility_id", "purpose", "highest_level", "asked_by"):
        messages.text(doc, key)
    messages.text(doc, "security_clause", limit=4000)
    if cases.exists(conn, request_id):
        raise Conflict(f"assurance request {request_id} is recorded here already")
    casebook.insert(
        conn, case_id=request_id, kind=KIND, counterpart=incoming.sender,
        opened_by=incoming.sender, status=REQUESTED,
        document={"side": ASKED, "request": dict(doc)}, now=incoming.at,
        keys=node.keys,
    )  # fmt: skip
    casebook.step(
        conn, request_id, at=incoming.at, actor=messages.text(doc, "asked_by"),
        nation=incoming.sender, name=REQUESTED, document=dict(doc), message_id=incoming.id,
        signature=incoming.signed.decode("ascii"), keys=node.keys,
    )  # fmt: skip
    decision = Decision.allow(
        f"{incoming.sender} asks the assurance for contract {contract_id}", POLICY, "R33"
    )
    return Outcome(decision, request_id, {"request": request_id})


def answer_assurance(
    node: Node, user: UserRecord, request_id: str, *, given: bool, reference: str
) -> dict[str, Any]:
    """This nation's security authority answers a partner's request for its assurance."""
    _, role = authorise(node, user, Action.MANAGE_CONTRACTORS, request_id)
    if not reference.strip():
        raise InputError("an assurance is answered with its reference (the authority's note)")
    now = node.clock()
    with node.engine.begin() as conn:
        row = casebook.find(conn, KIND, request_id, lock=True, keys=node.keys)
        if row is None or row.document["side"] != ASKED:
            raise NotFound(f"no partner asked {node.nation} for assurance {request_id}")
        if row.status != REQUESTED:
            raise Conflict(f"assurance request {request_id} is {row.status} already")
        request = row.document["request"]
        document = {
            "request_id": request_id,
            "contract_id": request["contract_id"],
            "given": given,
            "reference": reference.strip(),
            "answered_by": user.name,
        }
        message_id = messages.send(
            conn, node, kind=Kind.ASSURANCE_ANSWER, peer=row.counterpart, document=document,
            precedence=Precedence.ROUTINE, now=now,
        )  # fmt: skip
        status = GIVEN if given else REFUSED
        casebook.save(
            conn, request_id, status, {**row.document, "answer": document}, now, keys=node.keys
        )
        casebook.step(
            conn, request_id, at=now, actor=user.name, nation=node.nation, name=status,
            document=document, message_id=message_id, keys=node.keys,
        )  # fmt: skip
        decision = Decision.allow(
            f"assurance {status} to {row.counterpart} for contract {request['contract_id']}",
            POLICY,
            "R33",
        )
        entries = [
            audit.Entry(user.name, "contract_assurance", request_id, d) for d in (role, decision)
        ]
        audit.record_all(conn, entries, now)
    messages.wake(node, Precedence.ROUTINE)
    return {"request": request_id, "status": status, "contract": request["contract_id"]}


def _on_answer(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    request_id = messages.text(doc, "request_id", limit=64)
    row = casebook.find(conn, KIND, request_id, lock=True, keys=node.keys)
    if row is None or row.document["side"] != ASKING:
        raise NotFound(f"{node.nation} asked no assurance {request_id}")
    require_party(incoming, row.counterpart, f"the authority asked for assurance {request_id}")
    if row.status != REQUESTED:
        raise Conflict(f"assurance request {request_id} is {row.status} already")
    given = doc.get("given")
    if not isinstance(given, bool):
        raise InputError("an assurance answer says whether it is given (true or false)")
    contract_id = row.document["request"]["contract_id"]
    reference = f"{messages.text(doc, 'reference')} (signed message {incoming.id})"
    if given:
        stored.record_assurance(
            conn, contract_id, assurance_given_at=incoming.at, assurance_reference=reference
        )
    status = GIVEN if given else REFUSED
    casebook.save(
        conn, request_id, status, {**row.document, "answer": dict(doc)}, incoming.at, keys=node.keys
    )
    casebook.step(
        conn, request_id, at=incoming.at, actor=messages.text(doc, "answered_by"),
        nation=incoming.sender, name=status, document=dict(doc), message_id=incoming.id,
        signature=incoming.signed.decode("ascii"), keys=node.keys,
    )  # fmt: skip
    decision = Decision.allow(
        f"{incoming.sender} {status} its assurance for contract {contract_id}", POLICY, "R33"
    )
    return Outcome(decision, contract_id, {"request": request_id, "status": status})


def list_requests(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    """The assurance requests this node sent and received, newest first."""
    authorise(node, user, Action.MANAGE_CONTRACTORS, KIND)
    with node.reader.connect() as conn:
        return [
            {
                "request": row.id,
                "side": row.document["side"],
                "partner": row.counterpart,
                "contract": row.document["request"]["contract_id"],
                "status": row.status,
            }
            for row in casebook.all_of(conn, KIND, keys=node.keys)
        ]


HANDLERS: dict[Kind, Handler] = {
    Kind.ASSURANCE_REQUEST: _on_request,
    Kind.ASSURANCE_ANSWER: _on_answer,
}
