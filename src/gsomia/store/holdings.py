"""What this node holds of its partners' items: one holding per item received (R7, R17).

A holding keeps the partner's envelope as it arrived (plaintext exists only through a verified
open), both labels (the originator's and this nation's equivalent), the card that verified it,
and its state: held, destroyed or returned. A holding is found by its own id or its item's.

`to_holding` is the one mapping of a stored holding to the treaty's `Holding`; `to_readable`
gives a declassified holding as the treaty's `DeclassifiedHolding` instead, since no scheme has
a level for it any more.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Integer,
    Row,
    RowMapping,
    Select,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from gsomia.errors import Conflict, StoreDamaged, VerificationError
from gsomia.labels import canonical_json, label_from_obj
from gsomia.seal.at_rest import TEXT_PREFIX, DataKey, Vault, is_sealed, is_sealed_text
from gsomia.store import db, disposals, driver_rows, row_versions, sealed_terms
from gsomia.store.items import handling_terms_of
from gsomia.store.tables import held_cards, holdings
from gsomia.treaty.classification import DECLASSIFIED, DeclassifiedHolding
from gsomia.treaty.items import Holding, Item, Precedence
from gsomia.treaty.listing import ListFilter
from gsomia.treaty.schemes import SchemeRegistry

HELD = "held"


@dataclass(frozen=True)
class HoldingRecord:
    """A row of `holdings`: a partner's item as this node keeps it."""

    id: str
    envelope_id: str
    item_id: str
    originator: str
    sender: str
    agreement_id: str
    agreement_version: int
    title: str
    original_label: Mapping[str, Any]  # the originator's STANAG 4774 label object
    local_label: Mapping[str, Any]  # this nation's equivalent marking (Art. 4.2)
    local_level: str  # this nation's marking (DECLASSIFIED once declassified)
    purpose: str
    precedence: str
    media_type: str
    envelope: bytes  # emptied on destruction or return
    sender_card: Mapping[str, Any]  # the card that verified it, kept for reads
    received_at: datetime
    state: str  # held | destroyed | returned
    consent_id: str | None = None  # an onward transfer's: the originator's consent (R12)
    approved_purposes: tuple[str, ...] = ()  # further purposes the originator approved (R13)
    binding: str | None = None  # the originator's signed binding of label and content
    format: int = 1  # 1: a v1 envelope; 2: the v2 message sealed at rest (ADR 0070)
    data_key: bytes | None = None  # wrapped; the envelope is sealed under it (ADR 0075)
    # Its STIX object as a TAXII page hands it over, sealed under the data key as stored
    # (`stix_of` opens it); None on rows from before ADR 0124 and once re-marked.
    stix: bytes | None = None

    @property
    def disposed(self) -> bool:
        """Destroyed or returned: nothing of it remains to read."""
        return self.state != HELD


ENVELOPE = "envelope"  # the column name its sealing is bound to
STIX = "stix"
#: A kept STIX object up to this size is read with its row by a TAXII page's scan (sealed):
#: a scan reads at most 1,001 rows, so at most about 8 MB of them, as `completed` reads.
INLINE_BYTES = 8 << 10


def _described(
    m: RowMapping | Mapping[str, Any], vault: Vault, *, titled: bool = True
) -> tuple[str, Any, Any, str | None]:
    """Title, original and local label, and the originator's binding (which carries the
    label too), opened (or as stored, for a row from before); a listed row's local label is
    not read (None: `{}` on the record). Not `titled`: the title is left sealed ("").
    The clear columns a decision takes are checked against what seals them: the marking
    and purpose against the labels (ADR 0129), the rest against `terms` (ADR 0134)."""
    title, original = m["title"], m["original_label"]
    if not _sealed_at_rest(m, vault):
        return title, original, m["local_label"], m["binding"]  # from before ADR 0075
    key = vault.metadata_key(m["id"])  # once a row: its HKDF was 3 % of a TAXII page, twice
    _decided_as_sealed(m, key, vault)
    local, binding = _label_and_binding(m, key)
    if m["local_label"] is not None:
        _marked_as_sealed(m, local)
    opened = key.open_json("original_label", original)
    _purposed_as_sealed(m, opened)
    return (key.open_text("title", title) if titled else "", opened, local, binding)


#: The clear columns a decision on a holding takes that neither label says, each decided at
#: one place: at receipt (the item, its originator and sender, the agreement, the precedence,
#: an onward transfer's consent, R12), by the originator's approval (`approved_purposes`,
#: R13) and by a disposal (`state`, R18, R31). Lists and TAXII collections filter on them in
#: the database, so they stay in clear; `terms` seals what they say, under the holding's
#: metadata key, rewritten where each is decided (ADR 0134). `copies_made` counts the copies
#: and translations ever made (R29): only up, as each is inventoried, so a copy row deleted
#: frees no slot under the originator's limit (ADR 0140).
DECIDED = (
    "item_id",
    "originator",
    "sender",
    "agreement_id",
    "agreement_version",
    "precedence",
    "state",
    "consent_id",
    "approved_purposes",
    "copies_made",
)
TERMS = "terms"  # the column name its sealing is bound to
COPIES_MADE = "copies_made"


