"""The users router's bodies: publishing, release rules, and what items and holdings look like."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from pydantic import BaseModel, Field

from gsomia.api.models.base import Body, Marking, Moment, Nation, Purpose
from gsomia.errors import InputError
from gsomia.node.control.assurances import AssuranceNote
from gsomia.node.publish import Draft

#: Enough for every partner and every caveat a label can carry, and no more.
MAX_NAMES = 64
#: A content of up to 64 MiB as base64 (the peer API takes batches of up to 96 MiB).
MAX_CONTENT_B64 = 88 << 20


class PublishRequest(Body):
    title: str = Field(min_length=1, max_length=500)
    level: Marking = Field(description="classification in this node's national scheme")
    releasable_to: list[Nation] = Field(
        min_length=1, max_length=MAX_NAMES, description="partner nations, alpha-3"
    )
    purpose: Purpose
    precedence: str = Field("ROUTINE", max_length=16, description="FLASH … ROUTINE")
    caveats: list[str] = Field([], max_length=MAX_NAMES)
    media_type: str = Field("text/plain; charset=utf-8", max_length=200)
    text: str | None = Field(None, max_length=MAX_CONTENT_B64)
    content_b64: str | None = Field(
        None, max_length=MAX_CONTENT_B64, description="content of any media type, base64"
    )
    feed: str | None = Field(None, max_length=100)
    handling: list[str] = Field(
        [], max_length=MAX_NAMES, description="e.g. NO REPRODUCTION, PATENT (R15, R29)"
    )
    copy_limit: int | None = Field(None, ge=0, description="most copies a holder may make")
    purpose_ends: Moment | None = Field(None, description="then return or destroy (R18)")
    review_at: Moment | None = Field(
        None, description="the label's ReviewDateTime (R9); 10 years on when absent"
    )

    def draft(self) -> Draft:
        if (self.text is None) == (self.content_b64 is None):
            raise InputError("give exactly one of text and content_b64")
        if self.content_b64 is not None:
            try:
                content = base64.b64decode(self.content_b64, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise InputError("content_b64 is not valid base64") from exc
        else:
            content = (self.text or "").encode()
        return Draft(
            title=self.title,
            level=self.level,
            releasable_to=tuple(self.releasable_to),
            purpose=self.purpose,
            precedence=self.precedence,
            caveats=tuple(self.caveats),
            media_type=self.media_type,
            content=content,
            feed=self.feed,
            handling=tuple(self.handling),
            copy_limit=self.copy_limit,
            purpose_ends=self.purpose_ends,
            review_at=self.review_at,
        )


class ReleaseRuleRequest(Body):
    feed: str = Field(min_length=1, max_length=100)
    to_nations: list[Nation] = Field(min_length=1, max_length=MAX_NAMES)
    ceiling: Marking = Field(description="highest level released, in this node's scheme")
    purpose: Purpose
    valid_until: Moment


class AssuranceRequest(Body):
    """The other party's written assurance for its representative (Art. 7.5; R22)."""

    party: Nation
    representative: str = Field(min_length=1, max_length=200)
    clearance: Marking = Field(description="the assured clearance, in the party's scheme")
    purpose: Purpose
    equivalent_protection: bool
    note: str = Field(min_length=1, max_length=200, description="the note it came in")

    def note_of(self) -> AssuranceNote:
        return AssuranceNote(
            self.party,
            self.representative,
            self.clearance,
            self.purpose,
            self.equivalent_protection,
            self.note,
        )


class HandOverRequest(Body):
    party: Nation
    representative: str = Field(min_length=1, max_length=200)


class DecisionOut(BaseModel):
    allowed: bool
    reason: str
    article: str
    requirement: str


class ReleaseOutcomeOut(BaseModel):
    nation: str
    decision: DecisionOut
    message_id: str | None


class TransferOut(BaseModel):
    message_id: str
    item_id: str | None
    peer: str
    precedence: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    settled_at: datetime | None
    reason: str | None = None
    marked: str | None = None
    agreement: str | None = Field(None, description="the agreement and version provided under")


class ItemOut(BaseModel):
    id: str
    title: str
    originator: str
    level: str
    releasable_to: list[str]
    purpose: str
    precedence: str
    state: str
    created_at: datetime
    transfers: list[TransferOut] = []
    redacted: bool = Field(False, description="title, level and purpose withheld")
    category_marking: str = Field(
        "", description="the marking the SPIF prescribes with the label's categories (ADR 0103)"
    )


class HoldingOut(BaseModel):
    id: str
    item_id: str
    title: str
    originator: str
    sender: str
    marking: str
    original_marking: str
    purpose: str
    precedence: str
    media_type: str
    agreement: str
    received_at: datetime
    state: str
    redacted: bool = Field(False, description="title, markings and purpose withheld")
    category_marking: str = Field(
        "", description="the marking the SPIF prescribes with the label's categories (ADR 0103)"
    )
