"""Classification changes between nodes: the originator's notice, every holder's re-marking (R14).

Only the originator's officer changes the classification of one of its own items (Art. 6(g)).
The originator's node re-marks its item and sends a signed `classification_notice` to every
nation it knows holds the item: those it provided it to, and third nations reached by consent
or through a hub (the `transfers` table). Each holder's node checks that the notice comes from
the item's originator, lets the treaty core re-mark its holding through the chain of agreements
the item travelled, re-marks its copies, translations and derivatives, and sends back a signed
`notice_acknowledgement`. The originator keeps one `cases` row per notice (kind "notice") whose
document lists who holds the item and who acknowledged; the rest are outstanding.

A holder's own attempt to change a classification is refused and logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from gsomia.errors import Conflict, InputError, NotFound, PolicyDenied
from gsomia.labels import label_from_obj, label_to_obj
from gsomia.node import audit
from gsomia.node.control.messages import Handler, Incoming, Outcome, send, text, texts, wake, when
from gsomia.node.release import authorise
from gsomia.node.runtime import Node
from gsomia.store.tables import case_steps, cases, copies, holdings, items, outbox, transfers
from gsomia.store.users import UserRecord
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.classification import (
    DECLASSIFIED,
    Acknowledgement,
    ChangeKind,
    ClassificationNotice,
    acknowledge,
    apply_notice,
    may_apply_notice,
    may_issue_notice,
    outstanding_acknowledgements,
)
from gsomia.treaty.custody import Copy, markings_of, remark
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_change_classification
from gsomia.treaty.derivatives import (
    Derivative,
    DerivativeKind,
    derivative_marking,
    remark_derivative,
)
from gsomia.treaty.items import Holding, Item, Precedence
from gsomia.treaty.onward import CustodyChain, Transfer
from gsomia.treaty.roles import Action
from gsomia.treaty.schemes import Level

__all__ = [
    "ACK",
    "DECLASSIFIED",
    "HANDLERS",
    "NOTICE",
    "NoticeView",
    "get_notice",
    "list_notices",
    "reclassify",
    "refuse_holder_change",
]

NOTICE = "classification_notice"
ACK = "notice_acknowledgement"
CASE = "notice"
ARTICLE = "Art. 6(g)"
OPEN, DONE, APPLIED = "awaiting acknowledgements", "acknowledged", "applied"


# Views ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeView:
    """A notice as either side shows it: the originator's with holders and acknowledgements,
    a holder's with what it re-marked."""

    id: str
    direction: str  # sent | received
    item_id: str
    originator: str
    change: str
    previous: str
    level: str | None  # None once declassified
    effective: datetime
    issued_at: datetime
    issued_by: str
    holders: list[str]
    acknowledged: list[dict[str, Any]]
    outstanding: list[str]
    refused: list[dict[str, Any]]
    status: str
    holding_id: str | None = None
    local_previous: str | None = None
    local_level: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "direction": self.direction,
            "item_id": self.item_id,
            "originator": self.originator,
            "change": self.change,
            "previous": self.previous,
            "level": self.level,
            "effective": self.effective.isoformat(),
            "issued_at": self.issued_at.isoformat(),
            "issued_by": self.issued_by,
            "holders": self.holders,
            "acknowledged": self.acknowledged,
            "outstanding": self.outstanding,
            "refused": self.refused,
            "status": self.status,
            "holding_id": self.holding_id,
            "local_previous": self.local_previous,
            "local_level": self.local_level,
        }


def _view(conn: Connection, row: Any) -> NoticeView:
    doc = row["document"]
    sent = doc["direction"] == "sent"
    refused: list[dict[str, Any]] = []
    if sent and doc["messages"]:
        answers = conn.execute(
            select(outbox.c.peer, outbox.c.answer).where(
                outbox.c.message_id.in_(list(doc["messages"].values())),
                outbox.c.state == "rejected",
            )
        )
        for peer, answer in answers:
            inner = (answer or {}).get("answer", {})
            refused.append(
                {
                    "holder": peer,
                    "reason": inner.get("reason", ""),
                    "article": inner.get("article", ""),
                }
            )
    return NoticeView(
        id=row["id"],
        direction=doc["direction"],
        item_id=row["item_id"],
        originator=row["originator"],
        change=doc["change"],
        previous=doc["previous"],
        level=doc["level"] or None,
        effective=datetime.fromisoformat(doc["effective"]),
        issued_at=datetime.fromisoformat(doc["issued_at"]),
        issued_by=doc["issued_by"],
        holders=list(doc.get("holders", [])),
        acknowledged=list(doc.get("acknowledged", [])),
        outstanding=list(doc.get("outstanding", [])),
        refused=sorted(refused, key=lambda r: r["holder"]),
        status=row["status"],
        holding_id=doc.get("holding_id"),
        local_previous=doc.get("local_previous"),
        local_level=doc.get("local_level"),
    )


