"""The agreements router's body: one lifecycle step of this nation, a dated note (R41, R43)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from gsomia.api.models.base import Body, Day, Nation
from gsomia.treaty.lifecycle import Event, EventKind


class AgreementEventRequest(Body):
    # JSON names the kind by its value, which strict mode would not turn into the enum.
    kind: Annotated[EventKind, Field(strict=False)]
    on: Day = Field(description="the date of the note")
    note: str = Field(min_length=1, max_length=2000, description="the note or decision cited")
    party: Nation | None = Field(None, description="the acting party (this nation)")
    step: str | None = Field(None, max_length=200, description="a domestic approval step")
    version: int | None = Field(None, ge=1, description="the version an amendment consent is for")

    def event(self) -> Event:
        return Event(self.kind, self.on, self.note, self.party, self.step, self.version)
