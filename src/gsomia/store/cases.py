"""Cases of the compromise, dispute, visit, consent, notice and onward workflows: one `cases`
row holding the treaty core's state as JSON, and one `case_steps` row per act (R37, R46, R23,
R12). node.control.casebook gives them their workflow meaning; this module only stores them.

A step's document and the partner's signed message beside it are copies of what the case is
about (a loss report's circumstances, a consent's purpose, an answer's reason): they are
sealed at rest under the node's storage key, bound to the case, the step and its actor
(`sealed_step`, ADR 0088). A step in clear is damage (`StoreDamaged` naming the row), except
to the node's one pass that seals the steps kept from before (`seal_clear_steps`).

The case's own document, the treaty core's state of the case (who asked what, the answers,
the ids of the messages it sent), is sealed the same way, bound to the case's id and kind
(`sealed_case`, ADR 0126). What the workflows search on stays in clear, in indexed columns
that say nothing classified: the id, kind, item id, nations, status and times; all but the
times are bound into the document's sealing (ADR 0134), so a status or a party changed in
the database leaves a document that does not open. Every reader takes the node's keys and
gets a `Case` whose document is opened; a document in clear, or one that does not open on
its case as its columns say it, is `StoreDamaged` naming the case.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Row, RowMapping, select, update

from gsomia.errors import StoreDamaged, VerificationError
from gsomia.seal import NodeKeys
from gsomia.seal.encoding import b64u, b64u_decode
from gsomia.seal.storage import open_at_rest, seal_at_rest
from gsomia.store import row_versions
from gsomia.store.tables import case_steps, cases

SEALED = "sealed"
SIGNATURE_PREFIX = "sealed:"


def _context(case_id: str, name: str, actor: str, message_id: str | None) -> str:
    return f"case-step:{case_id}:{name}:{actor}:{message_id or ''}"


def sealed_step(
    keys: NodeKeys,
    *,
    case_id: str,
    name: str,
    actor: str,
    message_id: str | None,
    document: Mapping[str, Any],
    signature: str | None,
) -> tuple[dict[str, str], str | None]:
    """A step's document and signed message as kept: each sealed, bound to its step."""
    context = _context(case_id, name, actor, message_id)
    doc = {SEALED: b64u(seal_at_rest(keys, orjson.dumps(dict(document)), context))}
    if signature is None:
        return doc, None
    sig = seal_at_rest(keys, signature.encode("utf-8"), context + ":signature")
    return doc, SIGNATURE_PREFIX + b64u(sig)


def _is_sealed(document: Any, signature: Any) -> bool:
    return (
        isinstance(document, Mapping)
        and set(document) == {SEALED}
        and isinstance(document[SEALED], str)
        and (
            signature is None
            or (isinstance(signature, str) and signature.startswith(SIGNATURE_PREFIX))
        )
    )


@dataclass(frozen=True)
class Case:
    """A case row with its document opened (what `select(cases)` gave before it was sealed;
    typed as loosely as that `Row[Any]` was, for the workflows written against it)."""

    id: str
    kind: str
    item_id: Any
    originator: Any
    counterpart: str
    opened_by: str
    status: str
    document: Any
    opened_at: datetime
    updated_at: datetime

    @property
    def _mapping(self) -> dict[str, Any]:  # as a Row's, for the readers written for one
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


#: The clear columns of a case the workflows decide on (a case still "requested" may be
#: answered, an "approved" visit shows what it approved, only the counterpart's answer is
#: taken), bound into its document's sealing with its id and kind, so that a writer of the
#: database who changes one leaves a document that no longer opens (ADR 0134). The times
#: are not: nothing decides on them.
BOUND = ("status", "item_id", "originator", "counterpart", "opened_by")


def _case_context(
    case_id: str, kind: str, columns: Mapping[str, Any] | RowMapping, version: int = 0
) -> str:
    """What a case's document is sealed for: its id, kind, `BOUND` columns and, once it was
    saved, its version (ADR 0146: its row of before, put back whole, no longer opens)."""
    bound = [kind, case_id, *(columns[name] for name in BOUND)]
    if version:
        return "case/3:" + orjson.dumps([*bound, version]).decode("utf-8")
    return "case/2:" + orjson.dumps(bound).decode("utf-8")


