"""The kinds of message nodes send each other, declared once, and the header each one carries.

A message travels as `{"id", "kind", "body"}` (`gsomia.exchange.wire`): the kind on the wire
is not signed, so the envelope's authenticated header must say the same (`header_matches`),
or the message is not the one its sender signed. Three families:

* an item (`item`): the envelope holds the item's content under an `ITEM_HEADER` header;
* a step of an agreement's lifecycle (`agreement_event`): `AGREEMENT_EVENT_HEADER`;
* a workflow message (every other kind): a JSON document under a `MESSAGE_HEADER` header
  whose `kind` member names the kind, handled by the workflow registered for it.

A kind not declared here is refused (`UnknownKind`): a node never guesses what a message is.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from gsomia.errors import InputError

ITEM_HEADER = "gsomia-item/1"
AGREEMENT_EVENT_HEADER = "gsomia-agreement-event/1"
MESSAGE_HEADER = "gsomia-message/1"


class Kind(StrEnum):
    """Every kind of message of the peer protocol, by its name on the wire."""

    ITEM = "item"
    AGREEMENT_EVENT = "agreement_event"
    # Consent to onward release (R12) and new purposes (R13)
    CONSENT_REQUEST = "consent_request"
    CONSENT_DECISION = "consent_decision"
    PURPOSE_REQUEST = "purpose_request"
    PURPOSE_DECISION = "purpose_decision"
    # Custody (R17, R18, R28)
    TRANSFER_REPORT = "transfer_report"
    RETURN_NOTICE = "return_notice"
    # Classification changes (R14)
    CLASSIFICATION_NOTICE = "classification_notice"
    NOTICE_ACKNOWLEDGEMENT = "notice_acknowledgement"
    # Compromise (R37)
    COMPROMISE_REPORT = "compromise_report"
    COMPROMISE_FINDINGS = "compromise_findings"
    COMPROMISE_CLOSED = "compromise_closed"
    # Disputes (R46)
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_CONSULTATION = "dispute_consultation"
    DISPUTE_SETTLED = "dispute_settled"
    # Visits (R23)
    VISIT_REQUEST = "visit_request"
    VISIT_DECISION = "visit_decision"
    # Security representatives' visits (R38): the plan, each party's prior consultation
    SECURITY_VISIT_PLAN = "security_visit_plan"
    SECURITY_VISIT_AGREED = "security_visit_agreed"
    # Contractors (R33): the assurance asked of the partner's security authority, its answer
    ASSURANCE_REQUEST = "assurance_request"
    ASSURANCE_ANSWER = "assurance_answer"
    # A node's new keys, vouched for by the card partners pinned (ADR 0093)
    KEY_ROTATION = "key_rotation"


#: The kinds that are workflow messages: a JSON document for the workflow of that kind.
WORKFLOW_KINDS: frozenset[Kind] = frozenset(Kind) - {Kind.ITEM, Kind.AGREEMENT_EVENT}


class UnknownKind(InputError):
    """A message names a kind this node does not know."""

    code = "unknown_kind"


def kind_of(name: str) -> Kind:
    """The declared kind called `name`; `UnknownKind` for any other."""
    try:
        return Kind(name)
    except ValueError:
        raise UnknownKind(f"unknown message kind {name!r}") from None


def item_header(
    *,
    label: Mapping[str, Any],
    item_id: str,
    title: str,
    agreement_id: str,
    version: int,
    precedence: str,
    binding: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The authenticated header of an item: its label and what the treaty needs to know of it.

    `binding` is the originator's own signature over label and content (STANAG 4778, ADR
    0061): it stays with the item when a holder passes it on.
    """
    header: dict[str, Any] = {
        "type": ITEM_HEADER,
        "label": label,
        "item": {
            "id": item_id,
            "title": title,
            "agreement": agreement_id,
            "version": version,
            "precedence": precedence,
        },
    }
    if binding is not None:
        header["binding"] = binding
    return header


def message_header(kind: Kind) -> dict[str, str]:
    """The authenticated header of a workflow message of `kind`."""
    if kind not in WORKFLOW_KINDS:
        raise ValueError(f"{kind} is not a workflow message")
    return {"type": MESSAGE_HEADER, "kind": kind.value}


def header_matches(kind: Kind, header: Mapping[str, Any]) -> bool:
    """Whether an envelope's authenticated `header` is one a message of `kind` carries."""
    if kind is Kind.ITEM:
        return header.get("type") == ITEM_HEADER
    if kind is Kind.AGREEMENT_EVENT:
        return header.get("type") == AGREEMENT_EVENT_HEADER
    return header.get("type") == MESSAGE_HEADER and header.get("kind") == kind.value


def describe(kind: Kind) -> str:
    """What a message of `kind` carries, for a refusal: "an item header", "a visit_request
    message"."""
    if kind is Kind.ITEM:
        return "an item header"
    if kind is Kind.AGREEMENT_EVENT:
        return "an agreement event"
    return f"a {kind.value} message"
