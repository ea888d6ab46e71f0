"""The originator stays in control: consent to onward release and new purposes (R12, R13, R21).

A holder's officer asks the originator's node for consent to pass one item (or a class of
items) to a third nation for a purpose until a date; the request travels as a signed message
and opens the same case on both nodes. The originator's officer grants, refuses or later
revokes; a grant is a consent document signed (JWS) with the originator's node key, so the
third nation can verify it against the originator's identity card when the item reaches it.
A new purpose for a holding is asked for and approved the same way; once the signed approval
verifies on the holder's node, access for that purpose passes.

The treaty core (`treaty.consent_requests`, `treaty.purposes`) decides every step; this module
turns rows into its values, logs each decision next to the change it allowed, and carries the
acts between nodes (`node.messages`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, select, update

from gsomia.errors import Conflict, Error, InputError, NotFound, PolicyDenied, VerificationError
from gsomia.node import audit
from gsomia.node.control import messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.people import to_person
from gsomia.node.read import treaty_holding
from gsomia.node.release import authorise
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard, canonical_json, jose
from gsomia.seal.profiles import profile
from gsomia.store.tables import case_steps, cases, holdings, items, outbox
from gsomia.store.users import UserRecord
from gsomia.treaty.access import may_access
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.consent import Consent
from gsomia.treaty.consent_requests import (
    ConsentCase,
    ConsentRequest,
    ConsentStatus,
    grant_consent,
    may_request_consent,
    refuse_consent,
    revoke_consent,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding, Item, Precedence
from gsomia.treaty.people import Person
from gsomia.treaty.purposes import PurposeApproval, apply_purpose_approval, may_approve_purpose
from gsomia.treaty.roles import Action
from gsomia.treaty.schemes import Level

CONSENT_DOC = "gsomia-consent/1"
PURPOSE_DOC = "gsomia-purpose-approval/1"
CONSENT, PURPOSE = "consent", "purpose"
THIRD_PARTY = "Art. 5"
T = TypeVar("T")


# Small shared pieces ------------------------------------------------------------------------


def logged(node: Node, actor: str, action: str, subject: str, step: Callable[[], T]) -> T:
    """Run `step`; a treaty refusal or an illegal step is logged with its reason, then raised."""
    try:
        return step()
    except Error as error:
        article = getattr(error, "article", "") or THIRD_PARTY
        requirement = "R13" if action.startswith(PURPOSE) else "R12"
        with node.engine.begin() as conn:
            audit.record(
                conn,
                actor=actor,
                action=action,
                subject=subject,
                decision=Decision.deny(error.message, article, requirement),
                now=node.clock(),
            )
        raise


def agreement_between(node: Node, first: str, second: str, now: datetime) -> Agreement | None:
    """The agreement between two nations as this node knows it: in force now, else the newest."""
    found = [node.agreement(a.id) for a in node.agreements.between(first, second)]
    for agreement in found:
        if agreement.status_at(now.date()).state.in_force:
            return agreement
    return found[-1] if found else None


def sign_document(node: Node, document: Mapping[str, Any]) -> dict[str, Any]:
    """A JWS by this node's key over the canonical JSON of `document`."""
    return jose.sign_jws(canonical_json(dict(document)), node.keys, profile(node.keys.profile))


def verify_document(jws: Any, card: IdentityCard, kind: str) -> dict[str, Any]:
    """The document `card`'s node signed; `VerificationError` if it did not sign it."""
    try:
        payload = jose.verify_jws(jws, card.keys, profile(card.profile))
        document = json.loads(payload)
    except VerificationError as error:
        raise VerificationError(
            f"the {kind} is not signed by {card.nation}'s node: {error.message}"
        ) from error
    except (ValueError, TypeError, KeyError) as error:
        raise VerificationError(f"the {kind} is not a signed document: {error}") from error
    if not isinstance(document, dict) or document.get("type") not in (CONSENT_DOC, PURPOSE_DOC):
        raise VerificationError(f"the {kind} is not a gsomia {kind} document")
    return document


