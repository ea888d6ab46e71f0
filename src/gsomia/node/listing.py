"""Lists as a person may see them: the holdings and own items `treaty.listing.may_list` lets
them see in full, a redacted row where their duty needs to know something exists, nothing else.

The API, the CLI (through the API) and the pages all list through here, so what one face hides
no other shows. The single-item views ask the same question: a person who may not list a
holding does not open its page either.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gsomia.errors import Error, NotFound
from gsomia.node import read, transfers
from gsomia.node.people import to_person
from gsomia.node.read import HoldingView
from gsomia.node.runtime import Node
from gsomia.store import holdings, items
from gsomia.store.holdings import HoldingRecord
from gsomia.store.items import ItemRecord
from gsomia.store.users import UserRecord
from gsomia.treaty.classification import DECLASSIFIED, DeclassifiedHolding
from gsomia.treaty.listing import Shown, may_list
from gsomia.treaty.people import Person

__all__ = [
    "REDACTED",
    "holding_listing",
    "item_listing",
    "visible_holdings",
    "visible_items",
]

#: What a redacted row shows in place of a title, a marking or a purpose.
REDACTED = "[redacted]"


@dataclass(frozen=True)
class _Asker:
    person: Person | None  # None: a clearance this node's scheme cannot place: sees nothing
    name: str
    now: datetime


def _asker(node: Node, user: UserRecord) -> _Asker:
    now = node.clock()
    try:
        person: Person | None = to_person(user, node.scheme(now.date()))
    except Error:
        person = None
    return _Asker(person, user.name, now)


def _holding_listing(node: Node, asker: _Asker, record: HoldingRecord) -> Shown:
    if asker.person is None:
        return Shown.HIDDEN
    readable = holdings.to_readable(record, node.schemes, node.nation)
    return may_list(asker.person, readable, asker.now, holder=node.nation).shown


def _item_listing(node: Node, asker: _Asker, record: ItemRecord) -> Shown:
    if record.author == asker.name:
        return Shown.FULL  # the author wrote it: the list tells them nothing new
    if asker.person is None:
        return Shown.HIDDEN
    if record.level == DECLASSIFIED:
        subject: Any = DeclassifiedHolding(record.id, record.id, disposed=False)
    else:
        subject = read.own_holding(node, record)
    return may_list(asker.person, subject, asker.now, holder=node.nation).shown


def _redact_view(view: HoldingView) -> HoldingView:
    return replace(
        view,
        title=REDACTED,
        marking=REDACTED,
        original_marking=REDACTED,
        purpose=REDACTED,
        media_type=REDACTED,
        # Who sent it, under which agreement and how urgently say what it is about, too.
        sender=REDACTED,
        agreement=REDACTED,
        precedence=REDACTED,
        original_label={},
        local_label={},
    )


def visible_holdings(node: Node, user: UserRecord) -> list[tuple[HoldingView, bool]]:
    """The holdings `user` may see, newest first, each with whether it is redacted."""
    asker = _asker(node, user)
    with node.reader.connect() as conn:
        records = holdings.newest(conn, node.vault)
    shown = []
    for record in records:
        how = _holding_listing(node, asker, record)
        if how is Shown.FULL:
            shown.append((read.view_of(record, node.vault), False))
        elif how is Shown.REDACTED:
            shown.append((_redact_view(read.view_of(record, node.vault)), True))
    return shown


def holding_listing(node: Node, user: UserRecord, holding_id: str) -> HoldingView:
    """One holding as `user` may see it: in full, or `NotFound` (as if it were not held) to a
    person who may not list it; a redacted row opens no page either."""
    with node.reader.connect() as conn:
        record = holdings.get(conn, holding_id, node.vault)
    if record is None or _holding_listing(node, _asker(node, user), record) is not Shown.FULL:
        raise NotFound(f"no holding {holding_id}", hint="`gsomia item list` shows what is held")
    return read.view_of(record, node.vault)


def _redact_item(fields: dict[str, Any]) -> dict[str, Any]:
    withheld = {"title": REDACTED, "level": REDACTED, "purpose": REDACTED, "precedence": REDACTED}
    return {**fields, **withheld, "label": {}, "releasable_to": []}


def visible_items(
    node: Node, user: UserRecord, limit: int = 200
) -> list[tuple[dict[str, Any], bool]]:
    """This node's own items `user` may see, newest first, as their fields, each with whether
    it is redacted."""
    asker = _asker(node, user)
    with node.reader.connect() as conn:
        records = items.newest(conn, limit, node.vault)
    shown = []
    for record in records:
        how = _item_listing(node, asker, record)
        if how is not Shown.HIDDEN:
            fields = transfers.fields_of(record)
            shown.append((_redact_item(fields), True) if how is Shown.REDACTED else (fields, False))
    return shown


def item_listing(node: Node, user: UserRecord, item_id: str) -> dict[str, Any]:
    """One own item's fields as `user` may see them: in full, or `NotFound`."""
    with node.reader.connect() as conn:
        record = items.get(conn, item_id, node.vault)
    if record is None or _item_listing(node, _asker(node, user), record) is not Shown.FULL:
        raise NotFound(f"no item {item_id}", hint="`gsomia item list` shows this node's items")
    return transfers.fields_of(record)
