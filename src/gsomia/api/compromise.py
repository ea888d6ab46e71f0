"""Loss or compromise cases (R37) and disputes between the parties (R46)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.compromise import (
    CompromiseRequest,
    DisputeRequest,
    FindingsRequest,
    NoteRequest,
    ReferRequest,
)
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.errors import InputError
from gsomia.node.control import compromise, disputes, investigation, loss_report

router = APIRouter(prefix="/api/v1", tags=["compromise"], responses=AUTHENTICATED)


@router.post("/compromises", status_code=201)
def report(body: CompromiseRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Anyone reports an actual or possible loss; the originator is notified at FLASH."""
    if (body.holding_id is None) == (body.item_id is None):
        raise InputError("give exactly one of holding_id and item_id")
    target = body.holding_id or body.item_id or ""
    return loss_report.report(node, user, target, body.description, actual=body.actual)


@router.get("/compromises")
def list_compromises(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    return compromise.list_cases(node, user)


@router.get("/compromises/{case_id}")
def show_compromise(case_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return compromise.get_case(node, user, case_id)


@router.post("/compromises/{case_id}/findings")
def findings(case_id: str, body: FindingsRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """The holder's officer sends the result and the measures to the originator."""
    return investigation.record_findings(
        node, user, case_id, result=body.result, measures=body.measures
    )


@router.post("/compromises/{case_id}/close")
def close(case_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Refused (403, Art. 17) until the originator acknowledged the findings."""
    return investigation.close(node, user, case_id)


@router.post("/disputes", status_code=201)
def open_dispute(body: DisputeRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return disputes.open_case(node, user, body.agreement_id, body.subject)


@router.get("/disputes")
def list_disputes(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    return disputes.list_cases(node, user)


@router.post("/disputes/{case_id}/consultations", status_code=201)
def consult(case_id: str, body: NoteRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return disputes.consult(node, user, case_id, body.note)


@router.post("/disputes/{case_id}/settle")
def settle(case_id: str, body: NoteRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return disputes.settle(node, user, case_id, body.note)


@router.post("/disputes/{case_id}/refer")
def refer(
    case_id: str, user: UserDep, node: NodeDep, body: ReferRequest | None = None
) -> dict[str, Any]:
    """Always refused (403, Art. 20): disputes are settled only between the parties."""
    disputes.refer(node, user, case_id, body.to if body else "a third party")
    return {}  # pragma: no cover - refer always raises
