"""Loss or compromise between nodes: report, FLASH to the originator, findings, close (R37).

Anyone on the holder's node reports an actual or possible loss or compromise of a holding (or
of one of the node's own items). In one transaction the node opens the case, logs the report
and queues a signed `compromise_report` to the originator's node at FLASH precedence; the
originator's node opens its side of the case under the same id and alerts its connected
officers. The originator's signed answer carries its receipt time: that is the moment of
notification, and the delay from the report is compared with `NOTIFICATION_SLA`.

The holder's officer records the investigation result and the measures against recurrence;
they travel as `compromise_findings`, and count as sent (the core's `send_findings`) only once
the originator's node acknowledged them. Only then does `may_close_case` allow closing.

The reporter's node learns of the originator's signed answers as the delivery worker settles
them: the answer hook (`ANSWERED`, called by `Node._settled` in the transaction that logs the
answer) brings the case up to date, so reading a case never writes and the recorded times are
the originator's. A refusal of the report or of the findings is kept on the case with its
reason, and the officer may send again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from gsomia.errors import Conflict, InputError, NotFound, PolicyDenied
from gsomia.exchange.outbox import QUEUED
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node import audit
from gsomia.node.control import casebook, disputes, messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.control.settlement import Answered, AnswerHook, from_outbox
from gsomia.node.release import authorise
from gsomia.node.runtime import Node
from gsomia.store.tables import holdings, items, outbox
from gsomia.store.users import UserRecord, get_user
from gsomia.treaty.compromise import (
    NOTIFICATION_PRECEDENCE,
    CaseState,
    CompromiseCase,
    CompromiseReport,
    close_case,
    may_close_case,
    notify_originator,
    open_compromise_case,
    open_investigation,
    send_findings,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.roles import OFFICER, Action

KIND = "compromise"
ARTICLE = "Art. 17"
#: The time allowed from a report to the originator's receipt of it. Art. 17 says
#: "immediately" and names no figure; ten minutes is the handling objective of a FLASH message
#: in allied procedure (ACP 121), the precedence the notification travels at. A constant for
#: now (ADR candidate: per agreement, once agreements carry it); each case keeps the SLA it was
#: opened under, so changing this never rewrites a past case's verdict.
NOTIFICATION_SLA = timedelta(minutes=10)

HOLDER, ORIGINATOR = "holder", "originator"


# The case as JSON --------------------------------------------------------------------------


def _to_json(case: CompromiseCase) -> dict[str, Any]:
    r = case.report
    return {
        "report": {
            "id": r.id,
            "item_ids": sorted(r.item_ids),
            "originator": r.originator,
            "holder": r.holder,
            "reported_by": r.reported_by,
            "reported_at": r.reported_at.isoformat(),
            "actual": r.actual,
            "circumstances": r.circumstances,
        },
        "state": case.state.value,
        "notified_at": casebook.iso(case.notified_at),
        "investigation_opened_at": casebook.iso(case.investigation_opened_at),
        "result": case.result,
        "measures": case.measures,
        "findings_sent_at": casebook.iso(case.findings_sent_at),
        "closed_at": casebook.iso(case.closed_at),
    }


def _from_json(data: Mapping[str, Any]) -> CompromiseCase:
    r = data["report"]
    report = CompromiseReport(
        id=r["id"],
        item_ids=frozenset(r["item_ids"]),
        originator=r["originator"],
        holder=r["holder"],
        reported_by=r["reported_by"],
        reported_at=datetime.fromisoformat(r["reported_at"]),
        actual=bool(r["actual"]),
        circumstances=r["circumstances"],
    )
    return CompromiseCase(
        report,
        CaseState(data["state"]),
        casebook.parse(data.get("notified_at")),
        casebook.parse(data.get("investigation_opened_at")),
        data.get("result", ""),
        data.get("measures", ""),
        casebook.parse(data.get("findings_sent_at")),
        casebook.parse(data.get("closed_at")),
    )


def _document(case: CompromiseCase, extra: Mapping[str, Any]) -> dict[str, Any]:
    return {**extra, "case": _to_json(case)}


def view(row: Any, steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The case as the API shows it."""
    doc = row.document
    case = _from_json(doc["case"])
    r = case.report
    sla = float(doc.get("sla_seconds", NOTIFICATION_SLA.total_seconds()))
    delay = case.notification_delay
    pending = doc.get("pending") or {}
    shown = {
        "id": row.id,
        "status": case.state.value,
        "side": doc.get("side"),
        "item_id": row.item_id,
        "item_ids": sorted(r.item_ids),
        "originator": r.originator,
        "holder": r.holder,
        "actual": r.actual,
        "description": r.circumstances,
        "reported_by": r.reported_by,
        "reported_at": r.reported_at.isoformat(),
        "notified_at": casebook.iso(case.notified_at),
        "notification_seconds": delay.total_seconds() if delay is not None else None,
        "sla_seconds": sla,
        "within_sla": case.within(timedelta(seconds=sla)) if delay is not None else None,
        "findings": case.result or pending.get("result") or None,
        "measures": case.measures or pending.get("measures") or None,
        "findings_sent_at": casebook.iso(case.findings_sent_at),
        "findings_pending": bool(pending),
        "refusal": doc.get("refusal"),
        "closed_at": casebook.iso(case.closed_at),
    }
    if steps is not None:
        shown["steps"] = steps
    return shown