def _unbound_context(case_id: str, kind: str) -> str:
    """What a document was sealed for before ADR 0134: its id and kind alone."""
    return f"case:{kind}:{case_id}"


def sealed_case(
    keys: NodeKeys,
    case_id: str,
    kind: str,
    document: Mapping[str, Any],
    *,
    status: str,
    counterpart: str,
    opened_by: str,
    item_id: str | None = None,
    originator: str | None = None,
    version: int = 0,
) -> dict[str, str]:
    """A case's document as kept: sealed, bound to the case's id, kind, the clear columns
    the workflows decide on (`BOUND`) and its version (0 until it is first saved)."""
    columns = {
        "status": status,
        "item_id": item_id,
        "originator": originator,
        "counterpart": counterpart,
        "opened_by": opened_by,
    }
    context = _case_context(case_id, kind, columns, version)
    return {SEALED: b64u(seal_at_rest(keys, orjson.dumps(dict(document)), context))}


def _is_sealed_case(document: Any) -> bool:
    return (
        isinstance(document, Mapping)
        and set(document) == {SEALED}
        and isinstance(document[SEALED], str)
    )


#: Beside each case read, its witnessed version (ADR 0146), one primary-key lookup.
_WHOLE = select(cases, row_versions.witnessed(row_versions.CASE, cases.c.id))


def _opened(keys: NodeKeys, row: Row[Any], version: int | None = None) -> Case:
    """The case of `row`, its document opened under its witnessed version (`version`, else
    the one read beside the row); `StoreDamaged` naming it otherwise: a row put back from
    before a save does not open under the version its witness says."""
    if not _is_sealed_case(row.document):
        raise StoreDamaged(f"case {row.id} ({row.kind}) is in clear, not sealed at rest")
    if version is None:
        version = int(row._mapping.get(row_versions.COLUMN) or 0)
    try:
        plain = open_at_rest(
            keys,
            b64u_decode(row.document[SEALED]),
            _case_context(row.id, row.kind, row._mapping, version),
        )
    except VerificationError as error:
        raise StoreDamaged(
            f"case {row.id} ({row.kind}) does not open with its status and parties: {error}"
        ) from None
    return Case(
        row.id,
        row.kind,
        row.item_id,
        row.originator,
        row.counterpart,
        row.opened_by,
        row.status,
        orjson.loads(plain),
        row.opened_at,
        row.updated_at,
    )


def insert(
    conn: Connection,
    *,
    case_id: str,
    kind: str,
    counterpart: str,
    opened_by: str,
    status: str,
    document: Mapping[str, Any],
    now: datetime,
    keys: NodeKeys,
    item_id: str | None = None,
    originator: str | None = None,
) -> None:
    """Open a case; its document sealed (`sealed_case`)."""
    conn.execute(
        cases.insert().values(
            id=case_id,
            kind=kind,
            item_id=item_id,
            originator=originator,
            counterpart=counterpart,
            opened_by=opened_by,
            status=status,
            document=sealed_case(
                keys,
                case_id,
                kind,
                document,
                status=status,
                item_id=item_id,
                originator=originator,
                counterpart=counterpart,
                opened_by=opened_by,
            ),
            opened_at=now,
            updated_at=now,
        )
    )


class Saved(NamedTuple):
    """A case saved: its kind and the version it now has."""

    kind: str
    version: int


