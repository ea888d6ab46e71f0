"""Records of destruction (R18, Art. 6(h)): one `destructions` row per thing destroyed — the
holding or item and each copy it covered — each keeping the whole signed-off record.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from gsomia.store.tables import destructions


def add(
    conn: Connection,
    subjects: Sequence[tuple[str, str]],
    *,
    item_id: str,
    method: str,
    at: datetime,
    officials: Sequence[str],
    witnesses: Sequence[str],
    recorded_by: str,
    record: Mapping[str, Any],
) -> None:
    """One row per (subject kind, subject id), all of the same destruction `record`."""
    conn.execute(
        destructions.insert(),
        [
            {
                "subject_kind": kind,
                "subject_id": subject,
                "item_id": item_id,
                "method": method,
                "at": at,
                "officials": list(officials),
                "witnesses": list(witnesses),
                "recorded_by": recorded_by,
                "record": dict(record),
            }
            for kind, subject in subjects
        ],
    )


def of_subjects(conn: Connection, subject_ids: Collection[str]) -> list[Row[Any]]:
    """The destructions of any of `subject_ids`, in the order they were recorded."""
    query = select(destructions).where(destructions.c.subject_id.in_(list(subject_ids)))
    return list(conn.execute(query.order_by(destructions.c.id)))
