"""Copies and translations of what this node holds: numbered reproductions (R15, R29, R30).

Every reproduction is a `copies` row: numbered per holding (copies and translations counted
together), carrying the original markings, the originator and the copy number. The treaty core
decides (`treaty.custody`); this module turns rows into treaty values, logs each decision with
its reason and article, and writes the row in the same transaction. A translation keeps its
text sealed to this node's own key. The row's view and the sealing are shared with
`derivatives`, which the same table holds; what was made is listed by `inventory`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.node import audit, read
from gsomia.node.authority import authorise, refuse
from gsomia.node.contractor_access import contractor_decision
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.seal import seal_envelope
from gsomia.seal.at_rest import Vault
from gsomia.store import copies
from gsomia.store.holdings import HoldingRecord
from gsomia.store.users import UserRecord, get_user
from gsomia.treaty.custody import (
    ItemTranslation,
    make_copy,
    make_translation,
    markings_of,
    may_assign_translation,
    may_copy,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.destruction import purpose_suspension
from gsomia.treaty.items import Holding
from gsomia.treaty.people import Person
from gsomia.treaty.roles import Action

MAX_COPIES = 100
MAX_TEXT = 1_000_000
COPY_ENVELOPE = "gsomia-copy/1"


@dataclass(frozen=True)
class CopyView:
    """A copy, translation or derivative as the API shows it (never its content)."""

    id: str
    kind: str
    item_id: str
    holding_id: str | None
    number: int
    level: str
    label: dict[str, Any]
    details: dict[str, Any]
    made_by: str
    made_at: datetime
    state: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "item_id": self.item_id,
            "holding_id": self.holding_id,
            "number": self.number,
            "level": self.level,
            "label": self.label,
            "details": self.details,
            "made_by": self.made_by,
            "made_at": self.made_at.isoformat(),
            "state": self.state,
        }


def copy_view(row: Any) -> CopyView:
    m = row._mapping
    return CopyView(
        id=m["id"],
        kind=m["kind"],
        item_id=m["item_id"],
        holding_id=m["holding_id"],
        number=m["number"],
        level=m["level"],
        label=dict(m["label"]),
        details=dict(m["details"]),
        made_by=m["made_by"],
        made_at=m["made_at"],
        state=m["state"],
    )


def _unchanged(conn: Connection, holding_id: str, made: int, vault: Vault) -> None:
    """Refuse to number a reproduction if another was made since `made` was counted."""
    if copies.reproductions(conn, holding_id, vault) != made:
        raise Conflict(f"another copy of {holding_id} was made meanwhile; try again")


def _insert(
    conn: Connection,
    row: Any,
    holding: Holding,
    vault: Vault,
    *,
    copy_id: str,
    kind: str,
    item_id: str,
    number: int,
    details: dict[str, Any],
    content: bytes | None,
    made_by: str,
    made_at: datetime,
    **marks: Any,
) -> None:
    """Inventory a reproduction of the holding `row`, numbered and marked as the original."""
    copies.insert(
        conn,
        copy_id=copy_id,
        kind=kind,
        item_id=item_id,
        holding_id=row.id,
        number=number,
        level=row.local_level,
        label=_label(row, holding, copy=number, of=row.id, **marks),
        details=details,
        content=content,
        made_by=made_by,
        made_at=made_at,
        vault=vault,
    )


def suspension(person: Person, holding: Holding, now: datetime) -> Decision | None:  # noqa: ARG001
    """The R18 refusal while the item's purpose has ended (`purpose_suspension`), if it applies:
    the holding's, whoever asks."""
    return purpose_suspension(holding, now)


def _label(row: HoldingRecord, holding: Holding, **extra: Any) -> dict[str, Any]:
    """Every original marking a reproduction shows: originator, its marking, ours, caveats."""
    markings = markings_of(holding)
    original = dict(row.original_label)
    return {
        "originator": markings.originator,
        "original_marking": original["ConfidentialityInformation"]["Classification"],
        "marking": row.local_level,
        "caveats": sorted(markings.caveats),
        "ip_restrictions": sorted(markings.ip_restrictions),
        "original_label": original,
        "local_label": dict(row.local_label),
        **extra,
    }


def _contractor_check(
    node: Node, person: str, row: HoldingRecord, now: datetime, action: str
) -> None:
    """A contractor's staff copy and translate under the same rules as anyone (R36), and only
    what their facility and contract let them have (R33–R35); refused and logged otherwise."""
    decision = contractor_decision(node, person, row, now)
    if decision is not None and not decision.allowed:
        refuse(node, actor=person, action=action, subject=row.id, decision=decision, now=now)


