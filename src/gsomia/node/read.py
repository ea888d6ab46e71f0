"""Read what this node holds: the access decision first, the plaintext only after it (R19–R21).

Holdings keep the partner's envelope as it arrived; the content exists in the clear only for
the moment a reader who passed the access decision receives it, and only through a second
full verification of the envelope.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select

from gsomia.errors import NotFound
from gsomia.labels import (
    TAG_COPY_LIMIT,
    TAG_HANDLING,
    TAG_PURPOSE_ENDS,
    ConfidentialityLabel,
    label_from_obj,
)
from gsomia.node import audit
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.seal import open_envelope, parse_card
from gsomia.store.tables import holdings
from gsomia.store.users import UserRecord
from gsomia.treaty.classification import DECLASSIFIED, DeclassifiedHolding
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding, Item, Precedence
from gsomia.treaty.people import Person
from gsomia.treaty.reading import may_read_holding
from gsomia.treaty.terms import handling_terms

log = logging.getLogger("gsomia.read")


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


def holding_row(node: Node, holding_id: str) -> Any:
    """The holdings row with this id or item id; `NotFound` otherwise."""
    return _row(node, holding_id)


def view_of(row: Any) -> HoldingView:
    return _view(row)


def get_holding(node: Node, holding_id: str) -> HoldingView:
    return _view(_row(node, holding_id))


def _values(label: ConfidentialityLabel, tag: str) -> tuple[str, ...]:
    category = label.category(tag)
    return category.values if category is not None else ()


def item_terms(
    label: ConfidentialityLabel,
) -> tuple[frozenset[str], int | None, datetime | None]:
    """The caveats, copy limit and purpose end the originator's label sets, read as the treaty
    says (`gsomia.treaty.terms`: a malformed term is read fail closed, and logged)."""
    terms = handling_terms(
        label.caveats | frozenset(_values(label, TAG_HANDLING)),
        _values(label, TAG_COPY_LIMIT),
        _values(label, TAG_PURPOSE_ENDS),
    )
    for fault in terms.faults:
        log.warning("label %s: %s", label.label_id, fault.reason)
    return terms.caveats, terms.copy_limit, terms.purpose_ends


def treaty_holding(node: Node, row: Any) -> Holding:
    """The holding as the access rules see it: levels parsed, releasability, caveats, copy
    limit and purpose end from the originator's label, the purposes it approved since (R13),
    and returned holdings counted as gone (R18)."""
    m = row._mapping
    original = label_from_obj(m["original_label"])
    created = original.created_at
    level = node.schemes.parse(m["originator"], original.classification, at=created.date())
    caveats, copy_limit, purpose_ends = item_terms(original)
    item = Item(
        id=m["item_id"],
        originator=m["originator"],
        level=level,
        purpose=m["purpose"],
        agreement_id=m["agreement_id"],
        agreement_version=m["agreement_version"],
        releasable_to=original.releasable_to,
        precedence=Precedence[m["precedence"]],
        caveats=caveats,
        created_at=created,
        copy_limit=copy_limit,
        purpose_ends=purpose_ends,
    )
    return Holding(
        id=m["id"],
        item=item,
        holder=node.nation,
        level=node.schemes.parse(node.nation, m["local_level"], at=m["received_at"].date()),
        approved_purposes=frozenset(m["approved_purposes"] or ()),
        destroyed=m["state"] != "held",
        consent_id=m["consent_id"] or "",
    )


#: What this node's own item names as its agreement: it is provided under one agreement per
#: partner, so none is stored with it; a caller that knows the one in question names it.
OWN_AGREEMENT = "(originator's own)"


def own_item(
    node: Node,
    row: RowMapping,
    *,
    agreement_id: str = OWN_AGREEMENT,
    agreement_version: int = 1,
) -> Item:
    """An `items` row of this node's own item as the treaty sees it, with the handling terms
    its label sets."""
    caveats, copy_limit, purpose_ends = item_terms(label_from_obj(row["label"]))
    return Item(
        id=row["id"],
        originator=node.nation,
        level=node.schemes.parse(node.nation, row["level"], at=row["created_at"].date()),
        purpose=row["purpose"],
        agreement_id=agreement_id,
        agreement_version=agreement_version,
        releasable_to=frozenset(row["releasable_to"]),
        precedence=Precedence[row["precedence"]],
        caveats=caveats | frozenset(row["caveats"]),
        created_at=row["created_at"],
        copy_limit=copy_limit,
        purpose_ends=purpose_ends,
    )


def own_holding(node: Node, row: RowMapping, **agreement: Any) -> Holding:
    """This node's own item as a holding of its originator (a derivative's source, or what a
    visitor may be shown); `agreement` as for `own_item`."""
    item = own_item(node, row, **agreement)
    return Holding(item.id, item, node.nation, item.level)


def readable_holding(node: Node, row: Any) -> Holding | DeclassifiedHolding:
    """A holdings row as the read decision sees it: still classified (`treaty_holding`), or
    declassified by its originator, when no scheme has a level for it any more."""
    if row.local_level == DECLASSIFIED:
        return DeclassifiedHolding(row.id, row.item_id, disposed=row.state != "held")
    return treaty_holding(node, row)


def access_decision(
    node: Node, person: Person, row: Any, now: datetime, purpose: str | None = None
) -> Decision:
    """`may_read_holding` for a holdings row: the access decision, refused for a destroyed or
    returned holding and while the item's purpose has ended (R18, R31); `purpose` other than
    the item's needs the originator's approval (R13). A declassified holding is read without
    clearance (R14)."""
    return may_read_holding(person, readable_holding(node, row), now, purpose)


def read_holding(
    node: Node, user: UserRecord, holding_id: str, *, purpose: str | None = None
) -> tuple[HoldingView, bytes, Decision]:
    """The content of a holding for `user`, if the treaty allows; the decision is logged first.

    `purpose` is what the reader needs it for, the item's own purpose when None (R13).
    """
    row = _row(node, holding_id)
    now = node.clock()
    person = to_person(user, node.scheme(now.date()))
    decision = access_decision(node, person, row, now, purpose)
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