def _level(node: Node, nation: str, native: str | None) -> Level | None:
    return node.schemes.parse(nation, native) if native else None


def _holding_row(conn: Connection, holding_id: str) -> Any:
    row = conn.execute(
        select(holdings).where((holdings.c.id == holding_id) | (holdings.c.item_id == holding_id))
    ).first()
    if row is None:
        raise NotFound(f"no holding {holding_id}", hint="`gsomia item list` shows what is held")
    return row


def _case_row(conn: Connection, case_id: str, kind: str) -> Any:
    row = conn.execute(select(cases).where(cases.c.id == case_id, cases.c.kind == kind)).first()
    if row is None:
        raise NotFound(f"no {kind} request {case_id}", hint=f"`gsomia {kind} list` shows them")
    return row


def _step(
    conn: Connection,
    case_id: str,
    *,
    actor: str,
    nation: str,
    step: str,
    document: Mapping[str, Any],
    now: datetime,
    message_id: str | None = None,
    signature: bytes | None = None,
) -> None:
    conn.execute(
        case_steps.insert().values(
            case_id=case_id,
            at=now,
            actor=actor,
            nation=nation,
            step=step,
            document=dict(document),
            message_id=message_id,
            signature=signature.decode("utf-8", "replace") if signature else None,
        )
    )


def _save(
    conn: Connection, case_id: str, status: str, document: Mapping[str, Any], now: datetime
) -> None:
    conn.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(status=status, document=dict(document), updated_at=now)
    )


def provided_items(
    conn: Connection, node: Node, item_ids: Sequence[str], holder: str
) -> list[Item]:
    """This originator's items as provided to `holder` (the agreement of that provision)."""
    found = []
    for item_id in item_ids:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
        sent = conn.execute(
            select(outbox.c.agreement_id, outbox.c.agreement_version)
            .where(
                outbox.c.item_id == item_id,
                outbox.c.peer == holder,
                outbox.c.kind == "item",
                outbox.c.state != "rejected",
            )
            .order_by(outbox.c.id)
        ).first()
        if row is None or row["originator"] != node.nation:
            raise NotFound(f"{node.nation} is not the originator of an item {item_id}")
        if sent is None or not sent.agreement_id:
            raise PolicyDenied(
                f"{node.nation} never provided {item_id} to {holder} (R12)", article=THIRD_PARTY
            )
        created = row["created_at"]
        found.append(
            Item(
                id=row["id"],
                originator=node.nation,
                level=node.schemes.parse(node.nation, row["level"], at=created.date()),
                purpose=row["purpose"],
                agreement_id=sent.agreement_id,
                agreement_version=int(sent.agreement_version or 1),
                releasable_to=frozenset(row["releasable_to"]),
                precedence=Precedence[row["precedence"]],
                caveats=frozenset(row["caveats"]),
                created_at=created,
            )
        )
    return found


# Consent cases as JSON ------------------------------------------------------------------------


def _consent_json(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.id,
        "originator": consent.originator,
        "holder": consent.holder,
        "recipient": consent.recipient,
        "purpose": consent.purpose,
        "expires_at": consent.expires_at.isoformat(),
        "item_ids": sorted(consent.item_ids),
        "item_class": consent.item_class,
        "ceiling": consent.ceiling.native if consent.ceiling else None,
    }


def consent_from_document(node: Node, document: Mapping[str, Any], *, verified: bool) -> Consent:
    """A consent from its JSON (a signed document's payload, or a stored case)."""
    originator = messages.text(document, "originator", limit=4)
    revoked = document.get("revoked_at")
    return Consent(
        id=messages.text(document, "id", limit=64),
        originator=originator,
        holder=messages.text(document, "holder", limit=4),
        recipient=messages.text(document, "recipient", limit=4),
        purpose=messages.text(document, "purpose"),
        expires_at=messages.when(document, "expires_at"),
        item_ids=frozenset(messages.texts(document, "item_ids", limit=64)),
        item_class=messages.text(document, "item_class", empty=True),
        revoked_at=datetime.fromisoformat(revoked) if isinstance(revoked, str) else None,
        verified=verified,
        ceiling=_level(node, originator, document.get("ceiling") or None),
    )


