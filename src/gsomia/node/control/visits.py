"""Visits between nodes: requested by the visiting party, decided by the host only (R23, R24).

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

from sqlalchemy import Connection, select

from gsomia.errors import Conflict, InputError, NotFound, PolicyDenied
from gsomia.node import audit
from gsomia.node.control import casebook, messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.read import treaty_holding
from gsomia.node.release import authorise
from gsomia.node.runtime import Node
from gsomia.store.tables import holdings, items
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding, Item, Precedence
from gsomia.treaty.officials import officer_denial
from gsomia.treaty.people import Person
from gsomia.treaty.roles import Action
from gsomia.treaty.visits import (
    ApprovedVisit,
    VisitKind,
    VisitRequest,
    approve_visit,
    may_approve_visit,
    may_disclose_to_visitor,
    may_submit_visit,
)

KIND = "visit"
ARTICLE = "Art. 8"
VISITOR, HOST = "visitor", "host"
REQUESTED, APPROVED, REFUSED = "requested", "approved", "refused"


# The request as JSON ----------------------------------------------------------------------


def _to_json(request: VisitRequest) -> dict[str, Any]:
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


def _from_json(node: Node, data: Mapping[str, Any]) -> VisitRequest:
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


def _approved(node: Node, request: VisitRequest, approval: Mapping[str, Any]) -> ApprovedVisit:
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


def _log(node: Node, actor: str, action: str, subject: str, decision: Decision) -> None:
    with node.engine.begin() as conn:
        audit.record(
            conn, actor=actor, action=action, subject=subject, decision=decision, now=node.clock()
        )


# The visiting party --------------------------------------------------------------------------


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
    request = _from_json(
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
        _log(node, officer.name, "request_visit", request.id, decision)
        decision.enforce()
    document = _to_json(request)
    with node.engine.begin() as conn:
        message_id = messages.send(
            conn, node, kind="visit_request", peer=host, document=document, now=now
        )
        casebook.insert(
            conn,
            case_id=request.id,
            kind=KIND,
            originator=host,
            counterpart=host,
            opened_by=node.nation,
            status=REQUESTED,
            document={"side": VISITOR, "request": document},
            now=now,
        )
        casebook.step(
            conn,
            request.id,
            at=now,
            actor=officer.name,
            nation=node.nation,
            name="requested",
            document=document,
            message_id=message_id,
        )
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.REQUEST_VISIT.value, request.id, allowed),
                audit.Entry(officer.name, "request_visit", request.id, decision),
            ],
            now,
        )
        row = casebook.load(conn, KIND, request.id)
    messages.wake(node, Precedence.IMMEDIATE)
    return view(row)


def list_visits(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    authorise(node, user, Action.REQUEST_VISIT, KIND)
    with node.reader.connect() as conn:
        return [view(row) for row in casebook.all_of(conn, KIND)]


def _on_decision(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    visit_id = messages.text(doc, "request_id", limit=64)
    row = casebook.find(conn, KIND, visit_id)
    if row is None or row.document["side"] != VISITOR:
        raise NotFound(f"{node.nation} requested no visit {visit_id}")
    request = _from_json(node, row.document["request"])
    if incoming.sender != request.host_party:
        raise PolicyDenied(
            f"only the host {request.host_party} decides visit {visit_id}, not {incoming.sender}",
            article=ARTICLE,
        )
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
        visit = _approved(node, request, approval)
        if not request.highest_level.dominates(visit.highest_level):
            raise InputError(f"the host may lower, not raise, the level asked for {visit_id}")
        stored["approval"] = approval
    elif decided == REFUSED:
        stored["refusal"] = messages.text(doc, "reason", limit=2000)
    else:
        raise InputError(f"a visit decision is {APPROVED} or {REFUSED}, not {decided!r}")
    casebook.save(conn, visit_id, decided, stored, incoming.at)
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
    )
    decision = Decision.allow(f"{incoming.sender} {decided} visit {visit_id}", ARTICLE, "R23")
    return Outcome(decision, visit_id, {"visit": visit_id, "decision": decided})


# The host -------------------------------------------------------------------------------------


def _on_request(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    request = _from_json(node, incoming.document)
    if request.visiting_party != incoming.sender:
        raise PolicyDenied(
            f"{incoming.sender} sent a visit request of {request.visiting_party}: the visiting "
            "party's competent authority submits its own",
            article=ARTICLE,
        )
    if request.host_party != node.nation:
        raise PolicyDenied(f"visit {request.id} is to {request.host_party}", article=ARTICLE)
    agreement = node.agreement(request.agreement_id)
    if set(agreement.parties) != {request.visiting_party, request.host_party}:
        raise PolicyDenied(f"{agreement.id} does not bind {incoming.sender}", article=ARTICLE)
    if casebook.find(conn, KIND, request.id) is not None:
        raise Conflict(f"visit {request.id} is already recorded")
    document = _to_json(request)
    casebook.insert(
        conn,
        case_id=request.id,
        kind=KIND,
        originator=node.nation,
        counterpart=incoming.sender,
        opened_by=incoming.sender,
        status=REQUESTED,
        document={"side": HOST, "request": document},
        now=incoming.at,
    )
    casebook.step(
        conn,
        request.id,
        at=incoming.at,
        actor=request.submitted_by,
        nation=incoming.sender,
        name="requested",
        document=document,
        message_id=incoming.id,
        signature=incoming.signed.decode("ascii"),
    )
    decision = Decision.allow(
        f"{incoming.sender} asks to visit {request.facility} on {request.subject}", ARTICLE, "R23"
    )
    return Outcome(decision, request.id, {"visit": request.id, "state": REQUESTED})


def _decide(
    node: Node,
    officer: UserRecord,
    visit_id: str,
    *,
    decided: str,
    fields: Mapping[str, Any],
    decision: Decision,
    allowed: Decision,
) -> dict[str, Any]:
    now = node.clock()
    with node.engine.begin() as conn:
        row = casebook.load(conn, KIND, visit_id)
        if row.status != REQUESTED:
            raise Conflict(f"visit {visit_id} is already {row.status}")
        request = row.document["request"]
        message = {"request_id": visit_id, "decision": decided, **fields}
        message_id = messages.send(
            conn,
            node,
            kind="visit_decision",
            peer=request["visiting_party"],
            document=message,
            now=now,
        )
        stored = dict(row.document)
        if decided == APPROVED:
            stored["approval"] = dict(fields)
        else:
            stored["refusal"] = fields["reason"]
        casebook.save(conn, visit_id, decided, stored, now)
        casebook.step(
            conn,
            visit_id,
            at=now,
            actor=officer.name,
            nation=node.nation,
            name=decided,
            document=message,
            message_id=message_id,
        )
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.DECIDE_VISIT.value, visit_id, allowed),
                audit.Entry(officer.name, f"{decided[:-1]}_visit", visit_id, decision),
            ],
            now,
        )
        row = casebook.load(conn, KIND, visit_id)
    messages.wake(node, Precedence.IMMEDIATE)
    return view(row)


def approve(
    node: Node, officer: UserRecord, visit_id: str, max_level: str | None = None
) -> dict[str, Any]:
    """The host's competent authority approves, possibly at a lower level than asked."""
    person, allowed = authorise(node, officer, Action.DECIDE_VISIT, visit_id)
    now = node.clock()
    with node.reader.connect() as conn:
        row = casebook.load(conn, KIND, visit_id)
    request = _from_json(node, row.document["request"])
    agreement = node.agreement(request.agreement_id)
    decision = may_approve_visit(person, request, agreement, now)
    if not decision.allowed:
        _log(node, officer.name, "approve_visit", visit_id, decision)
        decision.enforce()
    level = node.schemes.parse(request.host_party, max_level, at=now.date()) if max_level else None
    visit = approve_visit(person, request, agreement, now, highest_level=level)
    fields = {
        "highest_level": visit.highest_level.native,
        "approved_by": visit.approved_by,
        "approved_at": visit.approved_at.isoformat(),
    }
    return _decide(
        node, officer, visit_id, decided=APPROVED, fields=fields, decision=decision, allowed=allowed
    )


