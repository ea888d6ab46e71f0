"""The contractors router's bodies (R33–R36): facilities, inspections, staff, contracts."""

from __future__ import annotations

from pydantic import Field

from gsomia.api.models.base import Body, Day, Id, Marking, Name, Nation, Purpose, When


class FacilityBody(Body):
    id: Id
    name: str = Field(min_length=1, max_length=200)
    clearance: Marking | None = Field(None, description="facility security clearance, native")
    clearance_expires: Day | None = None
    security_officer: str | None = Field(None, max_length=200, description="Art. 16(j)")
    parent: Id | None = Field(None, description="the prime contractor of a subcontractor")


class InspectionBody(Body):
    at: When
    kind: str = Field(max_length=16, description="initial or periodic (Art. 16(g))")
    findings: str = Field("", max_length=4000)


class StaffBody(Body):
    name: Name


class BriefingBody(Body):
    at: When | None = Field(None, description="when the briefing was acknowledged; now if none")


class ContractBody(Body):
    id: Id
    facility: Id
    partner: Nation = Field(description="whose provided information the contract concerns")
    purpose: Purpose
    highest_level: Marking
    security_clause: str = Field(max_length=8000, description="the security requirements clause")


class AssuranceBody(Body):
    given: bool = Field(description="false: requested of the partner's authority; true: given")
    reference: str = Field("", max_length=200)


class ContractorReleaseBody(Body):
    holding_id: Id
