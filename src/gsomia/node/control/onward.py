"""Onward release with the originator's consent, hub forwarding, and custody chains (R12, R47).

The holder's officer releases a holding to a third nation only when `treaty.onward` allows it:
a consent of the originator that verifies, names the item, the third nation and the purpose,
has neither expired nor been revoked; and the holder's own agreement with the third nation in
force, covering the level. The item is then sealed from this node to the third nation's with
a header carrying the original label and the originator's signed consent, which the third
nation verifies against the originator's identity card before it re-marks and stores it.

Custody passes on receipt (R28): the release opens a case of kind "onward" on the holder's
node, and only when the third nation's signed answer settles (the answer hook `ANSWERED`,
called by `Node._settled`) does the holder record the transfer, marked as the third nation
says, and report it to the originator, so the originator sees every nation holding its item
and by which path. A refusal is kept on the case with the third nation's reason and logged;
nothing is recorded or reported. `custody` shows the holder's releases with their state.

A hub (R47) forwards an item it holds only under a configured rule: topics, participants,
the participant the originator named; it re-marks under its own bilateral agreement.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from gsomia.errors import InputError, NotFound, PolicyDenied, VerificationError
from gsomia.exchange import outbox as queue
from gsomia.node import audit
from gsomia.node.control import casebook, messages
from gsomia.node.control.consent import logged
from gsomia.node.control.consent_cases import consent_from_document, held_consent
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.control.originator import agreement_between, verify_document
from gsomia.node.control.settlement import Answered, AnswerHook
from gsomia.node.read import treaty_holding
from gsomia.node.release import ITEM_HEADER, authorise, priority
from gsomia.node.runtime import Node
from gsomia.seal import Opened, open_envelope, parse_card, seal_envelope
from gsomia.store.tables import cases, holdings, hub_rules, items, outbox, transfers
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_release_onward
from gsomia.treaty.items import Holding, Item, Precedence, receive
from gsomia.treaty.onward import (
    CustodyChain,
    HubRule,
    Transfer,
    forward_via_hub,
    may_forward_via_hub,
    release_onward,
)
from gsomia.treaty.roles import Action

THIRD_PARTY = "Art. 5"
HUB_ARTICLE = "TISA (2014)"

#: The case of one onward release or forwarding, kept by the releasing node.
ONWARD = "onward"
RELEASE, FORWARD = "release_onward", "forward"
SENT, RECEIVED, REFUSED = "sent", "received", "refused"


def _transfer_json(t: Transfer) -> dict[str, Any]:
    return {
        "item_id": t.item_id,
        "from": t.from_nation,
        "to": t.to_nation,
        "at": t.at.isoformat(),
        "level": t.level,
        "basis": t.basis,
        "consent_id": t.consent_id or None,
        "hub": t.hub or None,
    }


def _holding_row(conn: Connection, holding_id: str) -> Any:
    row = conn.execute(
        select(holdings).where((holdings.c.id == holding_id) | (holdings.c.item_id == holding_id))
    ).first()
    if row is None:
        raise NotFound(f"no holding {holding_id}", hint="`gsomia item list` shows what is held")
    return row


def _send_item(
    conn: Connection,
    node: Node,
    row: Any,
    *,
    to: str,
    extra: Mapping[str, Any],
    agreement_id: str,
    agreement_version: int,
    now: datetime,
) -> str:
    """Seal the holding's item for `to` with the original label and `extra`; queue it."""
    card = node.peer_card(to)
    if card is None:
        raise NotFound(
            f"{to} is not a registered partner of this node",
            hint="an operator adds the partner's identity card with `gsomia peer add`",
        )
    sender = parse_card(json.dumps(row.sender_card).encode())
    content = open_envelope(row.envelope, keys=node.keys, senders=[sender]).content
    message_id = uuid.uuid4().hex
    header = {
        "type": ITEM_HEADER,
        "label": row.original_label,
        "item": {
            "id": row.item_id,
            "title": row.title,
            "agreement": row.agreement_id,
            "version": row.agreement_version,
            "precedence": row.precedence,
        },
        **extra,
    }
    body = seal_envelope(
        content,
        label=header,
        keys=node.keys,
        recipients=[card],
        now=now,
        media_type=row.media_type,
        envelope_id=message_id,
    )
    queue.enqueue(
        conn,
        message_id=message_id,
        kind="item",
        peer=to,
        priority=priority(Precedence[row.precedence]),
        body=body,
        now=now,
        item_id=row.item_id,
        agreement_id=agreement_id,
        agreement_version=agreement_version,
    )
    return message_id


