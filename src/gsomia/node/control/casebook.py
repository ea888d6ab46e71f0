"""Cases of the compromise, dispute, visit and onward-release workflows: one `cases` row
holding the treaty core's state as JSON, and one `case_steps` row per act (R37, R46, R23, R12).

Both nations' nodes hold a case under the same id; a step that came by wire keeps the
partner's signed message beside it, both sealed at rest (`gsomia.store.cases`, ADR 0088).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import NotFound
from gsomia.node import audit
from gsomia.node.control.settlement import Answered
from gsomia.seal import NodeKeys
from gsomia.store import cases
from gsomia.store.cases import all_of, find, insert, steps

__all__ = ["all_of", "awaiting", "find", "insert", "iso", "load", "parse", "save", "step", "steps"]

#: Recording an act of a case (the name workflows read best).
step = cases.add_step


def save(
    conn: Connection,
    case_id: str,
    status: str,
    document: Mapping[str, Any],
    now: datetime,
    *,
    keys: NodeKeys,
) -> None:
    """Write a case's new status and document (`cases.save`), and log the status and version
    its row now stands at, in the same transaction: its witness lies in the same database as
    the row, and a writer who puts both back from before the step is named by `audit verify`
    against the log (ADR 0151)."""
    saved = cases.save(conn, case_id, status, document, now, keys=keys)
    if saved is None:
        return
    event = audit.case_event(case_id, saved.kind, status=status, version=saved.version, now=now)
    audit.record_all(conn, [], now, also=[event])


#: Where a user finds the cases of a kind that has no `gsomia KIND list` of its own.
_LISTED_BY = {"onward": "`gsomia item custody ITEM` shows an item's onward releases"}


def load(conn: Connection, kind: str, case_id: str, *, keys: NodeKeys) -> Any:
    """The case of `kind`, its document opened; `NotFound` names what to list."""
    row = find(conn, kind, case_id, keys=keys)
    if row is None:
        hint = _LISTED_BY.get(kind, f"`gsomia {kind} list` shows them")
        raise NotFound(f"no {kind} case {case_id}", hint=hint)
    return row


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def awaiting(
    conn: Connection, kind: str, answers: Sequence[Answered], *, keys: NodeKeys
) -> list[tuple[Any, str, Answered]]:
    """The cases of `kind` that sent the messages `answers` answer: (case row, the name the
    case keeps the message under in its document's "messages", answer), in answer order.

    A case keeps the id of each message it sends in `document["messages"][name]`, and sends it
    with the case's item id, by which it is found here (an indexed column).
    """
    wanted = {a.message_id: a for a in answers if a.item_id}
    if not wanted:
        return []
    rows = cases.of_items(conn, kind, {a.item_id for a in wanted.values() if a.item_id}, keys=keys)
    found: dict[str, tuple[Any, str]] = {}
    for row in rows:
        sent = row.document.get("messages") if isinstance(row.document, Mapping) else None
        for name, message_id in (sent or {}).items():
            if message_id in wanted:
                found[message_id] = (row, name)
    return [(*found[a.message_id], a) for a in answers if a.message_id in found]