def _request_json(request: ConsentRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "originator": request.originator,
        "holder": request.holder,
        "recipient": request.recipient,
        "purpose": request.purpose,
        "until": request.until.isoformat(),
        "requested_at": request.requested_at.isoformat(),
        "requested_by": request.requested_by,
        "item_ids": sorted(request.item_ids),
        "item_class": request.item_class,
        "ceiling": request.ceiling.native if request.ceiling else None,
    }


def _request_from(node: Node, document: Mapping[str, Any]) -> ConsentRequest:
    originator = messages.text(document, "originator", limit=4)
    return ConsentRequest(
        id=messages.text(document, "id", limit=64),
        originator=originator,
        holder=messages.text(document, "holder", limit=4),
        recipient=messages.text(document, "recipient", limit=4),
        purpose=messages.text(document, "purpose"),
        until=messages.when(document, "until"),
        requested_at=messages.when(document, "requested_at"),
        requested_by=messages.text(document, "requested_by", limit=100),
        item_ids=frozenset(messages.texts(document, "item_ids", limit=64)),
        item_class=messages.text(document, "item_class", empty=True),
        ceiling=_level(node, originator, document.get("ceiling") or None),
    )


def _case_json(case: ConsentCase, extra: Mapping[str, Any]) -> dict[str, Any]:
    consent = case.consent
    return {
        **extra,
        "request": _request_json(case.request),
        "status": case.status.value,
        "consent": None
        if consent is None
        else {
            **_consent_json(consent),
            "revoked_at": consent.revoked_at.isoformat() if consent.revoked_at else None,
        },
        "decided_by": case.decided_by,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "reason": case.reason,
    }


def _case_from(node: Node, document: Mapping[str, Any]) -> ConsentCase:
    consent = document.get("consent")
    decided = document.get("decided_at")
    return ConsentCase(
        request=_request_from(node, document["request"]),
        status=ConsentStatus(document["status"]),
        consent=None if not consent else consent_from_document(node, consent, verified=False),
        decided_by=str(document.get("decided_by", "")),
        decided_at=datetime.fromisoformat(decided) if decided else None,
        reason=str(document.get("reason", "")),
    )


def view(node: Node, row: Any) -> dict[str, Any]:
    """What the API shows of a consent case, as this node knows it now."""
    m = row._mapping
    document = m["document"]
    case = _case_from(node, document)
    request, consent = case.request, case.consent
    return {
        "id": request.id,
        "status": case.status_at(node.clock()).value,
        "originator": request.originator,
        "holder": request.holder,
        "recipient": request.recipient,
        "purpose": request.purpose,
        "until": request.until.isoformat(),
        "item_ids": sorted(request.item_ids),
        "item_class": request.item_class,
        "holding_id": document.get("holding_id"),
        "reason": case.reason,
        "requested_at": request.requested_at.isoformat(),
        "requested_by": request.requested_by,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "decided_by": case.decided_by,
        "expires_at": consent.expires_at.isoformat() if consent else None,
        "revoked_at": consent.revoked_at.isoformat() if consent and consent.revoked_at else None,
        "signed": bool(document.get("jws")),
        "role": "originator" if request.originator == node.nation else "holder",
    }


def list_consents(node: Node) -> list[dict[str, Any]]:
    with node.reader.connect() as conn:
        rows = conn.execute(
            select(cases).where(cases.c.kind == CONSENT).order_by(cases.c.opened_at.desc())
        ).all()
    return [view(node, row) for row in rows]


