"""The inbox: what this node answered each partner's message, so a repeat gets the same answer.

The outbox's counterpart. A verified message is remembered with its answer in the transaction
that applies it, and a refused one is also kept as a rejection; a message that did not verify
is neither (`gsomia.exchange.incoming.Refusal`). Rows are made here and written by the caller,
in one statement per table for a whole batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from gsomia.errors import VerificationError
from gsomia.exchange.wire import WireMessage
from gsomia.seal import NodeKeys
from gsomia.seal.encoding import b64u, b64u_decode
from gsomia.seal.storage import open_at_rest, seal_at_rest
from gsomia.store.tables import inbox, rejections

SEALED = "sealed"


def answer(
    message_id: str, status: str, now: datetime, fields: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The answer to one message: `fields`, in the frame of its id, status and time (which no
    field can overwrite)."""
    return {**(fields or {}), "id": message_id, "status": status, "at": now.isoformat()}


def _context(message_id: str) -> str:
    return f"inbox:{message_id}"


def sealed_answer(keys: NodeKeys, message_id: str, answer: Mapping[str, Any]) -> dict[str, str]:
    """`answer` as the inbox keeps it: sealed at rest under this node's key (ADR 0070), since it
    names the item and this nation's marking of it, or why it was refused."""
    data = orjson.dumps(dict(answer), option=orjson.OPT_SORT_KEYS)
    return {SEALED: b64u(seal_at_rest(keys, data, _context(message_id)))}


def opened_answer(keys: NodeKeys, message_id: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """An answer the inbox keeps, opened; one kept before answers were sealed, as it is."""
    if set(stored) != {SEALED}:
        return dict(stored)
    data = open_at_rest(keys, b64u_decode(stored[SEALED], what="answer"), _context(message_id))
    answer: dict[str, Any] = orjson.loads(data)
    return answer


def answered(
    conn: Connection, keys: NodeKeys, sender: str, message_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The answers already given to `sender` for any of `message_ids`, by id.

    Only `sender`'s own: another partner sending a message under an id it has learnt must not
    be handed the answer (the item, this nation's marking of it, the receipt) given to the
    partner who really sent it. Its message finds the id taken and is refused unapplied."""
    rows = conn.execute(
        select(inbox.c.message_id, inbox.c.answer).where(
            inbox.c.message_id.in_(message_ids), inbox.c.sender == sender
        )
    )
    return {row.message_id: opened_answer(keys, row.message_id, row.answer) for row in rows}


def taken(conn: Connection, sender: str, message_ids: Sequence[str]) -> set[str]:
    """Which of `message_ids` another partner than `sender` has already used."""
    rows = conn.execute(
        select(inbox.c.message_id).where(
            inbox.c.message_id.in_(message_ids), inbox.c.sender != sender
        )
    )
    return {row.message_id for row in rows}


def remembered(
    sender: str, message: WireMessage, answer: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The inbox row of a verified message and its answer: `answer` itself, not a copy, so a
    member added before the row is written (a receipt's proof) is remembered too."""
    return {
        "message_id": message.id,
        "kind": message.kind,
        "sender": sender,
        "received_at": now,
        "answer": answer,
    }


def rejection(
    sender: str, message: WireMessage, answer: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """The rejection row of a verified message this node refused (its answer says why)."""
    return {
        "envelope_id": message.id,
        "sender": sender,
        "reason": answer["reason"],
        "article": answer["article"],
        "at": now,
    }


def record(
    conn: Connection,
    keys: NodeKeys,
    remembered: Sequence[Mapping[str, Any]],
    rejected: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Write inbox and rejection rows in the caller's transaction; each answer sealed at rest
    now, after the last member (a receipt's proof) was added to it."""
    if remembered:
        rows = [
            {**row, "answer": sealed_answer(keys, row["message_id"], row["answer"])}
            for row in remembered
        ]
        conn.execute(inbox.insert(), rows)
    if rejected:
        rows = [
            {**row, "reason": sealed_reason(keys, row["envelope_id"], row["reason"])}
            for row in rejected
        ]
        conn.execute(rejections.insert(), rows)


REASON_PREFIX = "gs2:"


def sealed_reason(keys: NodeKeys, envelope_id: str, reason: str) -> str:
    """A rejection's reason as kept: sealed at rest (it may name the item's level, purpose or
    agreement, ADR 0088), bound to the message it refused."""
    sealed = seal_at_rest(keys, reason.encode("utf-8"), f"rejection:{envelope_id}")
    return REASON_PREFIX + b64u(sealed)


def opened_reason(keys: NodeKeys, envelope_id: str, stored: str) -> str:
    """The reason `sealed_reason` kept; VerificationError if it is not sealed or altered."""
    if not stored.startswith(REASON_PREFIX):
        raise VerificationError(f"the reason of rejection {envelope_id} is not sealed at rest")
    raw = b64u_decode(stored[len(REASON_PREFIX) :], what="reason")
    return open_at_rest(keys, raw, f"rejection:{envelope_id}").decode("utf-8")
