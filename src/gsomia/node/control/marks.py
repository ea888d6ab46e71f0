"""What a classification change re-marks on this node besides the item or holding itself:
its labels, and every copy, translation and derivative made from it (R8, R14).

Both sides need it: the originator re-marks its own item's copies and derivatives when it
issues a notice (`notices`), each holder its holding's when it applies one (`remarking`), and
each logs every copy it re-marked alike (`copies_followed`). It decides nothing: the treaty
core (`remark`, `remark_derivative`) says what each becomes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict
from gsomia.labels import label_from_obj, label_to_obj
from gsomia.node import audit
from gsomia.node.control.notice_case import ARTICLE
from gsomia.node.read import own_item as read_own_item
from gsomia.node.read import treaty_holding
from gsomia.node.runtime import Node
from gsomia.seal.at_rest import Vault
from gsomia.store import copies, holdings, items
from gsomia.store.items import ItemRecord
from gsomia.treaty.classification import DECLASSIFIED
from gsomia.treaty.custody import Copy, markings_of, remark
from gsomia.treaty.decision import Decision
from gsomia.treaty.derivatives import (
    Derivative,
    DerivativeKind,
    derivative_marking,
    remark_derivative,
)
from gsomia.treaty.items import Holding, Item
from gsomia.treaty.schemes import Level

# Treaty values from rows ---------------------------------------------------------------------


def parse_level(node: Node, nation: str, marking: str, at: datetime) -> Level:
    if marking == DECLASSIFIED:
        raise Conflict(f"{marking} is not a classification level: the item was declassified")
    return node.schemes.parse(nation, marking, at=at.date())


def own_item(node: Node, record: ItemRecord) -> Item:
    """This node's own item as the treaty sees it (`read.own_item`); `Conflict` once it is
    declassified, when there is no level left to re-mark from."""
    parse_level(node, node.nation, record.level, record.created_at)
    return read_own_item(node, record)


def held(node: Node, row: Any) -> Holding:
    """A holdings row as the treaty sees it (`read.treaty_holding`); `Conflict` once it is
    declassified, when there is no level left to re-mark from."""
    if DECLASSIFIED in (label_from_obj(row.original_label).classification, row.local_level):
        raise Conflict(f"{DECLASSIFIED} is not a classification level: the item was declassified")
    return treaty_holding(node, row)


def relabel(label: Mapping[str, Any], classification: str) -> dict[str, Any]:
    """`label` (a STANAG 4774 label object) with its classification replaced, all else kept."""
    return label_to_obj(replace(label_from_obj(label), classification=classification))


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


# Copies, translations and derivatives --------------------------------------------------------


def _copy_rows(
    conn: Connection, item_id: str, source_id: str, vault: Vault
) -> list[dict[str, Any]]:
    """Copies and translations of `item_id`, and derivatives made from `source_id` (a holding,
    or the originator's own item)."""
    found = []
    for row in copies.live(conn, vault):
        details = row["details"] if isinstance(row["details"], dict) else {}
        if row["kind"] == "derivative":
            if source_id in details.get("sources", ()) or row["item_id"] == item_id:
                found.append(row)
        elif row["item_id"] == item_id:
            found.append(row)
    return found


def remark_own_copies(
    conn: Connection, node: Node, before: Item, after: Level | None
) -> dict[str, str]:
    """The originator's own copies and derivatives of its item follow its new marking; the
    marking of each, by id."""
    marking = after.native if after is not None else DECLASSIFIED
    own = Holding(before.id, before, node.nation, before.level)
    current = (
        Holding(before.id, replace(before, level=after), node.nation, after) if after else None
    )
    changed: dict[str, str] = {}
    for row in _copy_rows(conn, before.id, before.id, node.vault):
        if row["kind"] == "derivative":
            level = _derivative_level(conn, node, row, own, current)
        elif row["holding_id"] is None:
            level = marking
        else:
            continue
        label = _relabel_any(row["label"], {before.level.native: marking, row["level"]: level})
        copies.remark(conn, row["id"], level, label, node.vault)
        changed[row["id"]] = level
    return changed


def copies_followed(
    actor: str,
    followed: str,
    remarked: Mapping[str, str],
    notice_id: str,
    *,
    said: str | None = None,
) -> list[audit.Entry]:
    """The log's entry for each copy `remarked` (its marking by id, as `remark_own_copies` and
    `remark_copies` return them) after `followed` under the notice `notice_id`: each says the
    copy's marking as kept (`audit.kept_as`), so `audit verify` holds the copy's row to it
    (ADR 0151). The reason names `said` (a holder names its holding's new marking), else each
    copy's own."""
    entries = []
    for copy_id, level in remarked.items():
        why = f"{copy_id} follows {followed}: {level if said is None else said}"
        entries.append(
            audit.Entry(
                actor,
                "remark",
                copy_id,
                Decision.allow(why, ARTICLE, "R14"),
                (notice_id,),
                audit.kept_as("copy", copy_id, marking=level),
            )
        )
    return entries


def remark_copies(
    conn: Connection,
    node: Node,
    *,
    before: Holding,
    after: Holding | None,
    original: str,
    local: str,
) -> dict[str, str]:
    """Re-mark every copy, translation and derivative of the holding (R14); the marking of
    each, by id."""
    mapping = {before.item.level.native: original, before.level.native: local}
    changed: dict[str, str] = {}
    for row in _copy_rows(conn, before.item.id, before.id, node.vault):
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
        label = _relabel_any(row["label"], mapping_row)
        copies.remark(conn, row["id"], level, label, node.vault)
        changed[row["id"]] = level
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
    record = holdings.by_ids(conn, [source_id], node.vault).get(source_id)
    if record is not None:
        return DECLASSIFIED if record.local_level == DECLASSIFIED else held(node, record)
    own = items.get(conn, source_id, node.vault)
    if own is None:
        return None
    if own.level == DECLASSIFIED:
        return DECLASSIFIED
    item = own_item(node, own)
    return Holding(item.id, item, node.nation, item.level)