def list_notices(node: Node) -> list[NoticeView]:
    """Every notice this node sent or received, newest first."""
    with node.reader.connect() as conn:
        rows = conn.execute(
            select(cases).where(cases.c.kind == CASE).order_by(cases.c.opened_at.desc())
        ).mappings()
        return [_view(conn, row) for row in rows.all()]


def get_notice(node: Node, notice_id: str) -> NoticeView:
    with node.reader.connect() as conn:
        row = (
            conn.execute(select(cases).where(cases.c.id == notice_id, cases.c.kind == CASE))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(
                f"no classification notice {notice_id}",
                hint="`gsomia notice list` shows the notices this node sent and received",
            )
        return _view(conn, row)


# Treaty values from rows ---------------------------------------------------------------------


def _parse(node: Node, nation: str, marking: str, at: datetime) -> Level:
    if marking == DECLASSIFIED:
        raise Conflict(f"{marking} is not a classification level: the item was declassified")
    return node.schemes.parse(nation, marking, at=at.date())


def _own_item(node: Node, row: Any) -> Item:
    """This node's own item as the treaty sees it (its agreement is per partner: none here)."""
    created = row["created_at"]
    return Item(
        id=row["id"],
        originator=node.nation,
        level=_parse(node, node.nation, row["level"], created),
        purpose=row["purpose"],
        agreement_id="(originator's own)",
        agreement_version=1,
        releasable_to=frozenset(row["releasable_to"]),
        precedence=Precedence[row["precedence"]],
        caveats=frozenset(row["caveats"]),
        created_at=created,
    )


def _held(node: Node, row: Any) -> Holding:
    """A holding row as the treaty sees it, consent and approved purposes included."""
    original = label_from_obj(row["original_label"])
    created = original.created_at
    item = Item(
        id=row["item_id"],
        originator=row["originator"],
        level=_parse(node, row["originator"], original.classification, created),
        purpose=row["purpose"],
        agreement_id=row["agreement_id"],
        agreement_version=row["agreement_version"],
        releasable_to=original.releasable_to,
        precedence=Precedence[row["precedence"]],
        caveats=original.caveats,
        created_at=created,
    )
    return Holding(
        id=row["id"],
        item=item,
        holder=node.nation,
        level=_parse(node, node.nation, row["local_level"], row["received_at"]),
        approved_purposes=frozenset(row["approved_purposes"] or ()),
        destroyed=row["state"] == "destroyed",
        consent_id=row["consent_id"] or "",
    )


def _relabel(label: Mapping[str, Any], classification: str) -> dict[str, Any]:
    """`label` (a STANAG 4774 label object) with its classification replaced, all else kept."""
    return label_to_obj(replace(label_from_obj(label), classification=classification))


# The originator ------------------------------------------------------------------------------


def _chain(conn: Connection, node: Node, item_id: str) -> CustodyChain:
    """Every nation this node knows holds `item_id` and by which path: its own deliveries the
    partner received (outbox), then the `transfers` it recorded or was told of, de-duplicated."""
    found: dict[str, Transfer] = {}
    delivered = conn.execute(
        select(outbox.c.peer, outbox.c.agreement_id, outbox.c.settled_at, outbox.c.created_at)
        .where(outbox.c.item_id == item_id, outbox.c.kind == "item", outbox.c.state == "received")
        .order_by(outbox.c.id)
    )
    for peer, basis, settled, created in delivered:
        if peer != node.nation and peer not in found:
            found[peer] = Transfer(item_id, node.nation, peer, settled or created, "", basis or "")
    moved = conn.execute(
        select(transfers).where(transfers.c.item_id == item_id).order_by(transfers.c.at)
    ).mappings()
    for t in moved:
        if t["to_nation"] != node.nation and t["to_nation"] not in found:
            found[t["to_nation"]] = Transfer(
                item_id,
                t["from_nation"],
                t["to_nation"],
                t["at"],
                t["level"],
                t["basis"],
                t["consent_id"] or "",
                t["hub"] or "",
            )
    return CustodyChain(item_id, node.nation, tuple(found.values()))


def _path(chain: CustodyChain, holder: str) -> tuple[str, ...] | None:
    """The agreements on the path to `holder` (None if the chain does not lead back to us)."""
    by_receiver = {t.to_nation: t for t in chain.transfers}
    bases: list[str] = []
    nation = holder
    for _ in range(len(by_receiver) + 1):
        if nation == chain.originator:
            return tuple(reversed(bases))
        link = by_receiver.get(nation)
        if link is None:
            return None
        bases.append(link.basis)
        nation = link.from_nation
    return None


def _notice_doc(notice: ClassificationNotice) -> dict[str, Any]:
    return {
        "notice": notice.id,
        "item_id": notice.item_id,
        "originator": notice.originator,
        "change": notice.kind.value,
        "previous": notice.previous.native,
        "level": notice.new_level.native if notice.new_level is not None else "",
        "effective": notice.effective.isoformat(),
        "issued_at": notice.issued_at.isoformat(),
        "issued_by": notice.issued_by,
    }


def _copy_rows(conn: Connection, item_id: str, source_id: str) -> list[dict[str, Any]]:
    """Copies and translations of `item_id`, and derivatives made from `source_id` (a holding,
    or the originator's own item)."""
    rows = conn.execute(select(copies).where(copies.c.state != "destroyed")).mappings()
    found = []
    for row in rows:
        details = row["details"] if isinstance(row["details"], dict) else {}
        if row["kind"] == "derivative":
            if source_id in details.get("sources", ()) or row["item_id"] == item_id:
                found.append(dict(row))
        elif row["item_id"] == item_id:
            found.append(dict(row))
    return found


def _draft(
    node: Node,
    officer: UserRecord,
    item: Item,
    *,
    change: str,
    level: str | None,
    effective: datetime,
) -> ClassificationNotice:
    """The notice the officer asks for, checked for what it says (not yet for who may say it)."""
    now = node.clock()
    try:
        kind = ChangeKind(change)
    except ValueError as exc:
        raise InputError(
            f"{change!r} is not a classification change",
            hint="use downgrade, upgrade or declassify",
        ) from exc
    created = item.created_at or now
    if kind is ChangeKind.DECLASSIFY:
        if level:
            raise InputError("a declassification names no new level", hint="omit --level")
        new_level = None
    else:
        if not level:
            raise InputError(f"a {kind.value} names the new level", hint="give --level")
        new_level = _parse(node, node.nation, level, created)
    if effective > now:
        raise InputError(
            "a classification notice takes effect when it is issued or earlier",
            hint="issue the notice on the day the change takes effect",
        )
    if new_level == item.level:
        raise InputError(f"{item.id} is {item.level} already", hint="name a different level")
    notice = ClassificationNotice(
        id=f"{node.nation}-notice-{uuid.uuid4().hex[:12]}",
        item_id=item.id,
        originator=node.nation,
        previous=item.level,
        new_level=new_level,
        effective=effective,
        issued_at=now,
        issued_by=officer.name,
        verified=True,
    )
    if notice.kind is not kind:
        raise InputError(
            f"{item.level} → {new_level} is a {notice.kind.value}, not a {kind.value}",
            hint=f"use --change {notice.kind.value}",
        )
    return notice


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
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
    if row is None:
        refuse_holder_change(node, officer, item_id)  # raises for a held item, else NotFound
    assert row is not None
    person, allowed = authorise(node, officer, Action.CHANGE_CLASSIFICATION, item_id)
    item = _own_item(node, row)
    notice = _draft(node, officer, item, change=change, level=level, effective=effective or now)
    decision = may_issue_notice(person, item, notice, now)
    if not decision.allowed:
        with node.engine.begin() as conn:
            audit.record(
                conn,
                actor=officer.name,
                action="reclassify",
                subject=item_id,
                decision=decision,
                now=now,
            )
        decision.enforce()
    new_level = notice.new_level
    marking = new_level.native if new_level is not None else DECLASSIFIED
    with node.engine.begin() as conn:
        # Lock the item: two officers' notices must not both start from the old level.
        current = conn.execute(
            select(items.c.level).where(items.c.id == item_id).with_for_update()
        ).scalar_one()
        if current != row["level"]:
            raise Conflict(f"{item_id} was re-marked {current} meanwhile", hint="try again")
        chain = _chain(conn, node, item_id)
        holders = sorted(t.to_nation for t in chain.transfers)
        messages: dict[str, str] = {}
        unreachable: list[str] = []
        document = _notice_doc(notice)
        for holder in holders:
            path = _path(chain, holder)
            if path is None or node.peer_card(holder) is None:
                unreachable.append(holder)
                continue
            messages[holder] = send(
                conn,
                node,
                kind=NOTICE,
                peer=holder,
                document={**document, "via": list(path[1:]), "holder": holder},
                precedence=Precedence.IMMEDIATE,
                now=now,
            )
        conn.execute(
            update(items)
            .where(items.c.id == item_id)
            .values(level=marking, label=_relabel(row["label"], marking))
        )
        remarked = _remark_own_copies(conn, node, item, new_level)
        case_doc = {
            **document,
            "direction": "sent",
            "holders": holders,
            "acknowledged": [],
            "outstanding": holders,
            "messages": messages,
            "unreachable": unreachable,
            "copies": remarked,
        }
        conn.execute(
            cases.insert().values(
                id=notice.id,
                kind=CASE,
                item_id=item_id,
                originator=node.nation,
                counterpart=holders[0] if len(holders) == 1 else "*",
                opened_by=node.nation,
                status=OPEN if holders else DONE,
                document=case_doc,
                opened_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            case_steps.insert().values(
                case_id=notice.id,
                at=now,
                actor=officer.name,
                nation=node.nation,
                step="issued",
                document={**document, "holders": holders},
            )
        )
        details = {"previous": notice.previous.native, "level": marking, "holders": holders}
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.CHANGE_CLASSIFICATION.value, item_id, allowed),
                audit.Entry(officer.name, "reclassify", item_id, decision, (notice.id,), details),
            ],
            now,
        )
    wake(node, Precedence.IMMEDIATE)
    return get_notice(node, notice.id)