# Reporting ----------------------------------------------------------------------------------


def _target(conn: Connection, node: Node, target: str) -> tuple[str, str]:
    """(item id, originator) of a holding (by holding or item id) or of an own item."""
    row = conn.execute(
        select(holdings.c.item_id, holdings.c.originator).where(
            (holdings.c.id == target) | (holdings.c.item_id == target)
        )
    ).first()
    if row is not None:
        return str(row.item_id), str(row.originator)
    own = conn.execute(
        select(items.c.id).where(items.c.id == target, items.c.originator == node.nation)
    ).first()
    if own is not None:
        return str(own.id), node.nation
    raise NotFound(
        f"no holding or item {target} on this node",
        hint="`gsomia item list` shows what this node holds",
    )


def report(
    node: Node, user: UserRecord, target: str, description: str, *, actual: bool
) -> dict[str, Any]:
    """Anyone reports an actual or possible loss of `target`; the case, as `view` shows it.

    The originator is sent the report at FLASH precedence in the same transaction; when the
    item is this node's own, its own officers are the originator's competent authority and are
    notified on the spot.
    """
    _, allowed = authorise(node, user, Action.REPORT_COMPROMISE, target)
    description = description.strip()
    if not description or len(description) > 4000:
        raise InputError("describe the loss or compromise in up to 4000 characters (Art. 17)")
    now = node.clock()
    case_id = uuid.uuid4().hex
    with node.engine.begin() as conn:
        item_id, originator = _target(conn, node, target)
        case = open_compromise_case(
            CompromiseReport(
                case_id,
                frozenset({item_id}),
                originator,
                node.nation,
                user.name,
                now,
                actual,
                description,
            )
        )
        extra: dict[str, Any] = {
            "side": HOLDER,
            "sla_seconds": NOTIFICATION_SLA.total_seconds(),
            "messages": {},
        }
        local = originator == node.nation
        if local:
            case = notify_originator(case, now)
        else:
            extra["messages"]["report"] = messages.send(
                conn,
                node,
                kind="compromise_report",
                peer=originator,
                document=_to_json(case)["report"] | {"case_id": case_id},
                precedence=NOTIFICATION_PRECEDENCE,
                item_id=item_id,
                now=now,
            )
        casebook.insert(
            conn,
            case_id=case_id,
            kind=KIND,
            item_id=item_id,
            originator=originator,
            counterpart=originator,
            opened_by=node.nation,
            status=case.state.value,
            document=_document(case, extra),
            now=now,
        )
        casebook.step(
            conn,
            case_id,
            at=now,
            actor=user.name,
            nation=node.nation,
            name="reported",
            document={"actual": actual, "description": description},
            message_id=extra["messages"].get("report"),
        )
        reported = Decision.allow(
            f"{user.name} reported {'a' if actual else 'a possible'} loss or compromise of "
            f"{item_id}; {originator} notified at {NOTIFICATION_PRECEDENCE.name}",
            ARTICLE,
            "R37",
        )
        audit.record_all(
            conn,
            [audit.Entry(user.name, Action.REPORT_COMPROMISE.value, case_id, allowed)],
            now,
            also=[
                LogEvent(
                    EventKind.COMPROMISE,
                    now,
                    user.name,
                    (case_id, item_id),
                    {
                        "action": "report_compromise",
                        "actual": actual,
                        "originator": originator,
                        "reason": reported.reason,
                        "article": ARTICLE,
                        "requirement": "R37",
                    },
                )
            ],
        )
        row = casebook.load(conn, KIND, case_id)
    if local:
        _alert_officers(node, {"alert": "compromise", **_alert_body(row)})
    else:
        messages.wake(node, NOTIFICATION_PRECEDENCE)
    return view(row)


