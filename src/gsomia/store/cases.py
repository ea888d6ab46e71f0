"""Cases of the compromise, dispute, visit, consent, notice and onward workflows: one `cases`
row holding the treaty core's state as JSON, and one `case_steps` row per act (R37, R46, R23,
R12). node.control.casebook gives them their workflow meaning; this module only stores them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from gsomia.store.tables import case_steps, cases


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
    message_id: str | None = None,
    signature: str | None = None,
) -> None:
    conn.execute(
        case_steps.insert().values(
            case_id=case_id,
            at=at,
            actor=actor,
            nation=nation,
            step=name,
            document=dict(document),
            message_id=message_id,
            signature=signature,
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
    rows = conn.execute(
        select(case_steps).where(case_steps.c.case_id == case_id).order_by(case_steps.c.id)
    )
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