def _decided(m: RowMapping | Mapping[str, Any]) -> dict[str, Any]:
    """The decided columns of a row, as `terms` seals them (the purposes in a set's order)."""
    values = {name: m[name] for name in DECIDED if name != COPIES_MADE}
    values["agreement_version"] = int(values["agreement_version"])
    values["approved_purposes"] = sorted(values["approved_purposes"] or ())
    values[COPIES_MADE] = int(m.get(COPIES_MADE) or 0)  # none at receipt
    return values


#: The member of `terms` that says the row's version (ADR 0146): absent while it is 0.
VERSION = "version"


def _sealed_terms(key: DataKey, m: RowMapping | Mapping[str, Any], version: int = 0) -> str:
    said = _decided(m)
    if version:
        said[VERSION] = version
    return sealed_terms.seal(key, TERMS, said)


def _decided_as_sealed(
    m: RowMapping | Mapping[str, Any], key: DataKey, vault: Vault, witness: int | None = None
) -> int:
    """StoreDamaged unless the row's decided columns say what its sealed `terms` says: a
    writer of the database who added an approved purpose widened need-to-know, and one who
    changed the agreement, state or consent changed what the decisions saw (left open by ADR
    0129, found by its attack; ADR 0134). A row without `terms` is damage too, except to the
    node's one pass over rows from before (`vault.reads_clear`), which seals them. The version
    the terms say must be the row's witnessed one (`witness`, else the one read beside the
    row): a row put back from before a change is damage (ADR 0146). That version."""
    sealed = m["terms"]
    if sealed is None:
        if vault.reads_clear:
            return 0
        raise StoreDamaged(
            f"holding {m['id']} keeps no seal of its agreement, state, consent and approved "
            "purposes",
            hint="restore the database from a backup; a holding's terms are never read from "
            "columns nothing vouches for",
        )
    try:
        said = sealed_terms.opened(key, TERMS, sealed)
    except VerificationError as error:
        raise StoreDamaged(
            f"holding {m['id']}'s sealed terms do not open as its own: {error.message}",
            hint="restore the database from a backup; rows in clear are never read as genuine",
        ) from None
    # Terms sealed before ADR 0140 say no count: only the node's one pass reads them, to seal it.
    unsaid = _UNCOUNTED if vault.reads_clear else frozenset()
    differ = sealed_terms.differing(said, _decided(m), unsaid=unsaid)
    if differ:
        raise StoreDamaged(
            f"holding {m['id']}'s {', '.join(differ)} "
            f"{'is' if len(differ) == 1 else 'are'} not what its sealed terms say",
            hint="restore the database from a backup; a column changed in the database is "
            "never read as the node's decision",
        )
    version = int(said.get(VERSION, 0))
    witnessed = m.get(row_versions.COLUMN) if witness is None else witness
    row_versions.check(row_versions.HOLDING, m["id"], version, int(witnessed or 0))
    return version


_UNCOUNTED = frozenset({COPIES_MADE})


def _marked_as_sealed(m: RowMapping | Mapping[str, Any], local: Any) -> None:
    """StoreDamaged unless the row's `local_level`, kept in clear for lists to sort and filter
    on and bound to nothing, is the marking its sealed local label says: the read decision
    takes it, and a writer of the database who lowered it (no key needed) handed a 極秘
    holding to a reader cleared to 秘 (found by the attack, ADR 0129)."""
    try:
        marking = local["ConfidentialityInformation"]["Classification"]
    except (KeyError, TypeError):  # no label of ours (only the node's own sealing pass makes
        return  # one, over a row already sealed): none a writer without the key could make
    if marking != m["local_level"]:
        raise StoreDamaged(
            f"holding {m['id']}'s marking {m['local_level']!r} is not its sealed label's",
            hint="restore the database from a backup; a marking changed in the database "
            "is never read as this nation's",
        )


def _purposed_as_sealed(m: RowMapping | Mapping[str, Any], original: Any) -> None:
    """StoreDamaged unless the row's `purpose`, kept in clear (lists and TAXII collections
    filter on it), is one the originator's sealed label names: the need-to-know decision
    takes it, and a writer of the database who changed it handed a launch track to a reader
    with logistics duties (found by the attack, ADR 0129)."""
    try:
        categories = original["ConfidentialityInformation"].get("Category") or ()
        named = [set(c["GenericValues"]) for c in categories if c.get("TagName") == "Purpose"]
    except (KeyError, TypeError, AttributeError):
        return  # no label of ours: none a writer without the key could make
    if named and m["purpose"] not in set().union(*named):
        raise StoreDamaged(
            f"holding {m['id']}'s purpose {m['purpose']!r} is not its sealed label's",
            hint="restore the database from a backup; a purpose changed in the database "
            "is never read as the item's",
        )


