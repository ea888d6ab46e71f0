"""Consent cases as both nations' nodes keep and show them (R12).

The holder's and the originator's nodes keep a consent case under the same id, as the treaty
core's `ConsentCase` in JSON (`cases.document`), beside the consent's signed JWS once granted.
This module is that form, what the API and the pages show of it, and the consent a holder
holds, verified afresh; the acts that change a case are in `consent`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from gsomia.node.authority import authorise
from gsomia.node.control import casebook, messages
from gsomia.node.runtime import Node
from gsomia.seal import under_any, verify_document
from gsomia.store.users import UserRecord
from gsomia.treaty.consent import Consent
from gsomia.treaty.consent_requests import ConsentCase, ConsentRequest, ConsentStatus
from gsomia.treaty.roles import Action
from gsomia.treaty.schemes import Level

CONSENT = "consent"


def ceiling_level(node: Node, nation: str, native: str | None) -> Level | None:
    return node.schemes.parse(nation, native) if native else None


def consent_json(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.id,
        "originator": consent.originator,
        "holder": consent.holder,
        "recipient": consent.recipient,
        "purpose": consent.purpose,
        "expires_at": consent.expires_at.isoformat(),
        "item_ids": sorted(consent.item_ids),
        "item_class": consent.item_class,
        "ceiling": consent.ceiling.native if consent.ceiling else None,
    }


def consent_from_document(node: Node, document: Mapping[str, Any], *, verified: bool) -> Consent:
    """A consent from its JSON (a signed document's payload, or a stored case)."""
    originator = messages.text(document, "originator", limit=4)
    revoked = document.get("revoked_at")
    return Consent(
        id=messages.text(document, "id", limit=64),
        originator=originator,
        holder=messages.text(document, "holder", limit=4),
        recipient=messages.text(document, "recipient", limit=4),
        purpose=messages.text(document, "purpose"),
        expires_at=messages.when(document, "expires_at"),
        item_ids=frozenset(messages.texts(document, "item_ids", limit=64)),
        item_class=messages.text(document, "item_class", empty=True),
        revoked_at=datetime.fromisoformat(revoked) if isinstance(revoked, str) else None,
        verified=verified,
        ceiling=ceiling_level(node, originator, document.get("ceiling") or None),
    )


def request_json(request: ConsentRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "originator": request.originator,
        "holder": request.holder,
        "recipient": request.recipient,
        "purpose": request.purpose,
        "until": request.until.isoformat(),
        "requested_at": request.requested_at.isoformat(),
        "requested_by": request.requested_by,
        "item_ids": sorted(request.item_ids),
        "item_class": request.item_class,
        "ceiling": request.ceiling.native if request.ceiling else None,
    }


def request_from(node: Node, document: Mapping[str, Any]) -> ConsentRequest:
    originator = messages.text(document, "originator", limit=4)
    return ConsentRequest(
        id=messages.text(document, "id", limit=64),
        originator=originator,
        holder=messages.text(document, "holder", limit=4),
        recipient=messages.text(document, "recipient", limit=4),
        purpose=messages.text(document, "purpose"),
        until=messages.when(document, "until"),
        requested_at=messages.when(document, "requested_at"),
        requested_by=messages.text(document, "requested_by", limit=100),
        item_ids=frozenset(messages.texts(document, "item_ids", limit=64)),
        item_class=messages.text(document, "item_class", empty=True),
        ceiling=ceiling_level(node, originator, document.get("ceiling") or None),
    )


def case_json(case: ConsentCase, extra: Mapping[str, Any]) -> dict[str, Any]:
    consent = case.consent
    return {
        **extra,
        "request": request_json(case.request),
        "status": case.status.value,
        "consent": None
        if consent is None
        else {
            **consent_json(consent),
            "revoked_at": consent.revoked_at.isoformat() if consent.revoked_at else None,
        },
        "decided_by": case.decided_by,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "reason": case.reason,
    }


def case_from(node: Node, document: Mapping[str, Any]) -> ConsentCase:
    consent = document.get("consent")
    decided = document.get("decided_at")
    return ConsentCase(
        request=request_from(node, document["request"]),
        status=ConsentStatus(document["status"]),
        consent=None if not consent else consent_from_document(node, consent, verified=False),
        decided_by=str(document.get("decided_by", "")),
        decided_at=datetime.fromisoformat(decided) if decided else None,
        reason=str(document.get("reason", "")),
    )


def view(node: Node, row: Any) -> dict[str, Any]:
    """What the API shows of a consent case, as this node knows it now."""
    m = row._mapping
    document = m["document"]
    case = case_from(node, document)
    request, consent = case.request, case.consent
    return {
        "id": request.id,
        "status": case.status_at(node.clock()).value,
        "originator": request.originator,
        "holder": request.holder,
        "recipient": request.recipient,
        "purpose": request.purpose,
        "until": request.until.isoformat(),
        "item_ids": sorted(request.item_ids),
        "item_class": request.item_class,
        "holding_id": document.get("holding_id"),
        "reason": case.reason,
        "requested_at": request.requested_at.isoformat(),
        "requested_by": request.requested_by,
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "decided_by": case.decided_by,
        "expires_at": consent.expires_at.isoformat() if consent else None,
        "revoked_at": consent.revoked_at.isoformat() if consent and consent.revoked_at else None,
        "signed": bool(document.get("jws")),
        "role": "originator" if request.originator == node.nation else "holder",
    }


def list_consents(node: Node, viewer: UserRecord) -> list[dict[str, Any]]:
    """Every consent case, for a person whose role and clearance in force let them see the
    originator's control (`Action.VIEW_CONSENTS`); PolicyDenied, logged, for anyone else."""
    authorise(node, viewer, Action.VIEW_CONSENTS, "consents")
    with node.reader.connect() as conn:
        rows = casebook.all_of(conn, CONSENT, keys=node.keys)
    return [view(node, row) for row in rows]


def show_consent(node: Node, viewer: UserRecord, case_id: str) -> dict[str, Any]:
    """One consent case, on the same terms as `list_consents`."""
    authorise(node, viewer, Action.VIEW_CONSENTS, case_id)
    return get_consent(node, case_id)


def get_consent(node: Node, case_id: str) -> dict[str, Any]:
    with node.reader.connect() as conn:
        return view(node, casebook.load(conn, CONSENT, case_id, keys=node.keys))


def held_consent(node: Node, case_id: str) -> tuple[Consent | None, dict[str, Any]]:
    """The consent a holder holds under case `case_id`, verified afresh against the
    originator's card (None if there is none: refused, still asked, unknown); and its JWS."""
    with node.reader.connect() as conn:
        row = casebook.find(conn, CONSENT, case_id, keys=node.keys)
    if row is None:
        return None, {}
    document = row._mapping["document"]
    case = case_from(node, document)
    jws = document.get("jws")
    cards = node.known_cards(case.request.originator)  # given before a key rotation: still
    if case.consent is None or not jws or not cards:
        return None, {}
    document = under_any(cards, lambda card: verify_document(jws, card, "consent"))
    signed = consent_from_document(node, document, verified=True)
    return replace(signed, revoked_at=case.consent.revoked_at), jws
