"""Disputes between the parties, as consultation cases both nodes hold (Art. 20; R46).

An officer opens a case over an agreement; each consultation and the settlement are recorded
here and sent to the partner's node as signed messages, so both hold the same case under the
same id. Referring a dispute to anyone else is refused by the core (`may_refer_to_third_party`)
and the refusal logged. Nothing here is read by any protection decision: an open dispute
suspends no rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import InputError, NotFound
from gsomia.exchange.incoming import require_party
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise, refuse
from gsomia.node.control import casebook, messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.runtime import Node
from gsomia.seal import NodeKeys
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.disputes import (
    Consultation,
    DisputeCase,
    DisputeState,
    may_refer_to_third_party,
    open_dispute,
    record_consultation,
    settle_dispute,
)
from gsomia.treaty.roles import Action

KIND = "dispute"
ARTICLE = "Art. 20"
NOTE_LIMIT = 4000


def _to_json(case: DisputeCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "agreement_id": case.agreement_id,
        "parties": list(case.parties),
        "raised_by": case.raised_by,
        "subject": case.subject,
        "opened_at": case.opened_at.isoformat(),
        "state": case.state.value,
        "consultations": [{"at": c.at.isoformat(), "note": c.note} for c in case.consultations],
        "settled_at": casebook.iso(case.settled_at),
        "outcome": case.outcome,
    }


def _from_json(data: Mapping[str, Any]) -> DisputeCase:
    first, second = data["parties"]
    return DisputeCase(
        id=data["id"],
        agreement_id=data["agreement_id"],
        parties=(first, second),
        raised_by=data["raised_by"],
        subject=data["subject"],
        opened_at=datetime.fromisoformat(data["opened_at"]),
        state=DisputeState(data["state"]),
        consultations=tuple(
            Consultation(datetime.fromisoformat(c["at"]), c["note"]) for c in data["consultations"]
        ),
        settled_at=casebook.parse(data.get("settled_at")),
        outcome=data.get("outcome", ""),
    )


def view(row: Any) -> dict[str, Any]:
    """The case as the API shows it."""
    return {**_to_json(_from_json(row.document)), "counterpart": row.counterpart}


def _note(note: str) -> str:
    note = note.strip()
    if not note or len(note) > NOTE_LIMIT:
        raise InputError(f"write a note of up to {NOTE_LIMIT} characters")
    return note


def open_case(node: Node, officer: UserRecord, agreement_id: str, subject: str) -> dict[str, Any]:
    """An officer opens a consultation case with the partner over `agreement_id`."""
    _, allowed = authorise(node, officer, Action.RECORD_DISPUTE, agreement_id)
    now = node.clock()
    case = open_dispute(
        node.agreement(agreement_id),
        node.nation,
        _note(subject),
        now,
        dispute_id=uuid.uuid4().hex,
    )
    partner = next(p for p in case.parties if p != node.nation)
    with node.engine.begin() as conn:
        message_id = messages.send(
            conn, node, kind=Kind.DISPUTE_OPENED, peer=partner, document=_to_json(case), now=now
        )
        casebook.insert(
            conn,
            case_id=case.id,
            kind=KIND,
            originator=node.nation,
            counterpart=partner,
            opened_by=node.nation,
            status=case.state.value,
            document=_to_json(case),
            now=now,
            keys=node.keys,
        )
        _step(
            conn,
            case.id,
            now,
            officer.name,
            node.nation,
            "opened",
            {"subject": case.subject},
            message_id,
            keys=node.keys,
        )
        audit.record_all(conn, [audit.Entry(officer.name, "open_dispute", case.id, allowed)], now)
        row = casebook.load(conn, KIND, case.id, keys=node.keys)
    messages.wake(node)
    return view(row)


def _step(  # noqa: PLR0917 - one call per step, read like the row it writes
    conn: Connection,
    case_id: str,
    at: datetime,
    actor: str,
    nation: str,
    name: str,
    document: Mapping[str, Any],
    message_id: str | None,
    signature: str | None = None,
    *,
    keys: NodeKeys,
) -> None:
    casebook.step(
        conn,
        case_id,
        at=at,
        actor=actor,
        nation=nation,
        name=name,
        document=document,
        message_id=message_id,
        signature=signature,
        keys=keys,
    )


def _act(
    node: Node, officer: UserRecord, case_id: str, note: str, *, settle: bool
) -> dict[str, Any]:
    _, allowed = authorise(node, officer, Action.RECORD_DISPUTE, case_id)
    note = _note(note)
    now = node.clock()
    with node.engine.begin() as conn:
        row = casebook.load(conn, KIND, case_id, keys=node.keys)
        case = _from_json(row.document)
        # The core refuses a consultation on a settled case and a settlement without one.
        case = settle_dispute(case, now, note) if settle else record_consultation(case, now, note)
        kind = Kind.DISPUTE_SETTLED if settle else Kind.DISPUTE_CONSULTATION
        message_id = messages.send(
            conn,
            node,
            kind=kind,
            peer=row.counterpart,
            document={"case_id": case_id, "at": now.isoformat(), "note": note},
            now=now,
        )
        casebook.save(conn, case_id, case.state.value, _to_json(case), now, keys=node.keys)
        _step(
            conn,
            case_id,
            now,
            officer.name,
            node.nation,
            kind.removeprefix("dispute_"),
            {"note": note},
            message_id,
            keys=node.keys,
        )
        audit.record_all(conn, [audit.Entry(officer.name, kind.value, case_id, allowed)], now)
        row = casebook.load(conn, KIND, case_id, keys=node.keys)
    messages.wake(node)
    return view(row)


def consult(node: Node, officer: UserRecord, case_id: str, note: str) -> dict[str, Any]:
    """Record a consultation between the parties; the partner's node is sent it."""
    return _act(node, officer, case_id, note, settle=False)


