"""Hand-overs between representatives and the assurance that must come first (Art. 7.5; R22).

Before one of this nation's representatives hands one of its items to a representative of the
other party, the receiving party assures in writing that its representative holds the
necessary clearance, needs the item for the official purpose, and will give it substantially
equivalent protection. An officer records that written assurance here (a case of kind
"assurance" on the item, citing the note it came in); the hand-over is then decided by the
treaty (`may_hand_over`) against the assurance on record, logged either way, and blocked
without one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gsomia.errors import InputError, NotFound
from gsomia.node import audit
from gsomia.node.authority import authorise, refuse
from gsomia.node.control import casebook
from gsomia.node.runtime import Node
from gsomia.store import cases, items
from gsomia.store.items import ItemRecord
from gsomia.store.users import UserRecord
from gsomia.treaty.consent import Assurance
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_hand_over
from gsomia.treaty.items import Item
from gsomia.treaty.people import Person
from gsomia.treaty.roles import Action

__all__ = ["ASSURANCE", "AssuranceNote", "hand_over", "record_assurance"]

#: The case that keeps a receiving party's written assurance about one of our items.
ASSURANCE = "assurance"


@dataclass(frozen=True)
class AssuranceNote:
    """The receiving party's written assurance as an officer transcribes it."""

    party: str  # the receiving party
    representative: str  # its representative's name or id, as the note gives it
    clearance: str  # a marking of the receiving party's scheme
    purpose: str
    equivalent_protection: bool
    note: str  # the document it came in, e.g. "note verbale 2026-12-02"

    def check(self) -> None:
        for what, value in (("representative", self.representative), ("note", self.note)):
            if not value.strip() or len(value) > 200:
                raise InputError(f"an assurance names its {what} in 1 to 200 characters")


def _own_item(node: Node, item_id: str) -> ItemRecord:
    with node.reader.connect() as conn:
        record = items.get_own(conn, item_id, node.nation, node.vault)
    if record is None:
        raise NotFound(f"no item {item_id} of {node.nation}", hint="`gsomia item list`")
    return record


def record_assurance(node: Node, officer: UserRecord, item_id: str, given: AssuranceNote) -> str:
    """Record the other party's written assurance for a hand-over of `item_id`; the case id."""
    given.check()
    _, allowed = authorise(node, officer, Action.HAND_OVER, item_id)
    _own_item(node, item_id)
    now = node.clock()
    clearance = node.schemes.parse(given.party, given.clearance, at=now.date())
    case_id = uuid.uuid4().hex
    document = {
        "party": given.party,
        "representative": given.representative,
        "clearance": clearance.native,
        "purpose": given.purpose,
        "equivalent_protection": given.equivalent_protection,
        "note": given.note,
        "given_at": now.isoformat(),
    }
    with node.engine.begin() as conn:
        casebook.insert(
            conn,
            case_id=case_id,
            kind=ASSURANCE,
            counterpart=given.party,
            opened_by=node.nation,
            status="given",
            document=document,
            now=now,
            item_id=item_id,
            originator=node.nation,
            keys=node.keys,
        )
        casebook.step(
            conn, case_id, at=now, actor=officer.name, nation=node.nation, name="given",
            document=document, keys=node.keys,
        )  # fmt: skip
        entry = audit.Entry(officer.name, Action.HAND_OVER.value, item_id, allowed)
        audit.record_all(conn, [entry], now)
    return case_id


def _assurance(node: Node, document: dict[str, Any]) -> Assurance:
    given_at = datetime.fromisoformat(document["given_at"])
    return Assurance(
        receiving_party=document["party"],
        representative_id=document["representative"],
        clearance=node.schemes.parse(document["party"], document["clearance"], at=given_at.date()),
        purpose=document["purpose"],
        equivalent_protection=bool(document["equivalent_protection"]),
        given_at=given_at,
    )


def _on_record(node: Node, item_id: str, representative: str) -> tuple[str, dict[str, Any]] | None:
    """The newest assurance case for `representative` and `item_id`: its id and document."""
    with node.reader.connect() as conn:
        rows = cases.of_item(conn, ASSURANCE, item_id, keys=node.keys)
    found = [r for r in rows if r.document["representative"] == representative]
    return (found[-1].id, dict(found[-1].document)) if found else None


def hand_over(
    node: Node, officer: UserRecord, item_id: str, *, party: str, representative: str
) -> Decision:
    """Record that `item_id` is handed to `party`'s `representative`, if the treaty allows:
    the assurance on record must cover it (R22). Logged either way; a refusal raises."""
    _, allowed = authorise(node, officer, Action.HAND_OVER, item_id)
    record = _own_item(node, item_id)
    now = node.clock()
    agreement = node.agreement_with(party, now)
    if agreement is None:
        refuse(
            node, actor=officer.name, action="hand_over", subject=item_id, now=now,
            decision=Decision.deny(f"no agreement with {party}", "Art. 7.5", "R22"),
        )  # fmt: skip
    version = agreement.version_at(now.date()).number
    item: Item = items.to_item(
        record, node.schemes, agreement_id=agreement.id, agreement_version=version
    )
    found = _on_record(node, item_id, representative)
    assurance = _assurance(node, found[1]) if found else None
    decision = may_hand_over(item, Person(representative, party), assurance, agreement, now)
    if not decision.allowed:
        refuse(node, actor=officer.name, action="hand_over", subject=item_id, decision=decision)
    assert found is not None  # an allowed hand-over had its assurance
    with node.engine.begin() as conn:
        handed = {**found[1], "handed_at": now.isoformat()}
        casebook.save(conn, found[0], "handed_over", handed, now, keys=node.keys)
        casebook.step(
            conn, found[0], at=now, actor=officer.name, nation=node.nation, name="handed_over",
            document={"representative": representative}, keys=node.keys,
        )  # fmt: skip
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.HAND_OVER.value, item_id, allowed),
                audit.Entry(officer.name, "hand_over", item_id, decision, also=(found[0],)),
            ],
            now,
        )
    return decision
