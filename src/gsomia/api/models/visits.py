"""The visits router's bodies (R23, R24): a request, the host's decisions, a disclosure."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from gsomia.api.models.base import Body, Id, Marking, Moment, Name, Nation, Reason

#: Visitors named in one request.
MAX_VISITORS = 50


class VisitRequestBody(Body):
    host: Nation = Field(description="the host nation, alpha-3")
    visitor: Name | Annotated[list[Name], Field(max_length=MAX_VISITORS)] = Field(
        description="the visitor(s), by name"
    )
    facility: str = Field(min_length=1, max_length=500)
    subject: str = Field(min_length=1, max_length=200, description="the need-to-know subject")
    scope: str = Field("", max_length=2000)
    start: Moment
    end: Moment
    max_level: Marking = Field(description="the highest level asked, in the host's scheme")
    kind: str = Field("one-time", max_length=32, description="one-time, recurring or emergency")


class ApproveBody(Body):
    max_level: Marking | None = Field(None, description="lower than asked, if the host wishes")


class RefuseBody(Body):
    reason: Reason


class DisclosureBody(Body):
    visitor: Name
    item_id: Id = Field(description="a holding or own item")
    nationality: str | None = Field(None, max_length=4)


class SecurityVisitBody(Body):
    """A reciprocal visit of security representatives (Art. 18, R38)."""

    visiting_party: Nation
    host_party: Nation
    representatives: Annotated[list[Name], Field(min_length=1, max_length=MAX_VISITORS)]
    place: str = Field(min_length=1, max_length=500, description="the agreed place")
    scope: str = Field(min_length=1, max_length=4000, description="the agreed scope and manner")
    start: Moment
    end: Moment


class ConsultationBody(Body):
    party: Nation = Field(description="the party recorded as consulted and agreeing")
    reference: str = Field("", max_length=200, description="the partner's note, for its agreement")


class FindingsBody(Body):
    findings: str = Field(min_length=1, max_length=8000)
