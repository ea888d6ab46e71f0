"""Every decision, both kinds, recorded in the same transaction as what it decided (R39)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from gsomia.store.tables import access_log
from gsomia.treaty.decision import Decision


@dataclass(frozen=True)
class Entry:
    """One decision about one subject, by or for one actor."""

    actor: str
    action: str
    subject: str
    decision: Decision


def record_all(conn: Connection, entries: Sequence[Entry], now: datetime) -> None:
    """Append `entries` to the log in one statement."""
    if not entries:
        return
    conn.execute(
        access_log.insert(),
        [
            {
                "at": now,
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "allowed": e.decision.allowed,
                "reason": e.decision.reason,
                "article": f"{e.decision.article} {e.decision.requirement}".strip(),
            }
            for e in entries
        ],
    )


def record(
    conn: Connection, *, actor: str, action: str, subject: str, decision: Decision, now: datetime
) -> Decision:
    """Append `decision` to the log and hand it back, so callers can chain `.enforce()`."""
    record_all(conn, [Entry(actor, action, subject, decision)], now)
    return decision
