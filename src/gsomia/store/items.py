"""This node's own items: what its analysts published, and to whom it went (R6, R50).

An item is stored as published (the originator's marking, its signed label, its content) and
marked released once an officer or a standing rule sent it. Whom it went to is the outbox's
record (`released_to`, `provision`): one row per partner it was sealed for.

`to_item` is the one mapping of a stored item to the treaty's `Item`, with the handling terms
its label sets (`handling_terms_of`) read as the treaty says.

At rest (ADR 0075) an item's title, label and content are sealed under its own data key, kept
wrapped in `data_key` by the node's `Vault`: every read and write here takes the vault, so a
row never reaches a caller sealed or leaves it in clear. Rows written before (no data key, the
values in clear) still read.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, RowMapping, bindparam, select, tuple_, update

from gsomia.errors import StoreDamaged
from gsomia.labels import (
    TAG_COPY_LIMIT,
    TAG_HANDLING,
    TAG_PURPOSE_ENDS,
    ConfidentialityLabel,
    label_from_obj,
)
from gsomia.seal.at_rest import DataKey, Vault, is_sealed_text
from gsomia.seal.encoding import canonical_json
from gsomia.store import driver_rows
from gsomia.store.tables import items, outbox
from gsomia.treaty.items import Item, Precedence
from gsomia.treaty.listing import ListFilter
from gsomia.treaty.schemes import SchemeRegistry
from gsomia.treaty.terms import HandlingTerms, handling_terms

log = logging.getLogger("gsomia.read")

#: What this node's own item names as its agreement: it is provided under one agreement per
#: partner, so none is stored with it; a caller that knows the one in question names it.
OWN_AGREEMENT = "(originator's own)"

_SEALED = "at_rest"  # the one member of a sealed label's JSON: the sealed bytes, base64url


@dataclass(frozen=True)
class ItemRecord:
    """A row of `items`: an item this node originated, as published."""

    id: str
    title: str
    originator: str
    level: str  # the originator's native marking (DECLASSIFIED once declassified)
    releasable_to: tuple[str, ...]
    purpose: str
    precedence: str
    caveats: tuple[str, ...]
    feed: str | None
    media_type: str
    content: bytes
    label: Mapping[str, Any]  # the originator's STANAG 4774 label object
    author: str
    created_at: datetime
    state: str  # draft | released
    released_by: str | None = None
    released_at: datetime | None = None


def _opened(m: RowMapping | Mapping[str, Any], vault: Vault) -> tuple[str, Any, bytes]:
    """The row's title, label and content, opened (or as stored, for a row from before); a
    listed row (no content column selected) has its content as empty bytes, never opened."""
    title, label, content = m["title"], m["label"], m["content"]
    if not is_sealed_text(title) and (m.get("data_key") is not None or not vault.reads_clear):
        # In clear where items are kept sealed: written by someone without the node's key.
        raise StoreDamaged(
            f"item {m['id']} lies in clear in the database, where items are kept sealed",
            hint="restore the database from a backup; rows in clear are never read as genuine",
        )
    if m.get("data_key") is None:
        return title, label, content  # from before ADR 0075, read once to be sealed
    key = vault.data_key(m["id"], m.get("data_key"))
    sealed_label = base64.urlsafe_b64decode(str(label.get(_SEALED, "")))
    return (
        key.open_text("title", title),
        json.loads(key.open("label", sealed_label)),
        key.open("content", content) if content else b"",
    )


def _seal_label(key: DataKey, label: Mapping[str, Any]) -> dict[str, str]:
    data = canonical_json(dict(label))  # read back with json.loads; orjson's speed (issue 14)
    return {_SEALED: base64.urlsafe_b64encode(key.seal("label", data)).decode("ascii")}


def _terms_as_sealed(m: RowMapping | Mapping[str, Any], label: Any) -> None:
    """StoreDamaged unless the level, releasability and purpose kept in clear (lists filter
    on them) are what the sealed label says: the treaty's decisions on the item take them,
    and a writer of the database (no key needed) lowered or widened them (found by the
    attack, ADR 0129). The label names the originator among those it is releasable to."""
    info = label.get("ConfidentialityInformation") if isinstance(label, Mapping) else None
    if not isinstance(info, Mapping):
        return  # no label of ours: none a writer without the key could make
    tags = {
        str(c.get("TagName")): set(c.get("GenericValues") or ())
        for c in info.get("Category") or ()
        if isinstance(c, Mapping)
    }
    releasable = tags.get("Releasable To")
    purposes = tags.get("Purpose")
    if (
        info.get("Classification") != m["level"]
        or (releasable is not None and releasable != {*m["releasable_to"], m["originator"]})
        or (purposes is not None and m["purpose"] not in purposes)
    ):
        raise StoreDamaged(
            f"item {m['id']}'s level, releasability or purpose is not its sealed label's",
            hint="restore the database from a backup; terms changed in the database are "
            "never read as the item's",
        )


def _record(row: Row[Any] | RowMapping | Mapping[str, Any], vault: Vault) -> ItemRecord:
    m = row._mapping if isinstance(row, Row) else row
    title, label, content = _opened(m, vault)
    if m.get("data_key") is not None:  # sealed: the label is the node's word (ADR 0129)
        _terms_as_sealed(m, label)
    return ItemRecord(
        id=m["id"],
        title=title,
        originator=m["originator"],
        level=m["level"],
        releasable_to=tuple(m["releasable_to"]),
        purpose=m["purpose"],
        precedence=m["precedence"],
        caveats=tuple(m["caveats"]),
        feed=m["feed"],
        media_type=m["media_type"],
        content=content,  # empty on a listed row: lists never read it
        label=label,
        author=m["author"],
        created_at=m["created_at"],
        state=m["state"],
        released_by=m["released_by"],
        released_at=m["released_at"],
    )


def from_row(row: Row[Any] | RowMapping, vault: Vault) -> ItemRecord:
    """An `items` row a caller selected itself, as a record. Transitional: for node/control
    modules that still select items themselves, until they read them through this module."""
    return _record(row, vault)


_FIELDS = tuple(f.name for f in fields(ItemRecord))


def _values(record: ItemRecord, vault: Vault) -> dict[str, Any]:
    # A shallow copy: `asdict` deep-copied the label only for it to be sealed below, 12 % of
    # publishing a 1 KiB item (py-spy, issue 14).
    values = {name: getattr(record, name) for name in _FIELDS}
    key, values["data_key"] = vault.new_data_key(record.id)
    values["title"] = key.seal_text("title", record.title)
    values["releasable_to"] = list(record.releasable_to)
    values["caveats"] = list(record.caveats)
    values["label"] = _seal_label(key, record.label)
    values["content"] = key.seal("content", record.content)
    return values


# Reading ------------------------------------------------------------------------------------


def get(conn: Connection, item_id: str, vault: Vault) -> ItemRecord | None:
    row = conn.execute(select(items).where(items.c.id == item_id)).first()
    return None if row is None else _record(row, vault)


def get_own(conn: Connection, item_id: str, originator: str, vault: Vault) -> ItemRecord | None:
    """The item `item_id` if `originator` originated it (every item here is this node's)."""
    record = get(conn, item_id, vault)
    return record if record is not None and record.originator == originator else None


def newest(conn: Connection, limit: int, vault: Vault) -> list[ItemRecord]:
    rows = conn.execute(select(items).order_by(items.c.created_at.desc()).limit(limit))
    return [_record(row, vault) for row in rows]


#: A list's place: the sort key of the last row shown, (created_at, id), newest first.
Place = tuple[datetime, str]

#: What a list reads of an item: everything but its content.
_LISTED = [column for column in items.c if column.name != "content"]


def page(
    conn: Connection,
    vault: Vault,
    *,
    after: Place | None,
    limit: int,
    where: ListFilter,
    backward: bool = False,
) -> list[ItemRecord]:
    """Up to `limit` items after `after` in list order (newest first, then by id), read in the
    order of `ix_items_listed`, without their content (`content` is empty: a list never
    carries it). `where` is applied here on the columns stored in clear (state, level,
    precedence, purpose); the nations and the title are for the caller, on the row as shown."""
    query = select(*_LISTED)
    key = tuple_(items.c.created_at, items.c.id)
    if after is not None:
        query = query.where(key > after if backward else key < after)
    for column, wanted in (
        (items.c.state, where.state),
        (items.c.level, where.level),
        (items.c.precedence, where.precedence),
        (items.c.purpose, where.purpose),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    order = (
        (items.c.created_at, items.c.id)
        if backward
        else (items.c.created_at.desc(), items.c.id.desc())
    )
    query = query.order_by(*order).limit(limit)
    return [_record({**row._mapping, "content": b""}, vault) for row in conn.execute(query)]


def drafts(conn: Connection, vault: Vault) -> list[ItemRecord]:
    """Items waiting for an officer's release (R50), oldest first."""
    rows = conn.execute(select(items).where(items.c.state == "draft").order_by(items.c.created_at))
    return [_record(row, vault) for row in rows]


def originator_of(conn: Connection, item_id: str) -> str | None:
    return conn.execute(select(items.c.originator).where(items.c.id == item_id)).scalar()


#: Asked by every TAXII post: built once, it keeps its cache key (ADR 0137).
_OWN_IDS = select(items.c.id).where(
    items.c.id.in_(bindparam("ids", expanding=True)),
    items.c.originator == bindparam("originator"),
)
#: One id, as a single-object TAXII post asks, straight to SQLite's driver: an expanding IN
#: is rendered again on every execution, and SQLAlchemy's per-statement work was most of this
#: read's time there (py-spy, issue 17).
_OWN_ID = driver_rows.Straight(
    select(items.c.id).where(
        items.c.id == bindparam("id"), items.c.originator == bindparam("originator")
    )
)


def own_ids(conn: Connection, item_ids: Iterable[str], originator: str) -> set[str]:
    """Those of `item_ids` that `originator` originated here."""
    ids = list(item_ids)
    if len(ids) == 1:
        return {found for (found,) in _OWN_ID.rows(conn, {"id": ids[0], "originator": originator})}
    found = conn.execute(_OWN_IDS, {"ids": ids, "originator": originator})
    return set(found.scalars())


def released_to(conn: Connection, item_ids: Sequence[str]) -> dict[str, set[str]]:
    """Per item, the partners that have or are owed it (sealed for them and not rejected)."""
    query = select(outbox.c.item_id, outbox.c.peer).where(
        outbox.c.item_id.in_(item_ids), outbox.c.state != "rejected"
    )
    found: dict[str, set[str]] = {item_id: set() for item_id in item_ids}
    for item_id, peer in conn.execute(query).all():
        found[item_id].add(peer)
    return found


def provision(conn: Connection, item_id: str, partner: str) -> tuple[str, int] | None:
    """(agreement id, version) the item was first provided to `partner` under, if it was."""
    sent = conn.execute(
        select(outbox.c.agreement_id, outbox.c.agreement_version)
        .where(
            outbox.c.item_id == item_id,
            outbox.c.peer == partner,
            outbox.c.kind == "item",
            outbox.c.state != "rejected",
        )
        .order_by(outbox.c.id)
    ).first()
    if sent is None or not sent.agreement_id:
        return None
    return str(sent.agreement_id), int(sent.agreement_version or 1)


# Writing ------------------------------------------------------------------------------------


def add_all(conn: Connection, records: Sequence[ItemRecord], vault: Vault) -> None:
    """Store `records`, each sealed under a data key of its own."""
    driver_rows.insert(conn, items, [_values(record, vault) for record in records])


def seal_clear_rows(conn: Connection, vault: Vault) -> int:
    """Seal each item kept in clear from before ADR 0075 under a data key of its own; how many.
    Only the node's one pass does this (`node.at_rest`), with `vault.sealing_clear_rows()`."""
    rows = conn.execute(select(items).where(items.c.data_key.is_(None))).all()
    for row in rows:
        values = _values(_record(row, vault), vault)
        conn.execute(update(items).where(items.c.id == row.id).values(values))
    return len(rows)


def lock(conn: Connection, item_ids: Sequence[str]) -> None:
    """Lock the items' rows until the transaction ends (a racing release waits)."""
    conn.execute(select(items.c.id).where(items.c.id.in_(item_ids)).with_for_update())


def lock_level(conn: Connection, item_id: str) -> str | None:
    """The item's marking, its row locked until the transaction ends (a racing re-marking
    waits); None if there is no such item."""
    query = select(items.c.level).where(items.c.id == item_id).with_for_update()
    return conn.execute(query).scalar()


def mark_released(conn: Connection, item_ids: Sequence[str], *, by: str, at: datetime) -> None:
    conn.execute(
        update(items)
        .where(items.c.id.in_(item_ids))
        .values(state="released", released_by=by[:100], released_at=at)
    )


def set_marking(
    conn: Connection, item_id: str, level: str, label: Mapping[str, Any], vault: Vault
) -> None:
    """Re-mark the item: its marking and the label that carries it (a classification notice),
    the label sealed under the item's data key (in clear only for a row from before)."""
    wrapped = conn.execute(select(items.c.data_key).where(items.c.id == item_id)).scalar()
    stored = (
        dict(label) if wrapped is None else _seal_label(vault.data_key(item_id, wrapped), label)
    )
    conn.execute(update(items).where(items.c.id == item_id).values(level=level, label=stored))


# Treaty values ------------------------------------------------------------------------------


def _values_of(label: ConfidentialityLabel, tag: str) -> tuple[str, ...]:
    category = label.category(tag)
    return category.values if category is not None else ()


def handling_terms_of(label: ConfidentialityLabel) -> HandlingTerms:
    """The handling terms the originator's `label` sets (caveats and Handling restrictions, copy
    limit, purpose end), read as the treaty says: a malformed term fail closed, and logged."""
    terms = handling_terms(
        label.caveats | frozenset(_values_of(label, TAG_HANDLING)),
        _values_of(label, TAG_COPY_LIMIT),
        _values_of(label, TAG_PURPOSE_ENDS),
    )
    for fault in terms.faults:
        log.warning("label %s: %s", label.label_id, fault.reason)
    return terms


def to_item(
    record: ItemRecord,
    schemes: SchemeRegistry,
    *,
    agreement_id: str = OWN_AGREEMENT,
    agreement_version: int = 1,
    label: ConfidentialityLabel | None = None,
) -> Item:
    """The item as the treaty sees it, with the handling terms its label sets, provided under
    `agreement_id` (`OWN_AGREEMENT` when no particular one is in question). `label` is the
    record's label already parsed, by a caller that has just made it (publishing)."""
    label = label or label_from_obj(record.label)
    terms = handling_terms_of(label)
    return Item(
        id=record.id,
        originator=record.originator,
        level=schemes.parse(record.originator, record.level, at=record.created_at.date()),
        purpose=record.purpose,
        agreement_id=agreement_id,
        agreement_version=agreement_version,
        releasable_to=frozenset(record.releasable_to),
        precedence=Precedence[record.precedence],
        caveats=terms.caveats | frozenset(record.caveats),
        created_at=record.created_at,
        copy_limit=terms.copy_limit,
        purpose_ends=terms.purpose_ends,
        categories=label.policy_categories,
    )
