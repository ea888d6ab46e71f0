"""Contractors (R33–R36, Art. 16): facilities, their inspections and register, briefings,
contracts and their assurance, and releases to a contractor; officers only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.contractors import (
    AssuranceBody,
    BriefingBody,
    ContractBody,
    ContractorReleaseBody,
    FacilityBody,
    InspectionBody,
    StaffBody,
)
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.node import contractors

router = APIRouter(prefix="/api/v1", tags=["contractors"], responses=AUTHENTICATED)


@router.get("/contractors")
def list_facilities(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    return contractors.list_facilities(node, user)


@router.post("/contractors", status_code=201)
def add_facility(body: FacilityBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return contractors.add_facility(
        node,
        user,
        facility_id=body.id,
        name=body.name,
        clearance=body.clearance,
        clearance_expires=body.clearance_expires,
        security_officer=body.security_officer,
        parent=body.parent,
    )


@router.post("/contractors/{facility_id}/inspections", status_code=201)
def inspect(facility_id: str, body: InspectionBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return contractors.record_inspection(
        node, user, facility_id, at=body.at, kind=body.kind, findings=body.findings
    )


@router.post("/contractors/{facility_id}/staff", status_code=201)
def add_staff(facility_id: str, body: StaffBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return contractors.add_staff(node, user, facility_id, body.name)


@router.post("/contractor-staff/{name}/briefing")
def brief(name: str, body: BriefingBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Record that `name` acknowledged their security briefing (Art. 16(f)); their facility."""
    return contractors.record_briefing(node, user, name, body.at or node.clock())


@router.post("/contracts", status_code=201)
def place_contract(body: ContractBody, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Refused (403) without a security requirements clause."""
    return contractors.place_contract(
        node,
        user,
        contract_id=body.id,
        facility_id=body.facility,
        partner=body.partner,
        purpose=body.purpose,
        highest_level=body.highest_level,
        security_clause=body.security_clause,
    )


@router.get("/contracts/{contract_id}")
def get_contract(contract_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return contractors.get_contract(node, user, contract_id)


@router.post("/contracts/{contract_id}/assurance")
def assurance(
    contract_id: str, body: AssuranceBody, user: UserDep, node: NodeDep
) -> dict[str, Any]:
    return contractors.record_assurance(
        node, user, contract_id, given=body.given, reference=body.reference
    )


@router.post("/contracts/{contract_id}/releases", status_code=201)
def release(
    contract_id: str, body: ContractorReleaseBody, user: UserDep, node: NodeDep
) -> dict[str, Any]:
    """Release a holding to the contract's facility: 403 with the reason if Art. 16 forbids."""
    return contractors.release_to_contractor(node, user, body.holding_id, contract_id)