def _sealed_at_rest(m: RowMapping | Mapping[str, Any], vault: Vault) -> bool:
    """Whether the row's descriptive columns are sealed (its title tells); StoreDamaged for a
    row in clear unless the vault reads clear rows (before ADR 0075, read once to be sealed)."""
    if is_sealed_text(m["title"]):
        return True
    if not vault.reads_clear:
        raise StoreDamaged(
            f"holding {m['id']} lies in clear in the database, where holdings are kept sealed",
            hint="restore the database from a backup; rows in clear are never read as genuine",
        )
    return False


def _label_and_binding(m: RowMapping | Mapping[str, Any], key: DataKey) -> tuple[Any, str | None]:
    """The local label and the originator's binding of a sealed row, opened under its
    metadata `key`."""
    local, binding = m["local_label"], m["binding"]
    return (
        {} if local is None else key.open_json("local_label", local),
        None if binding is None else key.open_text("binding", binding),
    )


def seal_binding(vault: Vault, holding_id: str, binding: str | None) -> str | None:
    """The binding as a sealed row stores it."""
    return None if binding is None else vault.metadata_key(holding_id).seal_text("binding", binding)


def _seal_described(row: Mapping[str, Any], vault: Vault) -> dict[str, Any]:
    key = vault.metadata_key(row["id"])
    return {
        "title": key.seal_text("title", row["title"]),
        "original_label": key.seal_json("original_label", row["original_label"]),
        "local_label": key.seal_json("local_label", row["local_label"]),
        "binding": seal_binding(vault, row["id"], row.get("binding")),
        TERMS: _sealed_terms(key, row),
    }


def _record(
    row: Row[Any] | RowMapping | Mapping[str, Any], vault: Vault, *, titled: bool = True
) -> HoldingRecord:
    m = row._mapping if isinstance(row, Row) else row
    disposals.check(disposals.HOLDING, m["id"], m["state"], m[disposals.COLUMN])
    title, original_label, local_label, binding = _described(m, vault, titled=titled)
    return HoldingRecord(
        id=m["id"],
        envelope_id=m["envelope_id"],
        item_id=m["item_id"],
        originator=m["originator"],
        sender=m["sender"],
        agreement_id=m["agreement_id"],
        agreement_version=m["agreement_version"],
        title=title,
        original_label=original_label,
        local_label={} if local_label is None else local_label,
        local_level=m["local_level"],
        purpose=m["purpose"],
        precedence=m["precedence"],
        media_type=m["media_type"],
        envelope=m["envelope"],
        sender_card=m["sender_card"],
        received_at=m["received_at"],
        state=m["state"],
        consent_id=m["consent_id"],
        approved_purposes=tuple(m["approved_purposes"] or ()),
        format=m["format"],
        binding=binding,
        data_key=m.get("data_key"),
        stix=m.get("stix"),
    )


def from_row(row: Row[Any] | RowMapping, vault: Vault) -> HoldingRecord:
    """A `holdings` row a caller selected itself (with `whole()`, which joins the card in), as
    a record. Transitional: for node/control modules that still select holdings themselves,
    until they read them through this module."""
    return _record(row, vault)


# Reading ------------------------------------------------------------------------------------

#: Beside each holding read, its disposal's record, one primary-key lookup in the same query:
#: a row put back from before its disposal contradicts it (ADR 0139).
_DISPOSED = disposals.disposed_state(disposals.HOLDING, holdings.c.id)
#: And its witnessed version, another primary-key lookup: a row put back from before a change
#: the node sealed into it (a re-marking, an approval) says an older one (ADR 0146).
_WITNESSED = row_versions.witnessed(row_versions.HOLDING, holdings.c.id)


def whole() -> Select[Any]:
    """Every column of a holding, with the card that verified it (stored once, ADR 0096) and
    its disposal's record (`disposals.disposed_state`: `_record` checks the row against it)."""
    card = held_cards.c.card.label("sender_card")
    return select(holdings, card, _DISPOSED, _WITNESSED).join_from(
        holdings, held_cards, holdings.c.sender_card_digest == held_cards.c.digest
    )


def _by_id_or_item(holding_id: str) -> Select[Any]:
    return whole().where((holdings.c.id == holding_id) | (holdings.c.item_id == holding_id))


def get(conn: Connection, holding_id: str, vault: Vault) -> HoldingRecord | None:
    """The holding with this id, or of the item with this id."""
    row = conn.execute(_by_id_or_item(holding_id)).first()
    return None if row is None else _record(row, vault)


def get_row(conn: Connection, holding_id: str) -> Row[Any] | None:
    """`get`, unmapped. Transitional: node/control modules still read holdings as rows
    (`gsomia.node.read.holding_row`); they move to `get` in their own round."""
    return conn.execute(_by_id_or_item(holding_id)).first()


def by_ids(conn: Connection, holding_ids: Sequence[str], vault: Vault) -> dict[str, HoldingRecord]:
    rows = conn.execute(whole().where(holdings.c.id.in_(holding_ids)))
    return {record.id: record for record in (_record(row, vault) for row in rows)}


def newest(conn: Connection, vault: Vault, limit: int | None = None) -> list[HoldingRecord]:
    """Every holding (the `limit` latest), the latest received first."""
    query = whole().order_by(holdings.c.received_at.desc())
    return [_record(row, vault) for row in conn.execute(query.limit(limit))]