def _record(conn: Connection, t: Transfer, *, message_id: str | None, reported_by: str) -> bool:
    """Add `t` to this node's transfers once; False if it was known already."""
    known = conn.execute(
        select(transfers.c.id).where(
            transfers.c.item_id == t.item_id,
            transfers.c.from_nation == t.from_nation,
            transfers.c.to_nation == t.to_nation,
        )
    ).first()
    if known is not None:
        return False
    conn.execute(
        transfers.insert().values(
            item_id=t.item_id,
            from_nation=t.from_nation,
            to_nation=t.to_nation,
            at=t.at,
            level=t.level,
            basis=t.basis,
            consent_id=t.consent_id or None,
            hub=t.hub or None,
            message_id=message_id,
            reported_by=reported_by,
        )
    )
    return True


def _finish(
    node: Node,
    user: UserRecord,
    row: Any,
    *,
    transfer: Transfer,
    decision: Decision,
    allowed: Decision,
    extra: Mapping[str, Any],
    agreement_id: str,
    agreement_version: int,
) -> dict[str, Any]:
    """Send the item and open the release's case. Custody passes only when the third nation's
    signed answer says it received it (R28): then `_item_answered` records the transfer and
    reports it to the originator; a refusal is recorded on the case instead."""
    now = transfer.at
    action = FORWARD if transfer.hub else RELEASE
    case_id = uuid.uuid4().hex
    with node.engine.begin() as conn:
        message_id = _send_item(
            conn,
            node,
            row,
            to=transfer.to_nation,
            extra=extra,
            agreement_id=agreement_id,
            agreement_version=agreement_version,
            now=now,
        )
        casebook.insert(
            conn,
            case_id=case_id,
            kind=ONWARD,
            item_id=row.item_id,
            originator=row.originator,
            counterpart=transfer.to_nation,
            opened_by=node.nation,
            status=SENT,
            document={
                "action": action,
                "transfer": _transfer_json(transfer),
                "released_by": user.name,
                "messages": {"item": message_id},
                "refusal": None,
                "report": None,
            },
            now=now,
        )
        casebook.step(
            conn,
            case_id,
            at=now,
            actor=user.name,
            nation=node.nation,
            name=action,
            document={"transfer": _transfer_json(transfer)},
            message_id=message_id,
        )
        audit.record_all(
            conn,
            [
                audit.Entry(user.name, Action.RELEASE_ONWARD.value, row.id, allowed),
                audit.Entry(
                    user.name,
                    f"{action}:{transfer.to_nation}",
                    row.item_id,
                    decision,
                    also=(message_id, case_id),
                    details={"marked": transfer.level},
                ),
            ],
            now,
        )
    messages.wake(node, Precedence[row.precedence])
    return {
        "case_id": case_id,
        "status": SENT,
        "transfer": _transfer_json(transfer),
        "message_id": message_id,
    }


def release_onward_to(
    node: Node, officer: UserRecord, holding_id: str, to: str, consent_id: str
) -> dict[str, Any]:
    """The holder's officer passes a holding on to a third nation with the originator's consent."""
    _, allowed = authorise(node, officer, Action.RELEASE_ONWARD, holding_id)
    now = node.clock()
    third = to.strip().upper()
    with node.reader.connect() as conn:
        row = _holding_row(conn, holding_id)
    holding = treaty_holding(node, row)
    subject = f"release_onward:{third}"
    consent, jws = logged(
        node, officer.name, subject, row.item_id, lambda: held_consent(node, consent_id)
    )
    agreement = agreement_between(node, node.nation, third, now)
    decision = may_release_onward(holding, third, consent, agreement, now)
    if not decision.allowed:
        with node.engine.begin() as conn:
            audit.record_all(
                conn,
                [
                    audit.Entry(officer.name, Action.RELEASE_ONWARD.value, row.id, allowed),
                    audit.Entry(officer.name, subject, row.item_id, decision),
                ],
                now,
            )
        decision.enforce()
    assert consent is not None
    assert agreement is not None
    result = release_onward(holding, third, consent, agreement, now)
    version = agreement.version_at(now.date()).number
    extra = {"onward": {"consent": jws, "consent_id": consent.id, "agreement": agreement.id}}
    return _finish(
        node,
        officer,
        row,
        transfer=result.transfer,
        decision=decision,
        allowed=allowed,
        extra=extra,
        agreement_id=agreement.id,
        agreement_version=version,
    )


