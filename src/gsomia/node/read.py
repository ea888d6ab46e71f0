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

from sqlalchemy import Row, RowMapping

from gsomia.errors import NotFound
from gsomia.node import audit
from gsomia.node.contractor_access import contractor_decision
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.seal import parse_held_card
from gsomia.seal.at_rest import Vault
from gsomia.seal.held import open_holding
from gsomia.store import holdings, items
from gsomia.store.holdings import HoldingRecord
from gsomia.store.items import OWN_AGREEMENT, ItemRecord
from gsomia.store.users import UserRecord
from gsomia.treaty.custody import IpUse, may_use_ip
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding, Item
from gsomia.treaty.people import Person
from gsomia.treaty.reading import may_read_holding

__all__ = [
    "OWN_AGREEMENT",
    "HoldingView",
    "access_decision",
    "get_holding",
    "holding_row",
    "list_holdings",
    "own_holding",
    "own_item",
    "read_holding",
    "treaty_holding",
    "view_of",
]


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


def _view(record: HoldingRecord) -> HoldingView:
    return HoldingView(
        id=record.id,
        item_id=record.item_id,
        title=record.title,
        originator=record.originator,
        sender=record.sender,
        marking=record.local_level,
        original_marking=record.original_label["ConfidentialityInformation"]["Classification"],
        purpose=record.purpose,
        precedence=record.precedence,
        media_type=record.media_type,
        agreement=f"{record.agreement_id} v{record.agreement_version}",
        received_at=record.received_at,
        state=record.state,
        original_label=dict(record.original_label),
        local_label=dict(record.local_label),
    )


def _record(row: HoldingRecord | Row[Any] | RowMapping, vault: Vault) -> HoldingRecord:
    """A holding as a record, whether a caller has one or (node/control, for now) a row."""
    return row if isinstance(row, HoldingRecord) else holdings.from_row(row, vault)


def list_holdings(node: Node) -> list[HoldingView]:
    with node.reader.connect() as conn:
        return [_view(record) for record in holdings.newest(conn, node.vault)]


def _not_held(holding_id: str) -> NotFound:
    return NotFound(f"no holding {holding_id}", hint="`gsomia item list` shows what is held")


def _get(node: Node, holding_id: str) -> HoldingRecord:
    with node.reader.connect() as conn:
        record = holdings.get(conn, holding_id, node.vault)
    if record is None:
        raise _not_held(holding_id)
    return record


def get_holding(node: Node, holding_id: str) -> HoldingView:
    return _view(_get(node, holding_id))


# Helpers node/control still imports: thin wrappers until it reads `gsomia.store.holdings`
# and `gsomia.store.items` itself.


def holding_row(node: Node, holding_id: str) -> HoldingRecord:
    """The holding with this id or item id, opened at rest; `NotFound` otherwise."""
    return _get(node, holding_id)


def view_of(row: HoldingRecord | Row[Any], vault: Vault) -> HoldingView:
    return _view(_record(row, vault))


def treaty_holding(node: Node, row: HoldingRecord | Row[Any] | RowMapping) -> Holding:
    """The holding as the access rules see it (`gsomia.store.holdings.to_holding`)."""
    return holdings.to_holding(_record(row, node.vault), node.schemes, node.nation)


def own_item(
    node: Node,
    row: ItemRecord | RowMapping,
    *,
    agreement_id: str = OWN_AGREEMENT,
    agreement_version: int = 1,
) -> Item:
    """This node's own item as the treaty sees it (`gsomia.store.items.to_item`)."""
    record = row if isinstance(row, ItemRecord) else items.from_row(row, node.vault)
    return items.to_item(
        record, node.schemes, agreement_id=agreement_id, agreement_version=agreement_version
    )


def own_holding(node: Node, row: ItemRecord | RowMapping, **agreement: Any) -> Holding:
    """This node's own item as a holding of its originator (a derivative's source, or what a
    visitor may be shown); `agreement` as for `own_item`."""
    item = own_item(node, row, **agreement)
    return Holding(item.id, item, node.nation, item.level)


# Reading ------------------------------------------------------------------------------------


def access_decision(
    node: Node,
    person: Person,
    row: HoldingRecord | Row[Any],
    now: datetime,
    purpose: str | None = None,
    *,
    use: IpUse = IpUse.OFFICIAL,
) -> Decision:
    """`may_read_holding` for a stored holding: the access decision, refused for a destroyed or
    returned holding and while the item's purpose has ended (R18, R31); `purpose` other than
    the item's needs the originator's approval (R13). A declassified holding is read without
    clearance (R14). A `use` beyond official use is refused for an item under an
    intellectual-property caveat (R15), after the access decision allowed the read."""
    record = _record(row, node.vault)
    readable = holdings.to_readable(record, node.schemes, node.nation)
    decision = may_read_holding(person, readable, now, purpose)
    if not decision.allowed or use is IpUse.OFFICIAL:
        return decision
    return may_use_ip(treaty_holding(node, record), use)


def read_holding(
    node: Node,
    user: UserRecord,
    holding_id: str,
    *,
    purpose: str | None = None,
    use: IpUse = IpUse.OFFICIAL,
) -> tuple[HoldingView, bytes, Decision]:
    """The content of a holding for `user`, if the treaty allows; the decision is logged first.

    `purpose` is what the reader needs it for, the item's own purpose when None (R13); `use`
    what they will do with it, which an intellectual-property caveat limits (R15).
    """
    record = _get(node, holding_id)
    now = node.clock()
    person = to_person(user, node.scheme(now.date()))
    decision = access_decision(node, person, record, now, purpose, use=use)
    if decision.allowed:  # a contractor's staff: only under their facility and contract (R34)
        decision = contractor_decision(node, user.name, record, now) or decision
    with node.engine.begin() as conn:
        audit.record(
            conn, actor=user.name, action="read", subject=record.id, decision=decision, now=now
        )
    node.metrics.decisions.labels("read", str(decision.allowed).lower()).inc()
    decision.enforce()
    # The card that verified it on receipt: a partner's later re-keying must not lock readers
    # out of what it already provided.
    card = parse_held_card(json.dumps(record.sender_card).encode())
    opened = open_holding(
        node.keys, record.id, holdings.envelope_of(record, node.vault), record.format, card
    )
    return _view(record), opened.content, decision
