"""What a person may take away in a partner tool's format: STIX objects of holdings and own
items, each through the read decision, each handed over logged (R19–R21, R39).

The decision is the one a page or the API asks before showing content: `read.access_decision`
(`treaty.reading.may_read_holding`) for a holding, the same question about this node's own
item as its originator's holding for anyone but its author (`listing`). The TAXII server, the
STIX export and the ZTDF export all take objects through here, so none is a second way in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from gsomia.errors import Error, NotFound, TooLarge
from gsomia.node import audit, read
from gsomia.node.contractor_access import contractor_decision, works_for_a_contractor
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard, parse_held_card
from gsomia.seal.held import open_holding
from gsomia.stix.objects import StixItem, created_of, object_of, serialised
from gsomia.store import holdings, items
from gsomia.store.holdings import HoldingRecord
from gsomia.store.items import ItemRecord
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.listing import ListFilter
from gsomia.treaty.people import Person
from gsomia.treaty.reading import may_read_holding

__all__ = [
    "EXPORT_BYTES",
    "Handed",
    "Reader",
    "export",
    "hand_over",
    "reader_of",
]


#: The content one export carries at most (past the object that crosses it): a partner's
#: items may be 32 MB each, and an export of everything opened the newest 1,000 at once,
#: each read with its envelope, 1 MB or more (found by the attack).
EXPORT_BYTES = 64 << 20


def _too_much() -> TooLarge:
    return TooLarge(
        f"the items named carry more than {EXPORT_BYTES >> 20} MB",
        hint="ask for fewer ids at a time",
    )


@dataclass(frozen=True)
class Reader:
    """Who asks, as the access rules see them (None: a clearance the scheme cannot place,
    who is handed nothing), and when."""

    user: UserRecord
    person: Person | None
    now: datetime
    contractor: bool = False  # on a contractor facility's register (R33–R34)


@dataclass(frozen=True)
class Handed:
    """One object handed over: its STIX JSON as served, when it was added here, its key and
    the item it is of."""

    data: bytes  # its JSON (`stix.objects.serialised`): what a TAXII answer splices unchanged
    added: datetime
    key: str  # the holding's or own item's id
    item_id: str

    @property
    def object(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.data)
        return found


def reader_of(node: Node, user: UserRecord) -> Reader:
    now = node.clock()
    try:
        person: Person | None = to_person(user, node.scheme(now.date()))
    except Error:
        person = None
    return Reader(user, person, now, works_for_a_contractor(node, user.name))


def holding_decision(node: Node, reader: Reader, record: HoldingRecord) -> Decision:
    if reader.person is None:
        return Decision.deny(f"{reader.user.name}'s clearance is not placed", "Art. 7.1", "R19")
    decision = read.access_decision(node, reader.person, record, reader.now)
    if decision.allowed and reader.contractor:  # as `read.read_holding` asks (R34)
        decision = contractor_decision(node, reader.user.name, record, reader.now) or decision
    return decision


def item_decision(node: Node, reader: Reader, record: ItemRecord) -> Decision:
    # The author too: whoever wrote it takes it away only while cleared for it, as every
    # other read asks (found by the attack: a lapsed or lowered clearance still exported it).
    if reader.person is None:
        return Decision.deny(f"{reader.user.name}'s clearance is not placed", "Art. 7.1", "R19")
    return may_read_holding(reader.person, read.own_holding(node, record), reader.now)


@lru_cache(maxsize=64)
def _held_card(text: str) -> IdentityCard:
    """A sender card as kept with holdings, parsed once per card (every holding of a partner
    keeps the same one; parsing checks its certificate)."""
    return parse_held_card(text.encode())


#: The last sender card parsed, with the stored card it was parsed from. Held strongly, so
#: `is` names that very object (no other can take its id while it lives): the rows of one
#: store read share one card object, and its JSON text was 5 % of a TAXII page (py-spy).
_LAST_CARD: list[tuple[Mapping[str, Any], IdentityCard]] = []


def _card_of(stored: Mapping[str, Any]) -> IdentityCard:
    last = _LAST_CARD[:1]  # one snapshot of the pair: threads may replace it meanwhile
    if last and last[0][0] is stored:
        return last[0][1]
    card = _held_card(json.dumps(stored, sort_keys=True))
    _LAST_CARD[:] = [(stored, card)]
    return card


def holding_item(node: Node, record: HoldingRecord) -> StixItem:
    """A holding as a STIX item: opened as a read opens it (`read.read_holding`); only ever
    called after the read decision allowed it."""
    card = _card_of(record.sender_card)
    opened = open_holding(
        node.keys, record.id, holdings.envelope_of(record, node.vault), record.format, card
    )
    return StixItem(
        item_id=record.item_id,
        title=record.title,
        originator=record.originator,
        created=created_of(record.original_label),
        media_type=record.media_type,
        content=opened.content,
        purpose=record.purpose,
        precedence=record.precedence,
        originator_label=record.original_label,
        national_label=record.local_label,
    )


def holding_json(node: Node, record: HoldingRecord) -> bytes:
    """A holding's STIX object as served: the one it keeps, made at receipt (ADR 0124), or,
    for a row that keeps none (from before, or re-marked since), rebuilt from its envelope as
    `holding_item` opens it. Only ever called after the read decision allowed it."""
    kept = holdings.stix_of(record, node.vault)
    return kept if kept is not None else serialised(object_of(holding_item(node, record)))


def own_item(record: ItemRecord) -> StixItem:
    return StixItem(
        item_id=record.id,
        title=record.title,
        originator=record.originator,
        created=record.created_at,
        media_type=record.media_type,
        content=record.content,
        purpose=record.purpose,
        precedence=record.precedence,
        originator_label=record.label,
    )


def hand_over(
    node: Node,
    reader: Reader,
    decided: Sequence[tuple[str, Decision]],
    *,
    action: str,
) -> None:
    """Log each decision about an object asked for (`action`, a `read:` verb), in one
    transaction: what was handed over, and what was refused."""
    if not decided:
        return
    entries = [audit.Entry(reader.user.name, action, key, d) for key, d in decided]
    with node.engine.begin() as conn:
        audit.record_all(conn, entries, reader.now)
    for _, decision in decided:
        node.metrics.decisions.labels("read", str(decision.allowed).lower()).inc()


def export(node: Node, user: UserRecord, ids: Sequence[str], *, action: str) -> list[StixItem]:
    """The own items and holdings `ids` name, for `user`, each decided and logged; the first
    refused one is raised (as `NotFound`, as a page would: it does not say it exists)."""
    reader = reader_of(node, user)
    found: list[tuple[str, Decision, StixItem | None]] = []
    carried = 0
    with node.reader.connect() as conn:
        for wanted in ids:
            if carried > EXPORT_BYTES:
                raise _too_much()
            own = items.get_own(conn, wanted, node.nation, node.vault)
            if own is not None:
                decision = item_decision(node, reader, own)
                found.append((own.id, decision, own_item(own) if decision.allowed else None))
                carried += len(own.content) if decision.allowed else 0
                continue
            held = holdings.get(conn, wanted, node.vault)
            if held is None:
                raise NotFound(f"no item {wanted}", hint="`gsomia item list` shows what is here")
            decision = holding_decision(node, reader, held)
            item = holding_item(node, held) if decision.allowed else None
            found.append((held.id, decision, item))
            carried += len(item.content) if item is not None else 0
    if carried > EXPORT_BYTES:
        raise _too_much()
    hand_over(node, reader, [(key, decision) for key, decision, _ in found], action=action)
    for key, decision, item in found:
        if item is None:
            raise NotFound(
                f"no item {key} you may read",
                hint=f"{decision.reason} [{decision.article}]; `gsomia item list` shows yours",
            )
    return [item for _, _, item in found if item is not None]


def readable_all(node: Node, user: UserRecord, limit: int, *, action: str) -> list[StixItem]:
    """Every own item and holding `user` may read (the `limit` newest of each, as many as
    `EXPORT_BYTES` of content allow), logged. Rows are decided as a list reads them, without
    content or envelope; only one handed over is read whole."""
    reader = reader_of(node, user)
    everything = ListFilter()
    with node.reader.connect() as conn:
        own = items.page(conn, node.vault, after=None, limit=limit, where=everything)
        held = holdings.page(conn, node.vault, after=None, limit=limit, where=everything)
    chosen: list[tuple[str, Decision]] = []
    result: list[StixItem] = []
    carried = 0
    for record in own:
        decision = item_decision(node, reader, record)
        if decision.allowed and carried < EXPORT_BYTES:
            with node.reader.connect() as conn:
                whole = items.get_own(conn, record.id, node.nation, node.vault)
            if whole is not None:
                chosen.append((record.id, decision))
                result.append(own_item(whole))
                carried += len(whole.content)
    for h in held:
        decision = holding_decision(node, reader, h)
        if decision.allowed and carried < EXPORT_BYTES:
            with node.reader.connect() as conn:
                record_whole = holdings.get(conn, h.id, node.vault)
            if record_whole is not None:
                chosen.append((h.id, decision))
                result.append(holding_item(node, record_whole))
                carried += len(result[-1].content)
    hand_over(node, reader, chosen, action=action)
    return result