# The third nation answers -------------------------------------------------------------------


def _item_answered(conn: Connection, node: Node, answers: Sequence[Answered]) -> None:
    """The third nation's signed answer to an item this node released onward or forwarded.

    "received": custody passes (R28) — the transfer is recorded, marked as the third nation
    says, and reported to the originator. "rejected": the refusal and its reason are recorded
    on the release's case and logged; no transfer, nothing reported. An item that is not an
    onward release (an originator's own provision) has no case here and is left alone.
    """
    for found, name, answer in casebook.awaiting(conn, ONWARD, answers):
        row = casebook.load(conn, ONWARD, found.id)
        if name != "item" or row.status != SENT or answer.peer != row.counterpart:
            continue
        if answer.received:
            _received(conn, node, row, answer)
        else:
            _refused(conn, node, row, answer)


def _received(conn: Connection, node: Node, row: Any, answer: Answered) -> None:
    doc = dict(row.document)
    planned = doc["transfer"]
    action = str(doc.get("action") or RELEASE)
    marked = str(answer.answer.get("marked") or planned["level"])
    transfer = Transfer(
        item_id=str(row.item_id),
        from_nation=node.nation,
        to_nation=answer.peer,
        at=answer.at,
        level=marked,
        basis=str(planned["basis"]),
        consent_id=str(planned.get("consent_id") or ""),
        hub=str(planned.get("hub") or ""),
    )
    now = node.clock()
    _record(conn, transfer, message_id=answer.message_id, reported_by=node.nation)
    originator = str(row.originator or "")
    report = None
    if originator and originator != node.nation and node.peer_card(originator) is not None:
        report = messages.send(
            conn,
            node,
            kind="transfer_report",
            peer=originator,
            document=_transfer_json(transfer),
            item_id=transfer.item_id,
            now=now,
        )
        doc["report"] = {"status": "sent", "to": originator}
    else:
        doc["report"] = {"status": "unsent", "reason": f"{originator} is not a registered partner"}
    doc["messages"] = {**doc.get("messages", {}), "report": report}
    doc["transfer"] = _transfer_json(transfer)
    casebook.save(conn, row.id, RECEIVED, doc, now)
    casebook.step(
        conn,
        row.id,
        at=answer.at,
        actor=answer.peer,
        nation=answer.peer,
        name="received",
        document={"answer": dict(answer.answer)},
        message_id=answer.message_id,
        signature=answer.signature,
    )
    if report is not None:
        casebook.step(
            conn,
            row.id,
            at=now,
            actor=node.nation,
            nation=node.nation,
            name="reported",
            document=_transfer_json(transfer),
            message_id=report,
        )
    differs = "" if marked == planned["level"] else f" (not {planned['level']} as expected)"
    told = f"; reported to {originator}" if report else f"; {originator} could not be told"
    decision = Decision.allow(
        f"{answer.peer} received {transfer.item_id}, marked {marked}{differs}: custody passed "
        f"from {node.nation} under {transfer.basis}{told}",
        HUB_ARTICLE if transfer.hub else THIRD_PARTY,
        "R28",
    )
    entry = audit.Entry(
        answer.peer,
        f"{action}_received:{answer.peer}",
        transfer.item_id,
        decision,
        also=tuple(m for m in (answer.message_id, row.id, report) if m),
        details={"marked": marked},
    )
    audit.record_all(conn, [entry], now)


