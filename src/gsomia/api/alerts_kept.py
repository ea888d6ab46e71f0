"""A person's FLASH alerts kept on the node until acknowledged (`gsomia.node.kept_alerts`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.problems import AUTHENTICATED, errors
from gsomia.node import kept_alerts

router = APIRouter(prefix="/api/v1", tags=["alerts"], responses=AUTHENTICATED)


@router.get("/alerts/kept")
def pending_alerts(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    """The FLASH alerts you have not acknowledged, newest first."""
    return kept_alerts.pending(node, user)


@router.post("/alerts/kept/{holding_id}/ack", responses=errors(404))
def acknowledge_alert(holding_id: str, user: UserDep, node: NodeDep) -> dict[str, str]:
    """Acknowledge a FLASH alert; logged (who, when) in the node's log."""
    kept_alerts.acknowledge(node, user, holding_id)
    return {"holding": holding_id, "acknowledged_by": user.name}
