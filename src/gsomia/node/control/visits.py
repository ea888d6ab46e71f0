"""Visits between nodes: the visiting party's side, and the visit as both keep it (R23, R24).

The visiting party's officer submits a request (`may_submit_visit`: competent authority,
agreement in force and covering the level, the agreement's lead time, at most a year); it
travels as a signed `visit_request` to the host's node, which opens its side of the case. Only
the host's officer approves (`may_approve_visit`, possibly lowering the level) or refuses; the
decision travels back as `visit_decision`. During an approved visit the host asks
`may_disclose_to_visitor` before showing a visitor anything: above the approved level, outside
the subject or the dates, the answer is no. Every decision is logged with its article.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.exchange.incoming import require_party
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise, refuse
from gsomia.node.control import casebook, messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.runtime import Node
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.roles import Action
from gsomia.treaty.visits import (
    ApprovedVisit,
    VisitKind,
    VisitRequest,
    may_submit_visit,
)

KIND = "visit"
ARTICLE = "Art. 8"
VISITOR, HOST = "visitor", "host"
REQUESTED, APPROVED, REFUSED = "requested", "approved", "refused"


# The request as JSON ----------------------------------------------------------------------


def request_json(request: VisitRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "agreement_id": request.agreement_id,
        "visiting_party": request.visiting_party,
        "host_party": request.host_party,
        "submitted_by": request.submitted_by,
        "visitors": sorted(request.visitors),
        "facility": request.facility,
        "subject": request.subject,
        "scope": request.scope,
        "highest_level": request.highest_level.native,
        "starts": request.starts.isoformat(),
        "ends": request.ends.isoformat(),
        "submitted_at": request.submitted_at.isoformat(),
        "kind": request.kind.value,
    }


def request_from(node: Node, data: Mapping[str, Any]) -> VisitRequest:
    """A request from stored JSON or a partner's message; `InputError` names a bad field."""
    submitted_at = messages.when(data, "submitted_at")
    host = messages.text(data, "host_party", limit=4)
    try:
        kind = VisitKind(messages.text(data, "kind", limit=20))
    except ValueError as exc:
        raise InputError(f"unknown visit kind; one of {', '.join(VisitKind)}") from exc
    return VisitRequest(
        id=messages.text(data, "id", limit=64),
        agreement_id=messages.text(data, "agreement_id", limit=64),
        visiting_party=messages.text(data, "visiting_party", limit=4),
        host_party=host,
        submitted_by=messages.text(data, "submitted_by", limit=100),
        visitors=frozenset(messages.texts(data, "visitors", limit=100)),
        facility=messages.text(data, "facility", limit=500),
        subject=messages.text(data, "subject", limit=200),
        scope=messages.text(data, "scope", limit=2000, empty=True),
        highest_level=node.schemes.parse(
            host, messages.text(data, "highest_level", limit=64), at=submitted_at.date()
        ),
        starts=messages.when(data, "starts"),
        ends=messages.when(data, "ends"),
        submitted_at=submitted_at,
        kind=kind,
    )


def approved_visit(node: Node, request: VisitRequest, approval: Mapping[str, Any]) -> ApprovedVisit:
    level = node.schemes.parse(
        request.host_party, approval["highest_level"], at=request.submitted_at.date()
    )
    return ApprovedVisit(
        request.id,
        request.visiting_party,
        request.host_party,
        request.visitors,
        request.facility,
        request.subject,
        request.scope,
        level,
        request.starts,
        request.ends,
        approval["approved_by"],
        datetime.fromisoformat(approval["approved_at"]),
    )


def view(row: Any) -> dict[str, Any]:
    doc = row.document
    request = doc["request"]
    approval = doc.get("approval") or {}
    return {
        "id": row.id,
        "status": row.status,
        "side": doc["side"],
        "agreement_id": request["agreement_id"],
        "host": request["host_party"],
        "visiting_party": request["visiting_party"],
        "visitors": request["visitors"],
        "facility": request["facility"],
        "subject": request["subject"],
        "scope": request["scope"],
        "start": request["starts"],
        "end": request["ends"],
        "kind": request["kind"],
        "requested_level": request["highest_level"],
        "max_level": approval.get("highest_level"),
        "submitted_by": request["submitted_by"],
        "submitted_at": request["submitted_at"],
        "approved_by": approval.get("approved_by"),
        "approved_at": approval.get("approved_at"),
        "refusal": doc.get("refusal"),
    }


# The visiting party --------------------------------------------------------------------------


