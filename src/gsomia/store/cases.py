"""Cases of the compromise, dispute, visit, consent, notice and onward workflows: one `cases`
row holding the treaty core's state as JSON, and one `case_steps` row per act (R37, R46, R23,
R12). node.control.casebook gives them their workflow meaning; this module only stores them.

A step's document and the partner's signed message beside it are copies of what the case is
about (a loss report's circumstances, a consent's purpose, an answer's reason): they are
sealed at rest under the node's storage key, bound to the case, the step and its actor
(`sealed_step`, ADR 0088). A step in clear is damage (`StoreDamaged` naming the row), except
to the node's one pass that seals the steps kept from before (`seal_clear_steps`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, select, update

from gsomia.errors import StoreDamaged, VerificationError
from gsomia.seal import NodeKeys
from gsomia.seal.encoding import b64u, b64u_decode
from gsomia.seal.storage import open_at_rest, seal_at_rest
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
    item_id: str | None = None,
    originator: str | None = None,
) -> None:
    conn.execute(
        cases.insert().values(
            id=case_id,
            kind=kind,
            item_id=item_id,
            originator=originator,
            counterpart=counterpart,
            opened_by=opened_by,
            status=status,
            document=dict(document),
            opened_at=now,
            updated_at=now,
        )
    )


def save(
    conn: Connection, case_id: str, status: str, document: Mapping[str, Any], now: datetime
) -> None:
    conn.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(status=status, document=dict(document), updated_at=now)
    )


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


def find(conn: Connection, kind: str, case_id: str, *, lock: bool = False) -> Row[Any] | None:
    """The case row of `kind`, or None; `lock` holds it for this transaction (PostgreSQL)."""
    query = select(cases).where(cases.c.id == case_id, cases.c.kind == kind)
    return conn.execute(query.with_for_update() if lock else query).first()


def document_of(conn: Connection, case_id: str) -> Any:
    """The stored document of the case `case_id`, of any kind, or None."""
    row = conn.execute(select(cases.c.document).where(cases.c.id == case_id)).first()
    return None if row is None else row.document


def all_of(conn: Connection, kind: str) -> list[Row[Any]]:
    """The cases of `kind`, newest first."""
    query = select(cases).where(cases.c.kind == kind).order_by(cases.c.opened_at.desc())
    return list(conn.execute(query))


def of_item(conn: Connection, kind: str, item_id: str) -> list[Row[Any]]:
    """The cases of `kind` about `item_id`, oldest first."""
    query = (
        select(cases)
        .where(cases.c.kind == kind, cases.c.item_id == item_id)
        .order_by(cases.c.opened_at)
    )
    return list(conn.execute(query))


def of_items(conn: Connection, kind: str, item_ids: Collection[str]) -> list[Row[Any]]:
    """The cases of `kind` about any of `item_ids` (an indexed column)."""
    query = select(cases).where(cases.c.kind == kind, cases.c.item_id.in_(set(item_ids)))
    return list(conn.execute(query).all())


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
