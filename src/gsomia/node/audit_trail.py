"""The audit trail for this node's auditors and officers: every decision, and the log (R39).

Reading it is itself a decision (`Action.READ_AUDIT`, Art. 6(f)), taken here for every door
(the API's `/api/v1/audit/...`, the `/audit` page) and logged both ways: a refusal by
`authorise`, an allowed read in a transaction of its own, since a read changes nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gsomia.ledger.events import LogEvent
from gsomia.node import audit
from gsomia.node.audit_rows import logged_rows
from gsomia.node.authority import authorise
from gsomia.node.paging import Page, Place, Position, read_page
from gsomia.node.runtime import Node
from gsomia.store import access_log, log_entries
from gsomia.store.ledger import SqlLog
from gsomia.store.users import UserRecord
from gsomia.store.witnessing import StoredRefusal
from gsomia.treaty.roles import Action


@dataclass(frozen=True)
class LogState:
    """The log as `/api/v1/audit/status` shows it: size, checkpoint, cosigners, refusals."""

    origin: str
    size: int
    checkpoint_size: int | None
    checkpoint: str | None  # the latest checkpoint with its cosignatures, as a signed note
    cosigned_by: dict[str, int]  # witness name -> largest size it cosigned
    witnessing: dict[str, int]  # partner log origin -> size we last cosigned
    refusals: list[StoredRefusal]


def _allowed(node: Node, user: UserRecord, subject: str) -> None:
    """Go on only if `user` may read the audit trail; the decision is logged either way."""
    _, decision = authorise(node, user, Action.READ_AUDIT, subject)
    with node.engine.begin() as conn:
        audit.record(
            conn,
            actor=user.name,
            action=Action.READ_AUDIT.value,
            subject=subject,
            decision=decision,
            now=node.clock(),
        )


def decisions(node: Node, user: UserRecord, limit: int = 200) -> list[dict[str, Any]]:
    """The newest `access_log` rows, newest first, as the log says they are: a row edited in
    the table shows the log's values and names what was changed (`audit_rows.as_logged`)."""
    _allowed(node, user, "log:decisions")
    with node.reader.connect() as conn:
        return logged_rows(conn, access_log.newest(conn, limit))


@dataclass(frozen=True)
class DecisionFilter:
    """What an auditor asked the decisions for; None: any. Applied to the row as the log says
    it is, so a row edited in the table is found by what it really was."""

    actor: str | None = None
    action: str | None = None
    allowed: bool | None = None
    text: str | None = None  # in the subject or the reason

    def matches(self, row: Mapping[str, Any]) -> bool:
        text = (self.text or "").casefold()
        return (
            (self.actor is None or row["actor"] == self.actor)
            and (self.action is None or row["action"] == self.action)
            and (self.allowed is None or bool(row["allowed"]) == self.allowed)
            and (not text or text in f"{row['subject']} {row['reason']}".casefold())
        )


def decisions_page(
    node: Node,
    user: UserRecord,
    wanted: DecisionFilter,
    position: Position,
    limit: int = 100,
) -> Page[dict[str, Any]]:
    """A page of `access_log` rows, newest first, as the log says they are, that match
    `wanted` (the bounded scan of `node.paging`; a row's place is its time and its id, and
    the id orders the log)."""
    _allowed(node, user, "log:decisions")
    return scan_decisions(node, wanted, position, limit)


def scan_decisions(
    node: Node, wanted: DecisionFilter, position: Position, limit: int
) -> Page[dict[str, Any]]:
    """`decisions_page` without the decision on reading: for a caller that took it (an
    export, `node.export`, logs its own)."""
    with node.reader.connect() as conn:

        def fetch(after: Place | None, n: int, backward: bool) -> list[dict[str, Any]]:
            rows = access_log.page(
                conn, after=None if after is None else int(after[1]), limit=n, backward=backward
            )
            return logged_rows(conn, rows)

        return read_page(
            fetch,
            lambda row: (row["at"], str(row["id"])),
            lambda row: row if wanted.matches(row) else None,
            position,
            limit,
        )


def status(node: Node, user: UserRecord) -> LogState:
    """Size, latest checkpoint, who cosigned up to where, whom we witness, refusals."""
    _allowed(node, user, "log:status")
    with node.reader.connect() as conn:
        log = SqlLog(conn)
        state = log.status()
        latest = log.latest_checkpoint()
        note = None
        if latest is not None:
            note = log.cosigned_checkpoint(latest.checkpoint.size).to_bytes().decode()
        refusals = log.refusals()
    return LogState(
        node.ledger.origin,
        state.size,
        state.checkpoint_size,
        note,
        state.cosigned_by,
        state.witnessing,
        refusals,
    )


def events(node: Node, user: UserRecord, start: int, limit: int) -> list[tuple[int, LogEvent]]:
    """Up to `limit` log entries from index `start`, decoded, each with its index."""
    _allowed(node, user, f"log:events:{start}")
    with node.reader.connect() as conn:
        found = log_entries.entries_from(conn, start, limit)
    return [(index, LogEvent.decode(entry)) for index, entry in found]
