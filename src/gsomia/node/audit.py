"""Every decision, both kinds, recorded in the same transaction as what it decided (R39)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from gsomia.store.tables import access_log
from gsomia.treaty.decision import Decision


def record(
    conn: Connection, *, actor: str, action: str, subject: str, decision: Decision, now: datetime
) -> Decision:
    """Append `decision` to the log and hand it back, so callers can chain `.enforce()`."""
    conn.execute(
        access_log.insert().values(
            at=now,
            actor=actor,
            action=action,
            subject=subject,
            allowed=decision.allowed,
            reason=decision.reason,
            article=f"{decision.article} {decision.requirement}".strip(),
        )
    )
    return decision