def refuse(node: Node, officer: UserRecord, visit_id: str, reason: str) -> dict[str, Any]:
    """The host's competent authority refuses, with its reason."""
    person, allowed = authorise(node, officer, Action.DECIDE_VISIT, visit_id)
    reason = reason.strip()
    if not reason or len(reason) > 2000:
        raise InputError("give the reason for the refusal, up to 2000 characters")
    now = node.clock()
    with node.reader.connect() as conn:
        row = casebook.load(conn, KIND, visit_id)
    host = row.document["request"]["host_party"]
    denial = officer_denial(
        person, host, now, article=ARTICLE, requirement="R23", act="refuse a visit"
    )
    decision = denial or Decision.allow(f"{host} refuses visit {visit_id}", ARTICLE, "R23")
    if not decision.allowed:
        _log(node, officer.name, "refuse_visit", visit_id, decision)
        decision.enforce()
    fields = {"reason": reason, "refused_by": officer.name, "refused_at": now.isoformat()}
    return _decide(
        node, officer, visit_id, decided=REFUSED, fields=fields, decision=decision, allowed=allowed
    )


# During the visit --------------------------------------------------------------------------------


def _shown(conn: Connection, node: Node, target: str, agreement_id: str, version: int) -> Holding:
    """The host's holding (by holding or item id) or own item, as the access rules see it."""
    row = conn.execute(
        select(holdings).where((holdings.c.id == target) | (holdings.c.item_id == target))
    ).first()
    if row is not None:
        return treaty_holding(node, row)
    own = conn.execute(
        select(items).where(items.c.id == target, items.c.originator == node.nation)
    ).first()
    if own is None:
        raise NotFound(f"no holding or item {target} on this node")
    level = node.schemes.parse(node.nation, own.level, at=own.created_at.date())
    item = Item(
        id=own.id,
        originator=node.nation,
        level=level,
        purpose=own.purpose,
        agreement_id=agreement_id,  # the item's own is not stored; the visit's is used
        agreement_version=version,
        releasable_to=frozenset(own.releasable_to),
        created_at=own.created_at,
    )
    return Holding(own.id, item, node.nation, level)