def _refused(conn: Connection, node: Node, row: Any, answer: Answered) -> None:
    doc = dict(row.document)
    action = str(doc.get("action") or RELEASE)
    hub = bool(doc["transfer"].get("hub"))
    now = node.clock()
    doc["refusal"] = {
        "by": answer.peer,
        "reason": answer.reason,
        "article": answer.article or None,
        "at": answer.at.isoformat(),
    }
    casebook.save(conn, row.id, REFUSED, doc, now)
    casebook.step(
        conn,
        row.id,
        at=answer.at,
        actor=answer.peer,
        nation=answer.peer,
        name="refused",
        document={"answer": dict(answer.answer)},
        message_id=answer.message_id,
        signature=answer.signature,
    )
    decision = Decision.deny(
        f"{answer.peer} refused {row.item_id}: {answer.reason}. {node.nation} keeps custody; "
        f"no transfer is recorded or reported to {row.originator}",
        answer.article or (HUB_ARTICLE if hub else THIRD_PARTY),
        "R28",
    )
    entry = audit.Entry(
        answer.peer,
        f"{action}_refused:{answer.peer}",
        str(row.item_id),
        decision,
        also=(answer.message_id, row.id),
    )
    audit.record_all(conn, [entry], now)


def _report_answered(conn: Connection, node: Node, answers: Sequence[Answered]) -> None:
    """The originator's answer to this node's report of an onward transfer (R12, R17)."""
    for found, name, answer in casebook.awaiting(conn, ONWARD, answers):
        row = casebook.load(conn, ONWARD, found.id)
        doc = dict(row.document)
        report = doc.get("report") or {}
        if name != "report" or report.get("status") != "sent":
            continue
        now = node.clock()
        if answer.received:
            doc["report"] = {**report, "status": "acknowledged", "at": answer.at.isoformat()}
            step = "report_acknowledged"
        else:
            doc["report"] = {
                **report,
                "status": "refused",
                "reason": answer.reason,
                "at": answer.at.isoformat(),
            }
            step = "report_refused"
            refused = Decision.deny(
                f"{answer.peer} refused the report of passing {row.item_id} to "
                f"{row.counterpart}: {answer.reason}",
                answer.article or THIRD_PARTY,
                "R12",
            )
            audit.record_all(
                conn,
                [
                    audit.Entry(
                        answer.peer,
                        "transfer_report_refused",
                        str(row.item_id),
                        refused,
                        also=(answer.message_id, row.id),
                    )
                ],
                now,
            )
        casebook.save(conn, row.id, row.status, doc, now)
        casebook.step(
            conn,
            row.id,
            at=answer.at,
            actor=answer.peer,
            nation=answer.peer,
            name=step,
            document={"answer": dict(answer.answer)},
            message_id=answer.message_id,
            signature=answer.signature,
        )


def _release_view(row: Any) -> dict[str, Any]:
    doc = row.document
    return {
        "id": row.id,
        "action": doc.get("action"),
        "item_id": row.item_id,
        "to": row.counterpart,
        "status": row.status,
        "transfer": doc.get("transfer"),
        "released_by": doc.get("released_by"),
        "released_at": row.opened_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "refusal": doc.get("refusal"),
        "report": doc.get("report"),
    }


def _releases(conn: Connection, item_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(cases)
        .where(cases.c.kind == ONWARD, cases.c.item_id == item_id)
        .order_by(cases.c.opened_at)
    ).all()
    return [_release_view(r) for r in rows]


def get_release(node: Node, user: UserRecord, case_id: str) -> dict[str, Any]:
    """An onward release or forwarding this node made, with its history: sent, then received
    by the third nation (custody passed) or refused with its reason."""
    authorise(node, user, Action.VIEW_TRANSFERS, case_id)
    with node.reader.connect() as conn:
        row = casebook.load(conn, ONWARD, case_id)
        return {**_release_view(row), "steps": casebook.steps(conn, case_id)}


def list_releases(node: Node, user: UserRecord, item_id: str | None = None) -> list[dict[str, Any]]:
    """The onward releases and forwardings this node made (of `item_id`), newest first."""
    authorise(node, user, Action.VIEW_TRANSFERS, item_id or ONWARD)
    with node.reader.connect() as conn:
        if item_id:
            return list(reversed(_releases(conn, item_id)))
        return [_release_view(r) for r in casebook.all_of(conn, ONWARD)]


