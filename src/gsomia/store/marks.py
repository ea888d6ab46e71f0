"""Marks of one-time steps the node has taken (`store_marks`, ADR 0088)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from gsomia.store.tables import store_marks

AT_REST_SEALED = "at_rest_sealed"
COSIGNED_CHECKPOINT = "cosigned_checkpoint"
OUTBOX_ANSWERS_SEALED = "outbox_answers_sealed"
CASE_STEPS_SEALED = "case_steps_sealed"
OUTBOX_PEERS_BOUND = "outbox_peers_bound"
CASES_SEALED = "cases_sealed"
COLUMNS_BOUND = "decided_columns_bound"
COPIES_BOUND = "copies_bound"
USERS_BOUND = "users_bound"
CREDENTIALS_BOUND = "credentials_bound"


def marked(conn: Connection, name: str) -> datetime | None:
    """When the step `name` was marked done, or None."""
    value = conn.execute(select(store_marks.c.at).where(store_marks.c.name == name)).scalar()
    return value if isinstance(value, datetime) else None


def mark(conn: Connection, name: str, at: datetime) -> None:
    """Mark the step `name` done (once; marking it again keeps the first time)."""
    if marked(conn, name) is None:
        try:
            with conn.begin_nested():
                conn.execute(store_marks.insert().values(name=name, at=at))
        except IntegrityError:
            pass  # marked meanwhile by another process
