"""Reporting a loss or compromise, and the originator's notification of it (R37, Art. 17).

Anyone on the holder's node reports an actual or possible loss or compromise of a holding (or
of one of the node's own items). In one transaction the node opens the case, logs the report
and queues a signed `compromise_report` to the originator's node at FLASH precedence; the
originator's node (`HANDLERS`) opens its side of the case under the same id and alerts its
connected officers. The originator's signed answer carries its receipt time, the moment of
notification (`compromise` applies it). The first step of the case, kept apart from the
investigation that follows it because anyone may report, and at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound, PolicyDenied
from gsomia.exchange.incoming import require_party
from gsomia.exchange.kinds import Kind
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node import audit
from gsomia.node.authority import authorise
from gsomia.node.control import casebook, messages
from gsomia.node.control.compromise import (
    ARTICLE,
    HOLDER,
    KIND,
    NOTIFICATION_SLA,
    ORIGINATOR,
    alert_body,
    case_document,
    case_json,
    incoming_step,
    view,
)
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.officer_alerts import alert_officers
from gsomia.node.runtime import Node
from gsomia.store import holdings, items
from gsomia.store.users import UserRecord
from gsomia.treaty.compromise import (
    NOTIFICATION_PRECEDENCE,
    CompromiseCase,
    CompromiseReport,
    notify_originator,
    open_compromise_case,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.roles import Action


def _target(conn: Connection, node: Node, target: str) -> tuple[str, str]:
    """(item id, originator) of a holding (by holding or item id) or of an own item."""
    row = holdings.get(conn, target, node.vault)
    if row is not None:
        return str(row.item_id), str(row.originator)
    own = items.get_own(conn, target, node.nation, node.vault)
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
        local = originator == node.nation
        if local:
            case = notify_originator(case, now)
            sent = None
        else:
            sent = messages.send(
                conn,
                node,
                kind=Kind.COMPROMISE_REPORT,
                peer=originator,
                document=case_json(case)["report"] | {"case_id": case_id},
                precedence=NOTIFICATION_PRECEDENCE,
                item_id=item_id,
                now=now,
            )
        _open(conn, node, user, case, sent, now)
        audit.record_all(
            conn,
            [audit.Entry(user.name, Action.REPORT_COMPROMISE.value, case_id, allowed)],
            now,
            also=[_reported_event(user, case, now)],
        )
        row = casebook.load(conn, KIND, case_id, keys=node.keys)
    if local:
        alert_officers(node, {"alert": "compromise", **alert_body(row)})
    else:
        messages.wake(node, NOTIFICATION_PRECEDENCE)
    return view(row)


def _open(  # noqa: PLR0917 - the case, the report's message, and who and when
    conn: Connection,
    node: Node,
    user: UserRecord,
    case: CompromiseCase,
    sent: str | None,
    now: datetime,
) -> None:
    """The reporting node's case, and its first step: reported (with the message to the
    originator, unless the item is this node's own)."""
    report_ = case.report
    extra: dict[str, Any] = {
        "side": HOLDER,
        "sla_seconds": NOTIFICATION_SLA.total_seconds(),
        "messages": {} if sent is None else {"report": sent},
    }
    casebook.insert(
        conn,
        case_id=report_.id,
        kind=KIND,
        item_id=min(report_.item_ids),
        originator=report_.originator,
        counterpart=report_.originator,
        opened_by=node.nation,
        status=case.state.value,
        document=case_document(case, extra),
        now=now,
        keys=node.keys,
    )
    casebook.step(
        conn,
        report_.id,
        at=now,
        actor=user.name,
        nation=node.nation,
        name="reported",
        document={"actual": report_.actual, "description": report_.circumstances},
        message_id=sent,
        keys=node.keys,
    )


def _reported_event(user: UserRecord, case: CompromiseCase, now: datetime) -> LogEvent:
    """The log's compromise event of a report, with the decision that let it be made (R37)."""
    report_ = case.report
    item_id = min(report_.item_ids)
    reported = Decision.allow(
        f"{user.name} reported {'a' if report_.actual else 'a possible'} loss or compromise of "
        f"{item_id}; {report_.originator} notified at {NOTIFICATION_PRECEDENCE.name}",
        ARTICLE,
        "R37",
    )
    return LogEvent(
        EventKind.COMPROMISE,
        now,
        user.name,
        (report_.id, item_id),
        {
            "action": "report_compromise",
            "actual": report_.actual,
            "originator": report_.originator,
            "reason": reported.reason,
            "article": ARTICLE,
            "requirement": "R37",
        },
    )


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
    require_party(incoming, holder, "the holder that reported the loss")
    known = items.own_ids(conn, item_ids, node.nation)
    unknown = sorted(set(item_ids) - known)
    if not item_ids or unknown:
        raise NotFound(f"the report names no item of {node.nation}: {', '.join(unknown)}")
    if casebook.find(conn, KIND, case_id, keys=node.keys) is not None:
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
        document=case_document(
            case, {"side": ORIGINATOR, "sla_seconds": NOTIFICATION_SLA.total_seconds()}
        ),
        now=incoming.at,
        keys=node.keys,
    )
    incoming_step(conn, case_id, "report_received", incoming, dict(doc), keys=node.keys)
    alert_officers(
        node,
        {"alert": "compromise", **alert_body(casebook.load(conn, KIND, case_id, keys=node.keys))},
    )
    decision = Decision.allow(
        f"{holder} reported {'a' if actual else 'a possible'} loss or compromise of "
        f"{', '.join(sorted(item_ids))}; case {case_id} opened",
        ARTICLE,
        "R37",
    )
    return Outcome(decision, item_id, {"case": case_id, "notified_at": at.isoformat()})


HANDLERS: dict[Kind, Handler] = {Kind.COMPROMISE_REPORT: _on_report}
