"""Copies, translations and derivatives of what this node holds, and its inventory (R8, R15–R17,
R29, R30).

Every reproduction is a `copies` row: numbered per holding (copies and translations counted
together), carrying the original markings, the originator and the copy number. The treaty core
decides (`treaty.custody`, `treaty.derivatives`); this module turns rows into treaty values,
logs each decision with its reason and article, and writes the row in the same transaction.
Translations and derivatives keep their text sealed to this node's own key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from gsomia.errors import Conflict, InputError, NotFound, PolicyDenied
from gsomia.labels import label_from_obj
from gsomia.node import audit, read
from gsomia.node.control.messages import Handler
from gsomia.node.people import to_person
from gsomia.node.release import authorise
from gsomia.node.runtime import Node
from gsomia.seal import seal_envelope
from gsomia.store.tables import access_log, copies, destructions, holdings, items, transfers
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
from gsomia.treaty.derivatives import Derivative, DerivativeKind, make_derivative, may_derive
from gsomia.treaty.destruction import may_read
from gsomia.treaty.inventory import (
    AccessRecord,
    CustodyEvent,
    CustodyKind,
    chain_of_custody,
    reader_list,
)
from gsomia.treaty.items import Holding, Item, Precedence
from gsomia.treaty.people import Person
from gsomia.treaty.roles import Action

__all__ = [
    "HANDLERS",
    "CopyView",
    "Inventory",
    "copy_view",
    "dependants",
    "derive",
    "inventory",
    "make_copies",
    "readers",
    "source_holding",
    "translate",
]

MAX_COPIES = 100
MAX_TEXT = 1_000_000
COPY_ENVELOPE = "gsomia-copy/1"
REPRODUCED = ("copy", "translation")


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


# Rows to treaty values -----------------------------------------------------------------------


def _own_item_holding(node: Node, row: Any) -> Holding:
    """This node's own item, as a holding of its originator (the source of a derivative)."""
    m = row._mapping
    label = label_from_obj(m["label"])
    caveats, copy_limit, purpose_ends = read.item_terms(label)
    level = node.schemes.parse(node.nation, m["level"], at=m["created_at"].date())
    item = Item(
        id=m["id"],
        originator=node.nation,
        level=level,
        purpose=m["purpose"],
        agreement_id="own",
        agreement_version=1,
        releasable_to=frozenset(m["releasable_to"]),
        precedence=Precedence[m["precedence"]],
        caveats=caveats | frozenset(m["caveats"]),
        created_at=m["created_at"],
        copy_limit=copy_limit,
        purpose_ends=purpose_ends,
    )
    return Holding(m["id"], item, node.nation, level)


def source_holding(node: Node, source_id: str) -> tuple[Holding, Any, str]:
    """A holding (by holding or item id) or this node's own item, as a treaty holding; its row
    and which table it came from (`holding` or `item`)."""
    with node.reader.connect() as conn:
        row = conn.execute(
            select(holdings).where((holdings.c.id == source_id) | (holdings.c.item_id == source_id))
        ).first()
        if row is not None:
            return read.treaty_holding(node, row), row, "holding"
        own = conn.execute(select(items).where(items.c.id == source_id)).first()
    if own is None:
        raise NotFound(
            f"nothing held or originated here is called {source_id}",
            hint="`gsomia item list` shows what is held",
        )
    return _own_item_holding(node, own), own, "item"


def dependants(conn: Connection, holding_id: str) -> list[Any]:
    """The copies, translations and derivatives made from `holding_id` (any state)."""
    rows = list(conn.execute(select(copies).order_by(copies.c.made_at, copies.c.id)))
    return [
        row
        for row in rows
        if row.holding_id == holding_id
        or (row.kind == "derivative" and holding_id in row.details.get("sources", ()))
    ]


def _reproductions(conn: Connection, holding_id: str) -> int:
    """How many copies and translations of `holding_id` were ever made (the next number - 1)."""
    count = conn.execute(
        select(func.count())
        .select_from(copies)
        .where(copies.c.holding_id == holding_id, copies.c.kind.in_(REPRODUCED))
    ).scalar_one()
    return int(count)


