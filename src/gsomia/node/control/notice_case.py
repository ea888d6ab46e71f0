"""The classification-notice case both sides keep, and how it is shown (R14).

The originator keeps one `cases` row (kind "notice") per notice it issues, listing who holds
the item and who acknowledged; each holder keeps one under the same id for the notice it
applied. The message kinds, the case's statuses, its acknowledgement entries and its view are
shared by the originator's side (`notices`) and the holder's (`remarking`), so they live here,
below both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import NotFound
from gsomia.exchange import outbox
from gsomia.exchange.kinds import Kind
from gsomia.node.authority import authorise
from gsomia.node.control import casebook
from gsomia.node.runtime import Node
from gsomia.seal import NodeKeys
from gsomia.store.users import UserRecord
from gsomia.treaty.classification import Acknowledgement
from gsomia.treaty.roles import Action

__all__ = [
    "ACK",
    "NOTICE",
    "NoticeView",
    "get_notice",
    "list_notices",
    "viewable_notice",
    "viewable_notices",
]

NOTICE = Kind.CLASSIFICATION_NOTICE
ACK = Kind.NOTICE_ACKNOWLEDGEMENT
CASE = "notice"
ARTICLE = "Art. 6(g)"
OPEN, DONE, APPLIED = "awaiting acknowledgements", "acknowledged", "applied"


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


def _view(conn: Connection, keys: NodeKeys, row: Any) -> NoticeView:
    m = row._mapping
    doc = m["document"]
    sent = doc["direction"] == "sent"
    refused: list[dict[str, Any]] = []
    if sent and doc["messages"]:
        for sent_to in outbox.of_messages(conn, keys, doc["messages"].values(), state="rejected"):
            inner = (sent_to.answer or {}).get("answer", {})
            refused.append(
                {
                    "holder": sent_to.peer,
                    "reason": inner.get("reason", ""),
                    "article": inner.get("article", ""),
                }
            )
    return NoticeView(
        id=m["id"],
        direction=doc["direction"],
        item_id=m["item_id"],
        originator=m["originator"],
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
        status=m["status"],
        holding_id=doc.get("holding_id"),
        local_previous=doc.get("local_previous"),
        local_level=doc.get("local_level"),
    )


def list_notices(node: Node) -> list[NoticeView]:
    """Every notice this node sent or received, newest first."""
    with node.reader.connect() as conn:
        return [_view(conn, node.keys, row) for row in casebook.all_of(conn, CASE, keys=node.keys)]


def viewable_notices(node: Node, viewer: UserRecord) -> list[NoticeView]:
    """`list_notices` for a person whose role lets them see notices (`Action.VIEW_NOTICES`);
    PolicyDenied, logged, for anyone else."""
    authorise(node, viewer, Action.VIEW_NOTICES, "notices")
    return list_notices(node)


def viewable_notice(node: Node, viewer: UserRecord, notice_id: str) -> NoticeView:
    """`get_notice` for a person who may see notices; PolicyDenied, logged, otherwise."""
    authorise(node, viewer, Action.VIEW_NOTICES, notice_id)
    return get_notice(node, notice_id)


def get_notice(node: Node, notice_id: str) -> NoticeView:
    with node.reader.connect() as conn:
        row = casebook.find(conn, CASE, notice_id, keys=node.keys)
        if row is None:
            raise NotFound(
                f"no classification notice {notice_id}",
                hint="`gsomia notice list` shows the notices this node sent and received",
            )
        return _view(conn, node.keys, row)


def ack_json(ack: Acknowledgement) -> dict[str, Any]:
    """An acknowledgement as the case document keeps it."""
    return {
        "holder": ack.holder,
        "holding_id": ack.holding_id,
        "level": ack.level,
        "at": ack.at.isoformat(),
    }


def acks(notice_id: str, entries: Iterable[Mapping[str, Any]]) -> list[Acknowledgement]:
    """The acknowledgements a case document keeps, as the treaty sees them."""
    return [
        Acknowledgement(
            notice_id, e["holder"], e["holding_id"], e["level"], datetime.fromisoformat(e["at"])
        )
        for e in entries
    ]
