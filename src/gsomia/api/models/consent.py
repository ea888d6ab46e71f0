"""The consent router's bodies: consent to onward release, onward release, new purposes, hub."""

from __future__ import annotations

from pydantic import Field

from gsomia.api.models.base import Body, Id, Marking, Nation, Purpose, Reason, When

#: Participants or topics of one hub arrangement (R47).
MAX_HUB_NAMES = 32


class ConsentRequest(Body):
    """The holder's officer asks the originator for consent to pass a holding on (R12)."""

    holding_id: Id
    recipient: Nation = Field(description="the third nation")
    purpose: Purpose
    until: When = Field(description="the end of the consent asked for")
    item_class: str = Field("", max_length=200, description="a class of items, not one item")
    ceiling: Marking | None = Field(None, description="the highest level of the class")


class GrantRequest(Body):
    expires_at: When | None = Field(None, description="earlier than the request's end, if given")


class ReasonRequest(Body):
    """A refusal or a revocation, with its reason."""

    reason: Reason


class OnwardRequest(Body):
    to: Nation = Field(description="the third nation")
    consent_id: Id = Field(description="the originator's consent")


class PurposeRequest(Body):
    holding_id: Id
    purpose: Purpose = Field(description="the new purpose asked for (R13)")


class HubRuleRequest(Body):
    arrangement: str = Field(min_length=1, max_length=200, description="e.g. 'TISA 2014'")
    participants: list[Nation] = Field(min_length=1, max_length=MAX_HUB_NAMES)
    topics: list[str] = Field(min_length=1, max_length=MAX_HUB_NAMES)


class ForwardRequest(Body):
    to: Nation = Field(description="the participant the hub forwards to")
