"""What this node makes of its partners' answers when the delivery worker settles them.

Each answer is logged on this side too (a refusal is logged by both, R39), handed to the
workflow that sent the message (`gsomia.node.control.workflows.settled`), and every item a
partner received becomes a link of the item's chain of custody (R17, R28), all in the
transaction that settles the outbox rows: a crash keeps all of it or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import InputError, StoreDamaged, VerificationError
from gsomia.exchange import outbox
from gsomia.exchange.kinds import Kind
from gsomia.exchange.outbox import Pending, precedence_of
from gsomia.exchange.wire import RECEIVED
from gsomia.exchange.witness import RECEIPT_MEMBER
from gsomia.node import audit
from gsomia.node.control import workflows
from gsomia.node.runtime import Node
from gsomia.seal import NodeKeys
from gsomia.seal.encoding import b64u, b64u_decode
from gsomia.seal.storage import open_at_rest, seal_at_rest
from gsomia.store import transfers
from gsomia.store.transfers import Provision
from gsomia.treaty import sources
from gsomia.treaty.decision import Decision

Settled = Sequence[tuple[Pending, dict[str, Any]]]


def settle(node: Node, conn: Connection, peer: str, settled: Settled) -> bool:
    """Log `peer`'s answers and hand them to their workflows, in the caller's transaction;
    whether a workflow queued a reply."""
    now = node.clock()
    entries = []
    for row, entry in settled:
        answer = entry["answer"]
        node.metrics.deliveries.labels(peer, answer["status"]).inc()
        node.metrics.delivery_latency.labels(precedence_of(row.priority).name).observe(
            max(0.0, (now - row.created_at).total_seconds())
        )
        receipt = answer.get(RECEIPT_MEMBER) or {}
        details: dict[str, Any] = {"receipt_index": receipt["index"]} if receipt else {}
        if answer["status"] != RECEIVED:
            details[SEALED_REASON] = sealed_reason(node.keys, row.message_id, answer)
        entries.append(
            audit.Entry(
                peer,
                f"answer:{row.kind}",
                row.item_id or row.message_id,
                _decision(peer, answer),
                also=(row.message_id,) if row.item_id else (),
                details=details,
            )
        )
    audit.record_all(conn, entries, now)
    # The workflow that sent each message learns its answer (custody of an onward release
    # passes now, R28). Before `record_provisions`: an onward item's hook records its
    # transfer with the consent, and `record_provisions` then knows it.
    followed = workflows.settled(conn, node, peer, settled)
    record_provisions(conn, node.nation, peer, settled)
    return followed


def _decision(peer: str, answer: dict[str, Any]) -> Decision:
    """The partner's answer as this node logs it. A refusal's reason (it may name the item's
    level, purpose or agreement) is not in the text the audit pages list: it goes sealed into
    the event's body (`sealed_reason`), as the answer itself is sealed in the outbox."""
    if answer["status"] == RECEIVED:
        marked = f", marked {answer['marked']}" if answer.get("marked") else ""
        return Decision.allow(f"{peer} received it{marked}", sources.CUSTODY_ON_RECEIPT, "R28")
    return Decision.deny(
        f"{peer} refused it (its reason is sealed with the answer)",
        str(answer.get("article", "")),
        "R28",
    )


#: The member of a logged answer's body that holds the partner's reason, sealed.
SEALED_REASON = "reason_sealed"


def _context(message_id: str) -> str:
    return f"answer-reason:{message_id}"


def sealed_reason(keys: NodeKeys, message_id: str, answer: dict[str, Any]) -> str:
    """The partner's reason for refusing `message_id`, sealed under the node's storage key and
    bound to the message: the log keeps it, a copy of the database does not show it."""
    reason = str(answer.get("reason", ""))
    return b64u(seal_at_rest(keys, reason.encode("utf-8"), _context(message_id)))


def opened_reason(keys: NodeKeys, message_id: str, body: dict[str, Any]) -> str | None:
    """The reason `sealed_reason` kept in a logged answer's `body`, or None if it has none;
    `StoreDamaged` if it does not open on its message."""
    sealed = body.get(SEALED_REASON)
    if sealed is None:
        return None
    try:
        raw = open_at_rest(keys, b64u_decode(str(sealed), what="reason"), _context(message_id))
    except (VerificationError, InputError) as error:
        raise StoreDamaged(f"the sealed reason of the answer to {message_id}: {error}") from None
    return raw.decode("utf-8")


def record_provisions(
    conn: Connection,
    nation: str,
    peer: str,
    settled: Settled,
) -> None:
    """Custody passes when the partner records receipt (R28): each item it received becomes a
    link of the item's chain of custody (R17), once, whatever the number of deliveries."""
    received = {
        row.message_id: (row.item_id, entry["answer"])
        for row, entry in settled
        if row.kind == Kind.ITEM and row.item_id and entry["answer"]["status"] == RECEIVED
    }
    if not received:
        return
    basis = outbox.agreements_of(conn, received)
    items = {item for item, _ in received.values()}
    known = transfers.recorded_between(conn, items, from_nation=nation, to_nation=peer)
    provisions = []
    for message_id, (item_id, answer) in received.items():
        if item_id in known:
            continue
        known.add(item_id)
        provisions.append(
            Provision(
                item_id=item_id,
                from_nation=nation,
                to_nation=peer,
                at=datetime.fromisoformat(answer["at"]),
                level=str(answer.get("marked", "")),
                basis=basis.get(message_id) or "",
                message_id=message_id,
                reported_by=nation,
            )
        )
    transfers.add_provisions(conn, provisions)
