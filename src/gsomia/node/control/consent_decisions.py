"""The originator's side of consent to onward release: it decides (R12, R21).

The originator's node opens the case a holder asked for (`consent`) and decides nothing by
itself; its officer grants, refuses or later revokes. A grant goes to the holder as a consent
document signed with this node's key (`gsomia.seal.sign_document`), which the third nation
verifies in its turn. Separate from the holder's side because the two nodes do different
things with the same case, and each side reads in one sitting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.exchange.incoming import require_addressee, require_party
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise, refusals_logged
from gsomia.node.authority import refuse as refuse_logged
from gsomia.node.control import casebook, messages
from gsomia.node.control.consent_cases import (
    CONSENT,
    case_from,
    case_json,
    consent_json,
    get_consent,
    request_from,
)
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.control.originator import THIRD_PARTY, agreement_between, provided_items
from gsomia.node.runtime import Node
from gsomia.seal import CONSENT_DOC, sign_document
from gsomia.store import cases
from gsomia.store.users import UserRecord
from gsomia.treaty import sources
from gsomia.treaty.consent_requests import (
    ConsentCase,
    grant_consent,
    refuse_consent,
    revoke_consent,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_decide_request
from gsomia.treaty.people import Person
from gsomia.treaty.roles import Action


def _on_request(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    """The originator's node opens the case the holder asked for (it decides nothing yet)."""
    request = request_from(node, incoming.document)
    require_party(incoming, request.holder, f"the holder asking consent {request.id}")
    require_addressee(node.nation, request.originator, f"consent request {request.id}")
    if cases.exists(conn, request.id):
        raise Conflict(f"consent request {request.id} is already open")
    for item_id in request.item_ids:
        provided_items(conn, node, [item_id], request.holder)
    case = ConsentCase(request)
    casebook.insert(
        conn,
        case_id=request.id,
        kind=CONSENT,
        item_id=min(request.item_ids) if request.item_ids else None,
        originator=node.nation,
        counterpart=request.holder,
        opened_by=request.holder,
        status=case.status.value,
        document=case_json(case, {}),
        now=incoming.at,
        keys=node.keys,
    )
    casebook.step(
        conn,
        request.id,
        actor=request.requested_by,
        nation=incoming.sender,
        name="requested",
        document=incoming.document,
        at=incoming.at,
        message_id=incoming.id,
        signature=incoming.signed.decode("utf-8", "replace"),
        keys=node.keys,
    )
    decision = Decision.allow(
        f"{incoming.sender} asks consent to release to {request.recipient} for "
        f"{request.purpose!r}; awaiting {node.nation}'s officer",
        THIRD_PARTY,
        "R12",
    )
    return Outcome(decision, request.id, {"case": request.id, "case_status": "requested"})


def _decide(
    node: Node,
    officer: UserRecord,
    case_id: str,
    step: str,
    act: Callable[[ConsentCase, Person, datetime, Connection], ConsentCase],
) -> dict[str, Any]:
    person, allowed = authorise(node, officer, Action.DECIDE_CONSENT, case_id)
    now = node.clock()
    with node.reader.connect() as conn:
        row = casebook.load(conn, CONSENT, case_id, keys=node.keys)
        case = case_from(node, row._mapping["document"])
        deciding = may_decide_request(
            node.nation, case.request.originator, f"consent {case_id}", "R12"
        )
        if not deciding.allowed:
            refuse_logged(
                node,
                actor=officer.name,
                action=f"consent_{step}",
                subject=case_id,
                decision=deciding,
                now=now,
            )
        with refusals_logged(
            node,
            actor=officer.name,
            action=f"consent_{step}",
            subject=case_id,
            article=THIRD_PARTY,
            requirement="R12",
        ):
            decided = act(case, person, now, conn)
    document, decision_doc = _documents(node, officer, decided, step=step, now=now)
    reason = decided.reason or f"{decided.status.value} by {officer.name}"
    decision = Decision.allow(
        f"consent {case_id} {decided.status.value}: {reason}", THIRD_PARTY, "R12"
    )
    with node.engine.begin() as conn:
        if step != "grant":
            document["jws"] = row._mapping["document"].get("jws")
        casebook.save(conn, case_id, decided.status.value, document, now, keys=node.keys)
        message_id = messages.send(
            conn,
            node,
            kind=Kind.CONSENT_DECISION,
            peer=decided.request.holder,
            document=decision_doc,
            item_id=row.item_id,
            now=now,
        )
        casebook.step(
            conn,
            case_id,
            actor=officer.name,
            nation=node.nation,
            name=decided.status.value,
            document=decision_doc,
            at=now,
            message_id=message_id,
            keys=node.keys,
        )
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.DECIDE_CONSENT.value, case_id, allowed),
                audit.Entry(officer.name, f"consent_{step}", case_id, decision, also=(message_id,)),
            ],
            now,
        )
    messages.wake(node)
    return get_consent(node, case_id)


