"""Courier and air-gapped transfer (R27): bundles out, bundles in, receipts back.

`export_bundle` takes what the outbox holds for a partner, seals it as the delivery worker
would (the same v2 batches, `gsomia.exchange.outgoing`), and writes them under a transport
envelope signed by this node (`gsomia.exchange.bundle`); the dispatch is recorded and logged
in one transaction, and its receipt is due after the agreement's period (policy data).
`import_bundle` verifies the whole file first, then hands each batch to `receive_batch`,
the function behind POST /peer/v2/batches, so every check of the online path applies, and
the partner's inbox makes a repeat harmless: a bundle taken in twice, or after the same
messages came online, changes nothing. It answers with a receipt bundle holding the signed
answers exactly as the peer API returns them. Taking in that receipt settles the outbox rows
the way the worker settles an online answer, and the dispatch with them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from gsomia.errors import Conflict, InputError, NotFound, VerificationError
from gsomia.exchange import bundle as bundles
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.bundle import DISPATCH, RECEIPT, Bundle, Progress
from gsomia.exchange.outgoing import cut, sealed_batch
from gsomia.exchange.worker import BULK_BATCH
from gsomia.node import audit
from gsomia.node.authority import authorise, refuse
from gsomia.node.live import push_flash
from gsomia.node.receive import receive_batch
from gsomia.node.runtime import Node
from gsomia.seal.opening import EnvelopeError
from gsomia.seal.sealed import open_sealed, seal_to
from gsomia.store import dispatches
from gsomia.store.users import UserRecord
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.courier import (
    ARTICLE,
    dispatch_state,
    may_dispatch,
    may_import,
    receipt_due,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.roles import Action


def _nothing(_: int) -> None:
    pass


def _agreement(node: Node, user: UserRecord, action: str, partner: str, now: datetime) -> Agreement:
    agreement = node.agreement_with(partner, now)
    if agreement is None:
        decision = Decision.deny(f"no agreement with {partner}", ARTICLE, "R27")
        refuse(node, actor=user.name, action=action, subject=partner, decision=decision, now=now)
    return agreement


# Out ----------------------------------------------------------------------------------------


def export_bundle(
    node: Node,
    user: UserRecord,
    *,
    to: str,
    path: Path,
    channel: str,
    courier: str,
    item_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    progress: Progress = _nothing,
) -> dict[str, Any]:
    """Write what is queued for `to` (of `item_ids`, or since `since`) as a bundle at `path`."""
    authorise(node, user, Action.COURIER, to)
    now = node.clock()
    agreement = _agreement(node, user, "dispatch", to, now)
    decision = may_dispatch(agreement, node.nation, to, channel, courier)
    if not decision.allowed:
        refuse(node, actor=user.name, action="dispatch", subject=to, decision=decision, now=now)
    card = node.peer_card(to)
    if card is None:
        raise InputError(
            f"{to} is not a registered partner of this node",
            hint="an operator adds the partner's identity card with `gsomia peer add`",
        )
    with node.reader.connect() as conn:
        rows = outbox.queued_for(conn, to, item_ids=item_ids, since=since)
        number = f"{node.nation}-{to}-{dispatches.count_to(conn, to) + 1:05d}"
    _check_selection(rows, to, item_ids)
    due = receipt_due(agreement, now)
    head = {
        "kind": DISPATCH,
        "dispatch": number,
        "sender": node.nation,
        "recipient": to,
        "channel": channel,
        "courier": courier,
        "at": now.isoformat(),
        "receipt_due": due.isoformat(),
    }

    def sealed() -> Iterator[tuple[bytes, bytes]]:
        # One batch's bodies in memory at a time, however large the bundle.
        for chunk in cut(rows, BULK_BATCH):
            with node.reader.connect() as conn:
                pending = outbox.with_bodies(conn, chunk)
            yield sealed_batch(node.keys, node.nation, card, pending, now)

    written = bundles.write_bundle(path, node.keys, head, sealed(), progress)
    message_ids = [row.message_id for row in rows]
    record = {
        "id": number,
        "direction": dispatches.OUT,
        "peer": to,
        "agreement_id": agreement.id,
        "channel": channel,
        "courier": courier,
        "sent_at": now,
        "receipt_due": due,
        "message_ids": message_ids,
        "batches": [part["id"] for part in written.head["parts"]],
        "recorded_by": user.name,
        "recorded_at": now,
    }
    entry = audit.Entry(
        user.name,
        "dispatch",
        number,
        decision,
        also=(to,),
        details={"channel": channel, "courier": courier, "messages": message_ids},
    )
    try:
        with node.engine.begin() as conn:
            dispatches.add(conn, record)
            audit.record_all(conn, [entry], now)
    except IntegrityError:
        path.unlink(missing_ok=True)  # another export took this number: nothing was sent
        raise Conflict(f"dispatch {number} was recorded meanwhile", hint="export again") from None
    return {**_shown(record, now), "bytes": path.stat().st_size, "batches": len(written.parts)}


def _check_selection(
    rows: Sequence[outbox.Queued], to: str, item_ids: Sequence[str] | None
) -> None:
    if item_ids is not None:
        missing = sorted(set(item_ids) - {row.item_id for row in rows})
        if missing:
            raise NotFound(
                f"nothing is queued for {to} for item {', '.join(missing)}",
                hint="an item goes into a bundle once it is released to the partner",
            )
    if not rows:
        raise Conflict(f"nothing is queued for {to}", hint="release items to the partner first")


# In -----------------------------------------------------------------------------------------


def import_bundle(
    node: Node,
    user: UserRecord,
    path: Path,
    *,
    receipt: Path | None = None,
    courier: str | None = None,
    progress: Progress = _nothing,
) -> dict[str, Any]:
    """Take in the bundle at `path`: a partner's dispatch (its receipt is written to
    `receipt`), or the receipt of one of ours. Nothing is stored unless the whole file
    verified; nothing is applied twice."""
    authorise(node, user, Action.COURIER, path.name)
    found = bundles.verify_bundle(path, node.peer_card, recipient=node.nation, progress=progress)
    if found.kind == RECEIPT:
        return _take_receipt(node, user, found)
    if receipt is None:
        raise InputError("say where the receipt bundle goes", hint="use --receipt FILE")
    return _take_dispatch(node, user, found, receipt=receipt, courier=courier, progress=progress)


def _take_dispatch(
    node: Node,
    user: UserRecord,
    found: Bundle,
    *,
    receipt: Path,
    courier: str | None,
    progress: Progress,
) -> dict[str, Any]:
    head, sender, now = found.head, found.sender, node.clock()
    agreement = _agreement(node, user, "dispatch_import", sender, now)
    decision = may_import(agreement, node.nation, sender, head["channel"])
    if not decision.allowed:
        refuse(node, actor=user.name, action="dispatch_import", subject=found.dispatch,
               decision=decision, now=now)  # fmt: skip
    card = node.peer_card(sender)
    assert card is not None  # the bundle verified under it
    states: Counter[str] = Counter()
    message_ids: list[str] = []

    def answered() -> Iterator[tuple[bytes, bytes]]:
        # Each batch applied as the peer API applies it, its answers sealed back the same way;
        # one batch in memory at a time.
        for batch_id, data in bundles.parts(found, progress):
            document, accepted = receive_batch(node, sender, data, channel=head["channel"])
            push_flash(node, accepted)  # open screens hear of a FLASH item as online
            for entry in document["answers"]:
                states[entry["answer"]["status"]] += 1
                message_ids.append(entry["answer"]["id"])
            yield (
                batch_id,
                seal_to(card, json.dumps(document, separators=(",", ":")).encode(), batch_id),
            )

    back = {
        "kind": RECEIPT,
        "dispatch": found.dispatch,
        "sender": node.nation,
        "recipient": sender,
        "channel": head["channel"],
        "courier": courier or head["courier"],
        "at": now.isoformat(),
        "receipt_due": "",
    }
    bundles.write_bundle(receipt, node.keys, back, answered())
    first = _record_import(
        node, user, found, decided=(agreement.id, decision), message_ids=message_ids, now=now
    )
    return {
        "dispatch": found.dispatch,
        "kind": DISPATCH,
        "from": sender,
        "channel": head["channel"],
        "courier": head["courier"],
        "messages": len(message_ids),
        "answers": dict(states),
        "first_time": first,
        "receipt": str(receipt),
    }


def _record_import(
    node: Node,
    user: UserRecord,
    found: Bundle,
    *,
    decided: tuple[str, Decision],
    message_ids: list[str],
    now: datetime,
) -> bool:
    """Record a dispatch taken in, the first time only; whether this was the first time."""
    head, (agreement_id, decision) = found.head, decided
    record = {
        "id": found.dispatch,
        "direction": dispatches.IN,
        "peer": found.sender,
        "agreement_id": agreement_id,
        "channel": head["channel"],
        "courier": head["courier"],
        "sent_at": datetime.fromisoformat(head["at"]),
        "receipt_due": datetime.fromisoformat(head["receipt_due"] or head["at"]),
        "message_ids": message_ids,
        "batches": [part["id"] for part in head["parts"]],
        "recorded_by": user.name,
        "recorded_at": now,
        "acknowledged_at": now,  # answered by the receipt bundle written with it
    }
    entry = audit.Entry(
        user.name, "dispatch_import", found.dispatch, decision, also=(found.sender,),
        details={"channel": head["channel"], "courier": head["courier"]},
    )  # fmt: skip
    with node.engine.begin() as conn:
        if dispatches.get(conn, found.dispatch) is not None:
            return False  # taken in before: the inbox answered every message as it did then
        dispatches.add(conn, record)
        audit.record_all(conn, [entry], now)
    return True


def _take_receipt(node: Node, user: UserRecord, found: Bundle) -> dict[str, Any]:
    """Settle one of our dispatches with the partner's signed answers, as the worker does."""
    peer, now = found.sender, node.clock()
    with node.reader.connect() as conn:
        sent = dispatches.get(conn, found.dispatch)
    if sent is None or sent["direction"] != dispatches.OUT or sent["peer"] != peer:
        raise NotFound(f"this node sent {peer} no dispatch {found.dispatch}")
    card = node.peer_card(peer)
    assert card is not None  # the bundle verified under it
    ours, states = set(sent["message_ids"]), {}
    for part, (batch_id, data) in zip(found.parts, bundles.parts(found), strict=True):
        if bundles.b64(part.id) not in sent["batches"]:
            raise VerificationError(f"the receipt answers a batch not in {found.dispatch}")
        try:
            document = json.loads(open_sealed(node.keys, data, batch_id))
        except EnvelopeError as error:
            raise VerificationError(f"the receipt's answers did not open: {error.reason}") from None
        answered = [a for a in verify_answers(document, signer=card) if a["answer"]["id"] in ours]
        with node.reader.connect() as conn:
            rows = outbox.pending_of(conn, peer, [a["answer"]["id"] for a in answered])
        node.worker.settle(peer, rows, answered)  # the online path's settlement
        states.update({a["answer"]["id"]: a["answer"]["status"] for a in answered})
    decision = Decision.allow(f"{peer} signed the receipt of {found.dispatch}", ARTICLE, "R27")
    with node.engine.begin() as conn:
        first = dispatches.acknowledge(conn, found.dispatch, now, states)
        if first:
            audit.record_all(
                conn,
                [
                    audit.Entry(
                        user.name, "dispatch_receipt", found.dispatch, decision, also=(peer,)
                    )
                ],
                now,
            )
    return {
        "dispatch": found.dispatch,
        "kind": RECEIPT,
        "from": peer,
        "answers": dict(Counter(states.values())),
        "first_time": first,
    }


