"""Custody passes on receipt: the third nation's answer, and the report to the originator
(R12, R17, R28, R47).

An onward release or forwarding (`handover`) leaves a case of kind "onward" waiting. Only when
the third nation's signed answer settles (the answer hook `ANSWERED`, called by
`gsomia.node.settlement`) does the holder record the transfer, marked as the third nation says, and
report it to the originator, so the originator sees every nation holding its item and by
which path. A refusal is kept on the case with the third nation's reason and logged; nothing
is recorded or reported. The originator records the report (`HANDLERS`) and the holder learns
that it did. Separate from the deciding modules because it runs later, on answers, for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import NotFound
from gsomia.exchange.incoming import require_party
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.control import casebook, messages
from gsomia.node.control.handover import (
    ONWARD,
    RECEIVED,
    REFUSED,
    RELEASE,
    SENT,
    transfer_json,
)
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.control.originator import THIRD_PARTY
from gsomia.node.control.settlement import Answered, AnswerHook
from gsomia.node.runtime import Node
from gsomia.seal import NodeKeys
from gsomia.store import items, transfers
from gsomia.treaty.decision import Decision
from gsomia.treaty.onward import HUB_ARTICLE, Transfer


def _record(conn: Connection, t: Transfer, *, message_id: str | None, reported_by: str) -> bool:
    """Add `t` to this node's transfers once; False if it was known already."""
    if transfers.is_recorded(conn, t.item_id, from_nation=t.from_nation, to_nation=t.to_nation):
        return False
    transfers.add(conn, t, message_id=message_id, reported_by=reported_by)
    return True


def _answer_step(
    conn: Connection, row: Any, name: str, answer: Answered, *, keys: NodeKeys
) -> None:
    """Keep `answer`, signed by the partner that gave it, as the step `name` of the case."""
    casebook.step(
        conn,
        row.id,
        at=answer.at,
        actor=answer.peer,
        nation=answer.peer,
        name=name,
        document={"answer": dict(answer.answer)},
        message_id=answer.message_id,
        signature=answer.signature,
        keys=keys,
    )


def _item_answered(conn: Connection, node: Node, answers: Sequence[Answered]) -> None:
    """The third nation's signed answer to an item this node released onward or forwarded.

    "received": custody passes (R28) — the transfer is recorded, marked as the third nation
    says, and reported to the originator. "rejected": the refusal and its reason are recorded
    on the release's case and logged; no transfer, nothing reported. An item that is not an
    onward release (an originator's own provision) has no case here and is left alone.
    """
    for found, name, answer in casebook.awaiting(conn, ONWARD, answers, keys=node.keys):
        row = casebook.load(conn, ONWARD, found.id, keys=node.keys)
        if name != "item" or row.status != SENT or answer.peer != row.counterpart:
            continue
        if answer.received:
            _received(conn, node, row, answer)
        else:
            _refused(conn, node, row, answer)


def _received(conn: Connection, node: Node, row: Any, answer: Answered) -> None:
    doc = dict(row.document)
    planned = doc["transfer"]
    action = str(doc.get("action") or RELEASE)
    marked = str(answer.answer.get("marked") or planned["level"])
    transfer = Transfer(
        item_id=str(row.item_id),
        from_nation=node.nation,
        to_nation=answer.peer,
        at=answer.at,
        level=marked,
        basis=str(planned["basis"]),
        consent_id=str(planned.get("consent_id") or ""),
        hub=str(planned.get("hub") or ""),
    )
    now = node.clock()
    _record(conn, transfer, message_id=answer.message_id, reported_by=node.nation)
    originator = str(row.originator or "")
    report = None
    if originator and originator != node.nation and node.peer_card(originator) is not None:
        report = messages.send(
            conn,
            node,
            kind=Kind.TRANSFER_REPORT,
            peer=originator,
            document=transfer_json(transfer),
            item_id=transfer.item_id,
            now=now,
        )
        doc["report"] = {"status": "sent", "to": originator}
    else:
        doc["report"] = {"status": "unsent", "reason": f"{originator} is not a registered partner"}
    doc["messages"] = {**doc.get("messages", {}), "report": report}
    doc["transfer"] = transfer_json(transfer)
    casebook.save(conn, row.id, RECEIVED, doc, now, keys=node.keys)
    _answer_step(conn, row, "received", answer, keys=node.keys)
    if report is not None:
        casebook.step(
            conn,
            row.id,
            at=now,
            actor=node.nation,
            nation=node.nation,
            name="reported",
            document=transfer_json(transfer),
            message_id=report,
            keys=node.keys,
        )
    differs = "" if marked == planned["level"] else f" (not {planned['level']} as expected)"
    told = f"; reported to {originator}" if report else f"; {originator} could not be told"
    decision = Decision.allow(
        f"{answer.peer} received {transfer.item_id}, marked {marked}{differs}: custody passed "
        f"from {node.nation} under {transfer.basis}{told}",
        HUB_ARTICLE if transfer.hub else THIRD_PARTY,
        "R28",
    )
    entry = audit.Entry(
        answer.peer,
        f"{action}_received:{answer.peer}",
        transfer.item_id,
        decision,
        also=tuple(m for m in (answer.message_id, row.id, report) if m),
        details={"marked": marked},
    )
    audit.record_all(conn, [entry], now)


