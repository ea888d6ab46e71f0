"""Consent to onward release, onward release itself, custody chains, new purposes, hub mode.

The holder's officer asks (`POST /consents`), the originator's officer decides
(`/consents/{id}/grant|refuse|revoke`), the holder releases onward with the consent
(`POST /holdings/{id}/onward`), and anyone entitled to see transfers sees an item's custody
(`GET /items/{id}/custody`). Refusals come back as errors naming the reason and the article.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from gsomia.api.deps import NodeDep, UserDep
from gsomia.errors import InputError
from gsomia.node.control import (
    consent,
    consent_cases,
    consent_decisions,
    custody_chain,
    hub,
    onward,
    purposes,
)

router = APIRouter(prefix="/api/v1", tags=["consent"])


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise InputError(f"the body's {key!r} must be a non-empty string")
    return value


def _time(body: dict[str, Any], key: str, *, required: bool = True) -> datetime | None:
    raw = body.get(key)
    if raw is None and not required:
        return None
    try:
        value = datetime.fromisoformat(_text(body, key))
    except ValueError as exc:
        raise InputError(f"{key!r} is not an ISO 8601 date and time") from exc
    if value.tzinfo is None:
        raise InputError(f"{key!r} names no time zone", hint="e.g. 2027-01-01T00:00:00+00:00")
    return value


def _texts(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"the body's {key!r} must be a list of strings")
    return value


# Consent -------------------------------------------------------------------------------------


@router.post("/consents", status_code=201)
def request_consent(body: dict[str, Any], user: UserDep, node: NodeDep) -> dict[str, Any]:
    """The holder's officer asks the originator for consent to release a holding onward."""
    until = _time(body, "until")
    assert until is not None
    return consent.request_consent(
        node,
        user,
        _text(body, "holding_id"),
        _text(body, "recipient"),
        _text(body, "purpose"),
        until,
        item_class=_text(body, "item_class", required=False),
        ceiling=body.get("ceiling") if isinstance(body.get("ceiling"), str) else None,
    )


@router.get("/consents")
def list_consents(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    del user
    return consent_cases.list_consents(node)


@router.get("/consents/{case_id}")
def show_consent(case_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    del user
    return consent_cases.get_consent(node, case_id)


@router.post("/consents/{case_id}/grant")
def grant(
    case_id: str, user: UserDep, node: NodeDep, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The originator's officer grants; `expires_at` may only shorten the request's end."""
    return consent_decisions.grant(
        node, user, case_id, _time(body or {}, "expires_at", required=False)
    )


@router.post("/consents/{case_id}/refuse")
def refuse(case_id: str, body: dict[str, Any], user: UserDep, node: NodeDep) -> dict[str, Any]:
    return consent_decisions.refuse(node, user, case_id, _text(body, "reason"))


@router.post("/consents/{case_id}/revoke")
def revoke(case_id: str, body: dict[str, Any], user: UserDep, node: NodeDep) -> dict[str, Any]:
    return consent_decisions.revoke(node, user, case_id, _text(body, "reason"))


# Onward release and custody ------------------------------------------------------------------


@router.post("/holdings/{holding_id}/onward", status_code=201)
def release_onward(
    holding_id: str, body: dict[str, Any], user: UserDep, node: NodeDep
) -> dict[str, Any]:
    """Pass a holding on to a third nation with the originator's consent (R12)."""
    return onward.release_onward_to(
        node, user, holding_id, _text(body, "to"), _text(body, "consent_id")
    )


@router.get("/items/{item_id}/custody")
def custody(item_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Every nation known to hold the item, each transfer, and the path to each holder."""
    return custody_chain.custody(node, user, item_id)


# New purposes (R13) --------------------------------------------------------------------------


@router.post("/purposes", status_code=201)
def request_purpose(body: dict[str, Any], user: UserDep, node: NodeDep) -> dict[str, Any]:
    return purposes.request_purpose(node, user, _text(body, "holding_id"), _text(body, "purpose"))


@router.get("/purposes")
def list_purposes(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    del user
    return purposes.list_purposes(node)


@router.post("/purposes/{case_id}/approve")
def approve_purpose(case_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return purposes.approve_purpose(node, user, case_id)


@router.post("/purposes/{case_id}/refuse")
def refuse_purpose(
    case_id: str, body: dict[str, Any], user: UserDep, node: NodeDep
) -> dict[str, Any]:
    return purposes.refuse_purpose(node, user, case_id, _text(body, "reason"))


# Hub mode (R47) ------------------------------------------------------------------------------


@router.post("/hub/rules", status_code=201)
def add_hub_rule(body: dict[str, Any], user: UserDep, node: NodeDep) -> dict[str, Any]:
    """A security officer configures a (non-binding) hub arrangement: participants, topics."""
    return hub.add_hub_rule(
        node,
        user,
        _text(body, "arrangement"),
        _texts(body, "participants"),
        _texts(body, "topics"),
    )


@router.get("/hub/rules")
def list_hub_rules(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    del user
    return hub.list_hub_rules(node)


@router.post("/holdings/{holding_id}/forward", status_code=201)
def forward(holding_id: str, body: dict[str, Any], user: UserDep, node: NodeDep) -> dict[str, Any]:
    """The hub forwards a holding to the intended participant under a configured rule."""
    return hub.forward(node, user, holding_id, _text(body, "to"))
