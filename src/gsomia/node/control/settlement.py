"""A partner's signed answer to a message this node sent, handed to the workflow that sent it.

The delivery worker verifies each answer and settles the outbox row; `gsomia.node.settlement` then
logs it and, in the same transaction, calls the answer hooks the workflow modules register by kind
(`ANSWERED` beside `HANDLERS`, collected in `gsomia.node.control.workflows`). A hook brings its case
up to date with what the partner said: custody passes on a "received" (R28), a refusal is recorded
with the partner's reason. A hook may be called again for an answer it has seen (the worker settles
a row once, but nothing should depend on it), so it acts only on a case still waiting for that
answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.exchange.outbox import Pending
from gsomia.exchange.wire import RECEIVED
from gsomia.node.runtime import Node


@dataclass(frozen=True)
class Answered:
    """What `peer` answered, signed, to message `message_id` of `kind` this node sent."""

    message_id: str
    kind: str
    peer: str
    item_id: str | None
    answer: Mapping[str, Any]
    #: The verified entry as JSON — answer, Merkle proof, batch head and the batch's JWS —
    #: which proves on its own what the partner said (`gsomia.exchange.answers`).
    signature: str | None
    #: When the partner recorded it, by its own signed word; the settling time if it gave none.
    at: datetime

    @property
    def received(self) -> bool:
        return self.answer.get("status") == RECEIVED

    @property
    def reason(self) -> str:
        return str(self.answer.get("reason") or "no reason given")

    @property
    def article(self) -> str:
        return str(self.answer.get("article") or "")


#: Applies answers of one kind in the caller's transaction. Raising a `gsomia.errors.Error`
#: undoes only that hook's writes (the answer stays logged and stored in the outbox).
AnswerHook = Callable[[Connection, Node, Sequence[Answered]], None]


def answered(
    peer: str, settled: Sequence[tuple[Pending, Mapping[str, Any]]], now: datetime
) -> list[Answered]:
    """The worker's settled rows and verified answer entries, as hooks take them."""
    return [
        _one(peer, message_id=r.message_id, kind=r.kind, item_id=r.item_id, entry=e, now=now)
        for r, e in settled
    ]


def from_outbox(row: Any, now: datetime) -> Answered:
    """A settled outbox row (message_id, kind, peer, item_id, answer) as a hook takes it."""
    return _one(
        str(row.peer),
        message_id=str(row.message_id),
        kind=str(row.kind),
        item_id=row.item_id,
        entry=row.answer if isinstance(row.answer, Mapping) else {},
        now=now,
    )


def _one(
    peer: str,
    *,
    message_id: str,
    kind: str,
    item_id: str | None,
    entry: Mapping[str, Any],
    now: datetime,
) -> Answered:
    answer = entry.get("answer")
    answer = answer if isinstance(answer, Mapping) else {}
    try:
        at = datetime.fromisoformat(str(answer.get("at")))
    except ValueError:
        at = now
    if at.tzinfo is None:
        at = now
    signed = entry.get("jws") is not None
    evidence = json.dumps(dict(entry), ensure_ascii=False, sort_keys=True) if signed else None
    return Answered(
        message_id,
        kind,
        peer,
        item_id,
        dict(answer),
        evidence,
        at,
    )