def _alert_body(row: Any) -> dict[str, Any]:
    shown = view(row)
    return {
        "case": row.id,
        "item": row.item_id,
        "holder": shown["holder"],
        "originator": shown["originator"],
        "actual": shown["actual"],
        "reported_at": shown["reported_at"],
        "precedence": "FLASH",
    }


def _alert_officers(node: Node, event: dict[str, Any]) -> None:
    """Push `event` to the open screens of this node's officers."""
    watching = node.alerts.users
    if not watching:
        return
    with node.reader.connect() as conn:
        officers = {u for u in sorted(watching) if OFFICER in get_user(conn, u).roles}
    if officers:
        node.alerts.publish(officers, {**event, "at": node.clock().isoformat()})


# Keeping the reporter's case up to date from the originator's signed answers ---------------


def _answered(conn: Connection, node: Node, answers: Sequence[Answered]) -> None:
    """The originator's signed answer to a report or to findings, applied when it arrives."""
    for found, name, answer in casebook.awaiting(conn, KIND, answers):
        _apply(conn, node, casebook.load(conn, KIND, found.id), name, answer)


def _apply(conn: Connection, node: Node, row: Any, name: str, answer: Answered) -> Any:
    """Apply `answer`, to the message the case keeps as `name`, if the case still waits for
    it; the case row as it then is."""
    doc = dict(row.document)
    sent = dict(doc.get("messages") or {})
    if (
        doc.get("side") != HOLDER
        or answer.peer != row.originator
        or name not in sent
        or sent[name] != answer.message_id
    ):
        return row
    case = _from_json(doc["case"])
    at = max(answer.at, case.report.reported_at)
    pending = doc.get("pending")
    if name == "report" and case.state is CaseState.REPORTED:
        if answer.received:
            case = notify_originator(case, at)
            doc["refusal"] = None
            step = "originator_notified"
        else:
            doc["refusal"] = f"{row.originator} refused the report: {answer.reason}"
            sent.pop("report", None)
            step = "report_refused"
    elif name == "findings" and case.state is CaseState.INVESTIGATING and pending:
        sent.pop("findings", None)
        doc["pending"] = None
        if answer.received:
            case = send_findings(case, at, result=pending["result"], measures=pending["measures"])
            doc["refusal"] = None
            step = "findings_acknowledged"
        else:
            doc["refusal"] = f"{row.originator} refused the findings: {answer.reason}"
            step = "findings_refused"
    else:
        return row
    _settled_step(conn, row, step, answer=answer)
    doc["messages"] = sent
    casebook.save(conn, row.id, case.state.value, _document(case, doc), node.clock())
    if not answer.received:
        refused = Decision.deny(str(doc["refusal"]), answer.article or ARTICLE, "R37")
        audit.record_all(
            conn,
            [audit.Entry(answer.peer, f"compromise_{step}", row.id, refused, (answer.message_id,))],
            node.clock(),
        )
    return casebook.load(conn, KIND, row.id)


