"""This node as a witness of its partners' logs (C2SP tlog-witness, ADR 0035).

A partner POSTs its latest checkpoint with a consistency proof from the size this node last
cosigned; `gsomia.ledger.witness.add_checkpoint` decides, and this module does the rest: find
the partner's log key from its pinned card, persist the new cosigned size in the transaction
that answers, keep a rollback or fork as evidence (signed by the partner), log it, and alert
the officers who are watching. Every refusal is counted (`gsomia_witness_refusals_total`);
one whose signature does not verify is never stored nor attributed to anyone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from gsomia.errors import InputError, UsageError
from gsomia.exchange.witness import SIZE_CONTENT_TYPE, log_origin, log_verifier
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.ledger.note import NoteVerifier
from gsomia.ledger.note_keys import CosignatureV1Signer
from gsomia.ledger.witness import (
    AddCheckpoint,
    Cosigned,
    RefusalReason,
    Refused,
    WitnessState,
    add_checkpoint,
)
from gsomia.node import audit
from gsomia.node.ledger import unix
from gsomia.node.officer_alerts import alert_officers
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard
from gsomia.store import witnessing

#: Witnessing partners' logs is how each party checks the other keeps its records (Art. 6(f)).
ARTICLE = "Art. 6(f)"


@dataclass(frozen=True)
class WitnessAnswer:
    """The HTTP answer to an add-checkpoint request."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


def witness_checkpoint(node: Node, body: bytes) -> WitnessAnswer:
    """Cosign a partner's checkpoint if it extends what we cosigned; refuse and alert if not.

    The new size is persisted in the same transaction that answers (tlog-witness); a rollback
    or fork keeps its evidence (`witness_refusals`), is logged, and alerts connected officers.
    """
    try:
        request = AddCheckpoint.parse(body)
        origin = request.origin
    except InputError as exc:
        node.metrics.witness_refusals.labels(RefusalReason.MALFORMED.value).inc()
        return WitnessAnswer(400, exc.message.encode())
    card = _partner_for(node, origin)
    verifiers = _log_verifiers(card)
    cosigner = node.ledger.cosigner
    if cosigner is None:
        return WitnessAnswer(404, b"this node's keys cannot cosign checkpoints")
    now = node.clock()
    # A partner that rotated its keys logs under a new origin (its card names it); what we
    # cosigned under its earlier cards is where the new origin must go on from (ADR 0093).
    before = [log_origin(c) for c in node.known_cards(card.nation)[1:]] if card else []
    with node.engine.begin() as conn:
        result = _decide(conn, request, verifiers, cosigner, now, before)
        if isinstance(result, Cosigned):
            return WitnessAnswer(200, result.cosignature.line().encode())
        if result.kept:
            _keep(conn, result, card, origin, now)
    node.metrics.witness_refusals.labels(result.reason.value).inc()
    if result.alert:
        _alert_officers(node, result, card)
    if result.status == 409:
        return WitnessAnswer(409, f"{result.witness_size}\n".encode(), SIZE_CONTENT_TYPE)
    return WitnessAnswer(result.status, result.message.encode())


def _partner_for(node: Node, origin: str) -> IdentityCard | None:
    return next((c for c in node.peer_cards() if log_origin(c) == origin), None)


def _log_verifiers(card: IdentityCard | None) -> list[NoteVerifier] | None:
    """The partner's log key, or None: not a log this node witnesses."""
    if card is not None:
        with contextlib.suppress(UsageError):  # a partner without Ed25519 keys: unknown log
            return [log_verifier(card)]
    return None


def _decide(  # noqa: PLR0917 - one decision's inputs
    conn: Connection,
    request: AddCheckpoint,
    verifiers: list[NoteVerifier] | None,
    cosigner: CosignatureV1Signer,
    now: datetime,
    before: Sequence[str] = (),
) -> Cosigned | Refused:
    """The witness's decision against its locked state; a cosigned state is saved at once.

    A new origin of a partner that rotated its keys starts from the state cosigned under its
    newest earlier origin (`before`, newest first): the log is the same tree, so the first
    checkpoint under the new origin must prove it extends what was cosigned, not start anew."""
    state = witnessing.state(conn, request.origin)
    carried = state or _carried(conn, request.origin, before)
    result = add_checkpoint(
        request, state=carried, log_verifiers=verifiers, cosigner=cosigner, now=unix(now)
    )
    if isinstance(result, Cosigned):
        witnessing.save_state(conn, result.state, previous=state)
    return result


def _carried(conn: Connection, origin: str, before: Sequence[str]) -> WitnessState | None:
    for earlier in before:
        found = witnessing.state(conn, earlier, for_update=False)
        if found is not None:
            return replace(found, origin=origin)
    return None


def _keep(
    conn: Connection, refused: Refused, card: IdentityCard | None, origin: str, now: datetime
) -> None:
    """Keep the refusal's evidence and log it, under the partner's name if it is one."""
    witnessing.record_refusal(conn, refused, now=unix(now))
    actor = card.nation if card is not None else "unknown"
    body = {
        "action": f"witness:{refused.reason}",
        "reason": refused.message,
        "article": ARTICLE,
        "cosigned_size": refused.witness_size,
    }
    audit.record_event(conn, LogEvent(EventKind.WITNESS, now, actor, (origin,), body))


def _alert_officers(node: Node, refused: Refused, card: IdentityCard | None) -> None:
    alert_officers(
        node,
        {
            "alert": "log-" + str(refused.reason),
            "partner": card.nation if card is not None else None,
            "origin": refused.origin,
            "message": refused.message,
            "cosigned_size": refused.witness_size,
        },
    )
