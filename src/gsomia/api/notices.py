"""Classification changes: the originator's officer re-marks its item and every holder follows
(R14). A holder's own attempt is refused, with the reason and the article, and logged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.notices import ClassificationChange
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.node.control import notice_case, notices, remarking

router = APIRouter(prefix="/api/v1", tags=["notices"], responses=AUTHENTICATED)


@router.post("/items/{item_id}/classification", status_code=201)
def change_classification(
    item_id: str, body: ClassificationChange, user: UserDep, node: NodeDep
) -> dict[str, Any]:
    """The originator's officer downgrades, upgrades or declassifies one of this nation's
    items; every known holder is sent the signed notice."""
    view = notices.reclassify(
        node, user, item_id, change=body.change, level=body.level, effective=body.effective
    )
    return view.to_json()


@router.post("/holdings/{holding_id}/classification", status_code=201)
def change_holding_classification(
    holding_id: str, body: ClassificationChange, user: UserDep, node: NodeDep
) -> dict[str, Any]:
    """A holder cannot change the classification of what it received: always refused (R14)."""
    del body
    remarking.refuse_holder_change(node, user, holding_id)
    return {}  # pragma: no cover - refuse_holder_change always raises


@router.get("/notices")
def list_notices(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    """Every classification notice this node sent or received, newest first: for officers,
    release authorities and auditors (403 for anyone else)."""
    return [view.to_json() for view in notice_case.viewable_notices(node, user)]


@router.get("/notices/{notice_id}")
def show_notice(notice_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    return notice_case.viewable_notice(node, user, notice_id).to_json()
