"""The workflow message kinds this node understands: the table of contents of issue 5.

Each workflow module registers the kinds it receives in its `HANDLERS`; `receive_batch`
routes every message whose kind is listed here to `gsomia.node.control.messages.receive_messages`.

A module that must learn how a partner answered what it sent registers answer hooks by kind
in its `ANSWERED` (`gsomia.node.control.settlement`); `gsomia.node.settlement.settle` calls
`settled` below for every batch of answers the delivery worker settles, in the transaction
that logs them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Error
from gsomia.exchange.kinds import Kind
from gsomia.exchange.outbox import Pending
from gsomia.node import audit
from gsomia.node.control import (
    compromise,
    consent,
    consent_decisions,
    contract_assurances,
    disposal,
    disputes,
    investigation,
    key_rotation,
    loss_report,
    notices,
    purpose_decisions,
    purposes,
    receipt,
    remarking,
    security_visit_messages,
    visit_host,
    visits,
)
from gsomia.node.control.messages import Handler
from gsomia.node.control.settlement import Answered, AnswerHook, answered
from gsomia.node.runtime import Node
from gsomia.treaty import sources
from gsomia.treaty.decision import Decision

log = logging.getLogger("gsomia.workflows")

HANDLERS: dict[Kind, Handler] = {
    **consent.HANDLERS,
    **consent_decisions.HANDLERS,
    **purposes.HANDLERS,
    **purpose_decisions.HANDLERS,
    **receipt.HANDLERS,
    **notices.HANDLERS,
    **remarking.HANDLERS,
    **disposal.HANDLERS,
    **loss_report.HANDLERS,
    **investigation.HANDLERS,
    **disputes.HANDLERS,
    **visits.HANDLERS,
    **visit_host.HANDLERS,
    **security_visit_messages.HANDLERS,
    **contract_assurances.HANDLERS,
    **key_rotation.HANDLERS,
}


def _by_kind(*tables: Mapping[Kind, AnswerHook]) -> dict[Kind, tuple[AnswerHook, ...]]:
    """Every module's hooks for a kind, in module order: two workflows may send one kind."""
    hooks: dict[Kind, tuple[AnswerHook, ...]] = {}
    for table in tables:
        for kind, hook in table.items():
            hooks[kind] = (*hooks.get(kind, ()), hook)
    return hooks


ANSWERED: dict[Kind, tuple[AnswerHook, ...]] = _by_kind(
    receipt.ANSWERED, compromise.ANSWERED, key_rotation.ANSWERED
)


def settled(
    conn: Connection, node: Node, peer: str, rows: Sequence[tuple[Pending, Mapping[str, Any]]]
) -> bool:
    """Hand `peer`'s settled answers to the hooks of their kinds, in the caller's transaction;
    whether any hook ran.

    Each hook runs in a savepoint: one that fails (`Error`) loses only its own writes, and the
    failure is logged beside the answer, which the outbox keeps in any case.
    """
    now = node.clock()
    by_kind: dict[Kind, list[Answered]] = {}
    for answer in answered(peer, rows, now):
        if answer.kind in ANSWERED:
            by_kind.setdefault(Kind(answer.kind), []).append(answer)
    for kind, batch in by_kind.items():
        for hook in ANSWERED[kind]:
            try:
                with conn.begin_nested():
                    hook(conn, node, batch)
            except Error as error:
                log.exception("%s answers from %s not applied", kind, peer)
                failed = Decision.deny(
                    f"{peer}'s answers to {len(batch)} {kind} message(s) could not be applied "
                    f"to their case: {error.message}",
                    getattr(error, "article", "") or sources.CUSTODY_ON_RECEIPT,
                    "R28",
                )
                subjects = tuple(a.message_id for a in batch)
                audit.record_all(
                    conn,
                    [audit.Entry(peer, f"answered:{kind}", subjects[0], failed, subjects[1:])],
                    now,
                )
    return bool(by_kind)