# The third nation receives -----------------------------------------------------------------


#: What the receiving node keeps of an onward or forwarded item, and the decision that let it.
Received = tuple[Decision, Holding]


def accept(node: Node, sender: str, opened: Opened, item: Item, now: datetime) -> Received:
    """May this node accept `item`, sent by `sender` who is not its originator (R12, R47)?

    An onward release carries the originator's consent, signed by the originator's node; a hub
    forwarding names the arrangement. Raises `PolicyDenied` with the reason otherwise.
    """
    header = opened.label
    onward, hub = header.get("onward"), header.get("hub")
    if isinstance(onward, dict):
        return _accept_onward(node, sender, onward, item, now)
    if isinstance(hub, dict):
        return _accept_forwarded(node, sender, hub, item, now)
    raise PolicyDenied(
        f"{sender} sent {item.id}, an item of {item.originator}, without {item.originator}'s "
        "consent (R12)",
        article=THIRD_PARTY,
    )


def _accept_onward(
    node: Node, sender: str, onward: Mapping[str, Any], item: Item, now: datetime
) -> Received:
    card = node.peer_card(item.originator)
    if card is None:
        raise PolicyDenied(
            f"no identity card of {item.originator} is registered here: its consent cannot be "
            "verified (R12)",
            article=THIRD_PARTY,
        )
    try:
        signed = verify_document(onward.get("consent"), card, "consent")
        consent = consent_from_document(node, signed, verified=True)
    except (VerificationError, InputError) as error:
        raise PolicyDenied(f"{error.message} (R12)", article=THIRD_PARTY) from error
    origin = node.agreement(item.agreement_id)
    if set(origin.parties) != {item.originator, sender}:
        raise PolicyDenied(
            f"{item.id} was not provided to {sender} under {origin.id} (R12)", article=THIRD_PARTY
        )
    held = receive(item, sender, origin)  # the holder's holding, as the treaty sets it
    agreement = agreement_between(node, sender, node.nation, now)
    decision = may_release_onward(held, node.nation, consent, agreement, now)
    decision.enforce()
    assert agreement is not None
    return decision, release_onward(held, node.nation, consent, agreement, now).holding


def _accept_forwarded(
    node: Node, sender: str, hub: Mapping[str, Any], item: Item, now: datetime
) -> Received:
    arrangement = messages.text(hub, "arrangement", limit=64)
    rule = HubRule(
        hub=sender,
        participants=frozenset({item.originator, node.nation}),
        topics=frozenset({item.community}),
        arrangement=arrangement,
    )
    origin = node.agreement(item.agreement_id)
    if set(origin.parties) != {item.originator, sender}:
        raise PolicyDenied(
            f"{item.id} did not reach the hub {sender} under its agreement with "
            f"{item.originator} (R47)",
            article=HUB_ARTICLE,
        )
    hub_holding = receive(item, sender, origin)
    agreement = agreement_between(node, sender, node.nation, now)
    decision = may_forward_via_hub(rule, hub_holding, node.nation, agreement, now)
    decision.enforce()
    return decision, forward_via_hub(rule, hub_holding, node.nation, agreement, now).holding