def _refused(conn: Connection, node: Node, row: Any, answer: Answered) -> None:
    doc = dict(row.document)
    action = str(doc.get("action") or RELEASE)
    hub = bool(doc["transfer"].get("hub"))
    now = node.clock()
    doc["refusal"] = {
        "by": answer.peer,
        "reason": answer.reason,
        "article": answer.article or None,
        "at": answer.at.isoformat(),
    }
    casebook.save(conn, row.id, REFUSED, doc, now, keys=node.keys)
    _answer_step(conn, row, "refused", answer, keys=node.keys)
    decision = Decision.deny(
        f"{answer.peer} refused {row.item_id}: {answer.reason}. {node.nation} keeps custody; "
        f"no transfer is recorded or reported to {row.originator}",
        answer.article or (HUB_ARTICLE if hub else THIRD_PARTY),
        "R28",
    )
    entry = audit.Entry(
        answer.peer,
        f"{action}_refused:{answer.peer}",
        str(row.item_id),
        decision,
        also=(answer.message_id, row.id),
    )
    audit.record_all(conn, [entry], now)


def _report_answered(conn: Connection, node: Node, answers: Sequence[Answered]) -> None:
    """The originator's answer to this node's report of an onward transfer (R12, R17)."""
    for found, name, answer in casebook.awaiting(conn, ONWARD, answers, keys=node.keys):
        row = casebook.load(conn, ONWARD, found.id, keys=node.keys)
        doc = dict(row.document)
        report = doc.get("report") or {}
        if name != "report" or report.get("status") != "sent":
            continue
        now = node.clock()
        if answer.received:
            doc["report"] = {**report, "status": "acknowledged", "at": answer.at.isoformat()}
            step = "report_acknowledged"
        else:
            doc["report"] = {
                **report,
                "status": "refused",
                "reason": answer.reason,
                "at": answer.at.isoformat(),
            }
            step = "report_refused"
            refused = Decision.deny(
                f"{answer.peer} refused the report of passing {row.item_id} to "
                f"{row.counterpart}: {answer.reason}",
                answer.article or THIRD_PARTY,
                "R12",
            )
            audit.record_all(
                conn,
                [
                    audit.Entry(
                        answer.peer,
                        "transfer_report_refused",
                        str(row.item_id),
                        refused,
                        also=(answer.message_id, row.id),
                    )
                ],
                now,
            )
        casebook.save(conn, row.id, row.status, doc, now, keys=node.keys)
        _answer_step(conn, row, step, answer, keys=node.keys)


def _on_report(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    """The originator records a holder's report of passing its item on."""
    doc = incoming.document
    item_id = messages.text(doc, "item_id", limit=64)
    transfer = Transfer(
        item_id=item_id,
        from_nation=messages.text(doc, "from", limit=4),
        to_nation=messages.text(doc, "to", limit=4),
        at=messages.when(doc, "at"),
        level=messages.text(doc, "level", limit=64),
        basis=messages.text(doc, "basis", limit=64),
        consent_id=str(doc.get("consent_id") or ""),
        hub=str(doc.get("hub") or ""),
    )
    require_party(incoming, transfer.from_nation, "the nation that made the transfer")
    owner = items.originator_of(conn, item_id)
    if owner != node.nation:
        raise NotFound(f"{node.nation} is not the originator of an item {item_id}")
    if transfer.consent_id:
        case = casebook.find(conn, "consent", transfer.consent_id, keys=node.keys)
        request = case.document["request"] if case else {}
        if (
            not case
            or case.counterpart != incoming.sender
            or request.get("recipient") != transfer.to_nation
        ):
            # The originator must know of it all the more: recorded, and logged as what it is.
            _record(conn, transfer, message_id=incoming.id, reported_by=incoming.sender)
            noted = Decision.allow(
                f"recorded {incoming.sender}'s report of passing {item_id} to "
                f"{transfer.to_nation} under {transfer.consent_id}, a consent {node.nation} "
                "never gave for that",
                THIRD_PARTY,
                "R12",
            )
            return Outcome(noted, item_id, {"item": item_id, "noted": "unconsented"})
    new = _record(conn, transfer, message_id=incoming.id, reported_by=incoming.sender)
    decision = Decision.allow(
        f"{incoming.sender} passed {item_id} to {transfer.to_nation} as {transfer.level} under "
        f"{transfer.basis}"
        + (f" with consent {transfer.consent_id}" if transfer.consent_id else "")
        + (f" via hub {transfer.hub}" if transfer.hub else "")
        + ("" if new else " (known already)"),
        THIRD_PARTY,
        "R12" if not transfer.hub else "R47",
    )
    return Outcome(decision, item_id, {"item": item_id})


HANDLERS: dict[Kind, Handler] = {Kind.TRANSFER_REPORT: _on_report}
ANSWERED: dict[Kind, AnswerHook] = {
    Kind.ITEM: _item_answered,
    Kind.TRANSFER_REPORT: _report_answered,
}