def _catch_up(conn: Connection, node: Node, row: Any) -> Any:
    """Apply answers the outbox holds that the case has not taken: settled before the answer
    hook existed, or while it failed (its writes undone, the answer kept). Run only before an
    officer acts on the case, which writes anyway; reads show the case as it is."""
    sent = dict(row.document.get("messages") or {}) if row.document.get("side") == HOLDER else {}
    for name in ("report", "findings"):
        message_id = sent.get(name)
        if not message_id:
            continue
        settled = conn.execute(
            select(
                outbox.c.message_id, outbox.c.kind, outbox.c.peer, outbox.c.item_id, outbox.c.answer
            ).where(outbox.c.message_id == message_id, outbox.c.state != QUEUED)
        ).first()
        if settled is not None:
            row = _apply(conn, node, row, name, from_outbox(settled, node.clock()))
    return row


def _settled_step(conn: Connection, row: Any, name: str, *, answer: Answered) -> None:
    casebook.step(
        conn,
        row.id,
        at=answer.at,
        actor=str(row.originator),
        nation=str(row.originator),
        name=name,
        document={"answer": dict(answer.answer)},
        message_id=answer.message_id,
        signature=answer.signature,
    )


def _open_case(node: Node, case_id: str) -> Any:
    with node.engine.begin() as conn:
        return _catch_up(conn, node, casebook.load(conn, KIND, case_id))