#: A list's place: the sort key of the last row shown, (received_at, id), newest first.
Place = tuple[datetime, str]

#: What a list reads of a holding: not its envelope, nor the card that verified it.
_LISTED = [
    *(
        column
        for column in holdings.c
        if column.name not in ("envelope", "binding", "local_label", "stix")
    ),
    _DISPOSED,
    _WITNESSED,
]


def page(
    conn: Connection,
    vault: Vault,
    *,
    after: Place | None,
    limit: int,
    where: ListFilter,
    backward: bool = False,
) -> list[HoldingRecord]:
    """Up to `limit` holdings after `after` in list order (the latest received first, then by
    id; `backward`: the other way), read in the order of `ix_holdings_listed`, without
    envelope, sender card, binding or local label (empty: a list never shows them). `where`
    is applied here on the columns stored in clear (state, this nation's marking, precedence,
    purpose, originator or sender); the title is for the caller, and every filter again on
    the row as shown."""
    query = _page_query(after=after, limit=limit, where=where, backward=backward)
    query = query.add_columns(holdings.c.local_label)
    unread: dict[str, Any] = {"envelope": b"", "sender_card": {}, "binding": None}
    # The local label is opened only to check the marking in clear that the list's decision
    # takes (ADR 0129), then left out, as a list never shows it.
    return [
        replace(_record({**row._mapping, **unread}, vault), local_label={})
        for row in conn.execute(query)
    ]


