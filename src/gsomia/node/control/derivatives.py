"""Derivatives: extracts, summaries and compilations of holdings and own items (R8).

A derivative is marked at least at the highest of its sources' levels here and lists every
originator and caveat (`treaty.derivatives` decides). It is kept in the `copies` table beside
copies and translations (`copies`), its text sealed to this node's own key, but it is not a
reproduction of one holding: it has no copy number and may draw on several sources, this
node's own items among them (`source_holding`, which `inventory` uses too).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import InputError, NotFound, PolicyDenied
from gsomia.node import audit, read
from gsomia.node.authority import authorise, refuse
from gsomia.node.control.copies import (
    MAX_COPIES,
    MAX_TEXT,
    CopyView,
    get_copy,
    seal_own,
)
from gsomia.node.runtime import Node
from gsomia.store import copies, holdings, items
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.derivatives import (
    Derivative,
    DerivativeKind,
    make_derivative,
    may_derive_now,
)
from gsomia.treaty.items import Holding
from gsomia.treaty.roles import Action


def source_holding(node: Node, source_id: str) -> tuple[Holding, Any, str]:
    """A holding (by holding or item id) or this node's own item, as a treaty holding; its row
    and which table it came from (`holding` or `item`)."""
    with node.reader.connect() as conn:
        row = holdings.get(conn, source_id, node.vault)
        if row is not None:
            return read.treaty_holding(node, row), row, "holding"
        own = items.get(conn, source_id, node.vault)
    if own is None:
        raise NotFound(
            f"nothing held or originated here is called {source_id}",
            hint="`gsomia item list` shows what is held",
        )
    return read.own_holding(node, own), own, "item"


def derive(
    node: Node,
    user: UserRecord,
    sources: Sequence[str],
    *,
    kind: str,
    title: str,
    content: str,
    level: str | None = None,
) -> CopyView:
    """An extract, summary or compilation of holdings and this node's own items, marked at
    least at the highest of their levels here (or `level`, never below) and listing every
    originator and caveat (R8)."""
    derivative_kind = _checked(kind, sources, title, content)
    person, role = authorise(node, user, Action.REPRODUCE, ",".join(sources))
    now = node.clock()
    resolved = [source_holding(node, source) for source in sources]
    if len({h.id for h, _, _ in resolved}) != len(resolved):
        raise InputError("a derivative names each source once")
    treaty_sources = [h for h, _, _ in resolved]
    subject = ",".join(h.id for h in treaty_sources)
    decision = may_derive_now(person, treaty_sources, now)
    if not decision.allowed:
        refuse(node, actor=user.name, action="derive", subject=subject, decision=decision)
    chosen = node.scheme(now.date()).parse(level) if level else None
    derivative_id = f"derivative-{uuid.uuid4().hex[:16]}"
    try:
        made: Derivative = make_derivative(
            person, treaty_sources, derivative_kind, now, derivative_id=derivative_id, level=chosen
        )
    except PolicyDenied as error:  # a chosen level below the sources' (R8)
        reason = error.message.removesuffix(" (R8)")
        denial = Decision.deny(reason, error.article, "R8")
        refuse(node, actor=user.name, action="derive", subject=subject, decision=denial)
    marking = made.marking.level.native
    sealed = seal_own(node, content.encode(), derivative_id, marking, now)
    allowed = Decision.allow(
        f"{made.kind.value} {derivative_id} of {subject} marked {marking}, originators "
        + ", ".join(sorted(made.marking.originators)),
        "Art. 4.3",
        "R8",
    )
    with node.engine.begin() as conn:
        _keep(conn, node, made, title=title, sealed=sealed, made_by=user.name, now=now)
        audit.record_all(
            conn,
            [
                audit.Entry(user.name, Action.REPRODUCE.value, subject, role),
                audit.Entry(user.name, "derive", subject, allowed, also=(derivative_id,)),
            ],
            now,
        )
    return get_copy(node, derivative_id)


def _checked(kind: str, sources: Sequence[str], title: str, content: str) -> DerivativeKind:
    """The kind of derivative asked for, once the request's shape is right."""
    try:
        derivative_kind = DerivativeKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in DerivativeKind)
        raise InputError(f"unknown derivative kind {kind!r}", hint=f"one of {choices}") from None
    if not sources or len(sources) > MAX_COPIES:
        raise InputError(f"a derivative names 1 to {MAX_COPIES} sources")
    if not title or len(title) > 300 or len(content) > MAX_TEXT:
        raise InputError("a derivative has a title of up to 300 characters and its content")
    return derivative_kind


def _keep(
    conn: Connection,
    node: Node,
    made: Derivative,
    *,
    title: str,
    sealed: bytes,
    made_by: str,
    now: datetime,
) -> None:
    """Inventory the derivative: its marking, originators and caveats, its sealed content."""
    marking = made.marking.level.native
    sources, items_ = list(made.source_ids), list(made.item_ids)
    originators = sorted(made.marking.originators)
    copies.insert(
        conn,
        copy_id=made.id,
        kind="derivative",
        item_id=made.id,
        holding_id=None,
        number=1,
        level=marking,
        label={
            "marking": marking,
            "originators": originators,
            "caveats": sorted(made.marking.caveats),
            "kind": made.kind.value,
            "sources": sources,
            "items": items_,
        },
        details={
            "kind": made.kind.value,
            "title": title,
            "sources": sources,
            "items": items_,
            "originators": originators,
        },
        content=sealed,
        made_by=made_by,
        made_at=now,
        vault=node.vault,
    )
