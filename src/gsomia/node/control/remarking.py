"""The holder's side of a classification change: applying the originator's notice (R14).

A holder's node checks that a `classification_notice` comes from the item's originator, lets
the treaty core re-mark its holding through the chain of agreements the item travelled,
re-marks its copies, translations and derivatives (`marks`), keeps the notice as a case and
sends back a signed `notice_acknowledgement`. The originator's fresh binding of the new
label to the content, verified, replaces the holding's old one (ADR 0061). A holder's own
attempt to change a classification is refused and logged. The originator's side is `notices`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import InputError, NotFound, PolicyDenied, VerificationError
from gsomia.exchange.incoming import require_party
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import refuse
from gsomia.node.control import casebook
from gsomia.node.control.marks import copies_followed, held, parse_level, relabel, remark_copies
from gsomia.node.control.messages import Handler, Incoming, Outcome, send, text, texts, wake, when
from gsomia.node.control.notice_case import ACK, APPLIED, ARTICLE, CASE, NOTICE, ack_json
from gsomia.node.runtime import Node
from gsomia.seal import (
    NodeKeys,
    bound_digest,
    content_sha256,
    parse_held_card,
    verify_binding,
)
from gsomia.seal.held import open_holding
from gsomia.store import cases, holdings, transfers
from gsomia.store.holdings import HoldingRecord, envelope_of
from gsomia.store.users import UserRecord
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.classification import (
    DECLASSIFIED,
    Acknowledgement,
    ClassificationNotice,
    Remarking,
    acknowledge,
    apply_notice,
    may_apply_notice,
    may_follow_path,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_change_classification
from gsomia.treaty.items import Holding, Precedence

__all__ = ["HANDLERS", "refuse_holder_change"]


def refuse_holder_change(node: Node, user: UserRecord, holding_id: str) -> None:
    """A holder tries to change the classification of an item it received: always refused
    (R14), and logged. `NotFound` when this node neither holds nor originated it."""
    now = node.clock()
    with node.reader.connect() as conn:
        row = holdings.get(conn, holding_id, node.vault)
    if row is None:
        raise NotFound(
            f"no item or holding {holding_id} here",
            hint="`gsomia item list` shows this node's items and holdings",
        )
    decision = may_change_classification(node.nation, held(node, row).item)
    if not decision.allowed:
        refuse(
            node, actor=user.name, action="reclassify", subject=row.id, decision=decision, now=now
        )
    raise PolicyDenied(  # pragma: no cover - a holder is never the originator of what it holds
        f"{node.nation} holds {row.item_id} and did not originate it", article=ARTICLE
    )


def _notice_from(
    node: Node, incoming: Incoming, holding: Holding
) -> tuple[ClassificationNotice, list[str]]:
    doc = incoming.document
    item = holding.item
    created = item.created_at or incoming.at
    notice_id = text(doc, "notice", limit=64)
    if text(doc, "item_id", limit=64) != item.id:
        raise InputError(f"notice {notice_id} names another item than {item.id}")
    require_party(incoming, text(doc, "originator", limit=4), f"originator of notice {notice_id}")
    new = text(doc, "level", limit=64, empty=True)
    notice = ClassificationNotice(
        id=notice_id,
        item_id=item.id,
        originator=incoming.sender,
        previous=parse_level(node, incoming.sender, text(doc, "previous", limit=64), created),
        new_level=parse_level(node, incoming.sender, new, created) if new else None,
        effective=when(doc, "effective"),
        issued_at=when(doc, "issued_at"),
        issued_by=text(doc, "issued_by", limit=100),
        verified=True,  # the envelope verified under the sender's card before this ran
    )
    return notice, texts(doc, "via", limit=64)


def _via(conn: Connection, node: Node, holding: Holding, via: Sequence[str]) -> list[Agreement]:
    """The agreements the item moved on under to reach this nation, checked against the
    transfer this node recorded when it received the item, if it recorded one."""
    received_under = transfers.basis_to(conn, holding.item.id, node.nation)
    may_follow_path(holding, node.nation, via, received_under).enforce()
    return [node.agreement(agreement_id) for agreement_id in via]


def _rebound(node: Node, incoming: Incoming, row: Any, label: dict[str, Any]) -> str | None:
    """The originator's fresh binding of the new label to the content, verified against its
    card and this holding's content — as the old binding, verified when it was stored, gives
    its hash, else as the envelope opens (ADR 0061); what to store in place of the old one.

    A notice without one leaves the holding with none: the old one binds the old label, and
    a third nation would refuse the item either way. One that does not hold refuses the
    notice, naming why: it would be passed on as the originator's word.
    """
    binding = incoming.document.get("binding")
    if binding is None:
        return None
    try:
        digest = bound_digest(row.binding)  # the content as the originator bound it before
        if digest is None:  # a holding from before bindings: the content as it was received
            sender = parse_held_card(json.dumps(row.sender_card).encode())
            opened = open_holding(
                node.keys, row.id, envelope_of(row, node.vault), row.format, sender
            )
            digest = content_sha256(opened.content)
        verify_binding(binding, incoming.card, item_id=row.item_id, label=label, digest=digest)
    except VerificationError as error:
        raise PolicyDenied(f"{error.message} (R14)", article=ARTICLE) from error
    return json.dumps(binding)


def _applied_already(row: Any, notice_id: str, kept: dict[str, Any]) -> Outcome:
    """The same notice in another message: applied once, answered as it was."""
    return Outcome(
        Decision.allow(f"notice {notice_id} was applied already", ARTICLE, "R14"),
        row.id,
        {
            "notice": notice_id,
            "holding": row.id,
            "level": kept.get("local_level") or "",
            "marked": kept.get("local_level") or "",
        },
    )


def _on_notice(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    item_id = text(doc, "item_id", limit=64)
    row = next(iter(holdings.of_item(conn, item_id, node.vault)), None)
    if row is None:
        raise NotFound(f"{node.nation} holds no {item_id}")
    notice_id = text(doc, "notice", limit=64)
    # Any case kind: a case id is taken once, whichever workflow took it.
    if cases.exists(conn, notice_id):
        return _applied_already(row, notice_id, cases.document_of(conn, notice_id, keys=node.keys))
    holding = held(node, row)
    origin = may_change_classification(incoming.sender, holding.item)
    if not origin.allowed:
        return Outcome(origin, row.id)
    notice, via_ids = _notice_from(node, incoming, holding)
    via = _via(conn, node, holding, via_ids)
    agreement = node.agreement(holding.item.agreement_id)
    now = incoming.at
    decision = may_apply_notice(holding, notice, agreement, now, via=via)
    if not decision.allowed:
        return Outcome(decision, row.id)
    remarking = apply_notice(holding, notice, agreement, now, via=via)
    applied = _remark(conn, node, incoming, row, holding, notice, remarking)
    ack = acknowledge(remarking, node.nation, now)
    _keep_case(conn, incoming, applied, ack, via_ids, keys=node.keys)
    _acknowledge(conn, node, incoming, ack)
    entries = copies_followed(
        incoming.sender, row.id, applied.copies, notice.id, said=applied.local
    )
    audit.record_all(conn, entries, now)
    wake(node, Precedence.IMMEDIATE)  # the worker also finds it on its next look
    return Outcome(
        decision,
        row.id,
        {"notice": notice.id, "holding": row.id, "level": ack.level, "marked": applied.local},
        audit.kept_as("holding", row.id, marking=applied.local, version=applied.version),
    )


@dataclass(frozen=True)
class _Applied:
    """A notice applied to a holding: the notice, the holding before, its new local marking
    and version, and the copies, translations and derivatives re-marked with it (each one's
    marking, by id)."""

    notice: ClassificationNotice
    holding_id: str
    before: Holding
    local: str
    copies: dict[str, str]
    version: int


def _remark(  # noqa: PLR0917 - the notice, the holding as stored and as the treaty sees it
    conn: Connection,
    node: Node,
    incoming: Incoming,
    row: HoldingRecord,
    holding: Holding,
    notice: ClassificationNotice,
    remarking: Remarking,
) -> _Applied:
    """Re-mark the holding, its labels and binding, and everything made from it (R14)."""
    original = notice.new_level.native if notice.new_level is not None else DECLASSIFIED
    local = remarking.level.native if remarking.level is not None else DECLASSIFIED
    original_label = relabel(row.original_label, original)
    version = holdings.remark(
        conn,
        row.id,
        local_level=local,
        local_label=relabel(row.local_label, local),
        original_label=original_label,
        binding=_rebound(node, incoming, row, original_label),
        vault=node.vault,
    )
    remarked = remark_copies(
        conn, node, before=holding, after=remarking.holding, original=original, local=local
    )
    return _Applied(notice, row.id, holding, local, remarked, version)


def _keep_case(
    conn: Connection,
    incoming: Incoming,
    applied: _Applied,
    ack: Acknowledgement,
    via_ids: list[str],
    *,
    keys: NodeKeys,
) -> None:
    """The holder's case of the notice, applied, with the originator's signed message."""
    doc, notice, now = incoming.document, applied.notice, incoming.at
    document = {
        **{k: doc[k] for k in ("previous", "level", "effective", "issued_at", "issued_by")},
        "change": notice.kind.value,
        "direction": "received",
        "holders": [ack.holder],
        "acknowledged": [ack_json(ack)],
        "outstanding": [],
        "holding_id": applied.holding_id,
        "local_previous": applied.before.level.native,
        "local_level": applied.local,
        "via": via_ids,
        "copies": list(applied.copies),
    }
    casebook.insert(
        conn,
        case_id=notice.id,
        kind=CASE,
        item_id=notice.item_id,
        originator=incoming.sender,
        counterpart=incoming.sender,
        opened_by=incoming.sender,
        status=APPLIED,
        document=document,
        now=now,
        keys=keys,
    )
    step = {"holding": applied.holding_id, "from": applied.before.level.native, "to": applied.local}
    casebook.step(
        conn,
        notice.id,
        at=now,
        actor=incoming.sender,
        nation=incoming.sender,
        name="applied",
        document=step,
        message_id=incoming.id,
        signature=incoming.signed.decode("ascii"),
        keys=keys,
    )


def _acknowledge(conn: Connection, node: Node, incoming: Incoming, ack: Acknowledgement) -> None:
    """Tell the originator the notice was applied, and at which local marking."""
    send(
        conn,
        node,
        kind=ACK,
        peer=incoming.sender,
        document={
            "notice": ack.notice_id,
            "item_id": text(incoming.document, "item_id", limit=64),
            "holder": ack.holder,
            "holding": ack.holding_id,
            "level": ack.level,
            "at": ack.at.isoformat(),
        },
        precedence=Precedence.IMMEDIATE,
        now=incoming.at,
    )


HANDLERS: dict[Kind, Handler] = {NOTICE: _on_notice}