def _page_query(
    *, after: Place | None, limit: int, where: ListFilter, backward: bool
) -> Select[Any]:
    query = select(*_LISTED)
    key = tuple_(holdings.c.received_at, holdings.c.id)
    if after is not None:
        query = query.where(key > after if backward else key < after)
    for column, wanted in (
        (holdings.c.state, where.state),
        (holdings.c.local_level, where.level),
        (holdings.c.precedence, where.precedence),
        (holdings.c.purpose, where.purpose),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    if where.partner is not None:
        query = query.where(
            or_(holdings.c.originator == where.partner, holdings.c.sender == where.partner)
        )
    order = (
        (holdings.c.received_at, holdings.c.id)
        if backward
        else (holdings.c.received_at.desc(), holdings.c.id.desc())
    )
    return query.order_by(*order).limit(limit)


def of_originator(conn: Connection, originator: str, vault: Vault) -> list[HoldingRecord]:
    """The holdings `originator` provided, the first received first, as a security visit's
    inventory reports them: the title left sealed (""), without envelope, card, binding or
    local label (opened only to check the marking), each row's marking, state and agreement
    checked against what seals them, as for any read (ADR 0129, 0134)."""
    query = select(*_LISTED, holdings.c.local_label).where(holdings.c.originator == originator)
    unread: dict[str, Any] = {"envelope": b"", "sender_card": {}, "binding": None}
    return [
        replace(_record({**row._mapping, **unread}, vault, titled=False), local_label={})
        for row in conn.execute(query.order_by(holdings.c.received_at, holdings.c.id))
    ]


def newest_flash(conn: Connection, limit: int, vault: Vault) -> list[HoldingRecord]:
    """The `limit` FLASH holdings received last, the latest first."""
    query = whole().where(holdings.c.precedence == Precedence.FLASH.name)
    rows = conn.execute(query.order_by(holdings.c.received_at.desc()).limit(limit))
    return [_record(row, vault) for row in rows]


def of_item(conn: Connection, item_id: str, vault: Vault) -> list[HoldingRecord]:
    """The holdings of `item_id`, the first received first."""
    query = whole().where(holdings.c.item_id == item_id)
    rows = conn.execute(query.order_by(holdings.c.received_at))
    return [_record(row, vault) for row in rows]


#: Built once: built on every call, it was 0.16 ms of each TAXII post, which asks it whether
#: a posted id is a partner's item held here (ADR 0145, ADR 0149).
_IDS_OF_ITEMS = select(holdings.c.item_id, holdings.c.id).where(
    holdings.c.item_id.in_(bindparam("item_ids", expanding=True))
)


def ids_of_items(conn: Connection, item_ids: Sequence[str]) -> dict[str, str]:
    """The holding id of each of `item_ids` held here."""
    if not item_ids:
        return {}
    rows: Sequence[tuple[Any, ...]]
    if len(item_ids) > _STRAIGHT_IDS:
        rows = [tuple(r) for r in conn.execute(_IDS_OF_ITEMS, {"item_ids": list(item_ids)})]
    else:
        rows = _ids_of(len(item_ids)).rows(conn, {f"i{n}": i for n, i in enumerate(item_ids)})
    return {str(item_id): str(holding_id) for item_id, holding_id in rows}


#: A post of a few objects asks this with one id per nation each (a single object, under 24
#: agreements: 24): straight to SQLite's driver, one statement built for each count up to this
#: (`driver_rows`: an expanding IN is rendered again on each execution, issue 17).
_STRAIGHT_IDS = 64


@cache
def _ids_of(count: int) -> driver_rows.Straight:
    ids: list[BindParameter[Any]] = [bindparam(f"i{n}") for n in range(count)]
    return driver_rows.Straight(
        select(holdings.c.item_id, holdings.c.id).where(holdings.c.item_id.in_(ids))
    )


def collection_page(
    conn: Connection,
    vault: Vault,
    *,
    agreement_id: str,
    purpose: str,
    after: tuple[datetime, str] | None,
    limit: int,
    added_after: datetime | None = None,
    item_ids: Sequence[str] | None = None,
) -> list[tuple[HoldingRecord, int]]:
    """The next `limit` holdings received under `agreement_id` for `purpose`, in (received,
    id) order after the key `after`, each with the length in bytes of what `completed` reads
    of it (its kept STIX object, or its envelope for a row that keeps none): keyset paging on
    `ix_holdings_collection`, so a page costs the same at any depth (ADR 0116). What the read
    decision asks, with the originator's and local labels opened (the marking the decision
    takes is checked against the sealed one); not the title (left sealed: ""), the
    envelope, sender card or binding. A kept STIX object of at most
    `INLINE_BYTES` comes with its row (sealed, as stored: `stix_of` opens it), so a page
    hands it over from this one read, the decision and the object of the same row version;
    `completed` reads the rest of those handed over, in chunks the lengths size.
    `item_ids`: only holdings of these items (a TAXII `match[id]`)."""
    query = _collection_query(
        by_item=item_ids is not None, added_after=added_after is not None, after=after is not None
    )
    params: dict[str, Any] = {
        "agreement_id": agreement_id,
        "purpose": purpose,
        "limit": limit,
        "inline_bytes": INLINE_BYTES,
    }
    if added_after is not None:
        params["added_after"] = added_after
    if item_ids is not None:
        params["item_ids"] = list(item_ids)
    if after is not None:
        params["after_at"], params["after_id"] = after
    unread: dict[str, Any] = {
        "envelope": b"",
        "sender_card": {},
        "binding": None,
    }
    return [
        (_record({**row._mapping, **unread}, vault, titled=False), int(row.envelope_bytes or 0))
        for row in conn.execute(query, params)
    ]


@lru_cache(maxsize=8)
def _collection_query(*, by_item: bool, added_after: bool, after: bool) -> Select[Any]:
    """`collection_page`'s query of one shape, its values bound: built once, it keeps its
    cache key (built on each call, its construction was a fifth of a TAXII GET's own time,
    py-spy, ADR 0137)."""
    length = func.coalesce(func.length(holdings.c.stix), func.length(holdings.c.envelope)).label(
        "envelope_bytes"
    )
    inline = case(
        (func.length(holdings.c.stix) <= bindparam("inline_bytes", type_=Integer), holdings.c.stix),
        else_=null(),
    ).label("stix")
    # The local label too, sealed: the decision's marking is checked against it (ADR 0129).
    # Asked for some items (`match[id]`, one object by id), the item-id index finds them: on
    # the collection's index SQLite scanned the whole collection for them (EXPLAIN QUERY
    # PLAN, ADR 0124), so the agreement is then compared as an expression no index serves.
    agreement = holdings.c.agreement_id
    received = holdings.c.received_at
    query = select(*_LISTED, holdings.c.local_label, length, inline).where(
        (func.coalesce(agreement, "") if by_item else agreement) == bindparam("agreement_id"),
        holdings.c.purpose == bindparam("purpose"),
    )
    if added_after:
        query = query.where(received > bindparam("added_after", type_=received.type))
    if by_item:
        query = query.where(holdings.c.item_id.in_(bindparam("item_ids", expanding=True)))
    if after:
        key = tuple_(bindparam("after_at", type_=received.type), bindparam("after_id"))
        query = query.where(tuple_(received, holdings.c.id) > key)
    return query.order_by(received, holdings.c.id).limit(bindparam("limit", type_=Integer))


def completed(
    conn: Connection, records: Sequence[HoldingRecord], vault: Vault
) -> dict[str, HoldingRecord]:
    """`records` as `collection_page` read them, each completed with what it left out (its
    kept STIX object and its data key, and the state as it is now; for a row that keeps no
    STIX object, what rebuilds it: the envelope, the card that verified it and the local
    label), by id: one query for the rows and one for their cards (stored once each, ADR
    0096), however many records. The originator's label, opened by the scan, is not opened
    again; the title only for a row that keeps no STIX object; the originator's binding is
    not read (None: what is handed over carries none; opening it was 4 % of a TAXII page). The
    state and local level are as they are now, for the caller to see a disposal or re-marking
    since its decision. A record no longer stored is left out."""
    if not records:
        return {}
    kept = holdings.c.stix.is_not(None)
    rest = (
        holdings.c.stix,
        holdings.c.data_key,
        case((kept, literal(b"")), else_=holdings.c.envelope).label("envelope"),
        case((kept, null()), else_=holdings.c.local_label).label("local_label"),
    )
    query = select(
        holdings.c.id,
        holdings.c.title,
        holdings.c.state,
        holdings.c.local_level,
        holdings.c.sender_card_digest,
        _DISPOSED,
        *rest,
    ).where(holdings.c.id.in_([record.id for record in records]))
    rows = {row.id: row._mapping for row in conn.execute(query)}
    wanted = {m["sender_card_digest"] for m in rows.values()}
    query = select(held_cards.c.digest, held_cards.c.card).where(held_cards.c.digest.in_(wanted))
    cards: dict[str, Any] = {row.digest: row.card for row in conn.execute(query)}
    found: dict[str, HoldingRecord] = {}
    for record in records:
        m = rows.get(record.id)
        if m is None or m["sender_card_digest"] not in cards:
            continue
        disposals.check(disposals.HOLDING, record.id, m["state"], m[disposals.COLUMN])
        local, title = m["local_label"], record.title
        if m["stix"] is None and _sealed_at_rest(m, vault):  # rebuilt: title and labels
            key = vault.metadata_key(m["id"])
            title = key.open_text("title", m["title"])
            local = None if local is None else key.open_json("local_label", local)
        found[record.id] = replace(
            record,
            title=title,
            envelope=m["envelope"],
            data_key=m["data_key"],
            sender_card=cards[m["sender_card_digest"]],
            binding=None,
            local_label=record.local_label if local is None else local,  # kept: the scan's
            state=m["state"],
            local_level=m["local_level"],  # a re-marking since the scan shows here (ADR 0129)
            stix=m["stix"],
        )
    return found


def of_items(conn: Connection, item_ids: Sequence[str], vault: Vault) -> list[HoldingRecord]:
    """The holdings of any of `item_ids`, the first received first."""
    query = whole().where(holdings.c.item_id.in_(item_ids))
    rows = conn.execute(query.order_by(holdings.c.received_at, holdings.c.id))
    return [_record(row, vault) for row in rows]


def state_of(conn: Connection, holding_id: str) -> str | None:
    return conn.execute(select(holdings.c.state).where(holdings.c.id == holding_id)).scalar()


def states_of(conn: Connection, holding_ids: Collection[str]) -> dict[str, str]:
    """The state of each of `holding_ids` stored, by id."""
    return db.states_of(conn, holdings, holding_ids)


# Writing ------------------------------------------------------------------------------------


def add_all(conn: Connection, records: Sequence[HoldingRecord], vault: Vault) -> None:
    insert_rows(conn, [_values(record) for record in records], vault)


def insert_rows(conn: Connection, rows: Sequence[Mapping[str, Any]], vault: Vault) -> None:
    """Store holdings given as column values, each envelope sealed under a data key of its
    own, kept wrapped beside it (ADR 0075), and the STIX object's JSON, if `stix` gives it
    (plaintext here), sealed under the same key (ADR 0124)."""
    sealed, cards = [], {}
    for row in rows:
        key, wrapped = vault.new_data_key(row["id"])
        digest, cards[digest] = card_digest(row["sender_card"]), dict(row["sender_card"])
        stored = {name: value for name, value in row.items() if name != "sender_card"}
        sealed.append(
            {
                **stored,
                **_seal_described(row, vault),
                "envelope": key.seal(ENVELOPE, row["envelope"]),
                "stix": None
                if row.get("stix") is None
                else key.seal(_stix_column(row["original_label"], row["local_label"]), row["stix"]),
                "data_key": wrapped,
                "sender_card_digest": digest,
            }
        )
    _keep_cards(conn, cards)
    conn.execute(holdings.insert(), sealed)


def _stix_column(original: Mapping[str, Any], local: Mapping[str, Any]) -> str:
    """What a kept object is sealed for: its column, bound to the digest of both labels it
    carries, so one put back from before a re-marking does not open beside the new labels
    (found by the attack, ADR 0129: sealing binds a value to its row, not to a version)."""
    labels = canonical_json(dict(original)) + b"\n" + canonical_json(dict(local))
    return f"{STIX}:{hashlib.sha256(labels).hexdigest()}"


def stix_of(record: HoldingRecord, vault: Vault) -> bytes | None:
    """The STIX object's JSON the holding keeps, opened under its data key for the labels
    `record` carries (both opened); None if it keeps none (from before ADR 0124, or re-marked
    since). StoreDamaged if it does not open as this holding's with these labels: written in
    clear, moved from another row, or kept from before a re-marking (ADR 0088, 0129)."""
    if record.stix is None:
        return None
    column = _stix_column(record.original_label, record.local_label)
    try:
        return vault.data_key(record.id, record.data_key).open(column, record.stix)
    except VerificationError as error:
        raise StoreDamaged(
            f"holding {record.id}'s STIX object does not open as its own: {error.message}",
            hint="restore the database from a backup; rows in clear are never read as genuine",
        ) from None


def card_digest(card: Mapping[str, Any]) -> str:
    """The name a card is stored once under: SHA-256 of its canonical JSON."""
    canonical = json.dumps(dict(card), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _keep_cards(conn: Connection, cards: Mapping[str, Mapping[str, Any]]) -> None:
    """Store each card not stored yet; one a concurrent transaction stored first is kept as
    it is (the same bytes, by its digest)."""
    if not cards:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    rows = [{"digest": digest, "card": dict(card)} for digest, card in cards.items()]
    conn.execute(dialect.insert(held_cards).on_conflict_do_nothing(), rows)


def envelope_of(row: HoldingRecord | Row[Any], vault: Vault) -> bytes:
    """The holding's stored envelope, opened under its data key; VerificationError once its
    data key was erased (destroyed or returned: nothing of it opens, even with the KEK)."""
    wrapped, envelope = row.data_key, row.envelope
    if wrapped is None and not is_sealed(envelope):
        if envelope and not vault.reads_clear:
            raise StoreDamaged(
                f"holding {row.id}'s envelope lies in clear, where envelopes are kept sealed",
                hint="restore the database from a backup; rows in clear are never read as genuine",
            )
        return bytes(envelope)  # emptied (destroyed, returned) before data keys
    return vault.data_key(row.id, wrapped).open(ENVELOPE, envelope)


def seal_clear_rows(conn: Connection, vault: Vault) -> int:
    """Seal each holding kept in clear from before ADR 0075 (descriptive columns under its
    metadata key, a kept envelope under a data key of its own); how many. Only the node's one
    pass does this (`node.at_rest`), with `vault.sealing_clear_rows()`."""
    clear = ~holdings.c.title.startswith(TEXT_PREFIX) | (
        holdings.c.data_key.is_(None) & (func.length(holdings.c.envelope) > 0)
    )
    rows = conn.execute(whole().where(clear)).all()
    for row in rows:
        record = _record(row, vault)
        values: dict[str, Any] = {**_seal_described(_values(record), vault)}
        envelope = envelope_of(record, vault)
        if record.data_key is None and envelope:
            key, values["data_key"] = vault.new_data_key(record.id)
            values["envelope"] = key.seal(ENVELOPE, envelope)
        conn.execute(update(holdings).where(holdings.c.id == row.id).values(values))
    return len(rows)


def _values(record: HoldingRecord) -> dict[str, Any]:
    values = asdict(record)
    for name in ("original_label", "local_label", "sender_card"):
        values[name] = dict(values[name])
    values["approved_purposes"] = list(record.approved_purposes)
    # A record's STIX object is as stored (sealed for its own row): never written again as
    # given, since `insert_rows` takes it in plaintext.
    values.pop("stix")
    return values


def empty(conn: Connection, holding_id: str, state: str, vault: Vault) -> None:
    """Destroyed or returned (`state`): the envelope and its data key are erased (crypto-
    erasure: a copy of the sealed envelope left anywhere no longer opens), the record stays,
    its state sealed with its other terms (ADR 0134), and its disposal recorded, the witness
    a row put back from before contradicts (ADR 0139)."""
    if _decide(conn, holding_id, vault, envelope=b"", data_key=None, stix=None, state=state):
        disposals.record(conn, disposals.HOLDING, [holding_id], state)


def set_approved_purposes(
    conn: Connection, holding_id: str, purposes: Sequence[str], vault: Vault
) -> None:
    """The purposes the originator approved for the holding (R13), sealed with its other
    terms: only the approval's verified signature decides them (ADR 0134)."""
    _decide(conn, holding_id, vault, approved_purposes=sorted(purposes))


def copies_made(conn: Connection, holding_id: str, vault: Vault) -> int | None:
    """How many copies and translations of the holding were ever made (R29), as its sealed
    terms say (None: no such holding). The row is read locked (PostgreSQL: two copiers at
    once count one after the other) and checked: StoreDamaged unless its columns say what
    its terms say (ADR 0140)."""
    row = _locked(conn, holding_id)
    if row is None:
        return None
    m = row._mapping
    if _sealed_at_rest(m, vault):
        witness = row_versions.version_of(conn, row_versions.HOLDING, holding_id)
        _decided_as_sealed(m, vault.metadata_key(holding_id), vault, witness)
    return int(m[COPIES_MADE] or 0)


def count_copy(conn: Connection, holding_id: str, number: int, vault: Vault) -> None:
    """Copy or translation `number` of the holding is made: its sealed count is now `number`.
    Conflict unless the count was `number - 1` (another was made meanwhile): numbers are
    never given twice, and the count never goes down (ADR 0140)."""
    if copies_made(conn, holding_id, vault) != number - 1:
        raise Conflict(f"another copy of {holding_id} was made meanwhile; try again")
    _decide(conn, holding_id, vault, copies_made=number)


def bind_copies_made(conn: Connection, counts: Mapping[str, int], vault: Vault) -> int:
    """Seal each holding's count of copies made as `counts` (the copy rows from before ADR
    0140) says, zero where it says none; how many holdings. Only the node's one pass does
    this (`node.at_rest`, its vault reading terms from before): after it, terms that say no
    count are damage."""
    ids = list(conn.execute(select(holdings.c.id)).scalars())
    for holding_id in ids:
        _decide(conn, holding_id, vault, copies_made=int(counts.get(holding_id, 0)))
    return len(ids)


def _locked(conn: Connection, holding_id: str) -> Row[Any] | None:
    query = select(holdings.c.id, holdings.c.title, holdings.c.terms, *_DECIDED_COLUMNS)
    return conn.execute(query.where(holdings.c.id == holding_id).with_for_update()).first()


def _decide(conn: Connection, holding_id: str, vault: Vault, **values: Any) -> bool:
    """Write `values` to the holding, its sealed terms rewritten to say them. The row is read
    locked (PostgreSQL: an approval and a disposal at once must not each seal the other's
    column as it was) and checked first: a column a writer changed is StoreDamaged here, never
    sealed as the node's own decision, and so is a row put back from before its disposal (ADR
    0139). Whether there was such a holding to write to."""
    row = _locked(conn, holding_id)
    if row is None:
        return False
    m = row._mapping
    disposed = disposals.of_subjects(conn, disposals.HOLDING, [holding_id]).get(holding_id)
    disposals.check(disposals.HOLDING, holding_id, m["state"], disposed)
    if not _sealed_at_rest(m, vault):  # a row from before ADR 0075, read by the node's pass
        conn.execute(update(holdings).where(holdings.c.id == holding_id).values(**values))
        return True
    key = vault.metadata_key(holding_id)
    witness = row_versions.version_of(conn, row_versions.HOLDING, holding_id)
    version = _decided_as_sealed(m, key, vault, witness)
    version = row_versions.advance(conn, row_versions.HOLDING, holding_id, version)
    terms = _sealed_terms(key, {**m, **values}, version)
    conn.execute(update(holdings).where(holdings.c.id == holding_id).values(**values, terms=terms))
    return True


_DECIDED_COLUMNS = [holdings.c[name] for name in DECIDED]


def bind_terms(conn: Connection, vault: Vault) -> int:
    """Seal the terms of each holding that keeps none (stored before ADR 0134) as its columns
    say them; how many. Only the node's one pass does this (`node.at_rest`): after it, a
    holding without sealed terms is damage."""
    query = select(holdings.c.id, *_DECIDED_COLUMNS).where(holdings.c.terms.is_(None))
    rows = conn.execute(query).all()
    for row in rows:
        terms = _sealed_terms(vault.metadata_key(row.id), row._mapping)
        conn.execute(update(holdings).where(holdings.c.id == row.id).values(terms=terms))
    return len(rows)


def remark(
    conn: Connection,
    holding_id: str,
    *,
    local_level: str,
    local_label: Mapping[str, Any],
    original_label: Mapping[str, Any],
    binding: str | None,
    vault: Vault,
) -> int:
    """Re-mark the holding as the originator's classification notice says (R14), its labels
    sealed as they were stored (in clear only on a row from before). The STIX object it kept
    carries the old labels: it is dropped, and rebuilt from the envelope when read. The row's
    version advances with its terms (`_decide`): its row of before, put back, is damage. The
    version it now has, for the log (ADR 0151)."""
    _decide(conn, holding_id, vault)
    title = conn.execute(select(holdings.c.title).where(holdings.c.id == holding_id)).scalar()
    labels: dict[str, Any] = {
        "local_label": dict(local_label),
        "original_label": dict(original_label),
    }
    if title is not None and is_sealed_text(title):
        key = vault.metadata_key(holding_id)
        labels = {name: key.seal_json(name, value) for name, value in labels.items()}
        binding = seal_binding(vault, holding_id, binding)
    conn.execute(
        update(holdings)
        .where(holdings.c.id == holding_id)
        .values(local_level=local_level, binding=binding, stix=None, **labels)
    )
    return row_versions.version_of(conn, row_versions.HOLDING, holding_id)


# Treaty values ------------------------------------------------------------------------------


def to_holding(record: HoldingRecord, schemes: SchemeRegistry, holder: str) -> Holding:
    """The holding as the access rules see it: levels parsed, releasability, caveats, copy
    limit and purpose end from the originator's label, the purposes it approved since (R13),
    and a destroyed or returned holding counted as gone (R18, R31)."""
    original = label_from_obj(record.original_label)
    created = original.created_at
    terms = handling_terms_of(original)
    item = Item(
        id=record.item_id,
        originator=record.originator,
        level=schemes.parse(record.originator, original.classification, at=created.date()),
        purpose=record.purpose,
        agreement_id=record.agreement_id,
        agreement_version=record.agreement_version,
        releasable_to=original.releasable_to,
        precedence=Precedence[record.precedence],
        caveats=terms.caveats,
        created_at=created,
        copy_limit=terms.copy_limit,
        purpose_ends=terms.purpose_ends,
        categories=original.policy_categories,
    )
    return Holding(
        id=record.id,
        item=item,
        holder=holder,
        level=schemes.parse(holder, record.local_level, at=record.received_at.date()),
        approved_purposes=frozenset(record.approved_purposes),
        destroyed=record.disposed,
        consent_id=record.consent_id or "",
    )


def to_readable(
    record: HoldingRecord, schemes: SchemeRegistry, holder: str
) -> Holding | DeclassifiedHolding:
    """What the read decision is asked about: the classified holding (`to_holding`), or a
    declassified one, for which no scheme has a level any more (R14)."""
    if record.local_level == DECLASSIFIED:
        return DeclassifiedHolding(record.id, record.item_id, disposed=record.disposed)
    return to_holding(record, schemes, holder)