def seal_own(node: Node, content: bytes, copy_id: str, marking: str, now: datetime) -> bytes:
    """`content` sealed to this node's own key: readable only through a verified open here."""
    return seal_envelope(
        content,
        label={"type": COPY_ENVELOPE, "copy": copy_id, "marking": marking},
        keys=node.keys,
        recipients=[node.card],
        now=now,
        media_type="text/plain; charset=utf-8",
        envelope_id=uuid.uuid4().hex,
    )


def get_copy(node: Node, copy_id: str) -> CopyView:
    with node.reader.connect() as conn:
        row = copies.get(conn, copy_id, node.vault)
    if row is None:
        raise NotFound(f"no copy {copy_id}")
    return copy_view(row)


# Copies (R29) --------------------------------------------------------------------------------


def make_copies(node: Node, user: UserRecord, holding_id: str, count: int = 1) -> list[CopyView]:
    """`count` numbered copies of a holding, or none: the originator's prohibition or copy
    limit refuses the whole request (R29); each copy carries every original marking (R15)."""
    if not 1 <= count <= MAX_COPIES:
        raise InputError(f"make 1 to {MAX_COPIES} copies at a time")
    person, role = authorise(node, user, Action.REPRODUCE, holding_id)
    row = read.holding_row(node, holding_id)
    holding = read.treaty_holding(node, row)
    now = node.clock()
    with node.reader.connect() as conn:
        made = copies.reproductions(conn, row.id, node.vault)
    _contractor_check(node, user.name, row, now, "copy")
    decision: Decision = Decision.allow("", "", "")
    for offset in range(count):
        decision = suspension(person, holding, now) or may_copy(person, holding, made + offset, now)
        if not decision.allowed:
            refuse(node, actor=user.name, action="copy", subject=row.id, decision=decision)
    new_ids = []
    with node.engine.begin() as conn:
        _unchanged(conn, row.id, made, node.vault)
        entries = [audit.Entry(user.name, Action.REPRODUCE.value, row.id, role)]
        for offset in range(count):
            copy = make_copy(person, holding, made + offset, now)
            _insert(
                conn,
                row,
                holding,
                node.vault,
                copy_id=copy.id,
                kind="copy",
                item_id=copy.item_id,
                number=copy.number,
                details={"originator": copy.markings.originator},
                content=None,
                made_by=user.name,
                made_at=now,
            )
            entries.append(
                audit.Entry(
                    user.name,
                    "copy",
                    row.id,
                    may_copy(person, holding, made + offset, now),
                    also=(copy.id,),
                )
            )
            new_ids.append(copy.id)
        audit.record_all(conn, entries, now)
    return [get_copy(node, copy_id) for copy_id in new_ids]


# Translations (R30) --------------------------------------------------------------------------


def translate(
    node: Node,
    user: UserRecord,
    holding_id: str,
    *,
    translator: str,
    language: str,
    source_language: str,
    content: str,
) -> CopyView:
    """A translation of a holding by `translator`, a person of this node who passes the access
    decision for it (R30); inventoried and counted as a copy, its text sealed to this node."""
    if len(content) > MAX_TEXT:
        raise InputError(f"a translation is at most {MAX_TEXT} characters")
    for what, code in (("language", language), ("source language", source_language)):
        if not code or len(code) > 16:
            raise InputError(f"the {what} is a language code of up to 16 characters")
    _, role = authorise(node, user, Action.REPRODUCE, holding_id)
    row = read.holding_row(node, holding_id)
    holding = read.treaty_holding(node, row)
    now = node.clock()
    with node.reader.connect() as conn:
        worker = to_person(get_user(conn, translator, node.vault), node.scheme(now.date()))
        made = copies.reproductions(conn, row.id, node.vault)
    decision = suspension(worker, holding, now) or may_assign_translation(
        worker, holding, made, now
    )
    if not decision.allowed:
        refuse(node, actor=user.name, action="translate", subject=row.id, decision=decision)
    _contractor_check(node, translator, row, now, "translate")
    done: ItemTranslation = make_translation(
        worker, holding, made, now, source_language=source_language, language=language
    )
    sealed = seal_own(node, content.encode(), done.id, row.local_level, now)
    with node.engine.begin() as conn:
        _unchanged(conn, row.id, made, node.vault)
        _insert(
            conn,
            row,
            holding,
            node.vault,
            copy_id=done.id,
            kind="translation",
            item_id=done.item_id,
            number=done.number,
            details={
                "originator": done.markings.originator,
                "translator": translator,
                "source_language": source_language,
                "language": language,
                "assigned_by": user.name,
            },
            content=sealed,
            made_by=translator,
            made_at=now,
            source_language=source_language,
            language=language,
        )
        audit.record_all(
            conn,
            [
                audit.Entry(user.name, Action.REPRODUCE.value, row.id, role),
                audit.Entry(user.name, "translate", row.id, decision, also=(done.id, translator)),
            ],
            now,
        )
    return get_copy(node, done.id)
