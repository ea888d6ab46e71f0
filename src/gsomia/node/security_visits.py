"""Security representatives' visits on this node (Art. 18, R38), beside the visits of Art. 8.

An officer plans a reciprocal visit (either party visiting), records each party's prior
consultation on its place, scope and dates (this node's own, and the partner's with the
reference of its note), then the findings once the agreed visit has begun. As host, the
officer gives the visiting party's representatives the report of how the CMI it provided is
protected here: the inventory, the decisions the log lists about each holding, and the
destruction records. Every step is a decision of `gsomia.treaty.security_visits`, logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gsomia.errors import InputError, NotFound
from gsomia.exchange.kinds import Kind
from gsomia.node import audit
from gsomia.node.authority import authorise, refuse
from gsomia.node.control import messages
from gsomia.node.runtime import Node
from gsomia.store import destructions
from gsomia.store import security_visits as stored
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.roles import Action
from gsomia.treaty.security_visits import (
    ARTICLE,
    SecurityVisit,
    may_plan,
    may_record_findings,
    may_report_protection,
    state_of,
)


def _visit(row: dict[str, Any]) -> SecurityVisit:
    return SecurityVisit(
        id=row["id"],
        agreement_id=row["agreement_id"],
        visiting_party=row["visiting_party"],
        host_party=row["host_party"],
        representatives=frozenset(row["representatives"]),
        place=row["place"],
        scope=row["scope"],
        starts=row["starts"],
        ends=row["ends"],
        consulted=frozenset(row["consultations"]),
        findings=row["findings"],
    )


def _row(node: Node, visit_id: str) -> dict[str, Any]:
    with node.reader.connect() as conn:
        row = stored.get(conn, visit_id)
    if row is None:
        raise NotFound(
            f"no security visit {visit_id!r}", hint="`gsomia security-visit list` shows them"
        )
    return row


def _log(node: Node, user: UserRecord, action: str, visit_id: str, *decisions: Decision) -> None:
    with node.engine.begin() as conn:
        audit.record_all(
            conn, [audit.Entry(user.name, action, visit_id, d) for d in decisions], node.clock()
        )


def plan_visit(
    node: Node,
    user: UserRecord,
    *,
    visiting_party: str,
    host_party: str,
    representatives: Sequence[str],
    place: str,
    scope: str,
    starts: datetime,
    ends: datetime,
) -> dict[str, Any]:
    """Plan a reciprocal visit between this node's nation and a partner (R38)."""
    _, role = authorise(node, user, Action.SECURITY_VISIT, host_party)
    now = node.clock()
    if node.nation not in (visiting_party, host_party):
        raise InputError(f"a security visit this node plans involves {node.nation}")
    partner = host_party if visiting_party == node.nation else visiting_party
    agreement = node.agreement_with(partner, now)
    if agreement is None:
        denial = Decision.deny(f"no agreement with {partner}", ARTICLE, "R38")
        refuse(node, actor=user.name, action="security_visit", subject=partner, decision=denial)
    visit = SecurityVisit(
        id=uuid.uuid4().hex,
        agreement_id=agreement.id,
        visiting_party=visiting_party,
        host_party=host_party,
        representatives=frozenset(r.strip() for r in representatives if r.strip()),
        place=place.strip(),
        scope=scope.strip(),
        starts=starts,
        ends=ends,
    )
    decision = may_plan(visit, agreement, node.nation, now)
    if not decision.allowed:
        refuse(node, actor=user.name, action="security_visit", subject=visit.id, decision=decision)
    with node.engine.begin() as conn:
        stored.add(conn, {
            "id": visit.id, "agreement_id": visit.agreement_id,
            "visiting_party": visiting_party, "host_party": host_party,
            "representatives": sorted(visit.representatives), "place": visit.place,
            "scope": visit.scope, "starts": starts, "ends": ends, "consultations": {},
            "findings": "", "findings_at": None, "recorded_by": user.name, "recorded_at": now,
        })  # fmt: skip
        # The partner learns the plan as a signed message, not by a note someone re-types.
        messages.send(
            conn, node, kind=Kind.SECURITY_VISIT_PLAN, peer=partner,
            document=plan_document(visit, user.name), precedence=Precedence.ROUTINE, now=now,
        )  # fmt: skip
        entries = [audit.Entry(user.name, "security_visit", visit.id, d) for d in (role, decision)]
        audit.record_all(conn, entries, now)
    messages.wake(node, Precedence.ROUTINE)
    return visit_view(_row(node, visit.id))


def plan_document(visit: SecurityVisit, planned_by: str) -> dict[str, Any]:
    """The plan as the partner's node receives it (`SECURITY_VISIT_PLAN`)."""
    return {
        "id": visit.id,
        "agreement_id": visit.agreement_id,
        "visiting_party": visit.visiting_party,
        "host_party": visit.host_party,
        "representatives": sorted(visit.representatives),
        "place": visit.place,
        "scope": visit.scope,
        "starts": visit.starts.isoformat(),
        "ends": visit.ends.isoformat(),
        "planned_by": planned_by,
    }


