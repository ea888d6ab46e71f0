"""What a person sees at a glance: what their role lets them do, items waiting for release,
the latest FLASH holdings they may read, and the decisions taken on an item and its holding.

Read-only and unlogged: showing a form or a section is no request. The role answers are
`may_act`'s, which the use case behind each form asks again, and logs; the decisions shown
are the ones the node took and logged when they were asked; which FLASH holdings a person may
read is the treaty's access decision, as the live push takes it (`gsomia.node.live`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gsomia.errors import Error
from gsomia.node import listing
from gsomia.node.audit_rows import logged_rows
from gsomia.node.people import to_person
from gsomia.node.read import access_decision
from gsomia.node.runtime import Node
from gsomia.store import access_log, items, recent
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.roles import Action, may_act


def role_decision(node: Node, user: UserRecord, action: Action) -> Decision:
    """May `user` ask this node for `action`? `may_act`'s answer, not logged."""
    now = node.clock()
    return may_act(to_person(user, node.scheme(now.date())), action, now)


def permissions(node: Node, user: UserRecord) -> dict[str, bool]:
    """What `user` may do here, action by action, as `may_act` answers (the role, and a
    clearance in force)."""
    now = node.clock()
    try:
        person = to_person(user, node.scheme(now.date()))
    except Error:
        return {action.value: False for action in Action}  # an unplaceable clearance: nothing
    return {action.value: may_act(person, action, now).allowed for action in Action}


def drafts(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    """Items waiting for an officer's release (R50), oldest first: those `user` may see in
    full, as every list (ADR 0083). A draft's title is information like any other: an
    officer without the need-to-know for it could not open it to release it either."""
    with node.reader.connect() as conn:
        found = items.drafts(conn, node.vault)  # titles open only through the vault
    fields = ("id", "title", "level", "precedence", "author")
    shown = listing.shown_in_full(node, user, found)
    return [{name: getattr(r, name) for name in fields} for r in shown]


def flash_for(node: Node, user: UserRecord, now: datetime, limit: int = 20) -> list[str]:
    """Ids of recent FLASH holdings `user` may read (the same decision the live push takes)."""
    try:
        person = to_person(user, node.scheme(now.date()))
    except Error:
        return []  # a clearance this node cannot place reads nothing
    with node.reader.connect() as conn:
        rows = recent.flash_holdings(conn, limit)
    return [row.id for row in rows if access_decision(node, person, row, now).allowed]


def decisions_on(node: Node, subjects: list[str], limit: int = 200) -> list[dict[str, Any]]:
    """The logged decisions about these subjects (an item and its holding), oldest first."""
    with node.reader.connect() as conn:
        return logged_rows(conn, access_log.about(conn, subjects, limit))