def _on_report(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    """The originator records a holder's report of passing its item on."""
    doc = incoming.document
    item_id = messages.text(doc, "item_id", limit=64)
    transfer = Transfer(
        item_id=item_id,
        from_nation=messages.text(doc, "from", limit=4),
        to_nation=messages.text(doc, "to", limit=4),
        at=messages.when(doc, "at"),
        level=messages.text(doc, "level", limit=64),
        basis=messages.text(doc, "basis", limit=64),
        consent_id=str(doc.get("consent_id") or ""),
        hub=str(doc.get("hub") or ""),
    )
    if transfer.from_nation != incoming.sender:
        raise InputError(f"{incoming.sender} reports a transfer made by {transfer.from_nation}")
    owner = conn.execute(select(items.c.originator).where(items.c.id == item_id)).scalar()
    if owner != node.nation:
        raise NotFound(f"{node.nation} is not the originator of an item {item_id}")
    if transfer.consent_id:
        case = conn.execute(
            select(cases.c.counterpart, cases.c.document).where(
                cases.c.id == transfer.consent_id, cases.c.kind == "consent"
            )
        ).first()
        request = case.document["request"] if case else {}
        if (
            not case
            or case.counterpart != incoming.sender
            or request.get("recipient") != transfer.to_nation
        ):
            # The originator must know of it all the more: recorded, and logged as what it is.
            _record(conn, transfer, message_id=incoming.id, reported_by=incoming.sender)
            noted = Decision.allow(
                f"recorded {incoming.sender}'s report of passing {item_id} to "
                f"{transfer.to_nation} under {transfer.consent_id}, a consent {node.nation} "
                "never gave for that",
                THIRD_PARTY,
                "R12",
            )
            return Outcome(noted, item_id, {"item": item_id, "noted": "unconsented"})
    new = _record(conn, transfer, message_id=incoming.id, reported_by=incoming.sender)
    decision = Decision.allow(
        f"{incoming.sender} passed {item_id} to {transfer.to_nation} as {transfer.level} under "
        f"{transfer.basis}"
        + (f" with consent {transfer.consent_id}" if transfer.consent_id else "")
        + (f" via hub {transfer.hub}" if transfer.hub else "")
        + ("" if new else " (known already)"),
        THIRD_PARTY,
        "R12" if not transfer.hub else "R47",
    )
    return Outcome(decision, item_id, {"item": item_id})


# Custody -------------------------------------------------------------------------------------


def custody(node: Node, user: UserRecord, item_id: str) -> dict[str, Any]:
    """Every nation holding `item_id` that this node knows of, and by which path (R12, R17)."""
    _, allowed = authorise(node, user, Action.VIEW_TRANSFERS, item_id)
    with node.reader.connect() as conn:
        originator = conn.execute(select(items.c.originator).where(items.c.id == item_id)).scalar()
        if originator is None:
            originator = conn.execute(
                select(holdings.c.originator).where(holdings.c.item_id == item_id)
            ).scalar()
        if originator is None:
            raise NotFound(f"no item {item_id} is known here")
        rows = conn.execute(
            select(transfers).where(transfers.c.item_id == item_id).order_by(transfers.c.at)
        ).all()
        provided = conn.execute(
            select(
                outbox.c.peer, outbox.c.settled_at, outbox.c.answer, outbox.c.agreement_id
            ).where(
                outbox.c.item_id == item_id, outbox.c.kind == "item", outbox.c.state == "received"
            )
        ).all()
        held = conn.execute(
            select(holdings).where(holdings.c.item_id == item_id).order_by(holdings.c.received_at)
        ).first()
        releases = _releases(conn, item_id)
    found = [
        Transfer(
            r.item_id,
            r.from_nation,
            r.to_nation,
            r.at,
            r.level,
            r.basis,
            r.consent_id or "",
            r.hub or "",
        )
        for r in rows
    ]
    if originator == node.nation:  # provisions answered received, if not in the table yet
        have = {(t.from_nation, t.to_nation) for t in found}
        for peer, settled_at, answer, basis in provided:
            if (node.nation, peer) not in have and settled_at is not None:
                marked = str(((answer or {}).get("answer") or {}).get("marked", ""))
                found.append(Transfer(item_id, node.nation, peer, settled_at, marked, basis or ""))
    if (
        held is not None
        and held.sender == originator
        and not any(t.to_nation == node.nation for t in found)
    ):
        # The holder's own link, as the originator provided it: its releases follow from it.
        # (An item that came onward or by a hub carries the original agreement, not the path.)
        found.append(
            Transfer(
                item_id,
                held.sender,
                node.nation,
                held.received_at,
                held.local_level,
                held.agreement_id,
                held.consent_id or "",
            )
        )
    chain = CustodyChain(item_id, originator)
    for transfer in sorted(found, key=lambda t: t.at):
        if transfer.from_nation in chain.holders() and transfer.to_nation not in chain.holders():
            chain = chain.record(transfer)
    now = node.clock()
    with node.engine.begin() as conn:
        audit.record(
            conn, actor=user.name, action="custody", subject=item_id, decision=allowed, now=now
        )
    return {
        "item_id": item_id,
        "originator": originator,
        "holders": sorted(chain.holders()),
        "transfers": [_transfer_json(t) for t in chain.transfers],
        "paths": {nation: list(chain.path_to(nation)) for nation in sorted(chain.holders())},
        # This node's onward releases of the item, received or refused or still on their way.
        "releases": releases,
    }


# Hub mode (R47) -------------------------------------------------------------------------------


def _rule_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "arrangement": row.arrangement,
        "participants": list(row.participants),
        "topics": list(row.topics),
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
        "binding": False,
    }


