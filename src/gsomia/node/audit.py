"""Every decision, both kinds, recorded in the same transaction as what it decided (R39).

Each record goes twice, in the caller's transaction: into `access_log`, the queryable index
the audit pages read, and into the node's Merkle log (`gsomia.store.merkle_log.MerkleLog`) as
a `LogEvent`, which is what checkpoints sign and partners witness (issue 6).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import InputError
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.store.merkle_log import MerkleLog
from gsomia.store.tables import access_log
from gsomia.treaty.decision import Decision


@dataclass(frozen=True)
class Entry:
    """One decision about one subject, by or for one actor.

    `also` names further subjects (a message id beside an item id); `details` go into the
    logged event's body, not into `access_log`.
    """

    actor: str
    action: str
    subject: str
    decision: Decision
    also: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


def event_kind(action: str, allowed: bool) -> EventKind:
    """The log's kind for a decision about `action` (what happened, when it was allowed)."""
    verb = action.partition(":")[0]
    if verb == "receive":
        return EventKind.RECEIPT if allowed else EventKind.REJECTION
    if verb == "answer":
        return EventKind.TRANSFER
    if not allowed:
        return EventKind.DECISION
    return {
        "publish": EventKind.PUBLICATION,
        "provide": EventKind.RELEASE,
        "release": EventKind.RELEASE,
    }.get(verb, EventKind.DECISION)


def to_event(entry: Entry, now: datetime) -> LogEvent:
    """The log event of a decision: its kind, who, on what, and the decision with its article."""
    d = entry.decision
    body = {
        **entry.details,
        "action": entry.action,
        "allowed": d.allowed,
        "reason": d.reason,
        "article": d.article,
        "requirement": d.requirement,
    }
    return LogEvent(
        event_kind(entry.action, d.allowed), now, entry.actor, (entry.subject, *entry.also), body
    )


def record_all(
    conn: Connection, entries: Sequence[Entry], now: datetime, *, also: Sequence[LogEvent] = ()
) -> list[int]:
    """Append `entries` to both logs, then the events `also`; their Merkle log indices."""
    if entries:
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
    return MerkleLog(conn).append([*(to_event(e, now) for e in entries), *also])


def record(
    conn: Connection, *, actor: str, action: str, subject: str, decision: Decision, now: datetime
) -> Decision:
    """Append `decision` to the log and hand it back, so callers can chain `.enforce()`."""
    record_all(conn, [Entry(actor, action, subject, decision)], now)
    return decision


def record_event(conn: Connection, event: LogEvent) -> int:
    """Log an event that is not a decision (administration, a witness refusal, a rejection),
    with an `access_log` row so the audit pages list it too."""
    conn.execute(
        access_log.insert().values(
            at=event.time,
            actor=event.actor,
            action=str(event.body.get("action", event.kind.value)),
            subject=event.subjects[0] if event.subjects else "",
            allowed=True,
            reason=str(event.body.get("reason", event.kind.value)),
            article=str(event.body.get("article", "")),
        )
    )
    [index] = MerkleLog(conn).append([event])
    return index


def admin_event(
    kind: EventKind, *, actor: str, action: str, subject: str, now: datetime, **details: str
) -> LogEvent:
    """A user, key or peer administration event (`gsomia user add`, `peer add`, ...)."""
    if kind not in (EventKind.USER_ADMIN, EventKind.KEY_ADMIN, EventKind.AGREEMENT):
        raise InputError(f"{kind} is not an administration event")
    return LogEvent(kind, now, actor, (subject,), {"action": action, **details})
