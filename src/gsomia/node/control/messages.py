"""Signed workflow messages between nodes: consent, notices, reports, visits (issue 5).

Every act one nation's node tells another's (a consent request, a grant, a classification
notice, its acknowledgement, a compromise report, a visit approval...) is a JSON document
sealed and signed for the partner's node key, queued in the outbox in the same transaction as
the change that causes it, and answered with a signed receipt. The receiving node verifies the
envelope before believing a word (`gsomia.exchange.incoming`), then hands the document to the
handler registered for its kind; the handler's changes, the inbox row that makes a repeat
harmless and the decision in the log commit together, or, when the handler refuses, only the
refusal does.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Error, InputError, NotFound
from gsomia.exchange import inbox, outbox
from gsomia.exchange.incoming import ARTICLE, Verified
from gsomia.exchange.kinds import Kind, message_header
from gsomia.exchange.wire import RECEIVED, REJECTED
from gsomia.node import audit
from gsomia.node.runtime import Node
from gsomia.seal import POST_QUANTUM_PROFILES, IdentityCard
from gsomia.seal.held import queued
from gsomia.seal.sealed import Plain
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.provision import may_use_link

log = logging.getLogger("gsomia.messages")


@dataclass(frozen=True)
class Incoming:
    """A verified workflow message (`gsomia.exchange.incoming.verify_sealed`): who signed it,
    what it says, and the signed bytes themselves."""

    id: str
    kind: Kind
    sender: str
    card: IdentityCard
    document: Mapping[str, Any]
    signed: bytes
    at: datetime


@dataclass(frozen=True)
class Outcome:
    """What a handler decided about a message: the decision to log, on what subject, any
    further fields for the signed answer, and any the log records beside the decision (what a
    re-marking left its holding at, ADR 0151)."""

    decision: Decision
    subject: str
    answer: Mapping[str, Any] = field(default_factory=dict)
    logged: Mapping[str, Any] = field(default_factory=dict)


#: A handler applies a verified message in the caller's transaction, or raises an `Error`
#: (then nothing it wrote is kept and the sender is told the error's message).
Handler = Callable[[Connection, Node, Incoming], Outcome]


def send(
    conn: Connection,
    node: Node,
    *,
    kind: Kind,
    peer: str,
    document: Mapping[str, Any],
    precedence: Precedence = Precedence.IMMEDIATE,
    item_id: str | None = None,
    now: datetime,
) -> str:
    """Seal `document` for `peer` and queue it in the caller's transaction; its message id.

    Raises `NotFound` when `peer` is not a registered partner: nothing is queued for a
    nation this node cannot verify or reach; `PolicyDenied` (R26) when the link between the
    two nodes' keys is classic and the agreement with `peer` does not approve that.
    """
    card = node.peer_card(peer)
    if card is None:
        raise NotFound(
            f"{peer} is not a registered partner of this node",
            hint="an operator adds the partner's identity card with `gsomia peer add`",
        )
    # The link's suite is the agreement's to approve (R26): a classic one only where it does.
    classic = any(p not in POST_QUANTUM_PROFILES for p in (node.keys.profile, card.profile))
    may_use_link(node.agreement_with(peer, now), classic_crypto=classic).enforce()
    message_id = uuid.uuid4().hex
    body = queued(
        node.keys,
        Plain(
            message_id,
            kind,
            message_header(kind),
            json.dumps(dict(document), ensure_ascii=False, sort_keys=True).encode(),
            "application/json",
        ),
        peer,
    )
    outbox.enqueue(
        conn,
        message_id=message_id,
        kind=kind,
        peer=peer,
        priority=outbox.priority(precedence),
        body=body,
        now=now,
        item_id=item_id,
    )
    return message_id


def wake(node: Node, precedence: Precedence = Precedence.IMMEDIATE) -> None:
    """Tell the delivery worker a message of `precedence` is waiting."""
    node.worker.wake(outbox.priority(precedence))


def receive_messages(
    node: Node,
    messages: Sequence[Verified],
    now: datetime,
    known: Mapping[Kind, Handler],
) -> dict[str, dict[str, Any]]:
    """Apply a partner's verified workflow messages in order, one transaction each, each by the
    handler `known` lists for its kind (`gsomia.node.control.workflows.HANDLERS`); each id's
    answer."""
    answers = {m.id: _receive_one(node, m, now, known) for m in messages}
    # A handler may have queued a reply (an acknowledgement, a report): the worker would
    # otherwise find it only on its next idle poll, up to a second later.
    wake(node)
    return answers


def _receive_one(
    node: Node, verified: Verified, now: datetime, known: Mapping[Kind, Handler]
) -> dict[str, Any]:
    message, card = verified.message, verified.card

    def answer(status: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        return inbox.answer(message.id, status, now, fields)  # a handler's fields cannot reframe

    incoming, handler = _incoming(verified, now), known.get(verified.kind)
    if isinstance(incoming, str) or handler is None:
        # Not a message this node can apply: answered, not stored (as an `incoming.Refusal`).
        reason = incoming if isinstance(incoming, str) else f"no workflow here takes {message.kind}"
        node.metrics.rejected(message.kind, verified=True)
        return answer(REJECTED, {"reason": reason, "article": ARTICLE})
    try:
        with node.engine.begin() as conn:
            outcome = handler(conn, node, incoming)
            if not outcome.decision.allowed:
                raise _Refusal(outcome)
            accepted = answer(RECEIVED, outcome.answer)
            inbox.record(conn, node.keys, [inbox.remembered(card.nation, message, accepted, now)])
            entry = audit.Entry(
                card.nation,
                f"receive:{message.kind}",
                outcome.subject,
                outcome.decision,
                also=(message.id,),
                details=outcome.logged,
            )
            audit.record_all(conn, [entry], now)
            return accepted
    except _Refusal as refusal:
        decision, subject = refusal.outcome.decision, refusal.outcome.subject
    except Error as error:
        article = getattr(error, "article", "") or ARTICLE
        decision, subject = Decision.deny(error.message, article, "R28"), message.id
    log.info("%s %s from %s refused: %s", message.kind, message.id, card.nation, decision.reason)
    refused = answer(REJECTED, {"reason": decision.reason, "article": decision.article})
    with node.engine.begin() as conn:
        inbox.record(
            conn,
            node.keys,
            [inbox.remembered(card.nation, message, refused, now)],
            [inbox.rejection(card.nation, message, refused, now)],
        )
        entry = audit.Entry(
            card.nation, f"receive:{message.kind}", subject, decision, also=(message.id,)
        )
        audit.record_all(conn, [entry], now)
    return refused


class _Refusal(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.decision.reason)
        self.outcome = outcome


def _incoming(verified: Verified, now: datetime) -> Incoming | str:
    """The workflow message `verified` holds, or why it holds none (then it is neither
    remembered nor stored, as before the handler could be told of it)."""
    try:
        document = json.loads(verified.content)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return f"the {verified.kind} message is not a JSON object"
    return Incoming(
        verified.id, verified.kind, verified.sender, verified.card, document, verified.signed, now
    )


# Reading documents ---------------------------------------------------------------------------


def text(document: Mapping[str, Any], key: str, *, limit: int = 200, empty: bool = False) -> str:
    """A string member of a partner's document, checked; `InputError` names a bad one."""
    value = document.get(key, "" if empty else None)
    if not isinstance(value, str) or len(value) > limit or (not value and not empty):
        raise InputError(f"the message's {key!r} must be a string of up to {limit} characters")
    return value


def when(document: Mapping[str, Any], key: str) -> datetime:
    """An aware datetime member of a partner's document."""
    raw = text(document, key, limit=40)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InputError(f"the message's {key!r} is not an ISO 8601 time") from exc
    if value.tzinfo is None:
        raise InputError(f"the message's {key!r} names no time zone")
    return value


def texts(document: Mapping[str, Any], key: str, *, limit: int = 200) -> list[str]:
    """A list-of-strings member of a partner's document."""
    value = document.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(v, str) and len(v) <= limit for v in value
    ):
        raise InputError(f"the message's {key!r} must be a list of strings")
    return list(value)
