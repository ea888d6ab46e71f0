"""Read what this node holds: the access decision first, the plaintext only after it (R19–R21).

Holdings keep the partner's envelope as it arrived; the content exists in the clear only for
the moment a reader who passed the access decision receives it, and only through a second
full verification of the envelope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gsomia.errors import NotFound
from gsomia.labels import label_from_obj
from gsomia.node import audit
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.seal import open_envelope, parse_card
from gsomia.store.tables import holdings
from gsomia.store.users import UserRecord
from gsomia.treaty.access import may_access
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding, Item, Precedence
from gsomia.treaty.people import Person


@dataclass(frozen=True)
class HoldingView:
    """What anyone on this node may see of a holding without reading it: its markings."""

    id: str
    item_id: str
    title: str
    originator: str
    sender: str
    marking: str  # this nation's equivalent (Art. 4.2)
    original_marking: str  # the originator's, unchanged
    purpose: str
    precedence: str
    media_type: str
    agreement: str
    received_at: datetime
    state: str
    original_label: dict[str, Any]
    local_label: dict[str, Any]


def _view(row: Any) -> HoldingView:
    m = row._mapping
    return HoldingView(
        id=m["id"],
        item_id=m["item_id"],
        title=m["title"],
        originator=m["originator"],
        sender=m["sender"],
        marking=m["local_level"],
        original_marking=m["original_label"]["ConfidentialityInformation"]["Classification"],
        purpose=m["purpose"],
        precedence=m["precedence"],
        media_type=m["media_type"],
        agreement=f"{m['agreement_id']} v{m['agreement_version']}",
        received_at=m["received_at"],
        state=m["state"],
        original_label=m["original_label"],
        local_label=m["local_label"],
    )


def list_holdings(node: Node) -> list[HoldingView]:
    with node.reader.connect() as conn:
        rows = conn.execute(select(holdings).order_by(holdings.c.received_at.desc()))
        return [_view(row) for row in rows]


def _row(node: Node, holding_id: str) -> Any:
    with node.reader.connect() as conn:
        row = conn.execute(
            select(holdings).where(
                (holdings.c.id == holding_id) | (holdings.c.item_id == holding_id)
            )
        ).first()
    if row is None:
        raise NotFound(f"no holding {holding_id}", hint="`gsomia item list` shows what is held")
    return row


def get_holding(node: Node, holding_id: str) -> HoldingView:
    return _view(_row(node, holding_id))


def treaty_holding(node: Node, row: Any) -> Holding:
    """The holding as the access rules see it: levels parsed, releasability from the label."""
    m = row._mapping
    original = label_from_obj(m["original_label"])
    created = original.created_at
    level = node.schemes.parse(m["originator"], original.classification, at=created.date())
    releasable = original.releasable_to
    item = Item(
        id=m["item_id"],
        originator=m["originator"],
        level=level,
        purpose=m["purpose"],
        agreement_id=m["agreement_id"],
        agreement_version=m["agreement_version"],
        releasable_to=releasable,
        precedence=Precedence[m["precedence"]],
        created_at=created,
    )
    return Holding(
        id=m["id"],
        item=item,
        holder=node.nation,
        level=node.schemes.parse(node.nation, m["local_level"], at=m["received_at"].date()),
        destroyed=m["state"] == "destroyed",
    )


def access_decision(node: Node, person: Person, row: Any, now: datetime) -> Decision:
    return may_access(person, treaty_holding(node, row), now)


def read_holding(
    node: Node, user: UserRecord, holding_id: str
) -> tuple[HoldingView, bytes, Decision]:
    """The content of a holding for `user`, if the treaty allows; the decision is logged first."""
    row = _row(node, holding_id)
    now = node.clock()
    person = to_person(user, node.scheme(now.date()))
    decision = access_decision(node, person, row, now)
    with node.engine.begin() as conn:
        audit.record(
            conn, actor=user.name, action="read", subject=row.id, decision=decision, now=now
        )
    node.metrics.decisions.labels("read", str(decision.allowed).lower()).inc()
    decision.enforce()
    # The card that verified it on receipt: a partner's later re-keying must not lock readers
    # out of what it already provided.
    card = parse_card(json.dumps(row.sender_card).encode())
    opened = open_envelope(row.envelope, keys=node.keys, senders=[card])
    return _view(row), opened.content, decision