def _open_request(  # noqa: PLR0917 - one case's parts, in the order a request is opened
    conn: Connection,
    node: Node,
    actor: str,
    host: str,
    document: dict[str, Any],
    message_id: str,
    now: datetime,
) -> None:
    """The visiting side's case of a request sent to `host`, with its first step."""
    case_id = str(document["id"])
    casebook.insert(
        conn,
        case_id=case_id,
        kind=KIND,
        originator=host,
        counterpart=host,
        opened_by=node.nation,
        status=REQUESTED,
        document={"side": VISITOR, "request": document},
        now=now,
        keys=node.keys,
    )
    casebook.step(
        conn,
        case_id,
        at=now,
        actor=actor,
        nation=node.nation,
        name="requested",
        document=document,
        message_id=message_id,
        keys=node.keys,
    )


def request_visit(
    node: Node,
    officer: UserRecord,
    *,
    host: str,
    visitors: list[str],
    facility: str,
    subject: str,
    scope: str,
    start: datetime,
    end: datetime,
    max_level: str,
    kind: str = VisitKind.ONE_TIME.value,
) -> dict[str, Any]:
    """This nation's competent authority asks `host` for a visit; refused with the reason
    unless `may_submit_visit` allows."""
    person, allowed = authorise(node, officer, Action.REQUEST_VISIT, host)
    now = node.clock()
    agreement = node.agreement_with(host, now)
    if agreement is None:
        raise NotFound(f"{node.nation} has no agreement with {host}")
    request = request_from(
        node,
        {
            "id": uuid.uuid4().hex,
            "agreement_id": agreement.id,
            "visiting_party": node.nation,
            "host_party": host,
            "submitted_by": officer.name,
            "visitors": visitors,
            "facility": facility,
            "subject": subject,
            "scope": scope,
            "highest_level": max_level,
            "starts": start.isoformat(),
            "ends": end.isoformat(),
            "submitted_at": now.isoformat(),
            "kind": kind,
        },
    )
    decision = may_submit_visit(person, request, agreement, now)
    if not decision.allowed:
        refuse(
            node, actor=officer.name, action="request_visit", subject=request.id, decision=decision
        )
    document = request_json(request)
    with node.engine.begin() as conn:
        message_id = messages.send(
            conn, node, kind=Kind.VISIT_REQUEST, peer=host, document=document, now=now
        )
        _open_request(conn, node, officer.name, host, document, message_id, now)
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.REQUEST_VISIT.value, request.id, allowed),
                audit.Entry(officer.name, "request_visit", request.id, decision),
            ],
            now,
        )
        row = casebook.load(conn, KIND, request.id, keys=node.keys)
    messages.wake(node, Precedence.IMMEDIATE)
    return view(row)


def list_visits(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    authorise(node, user, Action.REQUEST_VISIT, KIND)
    with node.reader.connect() as conn:
        return [view(row) for row in casebook.all_of(conn, KIND, keys=node.keys)]


def _on_decision(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    visit_id = messages.text(doc, "request_id", limit=64)
    row = casebook.find(conn, KIND, visit_id, keys=node.keys)
    if row is None or row.document["side"] != VISITOR:
        raise NotFound(f"{node.nation} requested no visit {visit_id}")
    request = request_from(node, row.document["request"])
    require_party(incoming, request.host_party, f"the host that decides visit {visit_id}")
    if row.status != REQUESTED:
        raise Conflict(f"visit {visit_id} is already {row.status}")
    decided = messages.text(doc, "decision", limit=20)
    stored = dict(row.document)
    if decided == APPROVED:
        approval = {
            "highest_level": messages.text(doc, "highest_level", limit=64),
            "approved_by": messages.text(doc, "approved_by", limit=100),
            "approved_at": messages.when(doc, "approved_at").isoformat(),
        }
        visit = approved_visit(node, request, approval)
        if not request.highest_level.dominates(visit.highest_level):
            raise InputError(f"the host may lower, not raise, the level asked for {visit_id}")
        stored["approval"] = approval
    elif decided == REFUSED:
        stored["refusal"] = messages.text(doc, "reason", limit=2000)
    else:
        raise InputError(f"a visit decision is {APPROVED} or {REFUSED}, not {decided!r}")
    casebook.save(conn, visit_id, decided, stored, incoming.at, keys=node.keys)
    casebook.step(
        conn,
        visit_id,
        at=incoming.at,
        actor=incoming.sender,
        nation=incoming.sender,
        name=decided,
        document=dict(doc),
        message_id=incoming.id,
        signature=incoming.signed.decode("ascii"),
        keys=node.keys,
    )
    decision = Decision.allow(f"{incoming.sender} {decided} visit {visit_id}", ARTICLE, "R23")
    return Outcome(decision, visit_id, {"visit": visit_id, "decision": decided})


HANDLERS: dict[Kind, Handler] = {Kind.VISIT_DECISION: _on_decision}
