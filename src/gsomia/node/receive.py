"""Receive a batch of messages from a partner's node (R7, R25, R28, Art. 4.2).

Each envelope is verified and opened before anything is believed; the item is then checked
against this node's own reading of the agreement and re-marked in this nation's scheme. An
accepted item becomes a holding with both labels; a refused one leaves only its rejection and
the decision in the log. A message already applied gets the answer it got the first time.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from gsomia.errors import Error, InputError, PolicyDenied, VerificationError
from gsomia.exchange import inbox
from gsomia.exchange.answers import sign_answers
from gsomia.exchange.incoming import Verified, verify
from gsomia.exchange.kinds import WORKFLOW_KINDS, Kind
from gsomia.exchange.wire import RECEIVED, REJECTED, WireMessage
from gsomia.exchange.witness import RECEIPT_MEMBER, receipt_member
from gsomia.labels import label_from_obj, label_to_obj, national_policy
from gsomia.labels.labelset import make_alternative
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node import agreements, audit
from gsomia.node.control import onward
from gsomia.node.control.messages import receive_messages
from gsomia.node.control.workflows import HANDLERS
from gsomia.node.ledger import NodeLedger
from gsomia.node.runtime import CHANNEL, Node
from gsomia.seal import IdentityCard, Opened, content_sha256, verify_binding
from gsomia.store.tables import holdings
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Item, Precedence, receive
from gsomia.treaty.receipt import may_accept

log = logging.getLogger("gsomia.receive")
RECEIPT = EventKind.RECEIPT

MAX_ID = 64  # the width of the id columns


@dataclass(frozen=True)
class Accepted:
    """A received item ready to store."""

    message: WireMessage
    holding_id: str
    item: Item
    title: str
    local_level: str
    original_label: dict[str, Any]
    local_label: dict[str, Any]
    media_type: str
    decision: Decision
    sender_card: dict[str, Any]
    consent_id: str = ""  # an onward release: the originator's consent it came under (R12)
    approved_purposes: tuple[str, ...] = ()
    binding: dict[str, Any] | None = None  # the originator's, verified (ADR 0061)


@dataclass(frozen=True)
class Refused:
    """A refused message. Only a verified one (the sender's signature held) is remembered as
    answered and recorded; an unverified one (`gsomia.exchange.incoming.Refusal`, which says
    why) is only answered, logged by the process and counted (`gsomia_rejections_total`)."""

    message: WireMessage
    reason: str
    article: str
    verified: bool = False


def item_from_header(node: Node, opened: Opened) -> tuple[Item, str]:
    """The treaty item an envelope's authenticated item header describes, and its title."""
    header = opened.label
    meta = header.get("item")
    if not isinstance(meta, dict):
        raise InputError("the item header has no item member")
    item_id = meta.get("id")
    if not isinstance(item_id, str) or not 1 <= len(item_id) <= MAX_ID:
        raise InputError(f"an item id is a string of 1 to {MAX_ID} characters")
    label = label_from_obj(header.get("label"))
    originator = label.originator.nation
    if label.label_id != meta.get("id"):
        raise InputError("the label's id differs from the item's id")
    level = node.schemes.parse(originator, label.classification, at=label.created_at.date())
    purposes = sorted(label.purposes)
    if len(purposes) != 1:
        raise InputError("an item's label names exactly one purpose")
    try:
        precedence = Precedence[str(meta.get("precedence"))]
        version = int(meta["version"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError("the item header's precedence or version is malformed") from exc
    item = Item(
        id=str(meta["id"]),
        originator=originator,
        level=level,
        purpose=purposes[0],
        agreement_id=str(meta.get("agreement", "")),
        agreement_version=version,
        releasable_to=label.releasable_to,
        precedence=precedence,
        caveats=label.caveats,
        created_at=label.created_at,
    )
    return item, str(meta.get("title", ""))


def _examine(node: Node, verified: Verified, now: datetime) -> Accepted | Refused:
    message, card, opened = verified.message, verified.card, verified.opened
    try:
        item, title = item_from_header(node, opened)
        if item.originator != card.nation:  # onward, with the originator's consent (R12, R47)
            decision, holding = onward.accept(node, card.nation, opened, item, now)
        else:
            agreement = node.agreement(item.agreement_id)
            decision = may_accept(item, node.nation, card.nation, agreement, now, channel=CHANNEL)
            if not decision.allowed:
                article = f"{decision.article} {decision.requirement}"
                return Refused(message, decision.reason, article, verified=True)
            holding = receive(item, node.nation, agreement)
            _check_direct_binding(card, opened, item)
    except PolicyDenied as error:
        return Refused(message, error.message, error.article, verified=True)
    except Error as error:
        return Refused(message, error.message, "Art. 4", verified=True)
    original = label_from_obj(opened.label["label"])
    scheme = node.scheme(now.date())
    # Art. 4.2: the receiver marks the item with the originator's name and its own equivalent.
    local = make_alternative(
        original,
        policy=national_policy(node.nation, scheme.effective or now.date()),
        classification=holding.level.native,
        originator=node.nation,
        created_at=now,
    )
    return Accepted(
        message=message,
        holding_id=str(uuid.uuid4()),
        item=item,
        title=title,
        local_level=holding.level.native,
        original_label=opened.label["label"],
        local_label=label_to_obj(local),
        media_type=opened.media_type,
        decision=decision,
        sender_card=opened.sender.to_json(),
        consent_id=holding.consent_id,
        approved_purposes=tuple(sorted(holding.approved_purposes)),
        binding=opened.label.get("binding"),  # verified above if present; onward: required
    )


def _check_direct_binding(card: IdentityCard, opened: Opened, item: Item) -> None:
    """An item straight from its originator: the envelope is already the originator's
    signature over label and content, so a binding is optional; one that is there must hold,
    since it is what this node will pass on with the item (ADR 0061)."""
    binding = opened.label.get("binding")
    if binding is None:
        return
    try:
        verify_binding(
            binding,
            card,
            item_id=item.id,
            label=opened.label["label"],
            digest=content_sha256(opened.content),
        )
    except VerificationError as error:
        raise PolicyDenied(error.message, article="Art. 9") from error


def _store(
    conn: Connection,
    sender: str,
    results: list[Accepted | Refused],
    now: datetime,
    ledger: NodeLedger,
) -> tuple[list[dict[str, Any]], list[Accepted]]:
    """Apply `results`; the answers in order, and the items that became new holdings.

    One statement per table for the whole batch: a partner's burst costs one transaction.
    Every message answered "received" gets a receipt event in the log, and its answer the
    proof of that event under a checkpoint signed in this transaction (issue 6).
    """
    accepted = [r for r in results if isinstance(r, Accepted)]
    held = dict(
        conn.execute(
            select(holdings.c.item_id, holdings.c.id).where(
                holdings.c.item_id.in_([r.item.id for r in accepted])
            )
        ).all()
    )
    answers: list[dict[str, Any]] = []
    stored: list[Accepted] = []
    new_holdings, entries, refused, remembered = [], [], [], []
    also: list[LogEvent] = []  # receipts of items held already, and rejections
    receipted: list[dict[str, Any]] = []  # answers of `entries`, then of `also`'s receipts
    again: list[dict[str, Any]] = []
    for result in results:
        message = result.message
        if isinstance(result, Accepted):
            item = result.item
            # The same item in a new envelope: this party holds it already; keep one holding.
            holding_id = held.get(item.id)
            answer = inbox.answer(
                message.id,
                RECEIVED,
                now,
                {
                    "item": item.id,
                    "holding": holding_id or result.holding_id,
                    "marked": result.local_level,
                },
            )
            if holding_id is None:
                holding_id = held[item.id] = result.holding_id
                stored.append(result)
                new_holdings.append(_holding_row(result, sender, now))
                entries.append(
                    audit.Entry(
                        sender,
                        "receive",
                        item.id,
                        result.decision,
                        also=(message.id, holding_id),
                        details={"marked": result.local_level},
                    )
                )
                receipted.append(answer)
            else:
                also.append(_event(EventKind.RECEIPT, sender, (item.id, message.id), now, answer))
                again.append(answer)
        else:
            fields = {"reason": result.reason, "article": result.article}
            answer = inbox.answer(message.id, REJECTED, now, fields)
            if result.verified:  # see `Refused`: an unverified one is nobody's to record
                refused.append(inbox.rejection(sender, message, answer, now))
                also.append(_event(EventKind.REJECTION, sender, (message.id,), now, answer))
        answers.append(answer)
        if isinstance(result, Accepted) or result.verified:
            remembered.append(inbox.remembered(sender, message, answer, now))
    if new_holdings:
        conn.execute(holdings.insert(), new_holdings)
    indices = audit.record_all(conn, entries, now, also=also)
    # Entries come first, then `also`; receipts in the order of `receipted + again`.
    receipts = indices[: len(entries)] + [
        i for i, e in zip(indices[len(entries) :], also, strict=True) if e.kind is RECEIPT
    ]
    bundles = ledger.receipts(conn, receipts, now)  # none if this node cannot sign checkpoints
    for answer, bundle in zip(receipted + again, bundles, strict=False):
        answer[RECEIPT_MEMBER] = receipt_member(bundle)
    inbox.record(conn, remembered, refused)
    return answers, stored


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
        "envelope": result.message.body,
        "sender_card": result.sender_card,
        "received_at": now,
        "state": "held",
        "consent_id": result.consent_id or None,
        "approved_purposes": list(result.approved_purposes),
        "binding": json.dumps(result.binding) if result.binding is not None else None,
    }


def receive_batch(
    node: Node, sender: str, messages: list[WireMessage]
) -> tuple[dict[str, Any], list[Accepted]]:
    """Apply a partner's batch; the signed answer document, and what was newly accepted.

    Each message is verified once (`gsomia.exchange.incoming.verify`) and, if it verified,
    handed to what applies its kind: items here, agreement steps to `agreements`, workflow
    messages to the handlers of `workflows.HANDLERS`.
    """
    card = node.peer_card(sender)
    if card is None:
        raise InputError(
            f"{sender} is not a registered partner of this node",
            hint="an operator adds the partner's identity card with `gsomia peer add`",
        )
    now = node.clock()
    for attempt in range(2):
        with node.reader.connect() as conn:
            seen = inbox.answered(conn, [m.id for m in messages])
        unique = [m for m in {m.id: m for m in messages}.values() if m.id not in seen]
        checked = [verify(m, keys=node.keys, card=card) for m in unique]
        verified = [c for c in checked if isinstance(c, Verified)]
        steps = [v for v in verified if v.kind is Kind.AGREEMENT_EVENT]
        acts = [v for v in verified if v.kind in WORKFLOW_KINDS]
        seen |= agreements.receive_events(node, steps, now) if steps else {}
        seen |= receive_messages(node, acts, now, HANDLERS) if acts else {}
        # Items are examined here; what did not verify, of any kind, is answered with them.
        results = [
            _examine(node, c, now)
            if isinstance(c, Verified)
            else Refused(c.message, c.reason, c.article)
            for c in checked
            if not isinstance(c, Verified) or c.kind is Kind.ITEM
        ]
        try:
            with node.engine.begin() as conn:
                fresh_answers, accepted = _store(conn, sender, results, now, node.ledger)
            stored = dict(zip((r.message.id for r in results), fresh_answers, strict=True))
            break
        except IntegrityError:
            # The same message arrived twice at once; the second pass finds it applied.
            if attempt:
                raise
    answers = [seen.get(m.id) or stored[m.id] for m in messages]
    for result in results:
        outcome = "accepted" if isinstance(result, Accepted) else "rejected"
        node.metrics.decisions.labels("receive", outcome).inc()
        if isinstance(result, Refused):
            node.metrics.rejections.labels(result.reason[:60]).inc()
    return sign_answers(answers, keys=node.keys, now=now), accepted
