"""The originator stays in control: consent to onward release, as the holder asks for it
(R12, R21).

A holder's officer asks the originator's node for consent to pass one item (or a class of
items) to a third nation for a purpose until a date; the request travels as a signed message
and opens the same case on both nodes. The originator's officer grants, refuses or later
revokes (`consent_decisions`); a grant is a consent document signed (JWS) with the
originator's node key (`originator`), which the holder's node records only if it verifies
against the originator's identity card, as the third nation does when the item reaches it.
New purposes are approved the same way (`purposes`); the case as kept and shown is
`consent_cases`.

The treaty core (`treaty.consent_requests`) decides every step; these modules turn rows into
its values, log each decision next to the change it allowed, and carry the acts between
nodes (`node.messages`).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.exchange.incoming import require_party
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise, refusals_logged, refuse_all
from gsomia.node.control import casebook, messages
from gsomia.node.control.consent_cases import (
    CONSENT,
    case_from,
    case_json,
    ceiling_level,
    consent_from_document,
    get_consent,
    request_json,
)
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.control.originator import THIRD_PARTY
from gsomia.node.read import holding_row, treaty_holding
from gsomia.node.runtime import Node
from gsomia.seal import verify_document
from gsomia.store.users import UserRecord
from gsomia.treaty.consent import Consent
from gsomia.treaty.consent_requests import (
    ConsentCase,
    ConsentRequest,
    ConsentStatus,
    may_request_consent,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.roles import Action

# The holder asks -----------------------------------------------------------------------------


def request_consent(  # noqa: PLR0917 - the request's fields
    node: Node,
    user: UserRecord,
    holding_id: str,
    recipient: str,
    purpose: str,
    until: datetime,
    item_class: str = "",
    ceiling: str | None = None,
) -> dict[str, Any]:
    """The holder's officer asks the originator for consent; the case, as `view` shows it."""
    person, allowed = authorise(node, user, Action.REQUEST_CONSENT, holding_id)
    now = node.clock()
    row = holding_row(node, holding_id)
    holding = treaty_holding(node, row)
    originator = holding.item.originator
    third = recipient.strip().upper()
    if until.tzinfo is None:
        raise InputError("the consent's end needs a time zone", hint="e.g. 2027-01-01T00:00:00Z")
    with refusals_logged(
        node,
        actor=user.name,
        action="consent_request",
        subject=row.id,
        article=THIRD_PARTY,
        requirement="R12",
    ):
        request = ConsentRequest(
            id=uuid.uuid4().hex,
            originator=originator,
            holder=node.nation,
            recipient=third,
            purpose=purpose.strip(),
            until=until,
            requested_at=now,
            requested_by=user.name,
            item_ids=frozenset() if item_class else frozenset({holding.item.id}),
            item_class=item_class,
            ceiling=ceiling_level(node, originator, ceiling),
        )
    decision = may_request_consent(person, holding, request, now)
    case = ConsentCase(request)
    document = case_json(case, {"holding_id": row.id})
    entries = [
        audit.Entry(user.name, Action.REQUEST_CONSENT.value, row.id, allowed),
        audit.Entry(user.name, "consent_request", row.id, decision, also=(request.id,)),
    ]
    if not decision.allowed:
        refuse_all(node, entries, now=now)
    with node.engine.begin() as conn:
        _ask(conn, node, user, case, item_id=holding.item.id, document=document, now=now)
        audit.record_all(conn, entries, now)
    messages.wake(node)
    return get_consent(node, request.id)


def _ask(
    conn: Connection,
    node: Node,
    user: UserRecord,
    case: ConsentCase,
    *,
    item_id: str,
    document: dict[str, Any],
    now: datetime,
) -> None:
    """Open the holder's case and send the signed request to the originator, its first step."""
    request = case.request
    casebook.insert(
        conn,
        case_id=request.id,
        kind=CONSENT,
        item_id=item_id,
        originator=request.originator,
        counterpart=request.originator,
        opened_by=node.nation,
        status=case.status.value,
        document=document,
        now=now,
        keys=node.keys,
    )
    message_id = messages.send(
        conn,
        node,
        kind=Kind.CONSENT_REQUEST,
        peer=request.originator,
        document=request_json(request),
        item_id=item_id,
        now=now,
    )
    casebook.step(
        conn,
        request.id,
        actor=user.name,
        nation=node.nation,
        name="requested",
        document=request_json(request),
        at=now,
        message_id=message_id,
        keys=node.keys,
    )


