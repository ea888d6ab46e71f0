"""`access_log` rows as the Merkle log says they are (issue 13, "the audit trail people read").

`access_log` is the queryable index the audit pages read; the Merkle log is what checkpoints
sign and partners cosign. Each row is derived from its log event (`listed_row`) and names it
(`log_index`), and the event carries `LISTED`, so the signed log itself says which entries
have a row. Two uses:

- `check_listing` (`gsomia audit verify`, after the log itself verified) walks the entries and
  the rows in log order and names the first row that was edited, deleted, or added;
- `as_logged` gives the pages the log's values for each row, marking a row that differs;
  `logged_rows` is the one reader every page, list and inventory goes through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection

from gsomia.ledger.audit import TamperedLog
from gsomia.ledger.events import LogEvent
from gsomia.store.log_entries import entries_at

#: The body member that says "this entry has an `access_log` row".
LISTED = "listed"

#: The columns a row shares with its log event; `id` and `log_index` only locate it.
FIELDS = ("at", "actor", "action", "subject", "allowed", "reason", "article")


class AlteredAccessLog(TamperedLog):
    """An `access_log` row that its log entry does not prove; `row` is its id, if it has one."""

    def __init__(self, message: str, *, index: int, row: int | None) -> None:
        super().__init__(message, index=index)
        self.row = row


def listed(event: LogEvent) -> LogEvent:
    """`event`, marked in its signed body as having an `access_log` row."""
    return LogEvent(
        event.kind, event.time, event.actor, event.subjects, {**event.body, LISTED: True}
    )


def is_listed(event: LogEvent) -> bool:
    return event.body.get(LISTED) is True


def listed_row(event: LogEvent) -> dict[str, Any]:
    """The `access_log` columns of a logged event: written from it, and proved against it."""
    body = event.body
    article = f"{body.get('article', '')} {body.get('requirement', '')}".strip()
    return {
        "at": event.time,
        "actor": event.actor,
        "action": str(body.get("action", event.kind.value)),
        "subject": event.subjects[0] if event.subjects else "",
        "allowed": bool(body.get("allowed", True)),
        "reason": str(body.get("reason", event.kind.value)),
        "article": article,
    }


def differences(row: Mapping[str, Any], event: LogEvent) -> list[str]:
    """The columns of `row` that differ from what its log entry says, in column order."""
    expected = listed_row(event)
    return [name for name in FIELDS if row[name] != expected[name]]


def check_listing(entries: Iterable[tuple[int, bytes]], rows: Iterable[Mapping[str, Any]]) -> int:
    """Prove every row against its entry; how many were proved, or `AlteredAccessLog`.

    `entries` are the (verified) log's (index, bytes) in index order; `rows` the `access_log`
    rows that name an entry, by `log_index`. Both are consumed once, so memory stays bounded.
    """
    pending: Iterator[Mapping[str, Any]] = iter(rows)
    row = next(pending, None)
    proved = 0
    for index, data in entries:
        event = LogEvent.decode(data)
        while row is not None and row["log_index"] < index:  # a second row, or a made-up one
            raise _unlisted(row)
        if row is not None and row["log_index"] == index:
            if not is_listed(event):
                raise _unlisted(row)
            changed = differences(row, event)
            if changed:
                raise AlteredAccessLog(
                    f"access_log row {row['id']} differs from log entry {index} in "
                    f"{', '.join(changed)}",
                    index=index,
                    row=row["id"],
                )
            proved, row = proved + 1, next(pending, None)
        elif is_listed(event):
            raise AlteredAccessLog(
                f"the access_log row of log entry {index} is missing (deleted)",
                index=index,
                row=None,
            )
    if row is not None:
        raise _unlisted(row)
    return proved


def _unlisted(row: Mapping[str, Any]) -> AlteredAccessLog:
    return AlteredAccessLog(
        f"access_log row {row['id']} names log entry {row['log_index']}, which lists no "
        "such row (added or copied)",
        index=int(row["log_index"]),
        row=row["id"],
    )


def as_logged(row: Mapping[str, Any], entry: bytes | None) -> dict[str, Any]:
    """`row` as the log says it is: `altered` lists the columns the table changed, and
    `proved` is False where no listed entry stands behind the row."""
    if entry is None:
        return {**row, "altered": [], "proved": False}
    event = LogEvent.decode(entry)
    if not is_listed(event):
        return {**row, "altered": list(FIELDS), "proved": False}
    return {**row, **listed_row(event), "altered": differences(row, event), "proved": True}


def logged_rows(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`rows` of `access_log` as the log says they are (`as_logged`), read in one query."""
    found = list(rows)
    entries = entries_at(conn, {r["log_index"] for r in found if r["log_index"] is not None})
    return [
        as_logged(r, None if r["log_index"] is None else entries.get(r["log_index"])) for r in found
    ]
