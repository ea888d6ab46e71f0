"""Contractors on this node (R33–R36, Art. 16): what an officer records and decides.

An officer records a contractor facility with its facility security clearance and security
officer, its inspections, the people on its register (users of this node) and their security
briefings, and a classified contract: its purpose, highest level and security requirements
clause, and the assurance of the partner's national security authority, asked for and given.
Only then may a holding of the partner's CMI be released to the facility under the contract
(`may_release_to_contractor`, logged); its staff then read, copy and translate it through the
ordinary use cases, which ask `contractor_access` as well. Every decision, allowed or not, is
logged with its article.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.node import audit, read
from gsomia.node.authority import authorise, refuse
from gsomia.node.contractor_access import contract_of, end_of, facility_of
from gsomia.node.control import messages
from gsomia.node.control.contract_assurances import ask_assurance
from gsomia.node.runtime import Node
from gsomia.store import contractors as stored
from gsomia.store.users import UserRecord, get_user
from gsomia.treaty.contractors import (
    ARTICLE,
    POLICY,
    may_place_contract,
    may_release_to_contractor,
)
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.people import require_aware
from gsomia.treaty.roles import Action

KINDS = ("initial", "periodic")


def _record(node: Node, user: UserRecord, action: str, subject: str, decision: Decision) -> None:
    with node.engine.begin() as conn:
        audit.record_all(conn, [audit.Entry(user.name, action, subject, decision)], node.clock())


def _text(value: str, what: str, limit: int = 200) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise InputError(f"{what} is 1 to {limit} characters")
    return value


def add_facility(
    node: Node,
    user: UserRecord,
    *,
    facility_id: str,
    name: str,
    clearance: str | None,
    clearance_expires: date | None,
    security_officer: str | None,
    parent: str | None = None,
) -> dict[str, Any]:
    """Record a contractor facility (R33, R35); its clearance is read in this node's scheme."""
    _, role = authorise(node, user, Action.MANAGE_CONTRACTORS, facility_id)
    now = node.clock()
    level = node.scheme(now.date()).parse(clearance).native if clearance else None
    if (level is None) != (clearance_expires is None):
        raise InputError("a facility clearance and its expiry go together")
    ident = _text(facility_id, "a facility id", 64)
    row: dict[str, Any] = {
        "id": ident,
        "name": _text(name, "a facility name"),
        "clearance": level,
        "clearance_expires": clearance_expires,
        "security_officer": security_officer.strip() if security_officer else None,
        "parent_id": parent,
        "recorded_by": user.name,
        "recorded_at": now,
    }
    try:
        with node.engine.begin() as conn:
            if parent is not None and stored.facility(conn, parent) is None:
                raise NotFound(f"no contractor facility {parent!r} to be the prime contractor")
            stored.add_facility(conn, row)
            entry = audit.Entry(user.name, "contractor_facility", ident, role)
            audit.record_all(conn, [entry], now)
    except IntegrityError:
        raise Conflict(f"facility {facility_id!r} is recorded already") from None
    return facility_view(node, ident)


def record_inspection(
    node: Node, user: UserRecord, facility_id: str, *, at: datetime, kind: str, findings: str
) -> dict[str, Any]:
    """Record an initial or periodic inspection of a facility (Art. 16(g), R35)."""
    _, role = authorise(node, user, Action.MANAGE_CONTRACTORS, facility_id)
    require_aware(at, "inspection time")
    if kind not in KINDS:
        raise InputError(f"an inspection is {' or '.join(KINDS)}, not {kind!r}")
    now = node.clock()
    if at > now:
        raise InputError("an inspection is recorded once it has taken place")
    with node.engine.begin() as conn:
        _facility_row(conn, facility_id)
        stored.add_inspection(conn, {
            "facility_id": facility_id, "inspected_at": at, "kind": kind,
            "findings": findings.strip(), "recorded_by": user.name, "recorded_at": now,
        })  # fmt: skip
        entry = audit.Entry(user.name, "contractor_inspection", facility_id, role)
        audit.record_all(conn, [entry], now)
    return facility_view(node, facility_id)


def _facility_row(conn: Any, facility_id: str) -> dict[str, Any]:
    row = stored.facility(conn, facility_id)
    if row is None:
        raise NotFound(
            f"no contractor facility {facility_id!r}",
            hint="`gsomia contractor list` shows the facilities",
        )
    return row


