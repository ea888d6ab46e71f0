"""Visits, the host's side: only the host approves or refuses, and caps what is shown (R23).

The host's node opens its side of the case when a signed `visit_request` arrives; its officer
approves (possibly lowering the highest level that may be disclosed) or refuses, and the
decision goes back as `visit_decision`. During an approved visit the host asks
`may_disclose_to_visitor` before showing a visitor anything: above the approved level, outside
the subject or the dates, the answer is no, and every answer is logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound, PolicyDenied
from gsomia.exchange.incoming import require_addressee, require_party
from gsomia.exchange.kinds import Kind
from gsomia.node import audit, authority
from gsomia.node.authority import authorise
from gsomia.node.control import casebook, messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.control.visits import (
    APPROVED,
    ARTICLE,
    HOST,
    KIND,
    REFUSED,
    REQUESTED,
    approved_visit,
    request_from,
    request_json,
    view,
)
from gsomia.node.read import own_holding, treaty_holding
from gsomia.node.runtime import Node
from gsomia.store import holdings, items
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding, Precedence
from gsomia.treaty.officials import officer_denial
from gsomia.treaty.people import Person
from gsomia.treaty.roles import Action
from gsomia.treaty.visits import (
    approve_visit,
    approved_here,
    may_approve_visit,
    may_disclose_to_visitor,
)

# The host -------------------------------------------------------------------------------------


def _on_request(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    request = request_from(node, incoming.document)
    require_party(incoming, request.visiting_party, "the visiting party")
    require_addressee(node.nation, request.host_party, f"visit request {request.id}")
    agreement = node.agreement(request.agreement_id)
    if set(agreement.parties) != {request.visiting_party, request.host_party}:
        raise PolicyDenied(f"{agreement.id} does not bind {incoming.sender}", article=ARTICLE)
    if casebook.find(conn, KIND, request.id, keys=node.keys) is not None:
        raise Conflict(f"visit {request.id} is already recorded")
    document = request_json(request)
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
        keys=node.keys,
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
        keys=node.keys,
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
        row = casebook.load(conn, KIND, visit_id, keys=node.keys)
        if row.status != REQUESTED:
            raise Conflict(f"visit {visit_id} is already {row.status}")
        request = row.document["request"]
        message = {"request_id": visit_id, "decision": decided, **fields}
        message_id = messages.send(
            conn,
            node,
            kind=Kind.VISIT_DECISION,
            peer=request["visiting_party"],
            document=message,
            now=now,
        )
        stored = dict(row.document)
        if decided == APPROVED:
            stored["approval"] = dict(fields)
        else:
            stored["refusal"] = fields["reason"]
        casebook.save(conn, visit_id, decided, stored, now, keys=node.keys)
        casebook.step(
            conn,
            visit_id,
            at=now,
            actor=officer.name,
            nation=node.nation,
            name=decided,
            document=message,
            message_id=message_id,
            keys=node.keys,
        )
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.DECIDE_VISIT.value, visit_id, allowed),
                audit.Entry(officer.name, f"{decided[:-1]}_visit", visit_id, decision),
            ],
            now,
        )
        row = casebook.load(conn, KIND, visit_id, keys=node.keys)
    messages.wake(node, Precedence.IMMEDIATE)
    return view(row)


def approve(
    node: Node, officer: UserRecord, visit_id: str, max_level: str | None = None
) -> dict[str, Any]:
    """The host's competent authority approves, possibly at a lower level than asked."""
    person, allowed = authorise(node, officer, Action.DECIDE_VISIT, visit_id)
    now = node.clock()
    with node.reader.connect() as conn:
        row = casebook.load(conn, KIND, visit_id, keys=node.keys)
    request = request_from(node, row.document["request"])
    agreement = node.agreement(request.agreement_id)
    decision = may_approve_visit(person, request, agreement, now)
    if not decision.allowed:
        authority.refuse(
            node, actor=officer.name, action="approve_visit", subject=visit_id, decision=decision
        )
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
        row = casebook.load(conn, KIND, visit_id, keys=node.keys)
    host = row.document["request"]["host_party"]
    denial = officer_denial(
        person, host, now, article=ARTICLE, requirement="R23", act="refuse a visit"
    )
    decision = denial or Decision.allow(f"{host} refuses visit {visit_id}", ARTICLE, "R23")
    if not decision.allowed:
        authority.refuse(
            node, actor=officer.name, action="refuse_visit", subject=visit_id, decision=decision
        )
    fields = {"reason": reason, "refused_by": officer.name, "refused_at": now.isoformat()}
    return _decide(
        node, officer, visit_id, decided=REFUSED, fields=fields, decision=decision, allowed=allowed
    )


# During the visit --------------------------------------------------------------------------------


def _shown(conn: Connection, node: Node, target: str, agreement_id: str, version: int) -> Holding:
    """The host's holding (by holding or item id) or own item, as the access rules see it."""
    row = holdings.get(conn, target, node.vault)
    if row is not None:
        return treaty_holding(node, row)
    own = items.get_own(conn, target, node.nation, node.vault)
    if own is None:
        raise NotFound(f"no holding or item {target} on this node")
    # The item's own agreement is per partner and not stored: the visit's is the one in question.
    return own_holding(node, own, agreement_id=agreement_id, agreement_version=version)


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
        row = casebook.load(conn, KIND, visit_id, keys=node.keys)
        request = request_from(node, row.document["request"])
        decision = approved_here(
            visit_id,
            node.nation,
            hosted_here=row.document["side"] == HOST,
            approved=row.status == APPROVED,
        )
        if decision.allowed:
            visit = approved_visit(node, request, row.document["approval"])
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


HANDLERS: dict[Kind, Handler] = {Kind.VISIT_REQUEST: _on_request}
