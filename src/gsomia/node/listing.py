"""Lists as a person may see them: the holdings and own items `treaty.listing.may_list` lets
them see in full, a redacted row where their duty needs to know something exists, nothing else.

The API, the CLI (through the API) and the pages all list through here, so what one face hides
no other shows. The single-item views ask the same question: a person who may not list a
holding does not open its page either.

Lists come in pages (`gsomia.node.paging`, ADR 0095): read in index order, never an envelope
or a content, filtered on the row as the person sees it (`ListFilter.matches`), so a filter on
a field a redacted row withholds leaves that row out whatever its value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

from gsomia.errors import Error, NotFound
from gsomia.node import read, transfers
from gsomia.node.contractor_access import contractor_decision, works_for_a_contractor
from gsomia.node.paging import Page, Position, read_page
from gsomia.node.people import to_person
from gsomia.node.read import HoldingView
from gsomia.node.runtime import Node
from gsomia.store import holdings, items
from gsomia.store.holdings import HoldingRecord
from gsomia.store.items import ItemRecord
from gsomia.store.users import UserRecord
from gsomia.treaty.classification import DECLASSIFIED, DeclassifiedHolding
from gsomia.treaty.listing import ListFilter, Shown, ShownRow, may_list
from gsomia.treaty.people import Person

__all__ = [
    "REDACTED",
    "holding_listing",
    "holdings_page",
    "item_listing",
    "items_page",
    "visible_holdings",
    "visible_items",
]

#: A page's rows unless asked otherwise.
LIMIT = 100
_ANY = ListFilter()

#: What a redacted row shows in place of a title, a marking or a purpose.
REDACTED = "[redacted]"


@dataclass(frozen=True)
class _Asker:
    person: Person | None  # None: a clearance this node's scheme cannot place: sees nothing
    name: str
    now: datetime
    contractor: bool = False  # on a contractor facility's register: R33–R34 asked per row


def _asker(node: Node, user: UserRecord) -> _Asker:
    now = node.clock()
    try:
        person: Person | None = to_person(user, node.scheme(now.date()))
    except Error:
        person = None
    return _Asker(person, user.name, now, works_for_a_contractor(node, user.name))


def _holding_listing(node: Node, asker: _Asker, record: HoldingRecord) -> Shown:
    if asker.person is None:
        return Shown.HIDDEN
    readable = holdings.to_readable(record, node.schemes, node.nation)
    shown = may_list(asker.person, readable, asker.now, holder=node.nation).shown
    if shown is Shown.FULL and asker.contractor:
        # A contractor's staff see in full only what they may read: what was released to
        # their facility under a contract (R33–R34), as `read.read_holding` decides.
        decided = contractor_decision(node, asker.name, record, asker.now)
        if decided is not None and not decided.allowed:
            return Shown.HIDDEN
    return shown


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


def _titled(wanted: ListFilter, title: str) -> bool:
    """Whether the row can match `wanted`'s words at all. A row whose title lacks them shows
    under that filter to no one (a redacted row matches no words), so it is left out before
    the access decision is taken, which is what costs (the same rows, found sooner)."""
    return not wanted.text or wanted.text.casefold() in title.casefold()


def _holding_row(
    node: Node, asker: _Asker, wanted: ListFilter, record: HoldingRecord
) -> tuple[HoldingView, bool] | None:
    if not _titled(wanted, record.title):
        return None
    how = _holding_listing(node, asker, record)
    if how is Shown.HIDDEN:
        return None
    view = read.view_of(record, node.vault)
    if how is Shown.REDACTED:
        seen = ShownRow(record.state, None, None, None, None, {record.originator})
        return (_redact_view(view), True) if wanted.matches(seen) else None
    partners = {record.originator, record.sender}
    seen = ShownRow(view.state, view.title, view.marking, view.precedence, view.purpose, partners)
    return (view, False) if wanted.matches(seen) else None


def holdings_page(
    node: Node,
    user: UserRecord,
    wanted: ListFilter = _ANY,
    position: Position = Position(),  # noqa: B008 - frozen: the first page
    limit: int = LIMIT,
) -> Page[tuple[HoldingView, bool]]:
    """A page of the holdings `user` may see that match `wanted`, the latest received first,
    each with whether it is redacted."""
    asker = _asker(node, user)
    with node.reader.connect() as conn:

        def fetch(after: holdings.Place | None, n: int, backward: bool) -> list[HoldingRecord]:
            return holdings.page(
                conn, node.vault, after=after, limit=n, where=wanted, backward=backward
            )

        return read_page(
            fetch,
            lambda record: (record.received_at, record.id),
            lambda record: _holding_row(node, asker, wanted, record),
            position,
            limit,
        )


def visible_holdings(
    node: Node, user: UserRecord, limit: int = LIMIT
) -> list[tuple[HoldingView, bool]]:
    """The first page of the holdings `user` may see, the latest first, each with whether it
    is redacted."""
    return holdings_page(node, user, limit=limit).rows


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


def _item_row(
    node: Node, asker: _Asker, wanted: ListFilter, record: ItemRecord
) -> tuple[dict[str, Any], bool] | None:
    if not _titled(wanted, record.title):
        return None
    how = _item_listing(node, asker, record)
    if how is Shown.HIDDEN:
        return None
    # Not `fields_of`: its deep copy of the label was 57 % of a page in py-spy, and a list
    # shows neither label nor content.
    fields = {f.name: getattr(record, f.name) for f in dataclass_fields(record)}
    del fields["content"], fields["label"]
    fields.update(releasable_to=list(record.releasable_to), caveats=list(record.caveats))
    if how is Shown.REDACTED:
        seen = ShownRow(record.state, None, None, None, None, ())
        return (_redact_item(fields), True) if wanted.matches(seen) else None
    seen = ShownRow(
        record.state,
        record.title,
        record.level,
        record.precedence,
        record.purpose,
        record.releasable_to,
    )
    return (fields, False) if wanted.matches(seen) else None


def items_page(
    node: Node,
    user: UserRecord,
    wanted: ListFilter = _ANY,
    position: Position = Position(),  # noqa: B008 - frozen: the first page
    limit: int = LIMIT,
) -> Page[tuple[dict[str, Any], bool]]:
    """A page of this node's own items `user` may see that match `wanted`, newest first, as
    their fields (no content), each with whether it is redacted."""
    asker = _asker(node, user)
    with node.reader.connect() as conn:

        def fetch(after: items.Place | None, n: int, backward: bool) -> list[ItemRecord]:
            return items.page(
                conn, node.vault, after=after, limit=n, where=wanted, backward=backward
            )

        return read_page(
            fetch,
            lambda record: (record.created_at, record.id),
            lambda record: _item_row(node, asker, wanted, record),
            position,
            limit,
        )


def visible_items(
    node: Node, user: UserRecord, limit: int = LIMIT
) -> list[tuple[dict[str, Any], bool]]:
    """The first page of this node's own items `user` may see, newest first, as their fields,
    each with whether it is redacted."""
    return items_page(node, user, limit=limit).rows


def shown_in_full(node: Node, user: UserRecord, found: Iterable[ItemRecord]) -> list[ItemRecord]:
    """The own items of `found` that `user` may see in full (a redacted or hidden one left out)."""
    asker = _asker(node, user)
    return [r for r in found if _item_listing(node, asker, r) is Shown.FULL]


def item_listing(node: Node, user: UserRecord, item_id: str) -> dict[str, Any]:
    """One own item's fields as `user` may see them: in full, or `NotFound`."""
    with node.reader.connect() as conn:
        record = items.get(conn, item_id, node.vault)
    if record is None or _item_listing(node, _asker(node, user), record) is not Shown.FULL:
        raise NotFound(f"no item {item_id}", hint="`gsomia item list` shows this node's items")
    return transfers.fields_of(record)