def list_cases(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    """Every compromise case this node holds, on either side, newest first."""
    authorise(node, user, Action.REPORT_COMPROMISE, KIND)
    with node.reader.connect() as conn:
        return [view(row) for row in casebook.all_of(conn, KIND)]


def get_case(node: Node, user: UserRecord, case_id: str) -> dict[str, Any]:
    authorise(node, user, Action.REPORT_COMPROMISE, case_id)
    with node.reader.connect() as conn:
        return view(casebook.load(conn, KIND, case_id), casebook.steps(conn, case_id))


# Investigation and closing --------------------------------------------------------------------


def record_findings(
    node: Node, officer: UserRecord, case_id: str, *, result: str, measures: str
) -> dict[str, Any]:
    """The holder's officer records the result and the measures; they are sent to the
    originator and count as sent once it acknowledges them (R37)."""
    _, allowed = authorise(node, officer, Action.INVESTIGATE, case_id)
    result, measures = result.strip(), measures.strip()
    if not result or not measures or max(len(result), len(measures)) > 8000:
        raise InputError(
            "send both the investigation result and the measures taken to prevent recurrence "
            "(Art. 17), each up to 8000 characters"
        )
    now = node.clock()
    row = _open_case(node, case_id)
    doc = dict(row.document)
    if doc.get("side") != HOLDER:
        _deny(
            node,
            officer,
            "investigate",
            case_id,
            f"case {case_id} was reported by {row.opened_by}: the holder investigates and "
            "sends its findings to the originator",
        )
    if doc.get("pending"):
        raise Conflict(
            f"the findings of case {case_id} await {row.originator}'s acknowledgement",
            hint="they are delivered at once when its node is reachable; see `compromise show`",
        )
    case = _from_json(doc["case"])
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
            sent["findings"] = messages.send(
                conn,
                node,
                kind="compromise_findings",
                peer=str(row.originator),
                document={
                    "case_id": case_id,
                    "result": result,
                    "measures": measures,
                    "sent_at": now.isoformat(),
                },
                precedence=Precedence.IMMEDIATE,
                item_id=row.item_id,
                now=now,
            )
        doc["messages"] = sent
        doc["refusal"] = None
        casebook.save(conn, case_id, case.state.value, _document(case, doc), now)
        casebook.step(
            conn,
            case_id,
            at=now,
            actor=officer.name,
            nation=node.nation,
            name="findings_sent" if not local else "findings_recorded",
            document={"result": result, "measures": measures},
            message_id=sent.get("findings") if not local else None,
        )
        audit.record_all(
            conn,
            [audit.Entry(officer.name, Action.INVESTIGATE.value, case_id, allowed)],
            now,
        )
        row = casebook.load(conn, KIND, case_id)
    if not local:
        messages.wake(node, Precedence.IMMEDIATE)
    return view(row)


def close(node: Node, officer: UserRecord, case_id: str) -> dict[str, Any]:
    """Close the case: refused (reason, Art. 17) until the findings reached the originator."""
    _, allowed = authorise(node, officer, Action.INVESTIGATE, case_id)
    now = node.clock()
    row = _open_case(node, case_id)
    doc = dict(row.document)
    if doc.get("side") != HOLDER:
        _deny(
            node,
            officer,
            "close_compromise",
            case_id,
            f"case {case_id} is closed by {row.opened_by}, which investigates it",
        )
    case = _from_json(doc["case"])
    if case.state is CaseState.CLOSED:
        raise Conflict(f"compromise case {case_id} is already closed")
    decision = may_close_case(case)
    if decision.allowed and doc.get("pending"):  # defensive: sent means acknowledged
        decision = Decision.deny(f"the findings of {case_id} are not yet acknowledged", *_art())
    with node.engine.begin() as conn:
        audit.record_all(
            conn, [audit.Entry(officer.name, "close_compromise", case_id, decision)], now
        )
    decision.enforce()
    closed = close_case(case, now)
    with node.engine.begin() as conn:
        sent = dict(doc.get("messages") or {})
        local = row.originator == node.nation
        if not local:
            sent["closed"] = messages.send(
                conn,
                node,
                kind="compromise_closed",
                peer=str(row.originator),
                document={"case_id": case_id, "closed_at": now.isoformat()},
                precedence=Precedence.ROUTINE,
                item_id=row.item_id,
                now=now,
            )
        doc["messages"] = sent
        casebook.save(conn, case_id, closed.state.value, _document(closed, doc), now)
        casebook.step(
            conn,
            case_id,
            at=now,
            actor=officer.name,
            nation=node.nation,
            name="closed",
            document={},
            message_id=sent.get("closed"),
        )
        audit.record_all(
            conn, [audit.Entry(officer.name, Action.INVESTIGATE.value, case_id, allowed)], now
        )
        row = casebook.load(conn, KIND, case_id)
    if row.originator != node.nation:
        messages.wake(node, Precedence.ROUTINE)
    return view(row)


def _art() -> tuple[str, str]:
    return ARTICLE, "R37"


def _deny(node: Node, user: UserRecord, action: str, subject: str, reason: str) -> None:
    decision = Decision.deny(reason, *_art())
    with node.engine.begin() as conn:
        audit.record(
            conn,
            actor=user.name,
            action=action,
            subject=subject,
            decision=decision,
            now=node.clock(),
        )
    decision.enforce()


# The originator's side -----------------------------------------------------------------------


def _on_report(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    case_id = messages.text(doc, "case_id", limit=64)
    originator = messages.text(doc, "originator", limit=4)
    holder = messages.text(doc, "holder", limit=4)
    item_ids = messages.texts(doc, "item_ids", limit=64)
    actual = doc.get("actual")
    if not isinstance(actual, bool):
        raise InputError("the message's 'actual' must be true or false")
    if originator != node.nation:
        raise PolicyDenied(
            f"the report names {originator} as originator; this node is {node.nation}",
            article=ARTICLE,
        )
    if holder != incoming.sender:
        raise PolicyDenied(
            f"{incoming.sender} reported a loss by {holder}: a holder reports its own",
            article=ARTICLE,
        )
    known = {
        i
        for (i,) in conn.execute(
            select(items.c.id).where(items.c.id.in_(item_ids), items.c.originator == node.nation)
        )
    }
    unknown = sorted(set(item_ids) - known)
    if not item_ids or unknown:
        raise NotFound(f"the report names no item of {node.nation}: {', '.join(unknown)}")
    if casebook.find(conn, KIND, case_id) is not None:
        raise Conflict(f"compromise case {case_id} is already open")
    report_ = CompromiseReport(
        case_id,
        frozenset(item_ids),
        originator,
        holder,
        messages.text(doc, "reported_by", limit=100),
        messages.when(doc, "reported_at"),
        actual,
        messages.text(doc, "circumstances", limit=4000),
    )
    at = max(incoming.at, report_.reported_at)
    case = notify_originator(open_compromise_case(report_), at)
    item_id = sorted(item_ids)[0]
    casebook.insert(
        conn,
        case_id=case_id,
        kind=KIND,
        item_id=item_id,
        originator=node.nation,
        counterpart=holder,
        opened_by=holder,
        status=case.state.value,
        document=_document(
            case, {"side": ORIGINATOR, "sla_seconds": NOTIFICATION_SLA.total_seconds()}
        ),
        now=incoming.at,
    )
    casebook.step(
        conn,
        case_id,
        at=incoming.at,
        actor=holder,
        nation=holder,
        name="report_received",
        document=dict(doc),
        message_id=incoming.id,
        signature=incoming.signed.decode("ascii"),
    )
    _alert_officers(
        node, {"alert": "compromise", **_alert_body(casebook.load(conn, KIND, case_id))}
    )
    decision = Decision.allow(
        f"{holder} reported {'a' if actual else 'a possible'} loss or compromise of "
        f"{', '.join(sorted(item_ids))}; case {case_id} opened",
        ARTICLE,
        "R37",
    )
    return Outcome(decision, item_id, {"case": case_id, "notified_at": at.isoformat()})


def _their_case(conn: Connection, node: Node, incoming: Incoming) -> tuple[Any, CompromiseCase]:
    case_id = messages.text(incoming.document, "case_id", limit=64)
    row = casebook.find(conn, KIND, case_id)
    if row is None or row.document.get("side") != ORIGINATOR or row.counterpart != incoming.sender:
        raise NotFound(
            f"{node.nation} holds no compromise case {case_id} reported by {incoming.sender}"
        )
    return row, _from_json(row.document["case"])


def _on_findings(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    row, case = _their_case(conn, node, incoming)
    result = messages.text(incoming.document, "result", limit=8000)
    measures = messages.text(incoming.document, "measures", limit=8000)
    if case.state is CaseState.ORIGINATOR_NOTIFIED:
        case = open_investigation(case, incoming.at)
    case = send_findings(case, incoming.at, result=result, measures=measures)
    casebook.save(conn, row.id, case.state.value, _document(case, row.document), incoming.at)
    casebook.step(
        conn,
        row.id,
        at=incoming.at,
        actor=incoming.sender,
        nation=incoming.sender,
        name="findings_received",
        document={"result": result, "measures": measures},
        message_id=incoming.id,
        signature=incoming.signed.decode("ascii"),
    )
    _alert_officers(node, {"alert": "compromise-findings", "case": row.id, "item": row.item_id})
    decision = Decision.allow(
        f"{incoming.sender} sent the findings and measures of case {row.id}", ARTICLE, "R37"
    )
    return Outcome(decision, row.id, {"case": row.id})


def _on_closed(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    row, case = _their_case(conn, node, incoming)
    closed = close_case(case, incoming.at)  # refused unless the findings arrived here
    casebook.save(conn, row.id, closed.state.value, _document(closed, row.document), incoming.at)
    casebook.step(
        conn,
        row.id,
        at=incoming.at,
        actor=incoming.sender,
        nation=incoming.sender,
        name="closed",
        document={},
        message_id=incoming.id,
        signature=incoming.signed.decode("ascii"),
    )
    decision = Decision.allow(f"{incoming.sender} closed case {row.id}", ARTICLE, "R37")
    return Outcome(decision, row.id, {"case": row.id})


ANSWERED: dict[str, AnswerHook] = {"compromise_report": _answered, "compromise_findings": _answered}

HANDLERS: dict[str, Handler] = {
    "compromise_report": _on_report,
    "compromise_findings": _on_findings,
    "compromise_closed": _on_closed,
    # Disputes travel here too, so node/workflows.py needs no change (R46).
    **disputes.HANDLERS,
}

__all__ = [
    "ANSWERED",
    "HANDLERS",
    "NOTIFICATION_SLA",
    "close",
    "get_case",
    "list_cases",
    "record_findings",
    "report",
]