def save(
    conn: Connection,
    case_id: str,
    status: str,
    document: Mapping[str, Any],
    now: datetime,
    *,
    keys: NodeKeys,
) -> Saved | None:
    """Write a case's new status and document, sealed as `insert` seals it. The case as
    stored is opened first: a writer's change to its columns is StoreDamaged here, never
    sealed as the node's (ADR 0134). Its version advances (ADR 0146). Its kind and new
    version, for the log (ADR 0151)."""
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        return None  # no such case: nothing to save, as the UPDATE it was found nothing
    version = row_versions.version_of(conn, row_versions.CASE, case_id)
    was = _opened(keys, row, version)
    version = row_versions.advance(conn, row_versions.CASE, case_id, version)
    sealed = sealed_case(
        keys,
        case_id,
        was.kind,
        document,
        status=status,
        item_id=was.item_id,
        originator=was.originator,
        counterpart=was.counterpart,
        opened_by=was.opened_by,
        version=version,
    )
    conn.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(status=status, document=sealed, updated_at=now)
    )
    return Saved(was.kind, version)


def add_step(
    conn: Connection,
    case_id: str,
    *,
    at: datetime,
    actor: str,
    nation: str,
    name: str,
    document: Mapping[str, Any],
    keys: NodeKeys,
    message_id: str | None = None,
    signature: str | None = None,
) -> None:
    """Record an act of a case; its document and signed message are sealed (`sealed_step`)."""
    doc, sig = sealed_step(
        keys,
        case_id=case_id,
        name=name,
        actor=actor,
        message_id=message_id,
        document=document,
        signature=signature,
    )
    conn.execute(
        case_steps.insert().values(
            case_id=case_id,
            at=at,
            actor=actor,
            nation=nation,
            step=name,
            document=doc,
            message_id=message_id,
            signature=sig,
        )
    )


def exists(conn: Connection, case_id: str) -> bool:
    """Whether any case, of any kind, has this id (ids come from partners: they must not clash)."""
    return conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is not None


def find(
    conn: Connection, kind: str, case_id: str, *, keys: NodeKeys, lock: bool = False
) -> Case | None:
    """The case of `kind`, or None; `lock` holds its row for this transaction (PostgreSQL)."""
    query = _WHOLE.where(cases.c.id == case_id, cases.c.kind == kind)
    row = conn.execute(query.with_for_update(of=cases) if lock else query).first()
    return None if row is None else _opened(keys, row)


def document_of(conn: Connection, case_id: str, *, keys: NodeKeys) -> Any:
    """The document of the case `case_id`, of any kind, opened; or None."""
    row = conn.execute(_WHOLE.where(cases.c.id == case_id)).first()
    return None if row is None else _opened(keys, row).document


def all_of(conn: Connection, kind: str, *, keys: NodeKeys) -> list[Case]:
    """The cases of `kind`, newest first."""
    query = _WHOLE.where(cases.c.kind == kind).order_by(cases.c.opened_at.desc())
    return [_opened(keys, row) for row in conn.execute(query)]


def of_item(conn: Connection, kind: str, item_id: str, *, keys: NodeKeys) -> list[Case]:
    """The cases of `kind` about `item_id`, oldest first."""
    query = _WHOLE.where(cases.c.kind == kind, cases.c.item_id == item_id).order_by(
        cases.c.opened_at
    )
    return [_opened(keys, row) for row in conn.execute(query)]


def of_items(
    conn: Connection, kind: str, item_ids: Collection[str], *, keys: NodeKeys
) -> list[Case]:
    """The cases of `kind` about any of `item_ids` (an indexed column)."""
    query = _WHOLE.where(cases.c.kind == kind, cases.c.item_id.in_(set(item_ids)))
    return [_opened(keys, row) for row in conn.execute(query)]


