"""The agreements router's body: one lifecycle step of this nation, a dated note (R41, R43)."""

from __future__ import annotations

from typing import Annotated, Any

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


class AmendmentRow(Body):
    english: str = Field(min_length=1, max_length=64)
    levels: dict[Nation, list[Annotated[str, Field(min_length=1, max_length=64)]]] = Field(
        description="each party's markings in this row", max_length=2
    )


class AmendmentConsentRequest(Body):
    """This party's written consent to the next version of the table (Art. 21.2; R45)."""

    on: Day = Field(description="the date of the consent note")
    note: str = Field(min_length=1, max_length=2000, description="the note cited")
    effective: Day = Field(description="the day the new version applies from")
    basis: str = Field("", max_length=200, description="what the new version rests on")
    rows: list[AmendmentRow] = Field(min_length=1, max_length=16)

    def text(self) -> dict[str, Any]:
        """The amended text as it travels and as both consents must agree on it."""
        return {
            "effective": self.effective.isoformat(),
            "basis": self.basis,
            "rows": [{"english": r.english, **r.levels} for r in self.rows],
        }