def _remark_own_copies(
    conn: Connection, node: Node, before: Item, after: Level | None
) -> list[str]:
    """The originator's own copies and derivatives of its item follow its new marking."""
    marking = after.native if after is not None else DECLASSIFIED
    own = Holding(before.id, before, node.nation, before.level)
    current = (
        Holding(before.id, replace(before, level=after), node.nation, after) if after else None
    )
    changed = []
    for row in _copy_rows(conn, before.id, before.id):
        if row["kind"] == "derivative":
            level = _derivative_level(conn, node, row, own, current)
        elif row["holding_id"] is None:
            level = marking
        else:
            continue
        conn.execute(
            update(copies)
            .where(copies.c.id == row["id"])
            .values(
                level=level,
                label=_relabel_any(
                    row["label"], {before.level.native: marking, row["level"]: level}
                ),
            )
        )
        changed.append(row["id"])
    return changed


def refuse_holder_change(node: Node, user: UserRecord, holding_id: str) -> None:
    """A holder tries to change the classification of an item it received: always refused
    (R14), and logged. `NotFound` when this node neither holds nor originated it."""
    now = node.clock()
    with node.reader.connect() as conn:
        row = (
            conn.execute(
                select(holdings).where(
                    (holdings.c.id == holding_id) | (holdings.c.item_id == holding_id)
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(
            f"no item or holding {holding_id} here",
            hint="`gsomia item list` shows this node's items and holdings",
        )
    decision = may_change_classification(node.nation, _held(node, row).item)
    with node.engine.begin() as conn:
        audit.record(
            conn,
            actor=user.name,
            action="reclassify",
            subject=row["id"],
            decision=decision,
            now=now,
        )
    decision.enforce()
    raise PolicyDenied(  # pragma: no cover - a holder is never the originator of what it holds
        f"{node.nation} holds {row['item_id']} and did not originate it", article=ARTICLE
    )


# The holder ----------------------------------------------------------------------------------

_MARK_KEYS = frozenset(
    {"Classification", "classification", "level", "marking", "original_level", "original_marking"}
)


def _relabel_any(value: Any, mapping: Mapping[str, str]) -> Any:
    """`value` (a label object or any JSON holding markings) with each marking under a marking
    key replaced as `mapping` says: the same rule for labels, copies and translations."""
    if isinstance(value, dict):
        return {
            k: (
                mapping.get(v, v)
                if k in _MARK_KEYS and isinstance(v, str)
                else _relabel_any(v, mapping)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_relabel_any(v, mapping) for v in value]
    return value


def _notice_from(
    node: Node, incoming: Incoming, holding: Holding
) -> tuple[ClassificationNotice, list[str]]:
    doc = incoming.document
    item = holding.item
    created = item.created_at or incoming.at
    notice_id = text(doc, "notice", limit=64)
    if text(doc, "item_id", limit=64) != item.id:
        raise InputError(f"notice {notice_id} names another item than {item.id}")
    if text(doc, "originator", limit=4) != incoming.sender:
        raise InputError(f"notice {notice_id} was signed by {incoming.sender}, not its originator")
    new = text(doc, "level", limit=64, empty=True)
    notice = ClassificationNotice(
        id=notice_id,
        item_id=item.id,
        originator=incoming.sender,
        previous=_parse(node, incoming.sender, text(doc, "previous", limit=64), created),
        new_level=_parse(node, incoming.sender, new, created) if new else None,
        effective=when(doc, "effective"),
        issued_at=when(doc, "issued_at"),
        issued_by=text(doc, "issued_by", limit=100),
        verified=True,  # the envelope verified under the sender's card before this ran
    )
    return notice, texts(doc, "via", limit=64)


def _via(conn: Connection, node: Node, holding: Holding, via: Sequence[str]) -> list[Agreement]:
    """The agreements the item moved on under to reach this nation, checked against the
    transfer this node recorded when it received the item, if it recorded one."""
    own = conn.execute(
        select(transfers.c.basis).where(
            transfers.c.item_id == holding.item.id, transfers.c.to_nation == node.nation
        )
    ).scalar_one_or_none()
    if own is not None and own != holding.item.agreement_id and (not via or via[-1] != own):
        raise PolicyDenied(
            f"the notice's path {list(via)} does not end with {own}, "
            f"the agreement {holding.item.id} reached {node.nation} under",
            article=ARTICLE,
        )
    return [node.agreement(agreement_id) for agreement_id in via]


def _on_notice(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    item_id = text(doc, "item_id", limit=64)
    row = conn.execute(select(holdings).where(holdings.c.item_id == item_id)).mappings().first()
    if row is None:
        raise NotFound(f"{node.nation} holds no {item_id}")
    notice_id = text(doc, "notice", limit=64)
    seen = conn.execute(select(cases).where(cases.c.id == notice_id)).mappings().first()
    if seen is not None:  # the same notice in another message: applied once
        kept = seen["document"]
        return Outcome(
            Decision.allow(f"notice {notice_id} was applied already", ARTICLE, "R14"),
            row["id"],
            {
                "notice": notice_id,
                "holding": row["id"],
                "level": kept.get("local_level") or "",
                "marked": kept.get("local_level") or "",
            },
        )
    holding = _held(node, row)
    origin = may_change_classification(incoming.sender, holding.item)
    if not origin.allowed:
        return Outcome(origin, row["id"])
    notice, via_ids = _notice_from(node, incoming, holding)
    via = _via(conn, node, holding, via_ids)
    agreement = node.agreement(holding.item.agreement_id)
    now = incoming.at
    decision = may_apply_notice(holding, notice, agreement, now, via=via)
    if not decision.allowed:
        return Outcome(decision, row["id"])
    remarking = apply_notice(holding, notice, agreement, now, via=via)
    original = notice.new_level.native if notice.new_level is not None else DECLASSIFIED
    local = remarking.level.native if remarking.level is not None else DECLASSIFIED
    conn.execute(
        update(holdings)
        .where(holdings.c.id == row["id"])
        .values(
            local_level=local,
            local_label=_relabel(row["local_label"], local),
            original_label=_relabel(row["original_label"], original),
        )
    )
    remarked = _remark_copies(
        conn, node, before=holding, after=remarking.holding, original=original, local=local
    )
    ack = acknowledge(remarking, node.nation, now)
    document = {
        **{k: doc[k] for k in ("previous", "level", "effective", "issued_at", "issued_by")},
        "change": notice.kind.value,
        "direction": "received",
        "holders": [node.nation],
        "acknowledged": [_ack_json(ack)],
        "outstanding": [],
        "holding_id": row["id"],
        "local_previous": holding.level.native,
        "local_level": local,
        "via": via_ids,
        "copies": remarked,
    }
    conn.execute(
        cases.insert().values(
            id=notice.id,
            kind=CASE,
            item_id=item_id,
            originator=incoming.sender,
            counterpart=incoming.sender,
            opened_by=incoming.sender,
            status=APPLIED,
            document=document,
            opened_at=now,
            updated_at=now,
        )
    )
    conn.execute(
        case_steps.insert().values(
            case_id=notice.id,
            at=now,
            actor=incoming.sender,
            nation=incoming.sender,
            step="applied",
            document={"holding": row["id"], "from": holding.level.native, "to": local},
            message_id=incoming.id,
            signature=incoming.signed.decode("ascii"),
        )
    )
    send(
        conn,
        node,
        kind=ACK,
        peer=incoming.sender,
        document={
            "notice": ack.notice_id,
            "item_id": item_id,
            "holder": ack.holder,
            "holding": ack.holding_id,
            "level": ack.level,
            "at": ack.at.isoformat(),
        },
        precedence=Precedence.IMMEDIATE,
        now=now,
    )
    entries = [
        audit.Entry(
            incoming.sender,
            "remark",
            copy_id,
            Decision.allow(f"{copy_id} follows {row['id']}: {local}", ARTICLE, "R14"),
            (notice.id,),
        )
        for copy_id in remarked
    ]
    audit.record_all(conn, entries, now)
    wake(node, Precedence.IMMEDIATE)  # the worker also finds it on its next look
    return Outcome(
        decision,
        row["id"],
        {"notice": notice.id, "holding": row["id"], "level": ack.level, "marked": local},
    )


def _remark_copies(
    conn: Connection,
    node: Node,
    *,
    before: Holding,
    after: Holding | None,
    original: str,
    local: str,
) -> list[str]:
    """Re-mark every copy, translation and derivative of the holding (R14); their ids."""
    mapping = {before.item.level.native: original, before.level.native: local}
    changed: list[str] = []
    for row in _copy_rows(conn, before.item.id, before.id):
        if row["kind"] == "derivative":
            level = _derivative_level(conn, node, row, before, after)
        elif after is None:
            level = DECLASSIFIED
        else:
            copy = Copy(
                row["id"],
                before.id,
                before.item.id,
                max(1, row["number"]),
                markings_of(before),
                row["made_by"],
                row["made_at"],
            )
            level = remark(copy, after).markings.level.native
        mapping_row = {**mapping, row["level"]: level}
        conn.execute(
            update(copies)
            .where(copies.c.id == row["id"])
            .values(level=level, label=_relabel_any(row["label"], mapping_row))
        )
        changed.append(row["id"])
    return changed


def _derivative_level(
    conn: Connection,
    node: Node,
    row: Mapping[str, Any],
    before: Holding,
    after: Holding | None,
) -> str:
    """A derivative's marking recomputed from its sources as they now stand (R8, R14)."""
    details = row["details"] if isinstance(row["details"], dict) else {}
    source_ids = [str(s) for s in details.get("sources", [])] or [before.id]
    sources: list[Holding] = []
    for source_id in source_ids:
        if source_id in {before.id, before.item.id}:
            if after is not None:
                sources.append(after)
            continue
        source = _source(conn, node, source_id)
        if source is None:
            raise Conflict(f"derivative {row['id']} names a source {source_id} not held here")
        if isinstance(source, Holding):
            sources.append(source)
    if not sources:
        return DECLASSIFIED
    kinds = {k.value for k in DerivativeKind}
    kind = details.get("kind")
    derivative = Derivative(
        row["id"],
        DerivativeKind(kind) if kind in kinds else DerivativeKind.COMPILATION,
        node.nation,
        derivative_marking(sources),
        tuple(s.id for s in sources),
        tuple(s.item.id for s in sources),
        row["made_by"],
        row["made_at"],
    )
    return remark_derivative(derivative, sources).marking.level.native


def _source(conn: Connection, node: Node, source_id: str) -> Holding | str | None:
    """Another source of a derivative as it stands: a holding, this node's own item (as the
    originator's holding), DECLASSIFIED, or None if unknown here."""
    held = conn.execute(select(holdings).where(holdings.c.id == source_id)).mappings().first()
    if held is not None:
        return DECLASSIFIED if held["local_level"] == DECLASSIFIED else _held(node, held)
    own = conn.execute(select(items).where(items.c.id == source_id)).mappings().first()
    if own is None:
        return None
    if own["level"] == DECLASSIFIED:
        return DECLASSIFIED
    item = _own_item(node, own)
    return Holding(item.id, item, node.nation, item.level)


# Acknowledgements back at the originator -----------------------------------------------------


def _ack_json(ack: Acknowledgement) -> dict[str, Any]:
    return {
        "holder": ack.holder,
        "holding_id": ack.holding_id,
        "level": ack.level,
        "at": ack.at.isoformat(),
    }


def _acks(notice_id: str, entries: Iterable[Mapping[str, Any]]) -> list[Acknowledgement]:
    return [
        Acknowledgement(
            notice_id, e["holder"], e["holding_id"], e["level"], datetime.fromisoformat(e["at"])
        )
        for e in entries
    ]


def _on_acknowledgement(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    notice_id = text(doc, "notice", limit=64)
    row = (
        conn.execute(
            select(cases).where(cases.c.id == notice_id, cases.c.kind == CASE).with_for_update()
        )
        .mappings()
        .first()
    )
    if row is None or row["document"].get("direction") != "sent":
        raise NotFound(f"{node.nation} issued no notice {notice_id}")
    case = dict(row["document"])
    if incoming.sender not in case["holders"]:
        return Outcome(
            Decision.deny(
                f"{incoming.sender} was not sent notice {notice_id}: it holds no {row['item_id']}"
                " known here",
                ARTICLE,
                "R14",
            ),
            notice_id,
        )
    level = text(doc, "level", limit=64, empty=True)
    if bool(level) != bool(case["level"]):
        raise InputError(f"the acknowledgement's level {level!r} does not match the notice")
    ack = Acknowledgement(
        notice_id, incoming.sender, text(doc, "holding", limit=64), level, when(doc, "at")
    )
    acks = _acks(notice_id, case["acknowledged"])
    if any(a.holder == ack.holder for a in acks):
        return Outcome(
            Decision.allow(f"{ack.holder} acknowledged {notice_id} already", ARTICLE, "R14"),
            notice_id,
        )
    acks.append(ack)
    notice = ClassificationNotice(
        id=notice_id,
        item_id=row["item_id"],
        originator=node.nation,
        previous=node.schemes.parse(node.nation, case["previous"]),
        new_level=node.schemes.parse(node.nation, case["level"]) if case["level"] else None,
        effective=datetime.fromisoformat(case["effective"]),
        issued_at=datetime.fromisoformat(case["issued_at"]),
        issued_by=case["issued_by"],
        verified=True,
    )
    waiting = outstanding_acknowledgements([notice], acks, {row["item_id"]: case["holders"]})
    case["acknowledged"] = [_ack_json(a) for a in acks]
    case["outstanding"] = [nation for _, nation in waiting]
    now = incoming.at
    conn.execute(
        update(cases)
        .where(cases.c.id == notice_id)
        .values(document=case, status=OPEN if waiting else DONE, updated_at=now)
    )
    conn.execute(
        case_steps.insert().values(
            case_id=notice_id,
            at=now,
            actor=incoming.sender,
            nation=incoming.sender,
            step="acknowledged",
            document=_ack_json(ack),
            message_id=incoming.id,
            signature=incoming.signed.decode("ascii"),
        )
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


HANDLERS: dict[str, Handler] = {NOTICE: _on_notice, ACK: _on_acknowledgement}
