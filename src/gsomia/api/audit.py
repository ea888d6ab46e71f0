"""The auditors' view of the node's log: its status and its events (`/api/v1/audit/...`).

For this node's auditors and officers only; `gsomia.node.audit_trail` decides who may read,
and logs the decision, as it does for the `/audit` page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.base import MAX_INDEX
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.ledger.events import LogEvent
from gsomia.node import audit_trail

router = APIRouter(prefix="/api/v1/audit", tags=["log"], responses=AUTHENTICATED)

MAX_EVENTS = 1000


@router.get("/status")
def status(node: NodeDep, user: UserDep) -> dict[str, Any]:
    """Size, latest checkpoint, who cosigned up to where, whom we witness, refusals."""
    state = audit_trail.status(node, user)
    return {
        "origin": state.origin,
        "size": state.size,
        "checkpoint_size": state.checkpoint_size,
        "checkpoint": state.checkpoint,
        "cosigned_by": state.cosigned_by,
        "witnessing": state.witnessing,
        "refusals": [
            {"origin": r.origin, "reason": r.reason, "message": r.message, "at": r.refused_at}
            for r in state.refusals
        ],
    }


@router.get("/events")
def events(
    node: NodeDep,
    user: UserDep,
    start: Annotated[int, Query(alias="from", ge=0, le=MAX_INDEX)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 100,
) -> dict[str, Any]:
    """Log entries from index `from`, each decoded, with its index (for `audit prove`)."""
    found = audit_trail.events(node, user, start, limit)
    return {"from": start, "events": [_event(index, event) for index, event in found]}


def _event(index: int, event: LogEvent) -> dict[str, Any]:
    return {
        "index": index,
        "kind": event.kind.value,
        "time": event.time.isoformat(),
        "actor": event.actor,
        "subjects": list(event.subjects),
        "body": dict(event.body),
    }