def add_hub_rule(
    node: Node, officer: UserRecord, arrangement: str, participants: list[str], topics: list[str]
) -> dict[str, Any]:
    """A security officer configures a hub arrangement this node forwards under (R47)."""
    _, allowed = authorise(node, officer, Action.CONFIGURE_HUB, f"hub:{arrangement}")
    now = node.clock()
    rule = HubRule(
        hub=node.nation,
        participants=frozenset(p.strip().upper() for p in participants),
        topics=frozenset(t.strip() for t in topics if t.strip()),
        arrangement=arrangement.strip() or "TISA (non-binding)",
    )
    with node.engine.begin() as conn:
        result = conn.execute(
            hub_rules.insert().values(
                arrangement=rule.arrangement,
                participants=sorted(rule.participants),
                topics=sorted(rule.topics),
                created_by=officer.name,
                created_at=now,
            )
        )
        audit.record(
            conn,
            actor=officer.name,
            action=Action.CONFIGURE_HUB.value,
            subject=f"hub:{rule.arrangement}",
            decision=allowed,
            now=now,
        )
        key = result.inserted_primary_key
        assert key is not None
        row = conn.execute(select(hub_rules).where(hub_rules.c.id == key[0])).one()
    return _rule_json(row)


def list_hub_rules(node: Node) -> list[dict[str, Any]]:
    with node.reader.connect() as conn:
        return [_rule_json(r) for r in conn.execute(select(hub_rules).order_by(hub_rules.c.id))]


def forward(node: Node, officer: UserRecord, holding_id: str, to: str) -> dict[str, Any]:
    """The hub forwards a holding to the intended participant under a configured rule (R47)."""
    _, allowed = authorise(node, officer, Action.RELEASE_ONWARD, holding_id)
    now = node.clock()
    recipient = to.strip().upper()
    with node.reader.connect() as conn:
        row = _holding_row(conn, holding_id)
        rules = conn.execute(select(hub_rules).order_by(hub_rules.c.id)).all()
    holding = treaty_holding(node, row)
    agreement = agreement_between(node, node.nation, recipient, now)
    subject = f"forward:{recipient}"
    decision = Decision.deny(f"no hub rule is configured on {node.nation}", HUB_ARTICLE, "R47")
    chosen = None
    for r in rules:
        rule = HubRule(node.nation, frozenset(r.participants), frozenset(r.topics), r.arrangement)
        decision = may_forward_via_hub(rule, holding, recipient, agreement, now)
        if decision.allowed:
            chosen = rule
            break
    if chosen is None:
        with node.engine.begin() as conn:
            audit.record_all(
                conn,
                [
                    audit.Entry(officer.name, Action.RELEASE_ONWARD.value, row.id, allowed),
                    audit.Entry(officer.name, subject, row.item_id, decision),
                ],
                now,
            )
        decision.enforce()
    assert chosen is not None
    assert agreement is not None
    result = forward_via_hub(chosen, holding, recipient, agreement, now)
    version = agreement.version_at(now.date()).number
    extra = {
        "hub": {"arrangement": chosen.arrangement, "hub": node.nation, "agreement": agreement.id}
    }
    return _finish(
        node,
        officer,
        row,
        transfer=result.transfer,
        decision=decision,
        allowed=allowed,
        extra=extra,
        agreement_id=agreement.id,
        agreement_version=version,
    )


HANDLERS: dict[str, Handler] = {"transfer_report": _on_report}
ANSWERED: dict[str, AnswerHook] = {"item": _item_answered, "transfer_report": _report_answered}
