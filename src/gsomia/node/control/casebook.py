"""Cases of the compromise, dispute, visit and onward-release workflows: one `cases` row
holding the treaty core's state as JSON, and one `case_steps` row per act (R37, R46, R23, R12).

Both nations' nodes hold a case under the same id; a step that came by wire keeps the
partner's signed message beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from gsomia.errors import NotFound
from gsomia.node.control.settlement import Answered
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


def step(
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


#: Where a user finds the cases of a kind that has no `gsomia KIND list` of its own.
_LISTED_BY = {"onward": "`gsomia item custody ITEM` shows an item's onward releases"}


def load(conn: Connection, kind: str, case_id: str) -> Any:
    """The case row of `kind`; `NotFound` names what to list."""
    row = conn.execute(select(cases).where(cases.c.id == case_id, cases.c.kind == kind)).first()
    if row is None:
        hint = _LISTED_BY.get(kind, f"`gsomia {kind} list` shows them")
        raise NotFound(f"no {kind} case {case_id}", hint=hint)
    return row


def find(conn: Connection, kind: str, case_id: str) -> Any:
    """The case row of `kind`, or None."""
    return conn.execute(select(cases).where(cases.c.id == case_id, cases.c.kind == kind)).first()


def all_of(conn: Connection, kind: str) -> list[Any]:
    return list(
        conn.execute(select(cases).where(cases.c.kind == kind).order_by(cases.c.opened_at.desc()))
    )


def steps(conn: Connection, case_id: str) -> list[dict[str, Any]]:
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


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def awaiting(
    conn: Connection, kind: str, answers: Sequence[Answered]
) -> list[tuple[Any, str, Answered]]:
    """The cases of `kind` that sent the messages `answers` answer: (case row, the name the
    case keeps the message under in its document's "messages", answer), in answer order.

    A case keeps the id of each message it sends in `document["messages"][name]`, and sends it
    with the case's item id, by which it is found here (an indexed column).
    """
    wanted = {a.message_id: a for a in answers if a.item_id}
    if not wanted:
        return []
    rows = conn.execute(
        select(cases).where(
            cases.c.kind == kind,
            cases.c.item_id.in_({a.item_id for a in wanted.values()}),
        )
    ).all()
    found: dict[str, tuple[Any, str]] = {}
    for row in rows:
        sent = row.document.get("messages") if isinstance(row.document, Mapping) else None
        for name, message_id in (sent or {}).items():
            if message_id in wanted:
                found[message_id] = (row, name)
    return [(*found[a.message_id], a) for a in answers if a.message_id in found]
