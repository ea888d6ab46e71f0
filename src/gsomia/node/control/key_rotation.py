"""A node's new keys, announced to every partner under the old ones (ADR 0093).

The rotating node (`gsomia identity rotate`) queues its signed rotation statement to every
pinned partner (`announce`) and speaks to each with its old keys until that partner has
answered it (`Node.speaking_keys`, cleared by the answer hook `ANSWERED`): until then the
partner pins only the old card, and could verify nothing else, nor complete a TLS handshake.

The partner (`HANDLERS`) verifies the statement against the card it pinned
(`gsomia.seal.rotation.verify_rotation`), pins the new card in its place — the new TLS
certificate with it, so the link moves too — and keeps the old card with the statement
(`gsomia.store.rotations`), so what the rotating node signed under it stays verifiable. The
decision goes to its log like every received message's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, event

from gsomia.errors import InputError
from gsomia.exchange.kinds import Kind
from gsomia.ledger.events import EventKind
from gsomia.node import audit
from gsomia.node.audit import admin_event
from gsomia.node.control import messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.control.settlement import Answered, AnswerHook
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard, canonical_json
from gsomia.seal.rotation import ROTATION_DOC, verify_rotation
from gsomia.store import peers, rotations
from gsomia.treaty import sources
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence

log = logging.getLogger("gsomia.rotation")

#: Key management is part of protecting the transmission (Art. 9, R26).
REQUIREMENT = "R26"


def announce(
    conn: Connection,
    node: Node,
    statement: Mapping[str, Any],
    old: IdentityCard,
    *,
    actor: str,
    now: datetime,
) -> list[str]:
    """Queue `statement` to every pinned partner and log the rotation; the partners."""
    partners = sorted(card.nation for card in node.peer_cards())
    for partner in partners:
        messages.send(
            conn,
            node,
            kind=Kind.KEY_ROTATION,
            peer=partner,
            document={"statement": dict(statement)},
            precedence=Precedence.IMMEDIATE,
            now=now,
        )
    audit.record_event(
        conn,
        admin_event(
            EventKind.KEY_ADMIN,
            actor=actor,
            action="identity:rotate",
            subject=node.nation,
            now=now,
            old=old.fingerprint,
            fingerprint=node.card.fingerprint,
            announced_to=",".join(partners),
        ),
    )
    return partners


def _on_rotation(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    statement = incoming.document.get("statement")
    if not isinstance(statement, dict) or statement.get("type") != ROTATION_DOC:
        raise InputError(f"the key_rotation message carries no {ROTATION_DOC} statement")
    # `incoming.card` is the card the batch verified under: the one pinned for the sender.
    nation = incoming.sender
    others = [node.card, *(card for card in node.peer_cards() if card.nation != nation)]
    rotation = verify_rotation(
        canonical_json(statement), incoming.card, now=incoming.at, others=others
    )
    new = rotation.new
    endpoint = next((p.endpoint for p in peers.pinned(conn) if p.nation == nation), None)
    peers.pin(
        conn, peers.Peer(nation, new.name, new.fingerprint, endpoint, new.to_bytes()), incoming.at
    )
    rotations.record(
        conn,
        nation=nation,
        old_card=rotation.old.to_bytes(),
        old_fingerprint=rotation.old.fingerprint,
        new_fingerprint=new.fingerprint,
        statement=statement,
        rotated_at=rotation.at,
        now=incoming.at,
    )
    # Read again once this commits (`notice_changes` does so within a second elsewhere).
    event.listen(conn, "commit", lambda _conn: node.forget_peers(), once=True)
    log.info("%s rotated its keys: card %s pinned", nation, new.fingerprint)
    decision = Decision.allow(
        f"{nation}'s node rotated its keys: card {rotation.old.fingerprint[:16]}… replaced by "
        f"{new.fingerprint[:16]}…, the statement verified against the pinned card",
        sources.TRANSMISSION,
        REQUIREMENT,
    )
    return Outcome(decision, new.fingerprint)


def _confirmed(_conn: Connection, node: Node, answers: Sequence[Answered]) -> None:
    """A partner answered the statement: from now on it is spoken to with the new keys."""
    for answer in answers:
        node.rotated_for(answer.peer)
        if not answer.received:
            log.error(
                "%s refused this node's key rotation (%s): give it the new card by hand "
                "(`gsomia identity export`, then `gsomia peer add` there)",
                answer.peer,
                answer.answer.get("reason"),
            )


HANDLERS: dict[Kind, Handler] = {Kind.KEY_ROTATION: _on_rotation}
ANSWERED: dict[Kind, AnswerHook] = {Kind.KEY_ROTATION: _confirmed}