def steps(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    """The acts of a case in the order they were recorded, as shown to users."""
    rows = list(
        conn.execute(
            select(case_steps).where(case_steps.c.case_id == case_id).order_by(case_steps.c.id)
        )
    )
    for r in rows:
        if not _is_sealed(r.document, r.signature):
            raise StoreDamaged(f"case step {r.id} of {case_id} is in clear, not sealed at rest")
    return [
        {
            "at": r.at.isoformat(),
            "actor": r.actor,
            "nation": r.nation,
            "step": r.step,
            "message_id": r.message_id,
            "signed": r.signature is not None,
        }
        for r in rows
    ]


def step_documents(
    conn: Connection, keys: NodeKeys, case_id: str
) -> list[tuple[dict[str, Any], str | None]]:
    """The document and signed message of each step of `case_id`, opened, in order;
    `StoreDamaged` naming the row for one in clear or one that does not open on its step."""
    rows = conn.execute(
        select(case_steps).where(case_steps.c.case_id == case_id).order_by(case_steps.c.id)
    )
    opened = []
    for r in rows:
        if not _is_sealed(r.document, r.signature):
            raise StoreDamaged(f"case step {r.id} of {case_id} is in clear, not sealed at rest")
        context = _context(case_id, r.step, r.actor, r.message_id)
        try:
            doc = orjson.loads(open_at_rest(keys, b64u_decode(r.document[SEALED]), context))
            sig = (
                None
                if r.signature is None
                else open_at_rest(
                    keys,
                    b64u_decode(r.signature.removeprefix(SIGNATURE_PREFIX)),
                    context + ":signature",
                ).decode("utf-8")
            )
        except VerificationError as error:
            raise StoreDamaged(f"case step {r.id} of {case_id} does not open: {error}") from None
        opened.append((doc, sig))
    return opened


def seal_clear_steps(conn: Connection, keys: NodeKeys) -> int:
    """Seal the steps kept in clear from before they were sealed; how many. Only for the
    node's one pass (`gsomia.node.at_rest`): after it, a step in clear is damage."""
    rows = conn.execute(select(case_steps))
    clear = [r for r in rows if not _is_sealed(r.document, r.signature)]
    for r in clear:
        document = r.document if isinstance(r.document, Mapping) else {"value": r.document}
        doc, sig = sealed_step(
            keys,
            case_id=r.case_id,
            name=r.step,
            actor=r.actor,
            message_id=r.message_id,
            document=document,
            signature=r.signature,
        )
        conn.execute(
            update(case_steps).where(case_steps.c.id == r.id).values(document=doc, signature=sig)
        )
    return len(clear)


def seal_clear_cases(conn: Connection, keys: NodeKeys) -> int:
    """Seal the cases' documents kept in clear from before they were sealed; how many. Only for
    the node's one pass (`gsomia.node.at_rest`): after it, a case in clear is damage."""
    rows = conn.execute(_WHOLE)  # with its version: sealed as the reads will open it
    clear = [r for r in rows if not _is_sealed_case(r.document)]
    for r in clear:
        document = r.document if isinstance(r.document, Mapping) else {"value": r.document}
        conn.execute(
            update(cases).where(cases.c.id == r.id).values(document=_resealed(keys, r, document))
        )
    return len(clear)


def _resealed(keys: NodeKeys, row: Row[Any], document: Mapping[str, Any]) -> dict[str, str]:
    m = row._mapping
    columns = {name: m[name] for name in BOUND}
    version = int(m.get(row_versions.COLUMN) or 0)
    return sealed_case(keys, row.id, row.kind, document, **columns, version=version)


def bind_sealed_cases(conn: Connection, keys: NodeKeys) -> int:
    """Seal again, bound to its columns, each document sealed for its id and kind alone
    (before ADR 0134); how many. Only for the node's one pass (`gsomia.node.at_rest`): after
    it, such a document does not open. One that opens under neither stays damage."""
    bound = 0
    for row in conn.execute(_WHOLE).all():
        if not _is_sealed_case(row.document):
            continue  # in clear: damage (sealed, if from before, by `seal_clear_cases`)
        sealed = b64u_decode(row.document[SEALED])
        try:
            version = int(row._mapping.get(row_versions.COLUMN) or 0)
            open_at_rest(keys, sealed, _case_context(row.id, row.kind, row._mapping, version))
            continue  # bound already
        except VerificationError:
            pass
        try:
            plain = open_at_rest(keys, sealed, _unbound_context(row.id, row.kind))
        except VerificationError:
            continue  # opens as nothing the node sealed: left as the damage it is
        document = _resealed(keys, row, orjson.loads(plain))
        conn.execute(update(cases).where(cases.c.id == row.id).values(document=document))
        bound += 1
    return bound
