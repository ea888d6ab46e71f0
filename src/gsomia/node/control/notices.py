"""The originator's side of a classification change: the notice and its acknowledgements (R14).

Only the originator's officer changes the classification of one of its own items (Art. 6(g)).
The originator's node re-marks its item and its own copies and derivatives (`marks`) and sends
a signed `classification_notice` to every nation it knows holds the item: those it provided it
to, and third nations reached by consent or through a hub (the `transfers` table). It keeps one
`cases` row per notice (`notice_case`) listing who holds the item and who acknowledged; the
rest are outstanding. Each holder applies the notice and acknowledges it (`remarking`).
The notice carries this node's fresh binding of the new label to the item's content (ADR
0061), which each holder keeps in place of the old one.

A holder's own attempt to change a classification is refused and logged (`remarking`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise, refuse
from gsomia.node.control import casebook
from gsomia.node.control.marks import copies_followed, own_item, relabel, remark_own_copies
from gsomia.node.control.messages import Handler, Incoming, Outcome, text, wake, when
from gsomia.node.control.notice_case import (
    ACK,
    ARTICLE,
    CASE,
    DONE,
    OPEN,
    NoticeView,
    ack_json,
    acks,
    get_notice,
)
from gsomia.node.control.notice_draft import (
    Addressed,
    draft,
    holders_chain,
    notice_doc,
    send_notices,
)
from gsomia.node.control.remarking import refuse_holder_change
from gsomia.node.runtime import Node
from gsomia.seal import bind
from gsomia.store import cases, items
from gsomia.store.users import UserRecord
from gsomia.treaty.classification import (
    DECLASSIFIED,
    Acknowledgement,
    ClassificationNotice,
    may_issue_notice,
    may_take_acknowledgement,
    outstanding_acknowledgements,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.roles import Action

__all__ = ["HANDLERS", "reclassify"]


def reclassify(
    node: Node,
    officer: UserRecord,
    item_id: str,
    *,
    change: str,
    level: str | None,
    effective: datetime | None = None,
) -> NoticeView:
    """The originator's officer changes the classification of one of this nation's items.

    The item is re-marked, a notice is sent to every holder known here, and the notice is
    returned with its holders (all outstanding until they acknowledge). A holder's attempt, on
    an item it received, is refused with the reason (R14).
    """
    now = node.clock()
    with node.reader.connect() as conn:
        row = items.get(conn, item_id, node.vault)
    if row is None:
        refuse_holder_change(node, officer, item_id)  # raises for a held item, else NotFound
    assert row is not None
    person, allowed = authorise(node, officer, Action.CHANGE_CLASSIFICATION, item_id)
    item = own_item(node, row)
    notice = draft(node, officer, item, change=change, level=level, effective=effective or now)
    decision = may_issue_notice(person, item, notice, now)
    if not decision.allowed:
        refuse(
            node,
            actor=officer.name,
            action="reclassify",
            subject=item_id,
            decision=decision,
            now=now,
        )
    new_level = notice.new_level
    marking = new_level.native if new_level is not None else DECLASSIFIED
    label = relabel(row.label, marking)
    # A fresh binding of the new label to the same content (ADR 0061): the holders keep it in
    # place of the old one, so what they pass on later still verifies as this nation's word.
    binding = bind(node.keys, item_id, label, row.content)
    with node.engine.begin() as conn:
        # Lock the item: two officers' notices must not both start from the old level.
        current = items.lock_level(conn, item_id)
        if current != row.level:
            raise Conflict(f"{item_id} was re-marked {current} meanwhile", hint="try again")
        document = notice_doc(notice)
        chain = holders_chain(conn, node, item_id)
        sent = send_notices(conn, node, chain, document=document, binding=binding, now=now)
        items.set_marking(conn, item_id, marking, label, node.vault)
        remarked = remark_own_copies(conn, node, item, new_level)
        _open_case(
            conn, node, officer, notice, document=document, sent=sent, remarked=remarked, now=now
        )
        details = {
            "previous": notice.previous.native,
            "level": marking,
            "holders": sent.holders,
            **audit.kept_as("item", item_id, marking=marking),
        }
        # Each own copy's marking is logged as a holder's are (`remarking`): verify holds it.
        followed = copies_followed(officer.name, item_id, remarked, notice.id)
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.CHANGE_CLASSIFICATION.value, item_id, allowed),
                audit.Entry(officer.name, "reclassify", item_id, decision, (notice.id,), details),
                *followed,
            ],
            now,
        )
    wake(node, Precedence.IMMEDIATE)
    return get_notice(node, notice.id)


def _open_case(
    conn: Connection,
    node: Node,
    officer: UserRecord,
    notice: ClassificationNotice,
    *,
    document: dict[str, Any],
    sent: Addressed,
    remarked: dict[str, str],
    now: datetime,
) -> None:
    """The notice's case: every holder outstanding until it acknowledges, done if none."""
    holders = sent.holders
    case_doc = {
        **document,
        "direction": "sent",
        "holders": holders,
        "acknowledged": [],
        "outstanding": holders,
        "messages": sent.messages,
        "unreachable": sent.unreachable,
        "copies": list(remarked),
    }
    casebook.insert(
        conn,
        case_id=notice.id,
        kind=CASE,
        item_id=notice.item_id,
        originator=node.nation,
        counterpart=holders[0] if len(holders) == 1 else "*",
        opened_by=node.nation,
        status=OPEN if holders else DONE,
        document=case_doc,
        now=now,
        keys=node.keys,
    )
    casebook.step(
        conn,
        notice.id,
        at=now,
        actor=officer.name,
        nation=node.nation,
        name="issued",
        document={**document, "holders": holders},
        keys=node.keys,
    )