def add_staff(node: Node, user: UserRecord, facility_id: str, person: str) -> dict[str, Any]:
    """Put a person of this node on a facility's register (Art. 16(i), R35)."""
    _, role = authorise(node, user, Action.MANAGE_CONTRACTORS, facility_id)
    now = node.clock()
    try:
        with node.engine.begin() as conn:
            _facility_row(conn, facility_id)
            get_user(conn, person, node.vault)  # NotFound for someone this node does not know
            stored.add_staff(conn, {
                "user_name": person, "facility_id": facility_id, "briefed_at": None,
                "added_by": user.name, "added_at": now,
            })  # fmt: skip
            entry = audit.Entry(user.name, "contractor_staff", facility_id, role, also=(person,))
            audit.record_all(conn, [entry], now)
    except IntegrityError:
        raise Conflict(f"{person} is on a facility's register already") from None
    return facility_view(node, facility_id)


def record_briefing(node: Node, user: UserRecord, person: str, at: datetime) -> dict[str, Any]:
    """Record that `person` acknowledged their security briefing (Art. 16(f), R34)."""
    _, role = authorise(node, user, Action.MANAGE_CONTRACTORS, person)
    require_aware(at, "briefing time")
    now = node.clock()
    if at > now:
        raise InputError("a briefing is recorded once it has been acknowledged")
    with node.engine.begin() as conn:
        if not stored.brief(conn, person, at):
            raise NotFound(f"{person} is on no contractor facility's register")
        audit.record_all(conn, [audit.Entry(user.name, "contractor_briefing", person, role)], now)
        entry = stored.staff_member(conn, person)
    assert entry is not None  # just briefed
    return facility_view(node, entry["facility_id"])


def place_contract(
    node: Node,
    user: UserRecord,
    *,
    contract_id: str,
    facility_id: str,
    partner: str,
    purpose: str,
    highest_level: str,
    security_clause: str,
) -> dict[str, Any]:
    """Record a classified contract; refused without its security requirements clause."""
    _, role = authorise(node, user, Action.MANAGE_CONTRACTORS, contract_id)
    now = node.clock()
    level = node.scheme(now.date()).parse(highest_level)
    row = {
        "id": _text(contract_id, "a contract id", 64),
        "facility_id": facility_id,
        "partner": partner,
        "purpose": _text(purpose, "a purpose"),
        "highest_level": level.native,
        "security_clause": security_clause.strip(),
        "assurance_requested_at": None,
        "assurance_given_at": None,
        "assurance_reference": None,
        "recorded_by": user.name,
        "recorded_at": now,
    }
    with node.reader.connect() as conn:
        facility = facility_of(node, conn, _facility_row(conn, facility_id)["id"])
    decision = may_place_contract(contract_of(node, row), facility)
    if not decision.allowed:
        refuse(node, actor=user.name, action="contract", subject=contract_id, decision=decision)
    try:
        with node.engine.begin() as conn:
            stored.add_contract(conn, row)
            entries = [audit.Entry(user.name, "contract", contract_id, d) for d in (role, decision)]
            audit.record_all(conn, entries, now)
    except IntegrityError:
        raise Conflict(f"contract {contract_id!r} is recorded already") from None
    return contract_view(node, contract_id)


def record_assurance(
    node: Node, user: UserRecord, contract_id: str, *, given: bool, reference: str = ""
) -> dict[str, Any]:
    """Record that the assurance of the partner's national security authority was asked for
    (`given` False) or given, with its reference: this node's policy before a classified
    contract carries CMI (not words of the retrieved Art. 16)."""
    _, role = authorise(node, user, Action.MANAGE_CONTRACTORS, contract_id)
    now = node.clock()
    with node.engine.begin() as conn:
        contract = stored.contract(conn, contract_id)
        if contract is None:
            raise NotFound(f"no contract {contract_id!r}")
        if not given:
            # The request travels signed to the partner's node, whose answer records the
            # assurance here (`contract_assurances`); the reference is the request's id.
            reference = reference or f"request {ask_assurance(conn, node, user, contract, now)}"
        values: dict[str, Any] = {"assurance_reference": reference.strip() or None}
        values["assurance_given_at" if given else "assurance_requested_at"] = now
        stored.record_assurance(conn, contract_id, **values)
        decision = Decision.allow(
            f"assurance {'given' if given else 'requested'}: {reference or 'no reference'}",
            POLICY,
            "R33",
        )
        entries = [
            audit.Entry(user.name, "contract_assurance", contract_id, d) for d in (role, decision)
        ]
        audit.record_all(conn, entries, now)
    if not given:
        messages.wake(node, Precedence.ROUTINE)
    return contract_view(node, contract_id)