def record_consultation(
    node: Node, user: UserRecord, visit_id: str, *, party: str, reference: str = ""
) -> dict[str, Any]:
    """Record that `party` was consulted and agreed the visit's place, scope and dates; the
    partner's consultation names the reference of its note."""
    _, role = authorise(node, user, Action.SECURITY_VISIT, visit_id)
    row = _row(node, visit_id)
    visit = _visit(row)
    if party not in (visit.visiting_party, visit.host_party):
        raise InputError(f"{party} is not a party to security visit {visit_id}")
    if party != node.nation and not reference.strip():
        raise InputError(
            f"{party}'s agreement is recorded with the reference of its note",
            hint="e.g. --reference 'note verbale 2026-12-01'",
        )
    now = node.clock()
    consultations = {**row["consultations"], party: {
        "at": now.isoformat(), "by": user.name, "reference": reference.strip(),
    }}  # fmt: skip
    decision = Decision.allow(f"{party} consulted on security visit {visit_id}", ARTICLE, "R38")
    with node.engine.begin() as conn:
        stored.set_consultations(conn, visit_id, consultations)
        if party == node.nation:
            # This party's agreement travels signed to the other, which records it as such.
            partner = visit.host_party if party == visit.visiting_party else visit.visiting_party
            messages.send(
                conn, node, kind=Kind.SECURITY_VISIT_AGREED, peer=partner,
                document={"visit_id": visit_id, "party": party, **consultations[party]},
                precedence=Precedence.ROUTINE, now=now,
            )  # fmt: skip
        entries = [
            audit.Entry(user.name, "security_visit_consultation", visit_id, d)
            for d in (role, decision)
        ]
        audit.record_all(conn, entries, now)
    messages.wake(node, Precedence.ROUTINE)
    return visit_view(_row(node, visit_id))


def record_findings(node: Node, user: UserRecord, visit_id: str, findings: str) -> dict[str, Any]:
    """Record the findings of an agreed visit that has begun; refused otherwise (R38)."""
    _, role = authorise(node, user, Action.SECURITY_VISIT, visit_id)
    if not findings.strip():
        raise InputError("findings say what the representatives observed")
    now = node.clock()
    decision = may_record_findings(_visit(_row(node, visit_id)), now)
    if not decision.allowed:
        refuse(node, actor=user.name, action="security_visit_findings", subject=visit_id,
               decision=decision, now=now)  # fmt: skip
    with node.engine.begin() as conn:
        stored.set_findings(conn, visit_id, findings.strip(), now)
        entries = [
            audit.Entry(user.name, "security_visit_findings", visit_id, d) for d in (role, decision)
        ]
        audit.record_all(conn, entries, now)
    return visit_view(_row(node, visit_id))


def protection_report(node: Node, user: UserRecord, visit_id: str) -> dict[str, Any]:
    """For the visiting party's representatives: how what it provided is protected here."""
    _, role = authorise(node, user, Action.SECURITY_VISIT, visit_id)
    visit = _visit(_row(node, visit_id))
    decision = may_report_protection(visit, node.nation)
    if not decision.allowed:
        refuse(node, actor=user.name, action="security_visit_report", subject=visit_id,
               decision=decision)  # fmt: skip
    with node.reader.connect() as conn:
        held = stored.holdings_from(conn, visit.visiting_party, node.vault)
        ids = [h["id"] for h in held]
        counts = stored.decisions_about(conn, ids)
        destroyed = destructions.of_subjects(conn, ids)
    _log(node, user, "security_visit_report", visit_id, role, decision)
    records: dict[str, list[dict[str, Any]]] = {}
    for d in destroyed:
        records.setdefault(d.subject_id, []).append({
            "method": d.method, "at": d.at.isoformat(), "officials": d.officials,
            "witnesses": d.witnesses,
        })  # fmt: skip
    inventory = [
        {
            "holding": h["id"],
            "item": h["item_id"],
            "marking": h["local_level"],
            "state": h["state"],
            "received_at": h["received_at"].isoformat(),
            "agreement": h["agreement_id"],
            "decisions": counts[h["id"]],
            "destructions": records.get(h["id"], []),
        }
        for h in held
    ]
    return {
        "visit": visit_view(_row(node, visit_id)),
        "provided_by": visit.visiting_party,
        "held_by": node.nation,
        "inventory": inventory,
        "totals": {
            "holdings": len(inventory),
            "held": sum(1 for h in inventory if h["state"] == "held"),
            "destroyed": sum(1 for h in inventory if h["state"] == "destroyed"),
            "decisions_allowed": sum(h["decisions"]["allowed"] for h in inventory),
            "decisions_refused": sum(h["decisions"]["refused"] for h in inventory),
        },
    }


def visit_view(row: dict[str, Any]) -> dict[str, Any]:
    visit = _visit(row)
    return {
        "id": visit.id,
        "agreement": visit.agreement_id,
        "visiting_party": visit.visiting_party,
        "host_party": visit.host_party,
        "representatives": sorted(visit.representatives),
        "place": visit.place,
        "scope": visit.scope,
        "starts": visit.starts.isoformat(),
        "ends": visit.ends.isoformat(),
        "consultations": row["consultations"],
        "state": state_of(visit).value,
        "findings": visit.findings or None,
        "findings_at": row["findings_at"].isoformat() if row["findings_at"] else None,
    }


def list_visits(node: Node, user: UserRecord) -> list[dict[str, Any]]:
    authorise(node, user, Action.SECURITY_VISIT, "security_visits")
    with node.reader.connect() as conn:
        return [visit_view(row) for row in stored.listed(conn)]
