"""A list exported whole (CSV or JSON), on the same access decision as the list (issue 16).

An export walks the same pages the list shows (`listing.holdings_page`, `items_page`,
`audit_trail.scan_decisions`), with the same filters, so no row reaches a file that the list
would not show; a row the list shows redacted (the access decision refused it: its existence
is told, not its content) is left out, and counted. The export is logged, one entry saying
which list, in what form, how many rows and how many withheld (`treaty.listing.exported`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gsomia.errors import InputError
from gsomia.node import audit, listing
from gsomia.node.audit_trail import DecisionFilter, scan_decisions
from gsomia.node.authority import authorise
from gsomia.node.paging import Page, Position
from gsomia.node.runtime import Node
from gsomia.store.users import UserRecord
from gsomia.treaty.listing import ListFilter, exported
from gsomia.treaty.roles import Action

__all__ = ["FORMS", "LISTS", "Export", "csv_text", "export", "render"]

FORMS = ("csv", "json")
#: Each list that may be exported, and its columns in order.
LISTS: dict[str, tuple[str, ...]] = {
    "holdings": (
        "id",
        "item_id",
        "title",
        "marking",
        "original_marking",
        "originator",
        "sender",
        "agreement",
        "purpose",
        "precedence",
        "received_at",
        "state",
    ),
    "items": (
        "id",
        "title",
        "level",
        "releasable_to",
        "purpose",
        "precedence",
        "caveats",
        "state",
        "author",
        "created_at",
    ),
    "decisions": ("id", "at", "actor", "action", "subject", "allowed", "reason", "article"),
}
#: The most rows one export carries; past it the file says it was cut (`truncated`), and a
#: narrower filter gets the rest. Each page is the bounded scan's, so this bounds the work.
MOST = 20_000
PAGE = 500


@dataclass(frozen=True)
class Export:
    listed: str
    form: str
    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    withheld: int
    truncated: bool
    by: str
    at: datetime


def export(
    node: Node,
    user: UserRecord,
    listed: str,
    form: str,
    wanted: ListFilter | DecisionFilter,
) -> Export:
    """The rows of `listed` that `user` may see in full and that match `wanted`, logged."""
    if listed not in LISTS:
        raise InputError(f"no list {listed!r} to export", hint=f"one of {', '.join(LISTS)}")
    if form not in FORMS:
        raise InputError(f"no export form {form!r}", hint="csv or json")
    subject = f"list:{listed}"
    if listed == "decisions":  # the audit trail: for those who may read it (Art. 6(f))
        authorise(node, user, Action.READ_AUDIT, subject)
    rows: list[dict[str, str]] = []
    withheld = 0
    truncated = False
    for row, redacted in _rows(node, user, listed, wanted):
        if len(rows) >= MOST:
            truncated = True
            break
        if redacted:
            withheld += 1
            continue
        rows.append({column: _cell(row.get(column)) for column in LISTS[listed]})
    now = node.clock()
    with node.engine.begin() as conn:
        audit.record(
            conn,
            actor=user.name,
            action="export",
            subject=subject,
            decision=exported(listed, form, len(rows), withheld),
            now=now,
        )
    return Export(listed, form, LISTS[listed], rows, withheld, truncated, user.name, now)


def _rows(
    node: Node, user: UserRecord, listed: str, wanted: ListFilter | DecisionFilter
) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every row of the list as the pages show it, page after page, with whether it is
    redacted."""
    position = Position()
    while True:
        page: Page[Any]
        if listed == "decisions":
            assert isinstance(wanted, DecisionFilter)
            page = scan_decisions(node, wanted, position, PAGE)
            yield from ((row, False) for row in page.rows)
        elif listed == "holdings":
            assert isinstance(wanted, ListFilter)
            page = listing.holdings_page(node, user, wanted, position, PAGE)
            yield from ((vars(view), redacted) for view, redacted in page.rows)
        else:
            assert isinstance(wanted, ListFilter)
            page = listing.items_page(node, user, wanted, position, PAGE)
            yield from page.rows
        if page.next is None:
            return
        position = Position.parse(page.next)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


#: A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, return) is prefixed
#: with `'`: titles and reasons come from people and partners (OWASP, CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def render(found: Export) -> bytes:
    """The export as its file: CSV with a header row, or JSON with who took it and when."""
    if found.form == "json":
        document = {
            "list": found.listed,
            "exported_by": found.by,
            "exported_at": found.at.isoformat(),
            "withheld": found.withheld,
            "truncated": found.truncated,
            "rows": found.rows,
        }
        return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    return csv_text(found.columns, found.rows).encode("utf-8")


def csv_text(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    """Rows as CSV (RFC 4180) under a header row; lists space-joined, formulas defused."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = {k: _cell(row.get(k)) for k in columns}
        writer.writerow({k: f"'{v}" if v.startswith(_FORMULA) else v for k, v in cells.items()})
    return out.getvalue()