# Listing ------------------------------------------------------------------------------------


def _shown(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    state = dispatch_state(row["receipt_due"], row.get("acknowledged_at"), now)
    return {
        "dispatch": row["id"],
        "direction": row["direction"],
        "peer": row["peer"],
        "agreement": row["agreement_id"],
        "channel": row["channel"],
        "courier": row["courier"],
        "sent_at": row["sent_at"].isoformat(),
        "receipt_due": row["receipt_due"].isoformat(),
        "messages": len(row["message_ids"]),
        "state": state.value if row["direction"] == dispatches.OUT else "answered",
        "acknowledged_at": (
            row["acknowledged_at"].isoformat() if row.get("acknowledged_at") else None
        ),
    }


def list_dispatches(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    """Every dispatch, out and in, with where each stands now (officers)."""
    authorise(node, user, Action.COURIER, "dispatches")
    now = node.clock()
    with node.reader.connect() as conn:
        return [_shown(row, now) for row in dispatches.listed(conn)]


def overdue(node: Node) -> list[dict[str, Any]]:
    """Outgoing dispatches whose receipt is late: the alert on the officers' dashboard."""
    now = node.clock()
    with node.reader.connect() as conn:
        waiting = dispatches.unacknowledged(conn)
    return [shown for shown in (_shown(r, now) for r in waiting) if shown["state"] == "overdue"]
