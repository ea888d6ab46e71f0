"""A security representatives' visit as the partner's node tells it (Art. 18, R38).

The party that plans a visit sends the plan (`SECURITY_VISIT_PLAN`); each party that records
its own prior consultation sends it (`SECURITY_VISIT_AGREED`). Both arrive signed by the
partner's node: the plan is recorded here under the same id, decided by the same rule as a
plan made here (`may_plan`), and the partner's consultation is recorded with the signed
message as its reference, so the visit is agreed on both nodes without a note re-typed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.exchange.incoming import require_party
from gsomia.exchange.kinds import Kind
from gsomia.node.control import messages
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.runtime import Node
from gsomia.store import security_visits as stored
from gsomia.treaty.decision import Decision
from gsomia.treaty.security_visits import ARTICLE, SecurityVisit, may_plan

__all__ = ["HANDLERS"]


def _on_plan(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    visit_id = messages.text(doc, "id", limit=64)
    visiting, host = messages.text(doc, "visiting_party"), messages.text(doc, "host_party")
    if node.nation not in (visiting, host) or incoming.sender not in (visiting, host):
        raise InputError(f"security visit {visit_id} is not between {incoming.sender} and us")
    require_party(incoming, host if visiting == node.nation else visiting, "the planning party")
    agreement_id = messages.text(doc, "agreement_id", limit=64)
    agreement = node.agreement(agreement_id)
    visit = SecurityVisit(
        id=visit_id,
        agreement_id=agreement.id,
        visiting_party=visiting,
        host_party=host,
        representatives=frozenset(messages.texts(doc, "representatives")),
        place=messages.text(doc, "place", limit=500),
        scope=messages.text(doc, "scope", limit=4000),
        starts=messages.when(doc, "starts"),
        ends=messages.when(doc, "ends"),
    )
    decision = may_plan(visit, agreement, node.nation, incoming.at)
    if not decision.allowed:
        return Outcome(decision, visit_id)
    if stored.get(conn, visit_id) is not None:
        raise Conflict(f"security visit {visit_id} is recorded here already")
    by = messages.text(doc, "planned_by", limit=60)
    stored.add(conn, {
        "id": visit.id, "agreement_id": visit.agreement_id, "visiting_party": visiting,
        "host_party": host, "representatives": sorted(visit.representatives),
        "place": visit.place, "scope": visit.scope, "starts": visit.starts, "ends": visit.ends,
        "consultations": {}, "findings": "", "findings_at": None,
        "recorded_by": f"{incoming.sender} {by}", "recorded_at": incoming.at,
    })  # fmt: skip
    planned = Decision.allow(
        f"{incoming.sender} planned security visit {visit_id} under {agreement.id}",
        ARTICLE,
        "R38",
    )
    return Outcome(planned, visit_id, {"visit": visit_id})


def _on_consultation(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    doc = incoming.document
    visit_id = messages.text(doc, "visit_id", limit=64)
    row = stored.get(conn, visit_id)
    if row is None:
        raise NotFound(f"no security visit {visit_id} on {node.nation}'s node")
    party = messages.text(doc, "party", limit=8)
    # A party tells its own consultation, never the other's.
    require_party(incoming, party, f"the party consulted on security visit {visit_id}")
    if party not in (row["visiting_party"], row["host_party"]):
        raise InputError(f"{party} is not a party to security visit {visit_id}")
    consulted: dict[str, Any] = {
        "at": messages.when(doc, "at").isoformat(),
        "by": messages.text(doc, "by", limit=100),
        "reference": f"signed message {incoming.id}",
    }
    stored.set_consultations(conn, visit_id, {**row["consultations"], party: consulted})
    decision = Decision.allow(f"{party} consulted on security visit {visit_id}", ARTICLE, "R38")
    return Outcome(decision, visit_id, {"visit": visit_id})


HANDLERS: dict[Kind, Handler] = {
    Kind.SECURITY_VISIT_PLAN: _on_plan,
    Kind.SECURITY_VISIT_AGREED: _on_consultation,
}
