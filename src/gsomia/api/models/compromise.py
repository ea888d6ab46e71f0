"""The compromise router's bodies: loss or compromise cases (R37) and disputes (R46)."""

from __future__ import annotations

from pydantic import Field

from gsomia.api.models.base import Body, Id, Note


class CompromiseRequest(Body):
    holding_id: Id | None = Field(None, description="a holding (or its item id)")
    item_id: Id | None = Field(None, description="an item of this node, or held")
    description: Note
    actual: bool = Field(False, description="true for an actual loss, false for a possible one")


class FindingsRequest(Body):
    result: str = Field(min_length=1, max_length=8000, description="the investigation result")
    measures: str = Field(min_length=1, max_length=8000, description="measures against recurrence")


class DisputeRequest(Body):
    agreement_id: Id
    subject: Note


class NoteRequest(Body):
    note: Note


class ReferRequest(Body):
    to: str = Field("a third party", max_length=100)