def get_consent(node: Node, case_id: str) -> dict[str, Any]:
    with node.reader.connect() as conn:
        return view(node, _case_row(conn, case_id, CONSENT))


def held_consent(node: Node, case_id: str) -> tuple[Consent | None, dict[str, Any]]:
    """The consent a holder holds under case `case_id`, verified afresh against the
    originator's card (None if there is none: refused, still asked, unknown); and its JWS."""
    with node.reader.connect() as conn:
        row = conn.execute(
            select(cases).where(cases.c.id == case_id, cases.c.kind == CONSENT)
        ).first()
    if row is None:
        return None, {}
    document = row._mapping["document"]
    case = _case_from(node, document)
    jws = document.get("jws")
    card = node.peer_card(case.request.originator)
    if case.consent is None or not jws or card is None:
        return None, {}
    signed = consent_from_document(node, verify_document(jws, card, "consent"), verified=True)
    return replace(signed, revoked_at=case.consent.revoked_at), jws


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
    with node.reader.connect() as conn:
        row = _holding_row(conn, holding_id)
    holding = treaty_holding(node, row)
    originator = holding.item.originator
    third = recipient.strip().upper()
    if until.tzinfo is None:
        raise InputError("the consent's end needs a time zone", hint="e.g. 2027-01-01T00:00:00Z")
    request = logged(
        node,
        user.name,
        "consent_request",
        row.id,
        lambda: ConsentRequest(
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
            ceiling=_level(node, originator, ceiling),
        ),
    )
    decision = may_request_consent(person, holding, request, now)
    case = ConsentCase(request)
    document = _case_json(case, {"holding_id": row.id})
    entries = [
        audit.Entry(user.name, Action.REQUEST_CONSENT.value, row.id, allowed),
        audit.Entry(user.name, "consent_request", row.id, decision, also=(request.id,)),
    ]
    if not decision.allowed:
        with node.engine.begin() as conn:
            audit.record_all(conn, entries, now)
        decision.enforce()
    with node.engine.begin() as conn:
        conn.execute(
            cases.insert().values(
                id=request.id,
                kind=CONSENT,
                item_id=holding.item.id,
                originator=originator,
                counterpart=originator,
                opened_by=node.nation,
                status=case.status.value,
                document=document,
                opened_at=now,
                updated_at=now,
            )
        )
        message_id = messages.send(
            conn,
            node,
            kind="consent_request",
            peer=originator,
            document=_request_json(request),
            item_id=holding.item.id,
            now=now,
        )
        _step(
            conn,
            request.id,
            actor=user.name,
            nation=node.nation,
            step="requested",
            document=_request_json(request),
            now=now,
            message_id=message_id,
        )
        audit.record_all(conn, entries, now)
    messages.wake(node)
    return get_consent(node, request.id)