def _suspension(person: Person, holding: Holding, now: datetime) -> Decision | None:
    """The R18 refusal while the item's purpose has ended (`may_read`), if it applies."""
    decision = may_read(person, holding, now)
    if not decision.allowed and decision.requirement == "R18":
        return decision
    return None


def _refuse(node: Node, actor: str, action: str, subject: str, decision: Decision) -> None:
    """Log a refusal in its own transaction and raise it."""
    with node.engine.begin() as conn:
        audit.record(
            conn, actor=actor, action=action, subject=subject, decision=decision, now=node.clock()
        )
    decision.enforce()


def _label(row: Any, holding: Holding, **extra: Any) -> dict[str, Any]:
    """Every original marking a reproduction shows: originator, its marking, ours, caveats."""
    m = row._mapping
    markings = markings_of(holding)
    return {
        "originator": markings.originator,
        "original_marking": m["original_label"]["ConfidentialityInformation"]["Classification"],
        "marking": m["local_level"],
        "caveats": sorted(markings.caveats),
        "ip_restrictions": sorted(markings.ip_restrictions),
        "original_label": m["original_label"],
        "local_label": m["local_label"],
        **extra,
    }


def _seal_own(node: Node, content: bytes, copy_id: str, marking: str, now: datetime) -> bytes:
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