def may_show(
    node: Node,
    officer: UserRecord,
    visit_id: str,
    *,
    visitor: str,
    target: str,
    nationality: str | None = None,
) -> Decision:
    """May the host show `target` to `visitor` now, during approved visit `visit_id` (R23)?

    The decision is logged whatever it is, and returned; the caller enforces it.
    """
    _, allowed = authorise(node, officer, Action.DECIDE_VISIT, visit_id)
    now = node.clock()
    with node.reader.connect() as conn:
        row = casebook.load(conn, KIND, visit_id)
        request = _from_json(node, row.document["request"])
        if row.document["side"] != HOST or row.status != APPROVED:
            decision = Decision.deny(
                f"visit {visit_id} is not an approved visit to {node.nation}", ARTICLE, "R23"
            )
        else:
            visit = _approved(node, request, row.document["approval"])
            version = node.agreement(request.agreement_id).latest.number
            holding = _shown(conn, node, target, request.agreement_id, version)
            person = Person(id=visitor, nationality=nationality or request.visiting_party)
            decision = may_disclose_to_visitor(visit, person, holding, now)
    with node.engine.begin() as conn:
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.DECIDE_VISIT.value, visit_id, allowed),
                audit.Entry(visitor, "disclose_to_visitor", target, decision, also=(visit_id,)),
            ],
            now,
        )
    return decision


HANDLERS: dict[str, Handler] = {
    "visit_request": _on_request,
    "visit_decision": _on_decision,
}

__all__ = ["HANDLERS", "approve", "list_visits", "may_show", "refuse", "request_visit"]
