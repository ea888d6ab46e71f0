"""Loss or compromise between nodes: the case both sides keep, and the originator's answers
that bring the reporter's side up to date (R37, Art. 17).

A case runs report, FLASH notification of the originator, investigation with findings and
measures, close. The steps live in `loss_report` (reporting and notification, both sides) and
`investigation` (findings and closing, both sides); this module holds what they share: the
case's record and how it is shown, the alerts to officers, and the answer hook.

The reporter's node learns of the originator's signed answers as the delivery worker settles them:
the answer hook (`ANSWERED`, called by `gsomia.node.settlement` in the transaction that logs the
answer) brings the case up to date, so reading a case never writes and the recorded times are the
originator's. The originator's receipt of the report is the moment of notification, and the delay
from the report is compared with `NOTIFICATION_SLA`. A refusal of the report or of the findings is
kept on the case with its reason, and the officer may send again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from gsomia.exchange import outbox
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise
from gsomia.node.control import casebook
from gsomia.node.control.messages import Incoming
from gsomia.node.control.settlement import Answered, AnswerHook, from_outbox
from gsomia.node.runtime import Node
from gsomia.seal import NodeKeys
from gsomia.store.users import UserRecord
from gsomia.treaty.compromise import (
    CaseState,
    CompromiseCase,
    CompromiseReport,
    notify_originator,
    send_findings,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.roles import Action

KIND = "compromise"
ARTICLE = "Art. 17"
#: The time allowed from a report to the originator's receipt of it. Art. 17 says
#: "immediately" and names no figure; ten minutes is the handling objective of a FLASH message
#: in allied procedure (ACP 121), the precedence the notification travels at. A constant for
#: now (ADR candidate: per agreement, once agreements carry it); each case keeps the SLA it was
#: opened under, so changing this never rewrites a past case's verdict.
NOTIFICATION_SLA = timedelta(minutes=10)

HOLDER, ORIGINATOR = "holder", "originator"


def case_json(case: CompromiseCase) -> dict[str, Any]:
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


def case_from_json(data: Mapping[str, Any]) -> CompromiseCase:
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


def case_document(case: CompromiseCase, extra: Mapping[str, Any]) -> dict[str, Any]:
    return {**extra, "case": case_json(case)}


def view(row: Any, steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The case as the API shows it."""
    doc = row.document
    case = case_from_json(doc["case"])
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


def alert_body(row: Any) -> dict[str, Any]:
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


def incoming_step(
    conn: Connection,
    case_id: str,
    name: str,
    incoming: Incoming,
    document: Mapping[str, Any],
    *,
    keys: NodeKeys,
) -> None:
    """Keep the partner's signed message `incoming` as the step `name` of the case."""
    casebook.step(
        conn,
        case_id,
        at=incoming.at,
        actor=incoming.sender,
        nation=incoming.sender,
        name=name,
        document=document,
        message_id=incoming.id,
        signature=incoming.signed.decode("ascii"),
        keys=keys,
    )


# Keeping the reporter's case up to date from the originator's signed answers ---------------


def _answered(conn: Connection, node: Node, answers: Sequence[Answered]) -> None:
    """The originator's signed answer to a report or to findings, applied when it arrives."""
    for found, name, answer in casebook.awaiting(conn, KIND, answers, keys=node.keys):
        _apply(conn, node, casebook.load(conn, KIND, found.id, keys=node.keys), name, answer)


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
    case = case_from_json(doc["case"])
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
    _settled_step(conn, row, step, answer=answer, keys=node.keys)
    doc["messages"] = sent
    casebook.save(
        conn, row.id, case.state.value, case_document(case, doc), node.clock(), keys=node.keys
    )
    if not answer.received:
        refused = Decision.deny(str(doc["refusal"]), answer.article or ARTICLE, "R37")
        audit.record_all(
            conn,
            [audit.Entry(answer.peer, f"compromise_{step}", row.id, refused, (answer.message_id,))],
            node.clock(),
        )
    return casebook.load(conn, KIND, row.id, keys=node.keys)


def _catch_up(conn: Connection, node: Node, row: Any) -> Any:
    """Apply answers the outbox holds that the case has not taken: settled before the answer
    hook existed, or while it failed (its writes undone, the answer kept). Run only before an
    officer acts on the case, which writes anyway; reads show the case as it is."""
    sent = dict(row.document.get("messages") or {}) if row.document.get("side") == HOLDER else {}
    for name in ("report", "findings"):
        message_id = sent.get(name)
        if not message_id:
            continue
        settled = outbox.settled(conn, node.keys, message_id)
        if settled is not None:
            row = _apply(conn, node, row, name, from_outbox(settled, node.clock()))
    return row


def _settled_step(
    conn: Connection, row: Any, name: str, *, answer: Answered, keys: NodeKeys
) -> None:
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
        keys=keys,
    )


def open_case(node: Node, case_id: str) -> Any:
    """The case row an officer is about to act on, with the answers it missed applied."""
    with node.engine.begin() as conn:
        return _catch_up(conn, node, casebook.load(conn, KIND, case_id, keys=node.keys))


# Reading cases --------------------------------------------------------------------------------


def list_cases(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    """Every compromise case this node holds, on either side, newest first."""
    authorise(node, user, Action.REPORT_COMPROMISE, KIND)
    with node.reader.connect() as conn:
        return [view(row) for row in casebook.all_of(conn, KIND, keys=node.keys)]


def get_case(node: Node, user: UserRecord, case_id: str) -> dict[str, Any]:
    authorise(node, user, Action.REPORT_COMPROMISE, case_id)
    with node.reader.connect() as conn:
        return view(
            casebook.load(conn, KIND, case_id, keys=node.keys), casebook.steps(conn, case_id)
        )


ANSWERED: dict[Kind, AnswerHook] = {
    Kind.COMPROMISE_REPORT: _answered,
    Kind.COMPROMISE_FINDINGS: _answered,
}
