"""The user API's request and response bodies (they make the OpenAPI document)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from pydantic import BaseModel, Field

from gsomia.errors import InputError
from gsomia.node.publish import Draft


class PublishRequest(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    level: str = Field(description="classification in this node's national scheme")
    releasable_to: list[str] = Field(min_length=1, description="partner nations, alpha-3")
    purpose: str = Field(min_length=1, max_length=200)
    precedence: str = "ROUTINE"
    caveats: list[str] = []
    media_type: str = "text/plain; charset=utf-8"
    text: str | None = None
    content_b64: str | None = Field(None, description="content of any media type, base64")
    feed: str | None = None
    handling: list[str] = Field([], description="e.g. NO REPRODUCTION, PATENT (R15, R29)")
    copy_limit: int | None = Field(None, ge=0, description="most copies a holder may make")
    purpose_ends: datetime | None = Field(None, description="then return or destroy (R18)")

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
        )


class ReleaseRuleRequest(BaseModel):
    feed: str = Field(min_length=1, max_length=100)
    to_nations: list[str] = Field(min_length=1)
    ceiling: str = Field(description="highest level released, in this node's scheme")
    purpose: str = Field(min_length=1, max_length=200)
    valid_until: datetime


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
