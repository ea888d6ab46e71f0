"""Visits (R23, R24): requested by the visiting party's officer, decided by the host's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.api.models.visits import (
    ApproveBody,
    ConsultationBody,
    DisclosureBody,
    FindingsBody,
    RefuseBody,
    SecurityVisitBody,
    VisitRequestBody,
)
from gsomia.node import security_visits
from gsomia.node.control import visit_host, visits

router = APIRouter(prefix="/api/v1", tags=["visits"], responses=AUTHENTICATED)


@router.post("/visits", status_code=201)
def request_visit(body: VisitRequestBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Refused (403) unless `may_submit_visit` allows; the host's node is sent the request."""
    return visits.request_visit(
        node,
        user,
        host=body.host,
        visitors=[body.visitor] if isinstance(body.visitor, str) else body.visitor,
        facility=body.facility,
        subject=body.subject,
        scope=body.scope,
        start=body.start,
        end=body.end,
        max_level=body.max_level,
        kind=body.kind,
    )


@router.get("/visits")
def list_visits(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    return visits.list_visits(node, user)


@router.post("/visits/{visit_id}/approve")
def approve(
    visit_id: str, user: UserDep, node: NodeDep, body: ApproveBody | None = None
) -> dict[str, Any]:
    """Only the host's officer approves (403 otherwise); the visiting node is sent it."""
    return visit_host.approve(node, user, visit_id, body.max_level if body else None)


@router.post("/visits/{visit_id}/refuse")
def refuse(visit_id: str, body: RefuseBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return visit_host.refuse(node, user, visit_id, body.reason)


@router.post("/visits/{visit_id}/disclosures")
def disclose(visit_id: str, body: DisclosureBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """May the host show an item to a visitor now? 200 if so, 403 with the reason if not."""
    decision = visit_host.may_show(
        node,
        user,
        visit_id,
        visitor=body.visitor,
        target=body.item_id,
        nationality=body.nationality,
    )
    decision.enforce()
    return {
        "allowed": True,
        "reason": decision.reason,
        "article": decision.article,
        "requirement": decision.requirement,
    }


# Security representatives' visits (Art. 18, R38) ---------------------------------------------


@router.post("/security-visits", status_code=201)
def plan_security_visit(body: SecurityVisitBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Plan a reciprocal visit of security representatives between this nation and a partner."""
    return security_visits.plan_visit(
        node,
        user,
        visiting_party=body.visiting_party,
        host_party=body.host_party,
        representatives=body.representatives,
        place=body.place,
        scope=body.scope,
        starts=body.start,
        ends=body.end,
    )


@router.get("/security-visits")
def list_security_visits(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    return security_visits.list_visits(node, user)


@router.post("/security-visits/{visit_id}/consultations")
def consult(visit_id: str, body: ConsultationBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Record a party's prior consultation; the visit is agreed once both are recorded."""
    return security_visits.record_consultation(
        node, user, visit_id, party=body.party, reference=body.reference
    )


@router.post("/security-visits/{visit_id}/findings")
def findings(visit_id: str, body: FindingsBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """403 unless the visit was agreed after prior consultation and has begun."""
    return security_visits.record_findings(node, user, visit_id, body.findings)


@router.get("/security-visits/{visit_id}/report")
def protection_report(visit_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """The host's report for the visiting party: inventory, decisions, destruction records."""
    return security_visits.protection_report(node, user, visit_id)