def _documents(
    node: Node, officer: UserRecord, decided: ConsentCase, *, step: str, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The case as stored, and the decision as sent to the holder: a grant carries the
    consent signed with this node's key (which the case keeps too), a revocation its time."""
    case_id = decided.request.id
    document = case_json(decided, {})
    decision_doc: dict[str, Any] = {
        "id": case_id,
        "status": decided.status.value,
        "reason": decided.reason,
        "decided_by": decided.decided_by or officer.name,
        "decided_at": (decided.decided_at or now).isoformat(),
        "at": now.isoformat(),
    }
    if decided.consent is not None and step == "grant":
        signed = {
            "type": CONSENT_DOC,
            **consent_json(decided.consent),
            "granted_by": officer.name,
            "granted_at": now.isoformat(),
        }
        document["jws"] = decision_doc["consent"] = sign_document(node.keys, signed)
    if decided.consent is not None and decided.consent.revoked_at is not None:
        decision_doc["revoked_at"] = decided.consent.revoked_at.isoformat()
    return document, decision_doc


def grant(
    node: Node, officer: UserRecord, case_id: str, expires_at: datetime | None = None
) -> dict[str, Any]:
    """The originator's officer grants: a consent signed by this node goes to the holder."""

    def act(case: ConsentCase, person: Person, now: datetime, conn: Connection) -> ConsentCase:
        request = case.request
        found = provided_items(conn, node, sorted(request.item_ids), request.holder)
        origin_id = found[0].agreement_id if found else None
        origin = (
            node.agreement(origin_id)
            if origin_id
            else agreement_between(node, node.nation, request.holder, now)
        )
        if origin is None:
            raise PolicyDenied(
                f"{node.nation} has no agreement with {request.holder}",
                article=sources.NO_AGREEMENT,
            )
        return grant_consent(
            case,
            person,
            found,
            now,
            origin_agreement=origin,
            holder_third=agreement_between(node, request.holder, request.recipient, now),
            consent_id=case_id,
            expires_at=expires_at,
        )

    return _decide(node, officer, case_id, "grant", act)


def refuse(node: Node, officer: UserRecord, case_id: str, reason: str) -> dict[str, Any]:
    """The originator's officer refuses, with the reason the holder is told."""
    if not reason.strip():
        raise InputError("a refusal gives its reason")
    return _decide(
        node,
        officer,
        case_id,
        "refuse",
        lambda case, person, now, _: refuse_consent(case, person, now, reason=reason.strip()),
    )


def revoke(node: Node, officer: UserRecord, case_id: str, reason: str) -> dict[str, Any]:
    """The originator's officer revokes a granted consent from now on."""
    if not reason.strip():
        raise InputError("a revocation gives its reason")
    return _decide(
        node,
        officer,
        case_id,
        "revoke",
        lambda case, person, now, _: revoke_consent(case, person, now, reason=reason.strip()),
    )


HANDLERS: dict[Kind, Handler] = {Kind.CONSENT_REQUEST: _on_request}