def release_to_contractor(
    node: Node, user: UserRecord, holding_id: str, contract_id: str
) -> dict[str, Any]:
    """Release a holding to the facility of `contract_id` (R33); the decision is logged."""
    _, role = authorise(node, user, Action.MANAGE_CONTRACTORS, holding_id)
    record = read.holding_row(node, holding_id)
    now = node.clock()
    with node.reader.connect() as conn:
        row = stored.contract(conn, contract_id)
        if row is None:
            raise NotFound(f"no contract {contract_id!r}")
        facility = facility_of(node, conn, row["facility_id"])
    agreement = node.agreement(record.agreement_id)
    decision = may_release_to_contractor(
        facility, contract_of(node, row),
        level=read.treaty_holding(node, record).level, purpose=record.purpose,
        partner=record.originator, now=now,
        inspection_interval=timedelta(days=agreement.contractor_inspection_days),
    )  # fmt: skip
    if record.disposed:  # nothing of it remains to release
        decision = Decision.deny(f"holding {record.id} is {record.state}", ARTICLE, "R36")
    entries = [
        audit.Entry(user.name, Action.MANAGE_CONTRACTORS.value, holding_id, role),
        audit.Entry(user.name, "release_to_contractor", record.id, decision, also=(contract_id,)),
    ]
    if not decision.allowed:
        refuse(node, actor=user.name, action="release_to_contractor", subject=record.id,
               decision=decision, now=now)  # fmt: skip
    with node.engine.begin() as conn:
        stored.add_release(conn, {
            "contract_id": contract_id, "holding_id": record.id, "released_by": user.name,
            "released_at": now,
        })  # fmt: skip
        audit.record_all(conn, entries, now)
    return {"holding": record.id, "contract": contract_id, "facility": facility.id,
            "decision": {"reason": decision.reason, "article": decision.article}}  # fmt: skip


# Views --------------------------------------------------------------------------------------


def facility_view(node: Node, facility_id: str) -> dict[str, Any]:
    with node.reader.connect() as conn:
        row = _facility_row(conn, facility_id)
        staff = stored.register(conn, facility_id)
        inspections = stored.inspections(conn, facility_id)
        contracts = stored.contracts_of(conn, facility_id)
    return {
        "id": row["id"],
        "name": row["name"],
        "clearance": row["clearance"],
        "clearance_expires": row["clearance_expires"].isoformat()
        if row["clearance_expires"]
        else None,
        "security_officer": row["security_officer"],
        "parent": row["parent_id"],
        "register": [{"name": s["user_name"], "briefed_at": _iso(s["briefed_at"])} for s in staff],
        "inspections": [
            {"at": _iso(i["inspected_at"]), "kind": i["kind"], "findings": i["findings"]}
            for i in inspections
        ],
        "last_inspection": _iso(inspections[-1]["inspected_at"]) if inspections else None,
        "contracts": [c["id"] for c in contracts],
        "cleared_until": _iso(end_of(row["clearance_expires"])),
    }


def contract_view(node: Node, contract_id: str) -> dict[str, Any]:
    with node.reader.connect() as conn:
        row = stored.contract(conn, contract_id)
    if row is None:
        raise NotFound(f"no contract {contract_id!r}")
    return {
        "id": row["id"],
        "facility": row["facility_id"],
        "partner": row["partner"],
        "purpose": row["purpose"],
        "highest_level": row["highest_level"],
        "security_clause": row["security_clause"],
        "assurance_requested_at": _iso(row["assurance_requested_at"]),
        "assurance_given_at": _iso(row["assurance_given_at"]),
        "assurance_reference": row["assurance_reference"],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def list_facilities(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    """Every contractor facility with its register, inspections and contracts (officers)."""
    authorise(node, user, Action.MANAGE_CONTRACTORS, "facilities")
    with node.reader.connect() as conn:
        ids = [row["id"] for row in stored.all_facilities(conn)]
    return [facility_view(node, facility_id) for facility_id in ids]


def get_contract(node: Node, user: UserRecord, contract_id: str) -> dict[str, Any]:
    authorise(node, user, Action.MANAGE_CONTRACTORS, contract_id)
    return contract_view(node, contract_id)
