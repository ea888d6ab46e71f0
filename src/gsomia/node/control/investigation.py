"""Investigating a loss or compromise and closing its case, on both sides (R37, Art. 17).

The holder's officer records the investigation result and the measures against recurrence;
they travel as `compromise_findings`, and count as sent (the core's `send_findings`) only once
the originator's node acknowledged them (`compromise` applies the answer). Only then does
`may_close_case` allow closing; the close travels as `compromise_closed`. The originator's
node applies both to its side of the case (`HANDLERS`). Kept apart from the report because
only the holder's officers act here, and only after the originator was notified.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise, refuse
from gsomia.node.control import casebook, messages
from gsomia.node.control.compromise import (
    ARTICLE,
    HOLDER,
    KIND,
    ORIGINATOR,
    case_document,
    case_from_json,
    incoming_step,
    open_case,
    view,
)
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.officer_alerts import alert_officers
from gsomia.node.runtime import Node
from gsomia.store.users import UserRecord
from gsomia.treaty.compromise import (
    CaseState,
    CompromiseCase,
    close_case,
    may_close_case,
    may_investigate,
    open_investigation,
    send_findings,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.roles import Action


def _findings(result: str, measures: str) -> tuple[str, str]:
    """The result and the measures, trimmed; InputError unless both are there (Art. 17)."""
    result, measures = result.strip(), measures.strip()
    if not result or not measures or max(len(result), len(measures)) > 8000:
        raise InputError(
            "send both the investigation result and the measures taken to prevent recurrence "
            "(Art. 17), each up to 8000 characters"
        )
    return result, measures


def record_findings(
    node: Node, officer: UserRecord, case_id: str, *, result: str, measures: str
) -> dict[str, Any]:
    """The holder's officer records the result and the measures; they are sent to the
    originator and count as sent once it acknowledges them (R37)."""
    _, allowed = authorise(node, officer, Action.INVESTIGATE, case_id)
    result, measures = _findings(result, measures)
    now = node.clock()
    row = open_case(node, case_id)
    doc = dict(row.document)
    here = may_investigate(case_id, row.opened_by, reported_here=doc.get("side") == HOLDER)
    if not here.allowed:
        refuse(node, actor=officer.name, action="investigate", subject=case_id, decision=here)
    if doc.get("pending"):
        raise Conflict(
            f"the findings of case {case_id} await {row.originator}'s acknowledgement",
            hint="they are delivered at once when its node is reachable; see `compromise show`",
        )
    case = case_from_json(doc["case"])
    if case.state is CaseState.ORIGINATOR_NOTIFIED:
        case = open_investigation(case, now)
    local = row.originator == node.nation
    sent = dict(doc.get("messages") or {})
    with node.engine.begin() as conn:
        if local:
            case = send_findings(case, now, result=result, measures=measures)
            doc["pending"] = None
        else:
            # The core refuses findings on a case not yet investigating (Conflict, reason).
            send_findings(case, now, result=result, measures=measures)
            doc["pending"] = {"result": result, "measures": measures, "at": now.isoformat()}
            sent["findings"] = _to_originator(
                conn,
                node,
                row,
                kind=Kind.COMPROMISE_FINDINGS,
                document={
                    "case_id": case_id,
                    "result": result,
                    "measures": measures,
                    "sent_at": now.isoformat(),
                },
                precedence=Precedence.IMMEDIATE,
                now=now,
            )
        doc["messages"] = sent
        doc["refusal"] = None
        casebook.save(
            conn, case_id, case.state.value, case_document(case, doc), now, keys=node.keys
        )
        casebook.step(
            conn,
            case_id,
            at=now,
            actor=officer.name,
            nation=node.nation,
            name="findings_sent" if not local else "findings_recorded",
            document={"result": result, "measures": measures},
            message_id=sent.get("findings") if not local else None,
            keys=node.keys,
        )
        audit.record_all(
            conn,
            [audit.Entry(officer.name, Action.INVESTIGATE.value, case_id, allowed)],
            now,
        )
        row = casebook.load(conn, KIND, case_id, keys=node.keys)
    if not local:
        messages.wake(node, Precedence.IMMEDIATE)
    return view(row)


def close(node: Node, officer: UserRecord, case_id: str) -> dict[str, Any]:
    """Close the case: refused (reason, Art. 17) until the findings reached the originator."""
    _, allowed = authorise(node, officer, Action.INVESTIGATE, case_id)
    now = node.clock()
    row = open_case(node, case_id)
    doc = dict(row.document)
    here = may_investigate(
        case_id, row.opened_by, reported_here=doc.get("side") == HOLDER, closing=True
    )
    if not here.allowed:
        refuse(node, actor=officer.name, action="close_compromise", subject=case_id, decision=here)
    case = case_from_json(doc["case"])
    if case.state is CaseState.CLOSED:
        raise Conflict(f"compromise case {case_id} is already closed")
    # Defensive: findings count as sent only once acknowledged, so none is pending here.
    decision = may_close_case(case, acknowledged=not doc.get("pending"))
    if not decision.allowed:
        refuse(
            node,
            actor=officer.name,
            action="close_compromise",
            subject=case_id,
            decision=decision,
            now=now,
        )
    closed = close_case(case, now)
    with node.engine.begin() as conn:
        sent = dict(doc.get("messages") or {})
        local = row.originator == node.nation
        if not local:
            sent["closed"] = _to_originator(
                conn,
                node,
                row,
                kind=Kind.COMPROMISE_CLOSED,
                document={"case_id": case_id, "closed_at": now.isoformat()},
                precedence=Precedence.ROUTINE,
                now=now,
            )
        doc["messages"] = sent
        casebook.save(
            conn, case_id, closed.state.value, case_document(closed, doc), now, keys=node.keys
        )
        casebook.step(
            conn,
            case_id,
            at=now,
            actor=officer.name,
            nation=node.nation,
            name="closed",
            document={},
            message_id=sent.get("closed"),
            keys=node.keys,
        )
        entries = [
            audit.Entry(officer.name, "close_compromise", case_id, decision),
            audit.Entry(officer.name, Action.INVESTIGATE.value, case_id, allowed),
        ]
        audit.record_all(conn, entries, now)
        row = casebook.load(conn, KIND, case_id, keys=node.keys)
    if row.originator != node.nation:
        messages.wake(node, Precedence.ROUTINE)
    return view(row)


def _to_originator(
    conn: Connection,
    node: Node,
    row: Any,
    *,
    kind: Kind,
    document: dict[str, Any],
    precedence: Precedence,
    now: datetime,
) -> str:
    """Queue the signed `kind` message of the case `row` to its originator; its id."""
    return messages.send(
        conn,
        node,
        kind=kind,
        peer=str(row.originator),
        document=document,
        precedence=precedence,
        item_id=row.item_id,
        now=now,
    )


# The originator's side -----------------------------------------------------------------------


def _their_case(conn: Connection, node: Node, incoming: Incoming) -> tuple[Any, CompromiseCase]:
    case_id = messages.text(incoming.document, "case_id", limit=64)
    row = casebook.find(conn, KIND, case_id, keys=node.keys)
    if row is None or row.document.get("side") != ORIGINATOR or row.counterpart != incoming.sender:
        raise NotFound(
            f"{node.nation} holds no compromise case {case_id} reported by {incoming.sender}"
        )
    return row, case_from_json(row.document["case"])


def _on_findings(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    row, case = _their_case(conn, node, incoming)
    result = messages.text(incoming.document, "result", limit=8000)
    measures = messages.text(incoming.document, "measures", limit=8000)
    if case.state is CaseState.ORIGINATOR_NOTIFIED:
        case = open_investigation(case, incoming.at)
    case = send_findings(case, incoming.at, result=result, measures=measures)
    casebook.save(
        conn,
        row.id,
        case.state.value,
        case_document(case, row.document),
        incoming.at,
        keys=node.keys,
    )
    incoming_step(
        conn,
        row.id,
        "findings_received",
        incoming,
        {"result": result, "measures": measures},
        keys=node.keys,
    )
    alert_officers(node, {"alert": "compromise-findings", "case": row.id, "item": row.item_id})
    decision = Decision.allow(
        f"{incoming.sender} sent the findings and measures of case {row.id}", ARTICLE, "R37"
    )
    return Outcome(decision, row.id, {"case": row.id})


def _on_closed(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    row, case = _their_case(conn, node, incoming)
    closed = close_case(case, incoming.at)  # refused unless the findings arrived here
    casebook.save(
        conn,
        row.id,
        closed.state.value,
        case_document(closed, row.document),
        incoming.at,
        keys=node.keys,
    )
    incoming_step(conn, row.id, "closed", incoming, {}, keys=node.keys)
    decision = Decision.allow(f"{incoming.sender} closed case {row.id}", ARTICLE, "R37")
    return Outcome(decision, row.id, {"case": row.id})


HANDLERS: dict[Kind, Handler] = {
    Kind.COMPROMISE_FINDINGS: _on_findings,
    Kind.COMPROMISE_CLOSED: _on_closed,
}