# Acknowledgements back at the originator -----------------------------------------------------


def _on_acknowledgement(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    notice_id = text(doc, "notice", limit=64)
    row = cases.find(conn, CASE, notice_id, lock=True, keys=node.keys)
    if row is None or row.document.get("direction") != "sent":
        raise NotFound(f"{node.nation} issued no notice {notice_id}")
    case = dict(row.document)
    taken = may_take_acknowledgement(incoming.sender, notice_id, row.item_id, case["holders"])
    if not taken.allowed:
        return Outcome(taken, notice_id)
    level = text(doc, "level", limit=64, empty=True)
    if bool(level) != bool(case["level"]):
        raise InputError(f"the acknowledgement's level {level!r} does not match the notice")
    ack = Acknowledgement(
        notice_id, incoming.sender, text(doc, "holding", limit=64), level, when(doc, "at")
    )
    acked = acks(notice_id, case["acknowledged"])
    if any(a.holder == ack.holder for a in acked):
        return Outcome(
            Decision.allow(f"{ack.holder} acknowledged {notice_id} already", ARTICLE, "R14"),
            notice_id,
        )
    acked.append(ack)
    notice = ClassificationNotice(
        id=notice_id,
        item_id=row.item_id,
        originator=node.nation,
        previous=node.schemes.parse(node.nation, case["previous"]),
        new_level=node.schemes.parse(node.nation, case["level"]) if case["level"] else None,
        effective=datetime.fromisoformat(case["effective"]),
        issued_at=datetime.fromisoformat(case["issued_at"]),
        issued_by=case["issued_by"],
        verified=True,
    )
    waiting = outstanding_acknowledgements([notice], acked, {row.item_id: case["holders"]})
    case["acknowledged"] = [ack_json(a) for a in acked]
    case["outstanding"] = [nation for _, nation in waiting]
    now = incoming.at
    casebook.save(conn, notice_id, OPEN if waiting else DONE, case, now, keys=node.keys)
    casebook.step(
        conn,
        notice_id,
        at=now,
        actor=incoming.sender,
        nation=incoming.sender,
        name="acknowledged",
        document=ack_json(ack),
        message_id=incoming.id,
        signature=incoming.signed.decode("ascii"),
        keys=node.keys,
    )
    marked = ack.level or DECLASSIFIED
    return Outcome(
        Decision.allow(
            f"{ack.holder} re-marked {ack.holding_id} {marked} under notice {notice_id}",
            ARTICLE,
            "R14",
        ),
        notice_id,
        {"notice": notice_id, "outstanding": case["outstanding"]},
    )


HANDLERS: dict[Kind, Handler] = {ACK: _on_acknowledgement}