def _on_request(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    """The originator's node opens the case the holder asked for (it decides nothing yet)."""
    request = _request_from(node, incoming.document)
    if request.holder != incoming.sender:
        raise InputError(f"{incoming.sender} cannot ask for consent on behalf of {request.holder}")
    if request.originator != node.nation:
        raise InputError(
            f"{node.nation} is not the originator named in consent request {request.id}"
        )
    if conn.execute(select(cases.c.id).where(cases.c.id == request.id)).first() is not None:
        raise Conflict(f"consent request {request.id} is already open")
    for item_id in request.item_ids:
        provided_items(conn, node, [item_id], request.holder)
    case = ConsentCase(request)
    conn.execute(
        cases.insert().values(
            id=request.id,
            kind=CONSENT,
            item_id=min(request.item_ids) if request.item_ids else None,
            originator=node.nation,
            counterpart=request.holder,
            opened_by=request.holder,
            status=case.status.value,
            document=_case_json(case, {}),
            opened_at=incoming.at,
            updated_at=incoming.at,
        )
    )
    _step(
        conn,
        request.id,
        actor=request.requested_by,
        nation=incoming.sender,
        step="requested",
        document=incoming.document,
        now=incoming.at,
        message_id=incoming.id,
        signature=incoming.signed,
    )
    decision = Decision.allow(
        f"{incoming.sender} asks consent to release to {request.recipient} for "
        f"{request.purpose!r}; awaiting {node.nation}'s officer",
        THIRD_PARTY,
        "R12",
    )
    return Outcome(decision, request.id, {"case": request.id, "case_status": "requested"})


# The originator decides ---------------------------------------------------------------------


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
        row = _case_row(conn, case_id, CONSENT)
        case = _case_from(node, row._mapping["document"])
        if case.request.originator != node.nation:
            raise PolicyDenied(
                f"only the originator {case.request.originator} decides consent {case_id} (R12)",
                article=THIRD_PARTY,
            )
        decided = logged(
            node, officer.name, f"consent_{step}", case_id, lambda: act(case, person, now, conn)
        )
    document = _case_json(decided, {})
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
            **_consent_json(decided.consent),
            "granted_by": officer.name,
            "granted_at": now.isoformat(),
        }
        document["jws"] = decision_doc["consent"] = sign_document(node, signed)
    if decided.consent is not None and decided.consent.revoked_at is not None:
        decision_doc["revoked_at"] = decided.consent.revoked_at.isoformat()
    reason = decided.reason or f"{decided.status.value} by {officer.name}"
    decision = Decision.allow(
        f"consent {case_id} {decided.status.value}: {reason}", THIRD_PARTY, "R12"
    )
    with node.engine.begin() as conn:
        if step != "grant":
            document["jws"] = row._mapping["document"].get("jws")
        _save(conn, case_id, decided.status.value, document, now)
        message_id = messages.send(
            conn,
            node,
            kind="consent_decision",
            peer=decided.request.holder,
            document=decision_doc,
            item_id=row.item_id,
            now=now,
        )
        _step(
            conn,
            case_id,
            actor=officer.name,
            nation=node.nation,
            step=decided.status.value,
            document=decision_doc,
            now=now,
            message_id=message_id,
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
                f"{node.nation} has no agreement with {request.holder}", article="Art. 1"
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


def _on_decision(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    """The holder's node records the originator's answer; a grant only if its signature holds."""
    doc = incoming.document
    case_id = messages.text(doc, "id", limit=64)
    row = _case_row(conn, case_id, CONSENT)
    case = _case_from(node, row._mapping["document"])
    request = case.request
    if incoming.sender != request.originator or request.holder != node.nation:
        raise PolicyDenied(
            f"{incoming.sender} is not the originator asked in consent request {case_id}",
            article=THIRD_PARTY,
        )
    try:
        status = ConsentStatus(messages.text(doc, "status", limit=16))
    except ValueError as error:
        raise InputError(f"unknown consent decision: {error}") from error
    decided_at = messages.when(doc, "decided_at")
    reason = messages.text(doc, "reason", limit=1000, empty=True)
    decided_by = messages.text(doc, "decided_by", limit=100)
    document = dict(row._mapping["document"])
    if status is ConsentStatus.GRANTED:
        if case.status is not ConsentStatus.REQUESTED:
            raise Conflict(
                f"consent request {case_id} is {case.status.value}; it cannot be granted"
            )
        consent = consent_from_document(
            node, verify_document(doc.get("consent"), incoming.card, "consent"), verified=True
        )
        expected = (request.originator, request.holder, request.recipient, request.purpose)
        got = (consent.originator, consent.holder, consent.recipient, consent.purpose)
        if consent.id != case_id or got != expected or consent.item_ids != request.item_ids:
            raise PolicyDenied(
                f"the consent signed for {case_id} does not match the request (R12)",
                article=THIRD_PARTY,
            )
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
        **_case_json(case, {"holding_id": document.get("holding_id")}),
        "jws": document.get("jws"),
    }
    _save(conn, case_id, status.value, new_document, incoming.at)
    _step(
        conn,
        case_id,
        actor=decided_by,
        nation=incoming.sender,
        step=status.value,
        document=doc,
        now=incoming.at,
        message_id=incoming.id,
        signature=incoming.signed,
    )
    decision = Decision.allow(
        f"{incoming.sender} {status.value} consent {case_id}" + (f": {reason}" if reason else ""),
        THIRD_PARTY,
        "R12",
    )
    return Outcome(decision, case_id, {"case": case_id, "case_status": status.value})


# New purposes (R13) ---------------------------------------------------------------------------


def _purpose_view(row: Any) -> dict[str, Any]:
    m = row._mapping
    doc = m["document"]
    return {
        "id": m["id"],
        "status": m["status"],
        "originator": m["originator"],
        "holder": doc.get("holder"),
        "item_ids": doc.get("item_ids", []),
        "purpose": doc.get("purpose"),
        "holding_id": doc.get("holding_id"),
        "requested_by": doc.get("requested_by"),
        "requested_at": doc.get("requested_at"),
        "decided_by": doc.get("decided_by"),
        "decided_at": doc.get("decided_at"),
        "reason": doc.get("reason", ""),
        "role": "holder" if m["counterpart"] == m["originator"] else "originator",
    }


def list_purposes(node: Node) -> list[dict[str, Any]]:
    with node.reader.connect() as conn:
        rows = conn.execute(
            select(cases).where(cases.c.kind == PURPOSE).order_by(cases.c.opened_at.desc())
        ).all()
    return [_purpose_view(row) for row in rows]


def get_purpose(node: Node, case_id: str) -> dict[str, Any]:
    with node.reader.connect() as conn:
        return _purpose_view(_case_row(conn, case_id, PURPOSE))


def request_purpose(node: Node, user: UserRecord, holding_id: str, purpose: str) -> dict[str, Any]:
    """The holder's officer asks the originator to approve a new purpose for a holding (R13)."""
    _, allowed = authorise(node, user, Action.REQUEST_CONSENT, holding_id)
    now = node.clock()
    with node.reader.connect() as conn:
        row = _holding_row(conn, holding_id)
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
        conn.execute(
            cases.insert().values(
                id=case_id,
                kind=PURPOSE,
                item_id=row.item_id,
                originator=row.originator,
                counterpart=row.originator,
                opened_by=node.nation,
                status="requested",
                document=document,
                opened_at=now,
                updated_at=now,
            )
        )
        sent = {k: v for k, v in document.items() if k != "holding_id"}
        message_id = messages.send(
            conn, node, kind="purpose_request", peer=row.originator, document=sent, now=now
        )
        _step(
            conn,
            case_id,
            actor=user.name,
            nation=node.nation,
            step="requested",
            document=sent,
            now=now,
            message_id=message_id,
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


def _on_purpose_request(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    case_id = messages.text(doc, "id", limit=64)
    holder = messages.text(doc, "holder", limit=4)
    purpose = messages.text(doc, "purpose")
    item_ids = messages.texts(doc, "item_ids", limit=64)
    if holder != incoming.sender or messages.text(doc, "originator", limit=4) != node.nation:
        raise InputError(f"purpose request {case_id} is not {incoming.sender}'s to {node.nation}")
    if not item_ids:
        raise InputError(f"purpose request {case_id} names no item")
    provided_items(conn, node, item_ids, holder)
    if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is not None:
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
    conn.execute(
        cases.insert().values(
            id=case_id,
            kind=PURPOSE,
            item_id=item_ids[0],
            originator=node.nation,
            counterpart=holder,
            opened_by=holder,
            status="requested",
            document=document,
            opened_at=incoming.at,
            updated_at=incoming.at,
        )
    )
    _step(
        conn,
        case_id,
        actor=requested_by,
        nation=holder,
        step="requested",
        document=doc,
        now=incoming.at,
        message_id=incoming.id,
        signature=incoming.signed,
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
        row = _case_row(conn, case_id, PURPOSE)
    doc = dict(row._mapping["document"])
    if row.originator != node.nation:
        raise PolicyDenied(
            f"only the originator {row.originator} decides {case_id} (R13)", article=THIRD_PARTY
        )
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
    step = "purpose_approve" if approve else "purpose_refuse"
    if not decision.allowed:
        with node.engine.begin() as conn:
            audit.record(
                conn, actor=officer.name, action=step, subject=case_id, decision=decision, now=now
            )
        decision.enforce()
    status = "approved" if approve else "refused"
    answer: dict[str, Any] = {
        "id": case_id,
        "status": status,
        "reason": reason,
        "decided_by": officer.name,
        "decided_at": now.isoformat(),
    }
    if approve:
        answer["approval"] = sign_document(
            node,
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
    doc.update(decided_by=officer.name, decided_at=now.isoformat(), reason=reason)
    with node.engine.begin() as conn:
        _save(conn, case_id, status, doc, now)
        message_id = messages.send(
            conn, node, kind="purpose_decision", peer=approval.holder, document=answer, now=now
        )
        _step(
            conn,
            case_id,
            actor=officer.name,
            nation=node.nation,
            step=status,
            document=answer,
            now=now,
            message_id=message_id,
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


def approve_purpose(node: Node, officer: UserRecord, case_id: str) -> dict[str, Any]:
    return _decide_purpose(node, officer, case_id, approve=True)


def refuse_purpose(node: Node, officer: UserRecord, case_id: str, reason: str) -> dict[str, Any]:
    if not reason.strip():
        raise InputError("a refusal gives its reason")
    return _decide_purpose(node, officer, case_id, approve=False, reason=reason.strip())


def _on_purpose_decision(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    """The holder's node applies an approval whose signature holds, or records a refusal."""
    doc = incoming.document
    case_id = messages.text(doc, "id", limit=64)
    row = _case_row(conn, case_id, PURPOSE)
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
        held = _holding_row(conn, document["holding_id"])
        updated = apply_purpose_approval(_holding(node, held), approval)
        conn.execute(
            update(holdings)
            .where(holdings.c.id == held.id)
            .values(approved_purposes=sorted(updated.approved_purposes))
        )
        document["approval"] = doc["approval"]
    elif status != "refused":
        raise InputError(f"a purpose decision cannot be {status!r}")
    _save(conn, case_id, status, document, incoming.at)
    _step(
        conn,
        case_id,
        actor=document["decided_by"],
        nation=incoming.sender,
        step=status,
        document=doc,
        now=incoming.at,
        message_id=incoming.id,
        signature=incoming.signed,
    )
    decision = Decision.allow(
        f"{incoming.sender} {status} purpose {document['purpose']!r}", THIRD_PARTY, "R13"
    )
    return Outcome(decision, case_id, {"case": case_id, "case_status": status})


def _holding(node: Node, row: Any) -> Holding:
    """The treaty holding of a row, with its consent and the purposes approved for it."""
    base = treaty_holding(node, row)
    m = row._mapping
    return replace(
        base,
        approved_purposes=frozenset(m["approved_purposes"] or ()),
        consent_id=m["consent_id"] or "",
    )


def may_use_for(node: Node, user: UserRecord, holding_id: str, purpose: str) -> Decision:
    """May `user` access a holding for `purpose`? Logged (R13, with R19–R21)."""
    now = node.clock()
    with node.reader.connect() as conn:
        row = _holding_row(conn, holding_id)
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


HANDLERS: dict[str, Handler] = {
    "consent_request": _on_request,
    "consent_decision": _on_decision,
    "purpose_request": _on_purpose_request,
    "purpose_decision": _on_purpose_decision,
}