def _get(node: Node, copy_id: str) -> CopyView:
    with node.reader.connect() as conn:
        row = conn.execute(select(copies).where(copies.c.id == copy_id)).first()
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
        made = _reproductions(conn, row.id)
    decision: Decision = Decision.allow("", "", "")
    for offset in range(count):
        decision = _suspension(person, holding, now) or may_copy(
            person, holding, made + offset, now
        )
        if not decision.allowed:
            _refuse(node, user.name, "copy", row.id, decision)
    new_ids = []
    with node.engine.begin() as conn:
        if _reproductions(conn, row.id) != made:
            raise Conflict(f"another copy of {row.id} was made meanwhile; try again")
        entries = [audit.Entry(user.name, Action.REPRODUCE.value, row.id, role)]
        for offset in range(count):
            copy = make_copy(person, holding, made + offset, now)
            conn.execute(
                copies.insert().values(
                    id=copy.id,
                    kind="copy",
                    item_id=copy.item_id,
                    holding_id=row.id,
                    number=copy.number,
                    level=row.local_level,
                    label=_label(row, holding, copy=copy.number, of=row.id),
                    details={"originator": copy.markings.originator},
                    content=None,
                    made_by=user.name,
                    made_at=now,
                    state="held",
                )
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
    return [_get(node, copy_id) for copy_id in new_ids]


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
        worker = to_person(get_user(conn, translator), node.scheme(now.date()))
        made = _reproductions(conn, row.id)
    decision = _suspension(worker, holding, now) or may_assign_translation(
        worker, holding, made, now
    )
    if not decision.allowed:
        _refuse(node, user.name, "translate", row.id, decision)
    done: ItemTranslation = make_translation(
        worker, holding, made, now, source_language=source_language, language=language
    )
    sealed = _seal_own(node, content.encode(), done.id, row.local_level, now)
    with node.engine.begin() as conn:
        if _reproductions(conn, row.id) != made:
            raise Conflict(f"another copy of {row.id} was made meanwhile; try again")
        conn.execute(
            copies.insert().values(
                id=done.id,
                kind="translation",
                item_id=done.item_id,
                holding_id=row.id,
                number=done.number,
                level=row.local_level,
                label=_label(
                    row,
                    holding,
                    copy=done.number,
                    of=row.id,
                    source_language=source_language,
                    language=language,
                ),
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
                state="held",
            )
        )
        audit.record_all(
            conn,
            [
                audit.Entry(user.name, Action.REPRODUCE.value, row.id, role),
                audit.Entry(user.name, "translate", row.id, decision, also=(done.id, translator)),
            ],
            now,
        )
    return _get(node, done.id)


# Derivatives (R8) ----------------------------------------------------------------------------


def derive(
    node: Node,
    user: UserRecord,
    sources: Sequence[str],
    *,
    kind: str,
    title: str,
    content: str,
    level: str | None = None,
) -> CopyView:
    """An extract, summary or compilation of holdings and this node's own items, marked at
    least at the highest of their levels here (or `level`, never below) and listing every
    originator and caveat (R8)."""
    try:
        derivative_kind = DerivativeKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in DerivativeKind)
        raise InputError(f"unknown derivative kind {kind!r}", hint=f"one of {choices}") from None
    if not sources or len(sources) > MAX_COPIES:
        raise InputError(f"a derivative names 1 to {MAX_COPIES} sources")
    if not title or len(title) > 300 or len(content) > MAX_TEXT:
        raise InputError("a derivative has a title of up to 300 characters and its content")
    person, role = authorise(node, user, Action.REPRODUCE, ",".join(sources))
    now = node.clock()
    resolved = [source_holding(node, source) for source in sources]
    if len({h.id for h, _, _ in resolved}) != len(resolved):
        raise InputError("a derivative names each source once")
    treaty_sources = [h for h, _, _ in resolved]
    subject = ",".join(h.id for h in treaty_sources)
    decision = may_derive(person, treaty_sources, now)
    for source in treaty_sources:
        decision = _suspension(person, source, now) or decision
    if not decision.allowed:
        _refuse(node, user.name, "derive", subject, decision)
    chosen = node.scheme(now.date()).parse(level) if level else None
    derivative_id = f"derivative-{uuid.uuid4().hex[:16]}"
    try:
        made: Derivative = make_derivative(
            person, treaty_sources, derivative_kind, now, derivative_id=derivative_id, level=chosen
        )
    except PolicyDenied as error:  # a chosen level below the sources' (R8)
        reason = error.message.removesuffix(" (R8)")
        _refuse(node, user.name, "derive", subject, Decision.deny(reason, error.article, "R8"))
        raise
    marking = made.marking.level.native
    label = {
        "marking": marking,
        "originators": sorted(made.marking.originators),
        "caveats": sorted(made.marking.caveats),
        "kind": made.kind.value,
        "sources": list(made.source_ids),
        "items": list(made.item_ids),
    }
    sealed = _seal_own(node, content.encode(), derivative_id, marking, now)
    allowed = Decision.allow(
        f"{made.kind.value} {derivative_id} of {subject} marked {marking}, originators "
        + ", ".join(sorted(made.marking.originators)),
        "Art. 4.3",
        "R8",
    )
    with node.engine.begin() as conn:
        conn.execute(
            copies.insert().values(
                id=derivative_id,
                kind="derivative",
                item_id=derivative_id,
                holding_id=None,
                number=1,
                level=marking,
                label=label,
                details={
                    "kind": made.kind.value,
                    "title": title,
                    "sources": list(made.source_ids),
                    "items": list(made.item_ids),
                    "originators": sorted(made.marking.originators),
                },
                content=sealed,
                made_by=user.name,
                made_at=now,
                state="held",
            )
        )
        audit.record_all(
            conn,
            [
                audit.Entry(user.name, Action.REPRODUCE.value, subject, role),
                audit.Entry(user.name, "derive", subject, allowed, also=(derivative_id,)),
            ],
            now,
        )
    return _get(node, derivative_id)


# Inventory (R17) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Inventory:
    """Where a holding (or own item) and its reproductions are, and who read it."""

    subject: dict[str, Any]
    copies: list[CopyView]
    destructions: list[dict[str, Any]]
    chain: tuple[CustodyEvent, ...]
    readers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "holding": self.subject,
            "copies": [c.to_json() for c in self.copies],
            "destructions": self.destructions,
            "chain": [
                {
                    "object": e.object_id,
                    "kind": e.kind.value,
                    "at": e.at.isoformat(),
                    "custodian": e.custodian,
                    "location": e.location,
                }
                for e in self.chain
            ],
            "readers": list(self.readers),
        }


def _destruction_json(row: Any) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["id"],
        "subject_kind": m["subject_kind"],
        "subject_id": m["subject_id"],
        "item_id": m["item_id"],
        "method": m["method"],
        "at": m["at"].isoformat(),
        "officials": list(m["officials"]),
        "witnesses": list(m["witnesses"]),
        "recorded_by": m["recorded_by"],
        "record": m["record"],
    }