def settle(node: Node, officer: UserRecord, case_id: str, note: str) -> dict[str, Any]:
    """The parties settled the dispute by consultation; the partner's node is sent it."""
    return _act(node, officer, case_id, note, settle=True)


def refer(node: Node, officer: UserRecord, case_id: str, third_party: str) -> None:
    """Always refused, and the refusal logged: no dispute goes to a third party (Art. 20)."""
    authorise(node, officer, Action.RECORD_DISPUTE, case_id)
    with node.reader.connect() as conn:
        case = _from_json(casebook.load(conn, KIND, case_id, keys=node.keys).document)
    decision = may_refer_to_third_party(case, third_party or "a third party")
    refuse(node, actor=officer.name, action="refer_dispute", subject=case_id, decision=decision)


def list_cases(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    authorise(node, user, Action.RECORD_DISPUTE, KIND)
    with node.reader.connect() as conn:
        return [view(row) for row in casebook.all_of(conn, KIND, keys=node.keys)]


# The partner's side -----------------------------------------------------------------------------


def _on_opened(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    agreement_id = messages.text(doc, "agreement_id", limit=64)
    case_id = messages.text(doc, "id", limit=64)
    raised_by = messages.text(doc, "raised_by", limit=4)
    require_party(incoming, raised_by, f"the party that raised dispute {case_id}")
    agreement = node.agreement(agreement_id)
    if node.nation not in agreement.parties:
        raise NotFound(f"{node.nation} is not a party to {agreement_id}")
    case = open_dispute(
        agreement,
        raised_by,
        messages.text(doc, "subject", limit=NOTE_LIMIT),
        messages.when(doc, "opened_at"),
        dispute_id=case_id,
    )
    if casebook.find(conn, KIND, case_id, keys=node.keys) is not None:
        raise InputError(f"dispute {case_id} is already recorded")
    casebook.insert(
        conn,
        case_id=case_id,
        kind=KIND,
        originator=raised_by,
        counterpart=incoming.sender,
        opened_by=raised_by,
        status=case.state.value,
        document=_to_json(case),
        now=incoming.at,
        keys=node.keys,
    )
    _step(
        conn,
        case_id,
        incoming.at,
        incoming.sender,
        incoming.sender,
        "opened",
        {"subject": case.subject},
        incoming.id,
        incoming.signed.decode("ascii"),
        keys=node.keys,
    )
    decision = Decision.allow(
        f"{raised_by} opened consultations over {agreement_id}: {case.subject}", ARTICLE, "R46"
    )
    return Outcome(decision, case_id, {"case": case_id})


def _on_step(conn: Connection, node: Node, incoming: Incoming, *, settled: bool) -> Outcome:
    doc = incoming.document
    case_id = messages.text(doc, "case_id", limit=64)
    row = casebook.find(conn, KIND, case_id, keys=node.keys)
    if row is None or row.counterpart != incoming.sender:
        raise NotFound(f"{node.nation} holds no dispute {case_id} with {incoming.sender}")
    at = messages.when(doc, "at")
    note = messages.text(doc, "note", limit=NOTE_LIMIT)
    case = _from_json(row.document)
    case = settle_dispute(case, at, note) if settled else record_consultation(case, at, note)
    casebook.save(conn, case_id, case.state.value, _to_json(case), incoming.at, keys=node.keys)
    name = "settled" if settled else "consultation"
    _step(
        conn,
        case_id,
        incoming.at,
        incoming.sender,
        incoming.sender,
        name,
        {"note": note},
        incoming.id,
        incoming.signed.decode("ascii"),
        keys=node.keys,
    )
    decision = Decision.allow(f"{incoming.sender} recorded a {name} on {case_id}", ARTICLE, "R46")
    return Outcome(decision, case_id, {"case": case_id, "state": case.state.value})


def _on_consultation(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    return _on_step(conn, node, incoming, settled=False)


def _on_settled(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    return _on_step(conn, node, incoming, settled=True)


HANDLERS: dict[Kind, Handler] = {
    Kind.DISPUTE_OPENED: _on_opened,
    Kind.DISPUTE_CONSULTATION: _on_consultation,
    Kind.DISPUTE_SETTLED: _on_settled,
}

__all__ = ["HANDLERS", "consult", "list_cases", "open_case", "refer", "settle"]
