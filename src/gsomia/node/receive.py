"""Receive a batch of messages from a partner's node (R7, R25, R28, Art. 4.2).

Each message is verified before anything is believed (`gsomia.exchange.incoming`), then
applied by what its kind calls for: an item is examined (`gsomia.node.acceptance`) and stored
here, agreement steps and workflow messages go to their own modules. An accepted item becomes
a holding with both labels; a refused one leaves only its rejection and the decision in the
log. A message already applied gets the answer it got the first time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from gsomia.errors import InputError
from gsomia.exchange import inbox
from gsomia.exchange.answers import sign_answers
from gsomia.exchange.incoming import Refusal, Verified, verify_sealed
from gsomia.exchange.kinds import WORKFLOW_KINDS, Kind
from gsomia.exchange.wire import RECEIVED, REJECTED
from gsomia.exchange.witness import RECEIPT_MEMBER, receipt_member
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node import agreements, audit
from gsomia.node.acceptance import Accepted, Refused, examine
from gsomia.node.control.messages import receive_messages
from gsomia.node.control.workflows import HANDLERS
from gsomia.node.runtime import CHANNEL, Node
from gsomia.seal import IdentityCard
from gsomia.seal.sealed import Parsed, Unverified, message_ids, verify_batch
from gsomia.store import holdings as stored_holdings

RECEIPT = EventKind.RECEIPT


@dataclass
class _Writes:
    """What a batch writes, gathered so that each table takes one statement."""

    holdings: list[dict[str, Any]] = field(default_factory=list)
    entries: list[audit.Entry] = field(default_factory=list)
    also: list[LogEvent] = field(default_factory=list)  # receipts of items held, rejections
    receipted: list[dict[str, Any]] = field(default_factory=list)  # answers of `entries`
    again: list[dict[str, Any]] = field(default_factory=list)  # answers of `also`'s receipts
    remembered: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)


def _store(
    conn: Connection,
    sender: str,
    results: list[Accepted | Refused],
    now: datetime,
    node: Node,
) -> tuple[list[dict[str, Any]], list[Accepted]]:
    """Apply `results`; the answers in order, and the items that became new holdings.

    One statement per table for the whole batch: a partner's burst costs one transaction.
    Every message answered "received" gets a receipt event in the log, and its answer the
    proof of that event under a checkpoint signed in this transaction (issue 6).
    """
    accepted = [r for r in results if isinstance(r, Accepted)]
    held = stored_holdings.ids_of_items(conn, [r.item.id for r in accepted])
    writes, answers, stored = _Writes(), [], []
    for result in results:
        if isinstance(result, Accepted):
            answer, new = _accept(writes, result, held, sender, now)
            if new:
                stored.append(result)
        else:
            answer = _refuse(writes, result, sender, now)
        answers.append(answer)
    if writes.holdings:
        stored_holdings.insert_rows(conn, writes.holdings, node.vault)  # sealed (ADR 0075)
    indices = audit.record_all(conn, writes.entries, now, also=writes.also)
    # Entries come first, then `also`; receipts in the order of `receipted + again`.
    first = len(writes.entries)
    receipts = indices[:first] + [
        i for i, e in zip(indices[first:], writes.also, strict=True) if e.kind is RECEIPT
    ]
    bundles = node.ledger.receipts(conn, receipts, now)  # none if this node cannot sign checkpoints
    for answer, bundle in zip(writes.receipted + writes.again, bundles, strict=False):
        answer[RECEIPT_MEMBER] = receipt_member(bundle)
    inbox.record(conn, node.keys, writes.remembered, writes.refused)
    return answers, stored


def _accept(
    writes: _Writes, result: Accepted, held: dict[str, str], sender: str, now: datetime
) -> tuple[dict[str, Any], bool]:
    """The answer to an accepted item, and whether it is a new holding: not if this party
    holds it already (the same item in a new envelope keeps the one holding; the log gets its
    receipt)."""
    message, item = result.message, result.item
    holding_id = held.get(item.id)
    fields = {
        "item": item.id,
        "holding": holding_id or result.holding_id,
        "marked": result.local_level,
    }
    answer = inbox.answer(message.id, RECEIVED, now, fields)
    if holding_id is None:
        holding_id = held[item.id] = result.holding_id
        writes.holdings.append(_holding_row(result, sender, now))
        writes.entries.append(
            audit.Entry(
                sender,
                "receive",
                item.id,
                result.decision,
                also=(message.id, holding_id),
                details={"marked": result.local_level},
            )
        )
        writes.receipted.append(answer)
    else:
        writes.also.append(_event(RECEIPT, sender, (item.id, message.id), now, answer))
        writes.again.append(answer)
    writes.remembered.append(inbox.remembered(sender, message, answer, now))
    return answer, holding_id == result.holding_id


def _refuse(writes: _Writes, result: Refused, sender: str, now: datetime) -> dict[str, Any]:
    """The answer to a refused message; recorded only if it verified (see `Refused`)."""
    message = result.message
    fields = {"reason": result.reason, "article": result.article}
    answer = inbox.answer(message.id, REJECTED, now, fields)
    if result.verified:
        writes.refused.append(inbox.rejection(sender, message, answer, now))
        writes.also.append(_event(EventKind.REJECTION, sender, (message.id,), now, answer))
        writes.remembered.append(inbox.remembered(sender, message, answer, now))
    return answer


def _event(
    kind: EventKind, sender: str, subjects: tuple[str, ...], now: datetime, answer: dict[str, Any]
) -> LogEvent:
    body = {k: v for k, v in answer.items() if k not in ("id", "at")}
    return LogEvent(kind, now, sender, subjects, body)


def _holding_row(result: Accepted, sender: str, now: datetime) -> dict[str, Any]:
    item = result.item
    return {
        "id": result.holding_id,
        "envelope_id": result.message.id,
        "item_id": item.id,
        "originator": item.originator,
        "sender": sender,
        "agreement_id": item.agreement_id,
        "agreement_version": item.agreement_version,
        "title": result.title,
        "original_label": result.original_label,
        "local_label": result.local_label,
        "local_level": result.local_level,
        "purpose": item.purpose,
        "precedence": item.precedence.name,
        "media_type": result.media_type,
        "envelope": result.envelope,
        "format": result.format,
        "sender_card": result.sender_card,
        "received_at": now,
        "state": "held",
        "consent_id": result.consent_id or None,
        "approved_purposes": list(result.approved_purposes),
        "binding": json.dumps(result.binding) if result.binding is not None else None,
        "stix": result.stix,  # sealed by `insert_rows` under the holding's data key
    }


STORE_TURN = 16  # items stored per transaction: a FLASH batch never waits long for the lock


def _store_in_turns(  # noqa: PLR0917 - what one turn of storing needs
    node: Node,
    sender: str,
    results: list[Accepted | Refused],
    now: datetime,
    turn: Callable[[], None],
    on_commit: Callable[[list[Accepted]], None] | None,
    *,
    into: tuple[dict[str, dict[str, Any]], list[Accepted]],
) -> None:
    """Store `results` `STORE_TURN` at a time, each turn its own short transaction (its
    answers proven under a checkpoint of its own), `turn` called before each: FLASH work
    in hand goes first. Each turn's answers go into `into`'s dict, its new holdings into its
    list and to `on_commit` once committed. A crash between turns loses nothing: the sender
    sends the batch again, and what was stored is answered as it was (`inbox.answered`)."""
    stored, accepted = into
    for first in range(0, len(results), STORE_TURN):
        chunk = results[first : first + STORE_TURN]
        turn()
        with node.engine.begin() as conn:
            answers, new = _store(conn, sender, chunk, now, node)
        stored.update(zip((r.message.id for r in chunk), answers, strict=True))
        accepted += new
        if on_commit is not None and new:
            on_commit(new)


def _opened(  # noqa: PLR0917 - what opening a batch's messages needs
    parsed: Parsed,
    indices: list[int],
    node: Node,
    card: IdentityCard,
    turn: Callable[[], None],
    children: bool,
) -> dict[int, Verified | Refusal]:
    """Messages `indices` of `parsed`, each opened and verified: here, `turn` before each,
    or (`children`, a bulk batch) all at once in the node's bulk child processes, after one
    `turn` (ADR 0122)."""
    agreement = node.agreement_with(card.nation, node.clock())
    allowed = agreement is not None and agreement.classic_crypto_allowed
    if children:
        turn()
        opened = node.bulk.open(node.keys, parsed, indices, card, classic_allowed=allowed)
        return dict(zip(indices, opened, strict=True))
    checked: dict[int, Verified | Refusal] = {}
    for i in indices:
        turn()
        checked[i] = verify_sealed(parsed, i, keys=node.keys, card=card, classic_allowed=allowed)
    return checked


def _examined(
    node: Node, verified: Verified, now: datetime, channel: str, turn: Callable[[], None]
) -> Accepted | Refused:
    """`examine`, after a turn: for a bulk batch, the decisions on its items (a fifth of a
    receiving node's CPU) wait while FLASH work is in hand, as their opening does."""
    turn()
    return examine(node, verified, now, channel)


def receive_batch(
    node: Node,
    sender: str,
    data: bytes | Unverified,
    *,
    channel: str = CHANNEL,
    on_commit: Callable[[list[Accepted]], None] | None = None,
    turn: Callable[[], None] = lambda: None,
    children: bool = False,
) -> tuple[dict[str, Any], list[Accepted]]:
    """Apply a partner's v2 batch (`gsomia.seal.sealed`); the signed answer document, and what
    was newly accepted. `channel` is how it came: node to node, or a courier bundle's channel
    (`gsomia.node.courier`, R27), which the agreement must approve for each item as well.
    `on_commit` is told what was accepted as soon as it is committed, before the answers are
    signed (the live FLASH alert goes out then). `turn` is called before each message is
    opened, before each item is examined and before each short transaction that stores
    them (`_store_in_turns`): for a bulk batch, it waits while FLASH work is in hand
    (`gsomia.exchange.precedence`).
    `children`: the messages are opened in the node's bulk child processes (a bulk batch;
    ADR 0122), not in the calling thread.

    The batch's one signature is verified first: a batch that fails it (or names another
    sender or recipient) raises `EnvelopeError` and nothing is stored. Then each message is
    opened and verified once (`gsomia.exchange.incoming.verify_sealed`) and, if it verified,
    handed to what applies its kind: items here, agreement steps to `agreements`, workflow
    messages to the handlers of `workflows.HANDLERS`.
    """
    card = node.peer_card(sender)
    if card is None:
        raise InputError(
            f"{sender} is not a registered partner of this node",
            hint="an operator adds the partner's identity card with `gsomia peer add`",
        )
    parsed = verify_batch(data, keys=node.keys, sender=card, recipient=node.nation)
    ids = message_ids(parsed)
    now = node.clock()
    with node.reader.connect() as conn:
        clash = inbox.taken(conn, sender, ids)
    if clash:
        raise InputError(
            f"message id {min(clash)} was already used by another partner",
            hint="a sending node names each message with a fresh random id",
        )
    stored: dict[str, dict[str, Any]] = {}
    accepted: list[Accepted] = []
    opened: dict[int, Verified | Refusal] = {}
    for attempt in range(2):
        with node.reader.connect() as conn:
            seen = inbox.answered(conn, node.keys, sender, ids)
        first = {mid: i for i, mid in reversed(list(enumerate(ids)))}
        unique = [i for mid, i in sorted(first.items(), key=lambda e: e[1]) if mid not in seen]
        missing = [i for i in unique if i not in opened]  # a second pass opens none again
        if missing:
            opened |= _opened(parsed, missing, node, card, turn, children)
        checked = [opened[i] for i in unique]
        verified = [c for c in checked if isinstance(c, Verified)]
        steps = [v for v in verified if v.kind is Kind.AGREEMENT_EVENT]
        acts = [v for v in verified if v.kind in WORKFLOW_KINDS]
        seen |= agreements.receive_events(node, steps, now) if steps else {}
        seen |= receive_messages(node, acts, now, HANDLERS) if acts else {}
        # Items are examined here; what did not verify, of any kind, is answered with them.
        results = [
            _examined(node, c, now, channel, turn)
            if isinstance(c, Verified)
            else Refused(c.message, c.reason, c.article)
            for c in checked
            if not isinstance(c, Verified) or c.kind is Kind.ITEM
        ]
        try:
            _store_in_turns(node, sender, results, now, turn, on_commit, into=(stored, accepted))
            break
        except IntegrityError:
            # The same message arrived twice at once; the second pass finds it applied.
            if attempt:
                raise
    answers = [seen.get(mid) or stored[mid] for mid in ids]
    for result in results:
        outcome = "accepted" if isinstance(result, Accepted) else "rejected"
        node.metrics.decisions.labels("receive", outcome).inc()
        if isinstance(result, Refused):
            node.metrics.rejected(result.message.kind, verified=result.verified)
    return sign_answers(answers, keys=node.keys, now=now), accepted