_KIND_EVENT = {
    "copy": CustodyKind.COPIED,
    "translation": CustodyKind.TRANSLATED,
    "derivative": CustodyKind.DERIVED,
}


def _access_records(conn: Connection, item_id: str, subject: str) -> list[AccessRecord]:
    rows = conn.execute(
        select(access_log).where(access_log.c.subject == subject, access_log.c.action == "read")
    )
    return [AccessRecord(item_id, subject, r.actor, r.at, r.allowed) for r in rows]


def readers(node: Node, user: UserRecord, subject_id: str) -> tuple[str, ...]:
    """The persons given access to a holding or own item, in order of first access (R17)."""
    authorise(node, user, Action.VIEW_TRANSFERS, subject_id)
    holding, row, _ = source_holding(node, subject_id)
    with node.reader.connect() as conn:
        return reader_list(_access_records(conn, holding.item.id, row.id), holding.item.id)


def inventory(node: Node, user: UserRecord, subject_id: str) -> Inventory:
    """The chain of custody of a holding or own item and everything made from it, its
    destruction or return records, and the list of persons who read it (R17)."""
    _, decision = authorise(node, user, Action.VIEW_TRANSFERS, subject_id)
    holding, row, table = source_holding(node, subject_id)
    item_id, here = holding.item.id, f"{node.nation} node"
    events: list[CustodyEvent] = []
    with node.reader.connect() as conn:
        made = [copy_view(r) for r in dependants(conn, row.id)]
        ids = [row.id, *(c.id for c in made)]
        destroyed = [
            _destruction_json(r)
            for r in conn.execute(
                select(destructions)
                .where(destructions.c.subject_id.in_(ids))
                .order_by(destructions.c.id)
            )
        ]
        moved = list(conn.execute(select(transfers).where(transfers.c.item_id == item_id)))
        records = _access_records(conn, item_id, row.id)
    with node.engine.begin() as conn:
        audit.record_all(
            conn, [audit.Entry(user.name, "inventory", row.id, decision)], node.clock()
        )
    if table == "holding":
        events.append(
            CustodyEvent(item_id, row.id, CustodyKind.RECEIVED, row.received_at, node.nation, here)
        )
        subject = _holding_json(read.view_of(row))
    else:
        subject = {
            "id": row.id,
            "item_id": row.id,
            "title": row.title,
            "originator": node.nation,
            "marking": row.level,
            "state": row.state,
        }
    for c in made:
        events.append(CustodyEvent(item_id, c.id, _KIND_EVENT[c.kind], c.made_at, c.made_by, here))
    for t in moved:
        kind = CustodyKind.HANDED_OVER
        if t.to_nation == holding.item.originator:
            kind = CustodyKind.RETURNED  # a holder gave it back (either side's record)
        elif t.from_nation == node.nation and table == "holding":
            kind = CustodyKind.RELEASED_ONWARD
        events.append(
            CustodyEvent(
                item_id, item_id, kind, t.at, t.to_nation, f"{t.from_nation} -> {t.to_nation}"
            )
        )
    for d in destroyed:
        at = datetime.fromisoformat(d["at"])
        events.append(
            CustodyEvent(
                item_id, d["subject_id"], CustodyKind.DESTROYED, at, d["recorded_by"], here
            )
        )
    return Inventory(
        subject,
        made,
        destroyed,
        chain_of_custody(events, item_id),
        reader_list(records, item_id),
    )


def _holding_json(view: read.HoldingView) -> dict[str, Any]:
    return {
        "id": view.id,
        "item_id": view.item_id,
        "title": view.title,
        "originator": view.originator,
        "sender": view.sender,
        "marking": view.marking,
        "original_marking": view.original_marking,
        "purpose": view.purpose,
        "agreement": view.agreement,
        "received_at": view.received_at.isoformat(),
        "state": view.state,
    }


#: Copies and derivatives stay on this node: no message kinds of their own (returns and
#: their notices are in `gsomia.node.control.disposal`).
HANDLERS: dict[str, Handler] = {}
