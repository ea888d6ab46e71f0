"""Agreement lifecycle steps recorded by an officer and carried to the partner's node (R41–R45).

Both nodes hold the same record: the shipped history of the agreement plus every step either
party recorded since. A step is validated by the treaty's lifecycle (an illegal transition is
a Conflict with its reason), logged, and sent to the partner sealed and signed; the partner
applies it under the same rules, so an agreement is in force only once both have notified.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from gsomia.errors import Error
from gsomia.exchange import inbox, outbox
from gsomia.exchange.incoming import Verified
from gsomia.exchange.kinds import AGREEMENT_EVENT_HEADER, Kind
from gsomia.exchange.outbox import priority
from gsomia.exchange.wire import RECEIVED, REJECTED
from gsomia.node import audit
from gsomia.node.authority import authorise, refuse
from gsomia.node.runtime import Node
from gsomia.seal.held import queued
from gsomia.seal.sealed import Plain
from gsomia.store import agreement_events
from gsomia.store.agreement_events import AgreementEventRecord
from gsomia.store.users import UserRecord
from gsomia.treaty.agreements import Agreement, amendment_version
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.lifecycle import Event, EventKind
from gsomia.treaty.records import (
    apply_event,
    event_from_json,
    event_to_json,
    is_recorded,
    may_record_event,
    refused_step,
)
from gsomia.treaty.roles import Action


def record_event(node: Node, officer: UserRecord, agreement_id: str, event: Event) -> Agreement:
    """An officer records one of this nation's steps; the partner's node is sent it."""
    _, allowed = authorise(node, officer, Action.RECORD_AGREEMENT_EVENT, agreement_id)
    now = node.clock()
    current = node.agreement(agreement_id)
    decision = may_record_event(node.nation, current, event)
    if not decision.allowed:
        refuse(
            node,
            actor=officer.name,
            action="agreement_event",
            subject=agreement_id,
            decision=decision,
        )
    if is_recorded(current, event):
        return current
    updated = current.record(event)  # Conflict with the reason if the lifecycle forbids it
    partner = current.other_party(node.nation)
    card = node.peer_card(partner)
    message_id = uuid.uuid4().hex
    body = None
    if card is not None:
        body = queued(
            node.keys,
            Plain(
                message_id,
                Kind.AGREEMENT_EVENT,
                {"type": AGREEMENT_EVENT_HEADER, "agreement": agreement_id},
                json.dumps(event_to_json(event)).encode(),
                "application/json",
            ),
            partner,
        )
    with node.engine.begin() as conn:
        agreement_events.add_all(
            conn, [AgreementEventRecord(agreement_id, event, node.nation, recorded_at=now)]
        )
        audit.record_all(
            conn,
            [
                audit.Entry(
                    officer.name, Action.RECORD_AGREEMENT_EVENT.value, agreement_id, allowed
                ),
                audit.Entry(officer.name, "agreement_event", agreement_id, decision),
            ],
            now,
        )
        if body is not None:
            outbox.enqueue(
                conn,
                message_id=message_id,
                kind=Kind.AGREEMENT_EVENT,
                peer=partner,
                priority=priority(Precedence.IMMEDIATE),
                body=body,
                now=now,
                agreement_id=agreement_id,
            )
    node.forget_agreements()
    node.worker.wake(priority(Precedence.IMMEDIATE))
    return updated


def consent_to_amendment(
    node: Node,
    officer: UserRecord,
    agreement_id: str,
    text: Mapping[str, Any],
    *,
    on: date,
    note: str,
) -> Agreement:
    """This party's written consent to the next version of an agreement, as `text` gives it
    (`{"effective", "basis", "rows"}`, rows in the parties' markings). It travels to the partner
    with the text; the version applies on both nodes once both consented to the same text
    (Art. 21.2; R45). A partner's pending text is `pending_amendment`."""
    current = node.agreement(agreement_id)
    version = amendment_version(current, text, node.schemes)  # the text must read
    event = Event(
        EventKind.AMENDMENT_CONSENT,
        on,
        note,
        node.nation,
        version=version.number,
        amendment=dict(text),
    )
    return record_event(node, officer, agreement_id, event)


def pending_amendment(node: Node, agreement_id: str) -> dict[str, Any] | None:
    """The text of the next version one party consented to and the other has not, if any."""
    agreement = node.agreement(agreement_id)
    status = agreement.status_at(None)
    text = status.amendment_texts.get(agreement.latest.number + 1)
    return None if text is None else dict(text)


def receive_events(
    node: Node, messages: Sequence[Verified], now: datetime
) -> dict[str, dict[str, Any]]:
    """Apply a partner's verified steps in order; each message id's answer.

    The partner may record only its own acts (and joint ones); an illegal step is refused
    with the lifecycle's reason, recorded and remembered like an accepted one.
    """
    answers: dict[str, dict[str, Any]] = {}
    current: dict[str, Agreement] = {}
    steps: list[AgreementEventRecord] = []
    entries, remembered, refused = [], [], []
    for message in messages:
        answer, event, agreement_id, decision = _examine_event(node, message, now, current)
        answers[message.id] = answer
        subject = agreement_id or message.id
        entries.append(audit.Entry(message.sender, "agreement_event", subject, decision))
        if event is not None:
            signature = message.signed.decode("ascii")
            steps.append(AgreementEventRecord(agreement_id, event, message.sender, now, signature))
        if answer["status"] == REJECTED:
            refused.append(inbox.rejection(message.sender, message.message, answer, now))
        # A repeated delivery gets the same answer.
        remembered.append(inbox.remembered(message.sender, message.message, answer, now))
    with node.engine.begin() as conn:
        agreement_events.add_all(conn, steps)
        inbox.record(conn, node.keys, remembered, refused)
        audit.record_all(conn, entries, now)
    node.forget_agreements()
    return answers


def _examine_event(
    node: Node, message: Verified, now: datetime, current: dict[str, Agreement]
) -> tuple[dict[str, Any], Event | None, str, Decision]:
    """The answer to one step, the step if it is new to the record, its agreement, and the
    decision; `current` holds each agreement as the batch has left it so far."""
    agreement_id = str(message.header.get("agreement", ""))
    try:
        event = event_from_json(json.loads(message.content))
        agreement = current.get(agreement_id) or node.agreement(agreement_id)
    except (Error, ValueError) as error:
        reason = error.message if isinstance(error, Error) else f"malformed event: {error}"
        decision = refused_step(reason)
        return _answer(message, now, decision), None, agreement_id, decision
    applied = apply_event(message.sender, agreement, event)
    if applied.new:
        current[agreement_id] = applied.agreement
    state = applied.agreement.status_at(now.date()).state.value
    answer = _answer(message, now, applied.decision, agreement=agreement_id, state=state)
    return answer, event if applied.new else None, agreement_id, applied.decision


def _answer(message: Verified, now: datetime, decision: Decision, **fields: Any) -> dict[str, Any]:
    """Received, with `fields`; or rejected, with the decision's reason and article."""
    if decision.allowed:
        return inbox.answer(message.id, RECEIVED, now, fields)
    return inbox.answer(
        message.id, REJECTED, now, {"reason": decision.reason, "article": decision.article}
    )