# The holder learns the answer ----------------------------------------------------------------


def _granted(node: Node, incoming: Incoming, case: ConsentCase, case_id: str) -> Consent:
    """The consent the originator signed for `case`, verified against its card and matched
    with what was asked (R12); Conflict if the case is not waiting for a decision."""
    request = case.request
    if case.status is not ConsentStatus.REQUESTED:
        raise Conflict(f"consent request {case_id} is {case.status.value}; it cannot be granted")
    signed = verify_document(incoming.document.get("consent"), incoming.card, "consent")
    consent = consent_from_document(node, signed, verified=True)
    expected = (request.originator, request.holder, request.recipient, request.purpose)
    got = (consent.originator, consent.holder, consent.recipient, consent.purpose)
    if consent.id != case_id or got != expected or consent.item_ids != request.item_ids:
        raise PolicyDenied(
            f"the consent signed for {case_id} does not match the request (R12)",
            article=THIRD_PARTY,
        )
    return consent


def _on_decision(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    """The holder's node records the originator's answer; a grant only if its signature holds."""
    doc = incoming.document
    case_id = messages.text(doc, "id", limit=64)
    row = casebook.load(conn, CONSENT, case_id, keys=node.keys)
    case = case_from(node, row._mapping["document"])
    request = case.request
    require_party(incoming, request.originator, f"the originator asked in request {case_id}")
    if request.holder != node.nation:
        raise PolicyDenied(f"{node.nation} did not ask consent {case_id}", article=THIRD_PARTY)
    try:
        status = ConsentStatus(messages.text(doc, "status", limit=16))
    except ValueError as error:
        raise InputError(f"unknown consent decision: {error}") from error
    decided_at = messages.when(doc, "decided_at")
    reason = messages.text(doc, "reason", limit=1000, empty=True)
    decided_by = messages.text(doc, "decided_by", limit=100)
    document = dict(row._mapping["document"])
    if status is ConsentStatus.GRANTED:
        consent = _granted(node, incoming, case, case_id)
        case = replace(
            case, status=status, consent=consent, decided_by=decided_by, decided_at=decided_at
        )
        document["jws"] = doc["consent"]
    elif status is ConsentStatus.REFUSED:
        if case.status is not ConsentStatus.REQUESTED:
            raise Conflict(
                f"consent request {case_id} is {case.status.value}; it cannot be refused"
            )
        case = replace(
            case, status=status, decided_by=decided_by, decided_at=decided_at, reason=reason
        )
    elif status is ConsentStatus.REVOKED:
        if case.consent is None or case.status is not ConsentStatus.GRANTED:
            raise Conflict(f"consent {case_id} is {case.status.value}; it cannot be revoked")
        revoked_at = messages.when(doc, "revoked_at")
        case = replace(
            case,
            status=status,
            consent=replace(case.consent, revoked_at=revoked_at),
            reason=reason,
        )
    else:
        raise InputError(f"a consent decision cannot be {status.value}")
    new_document = {
        **case_json(case, {"holding_id": document.get("holding_id")}),
        "jws": document.get("jws"),
    }
    casebook.save(conn, case_id, status.value, new_document, incoming.at, keys=node.keys)
    casebook.step(
        conn,
        case_id,
        actor=decided_by,
        nation=incoming.sender,
        name=status.value,
        document=doc,
        at=incoming.at,
        message_id=incoming.id,
        signature=incoming.signed.decode("utf-8", "replace"),
        keys=node.keys,
    )
    decision = Decision.allow(
        f"{incoming.sender} {status.value} consent {case_id}" + (f": {reason}" if reason else ""),
        THIRD_PARTY,
        "R12",
    )
    return Outcome(decision, case_id, {"case": case_id, "case_status": status.value})


HANDLERS: dict[Kind, Handler] = {Kind.CONSENT_DECISION: _on_decision}
