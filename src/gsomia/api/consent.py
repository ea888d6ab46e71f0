"""Consent to onward release, onward release itself, custody chains, new purposes, hub mode.

The holder's officer asks (`POST /consents`), the originator's officer decides
(`/consents/{id}/grant|refuse|revoke`), the holder releases onward with the consent
(`POST /holdings/{id}/onward`), and anyone entitled to see transfers sees an item's custody
(`GET /items/{id}/custody`). Refusals come back as errors naming the reason and the article.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.consent import (
    ConsentRequest,
    ForwardRequest,
    GrantRequest,
    HubRuleRequest,
    OnwardRequest,
    PurposeRequest,
    ReasonRequest,
)
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.node.control import (
    consent,
    consent_cases,
    consent_decisions,
    custody_chain,
    hub,
    onward,
    purposes,
)

router = APIRouter(prefix="/api/v1", tags=["consent"], responses=AUTHENTICATED)


# Consent -------------------------------------------------------------------------------------


@router.post("/consents", status_code=201)
def request_consent(body: ConsentRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """The holder's officer asks the originator for consent to release a holding onward."""
    return consent.request_consent(
        node,
        user,
        body.holding_id,
        body.recipient,
        body.purpose,
        body.until,
        item_class=body.item_class,
        ceiling=body.ceiling,
    )


@router.get("/consents")
def list_consents(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    """Every consent case: for officers, release authorities and auditors with a clearance in
    force (`Action.VIEW_CONSENTS`)."""
    return consent_cases.list_consents(node, user)


@router.get("/consents/{case_id}")
def show_consent(case_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return consent_cases.show_consent(node, user, case_id)


@router.post("/consents/{case_id}/grant")
def grant(
    case_id: str, user: UserDep, node: NodeDep, body: GrantRequest | None = None
) -> dict[str, Any]:
    """The originator's officer grants; `expires_at` may only shorten the request's end."""
    return consent_decisions.grant(node, user, case_id, body.expires_at if body else None)


@router.post("/consents/{case_id}/refuse")
def refuse(case_id: str, body: ReasonRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return consent_decisions.refuse(node, user, case_id, body.reason)


@router.post("/consents/{case_id}/revoke")
def revoke(case_id: str, body: ReasonRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return consent_decisions.revoke(node, user, case_id, body.reason)


# Onward release and custody ------------------------------------------------------------------


@router.post("/holdings/{holding_id}/onward", status_code=201)
def release_onward(
    holding_id: str, body: OnwardRequest, user: UserDep, node: NodeDep
) -> dict[str, Any]:
    """Pass a holding on to a third nation with the originator's consent (R12)."""
    return onward.release_onward_to(node, user, holding_id, body.to, body.consent_id)


@router.get("/items/{item_id}/custody")
def custody(item_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Every nation known to hold the item, each transfer, and the path to each holder."""
    return custody_chain.custody(node, user, item_id)


# New purposes (R13) --------------------------------------------------------------------------


@router.post("/purposes", status_code=201)
def request_purpose(body: PurposeRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return purposes.request_purpose(node, user, body.holding_id, body.purpose)


@router.get("/purposes")
def list_purposes(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    return purposes.list_purposes(node, user)


@router.post("/purposes/{case_id}/approve")
def approve_purpose(case_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return purposes.approve_purpose(node, user, case_id)


@router.post("/purposes/{case_id}/refuse")
def refuse_purpose(
    case_id: str, body: ReasonRequest, user: UserDep, node: NodeDep
) -> dict[str, Any]:
    return purposes.refuse_purpose(node, user, case_id, body.reason)


# Hub mode (R47) ------------------------------------------------------------------------------


@router.post("/hub/rules", status_code=201)
def add_hub_rule(body: HubRuleRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """A security officer configures a (non-binding) hub arrangement: participants, topics."""
    return hub.add_hub_rule(node, user, body.arrangement, body.participants, body.topics)


@router.get("/hub/rules")
def list_hub_rules(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    return hub.list_hub_rules(node, user)


@router.post("/holdings/{holding_id}/forward", status_code=201)
def forward(holding_id: str, body: ForwardRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """The hub forwards a holding to the intended participant under a configured rule."""
    return hub.forward(node, user, holding_id, body.to)
