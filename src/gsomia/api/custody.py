"""Copies, translations, derivatives, destruction, return and the inventory of what is held.

Each route calls `gsomia.node.control.copies`, `derivatives`, `inventory` or `disposal`, where the
treaty decides and every decision is logged; a refusal answers 403 with its reason and article.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.custody import (
    CopyRequest,
    DerivativeRequest,
    DestroyRequest,
    ReturnRequest,
    TranslationRequest,
)
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.node.control import copies, derivatives, disposal, inventory

router = APIRouter(prefix="/api/v1", tags=["custody"], responses=AUTHENTICATED)


@router.post("/holdings/{holding_id}/copies", status_code=201)
def make_copies(
    holding_id: str, body: CopyRequest, user: UserDep, node: NodeDep
) -> list[dict[str, Any]]:
    """Numbered copies of a holding, within the originator's limit (R29)."""
    return [c.to_json() for c in copies.make_copies(node, user, holding_id, body.count)]


@router.post("/holdings/{holding_id}/translations", status_code=201)
def translate(
    holding_id: str, body: TranslationRequest, user: UserDep, node: NodeDep
) -> dict[str, Any]:
    """A translation by a cleared translator of this node, counted as a copy (R30)."""
    made = copies.translate(
        node,
        user,
        holding_id,
        translator=body.translator,
        language=body.language,
        source_language=body.source_language,
        content=body.content,
    )
    return made.to_json()


@router.post("/derivatives", status_code=201)
def derive(body: DerivativeRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """An extract, summary or compilation of holdings and own items, marked at least at the
    highest of their levels and listing every originator (R8)."""
    made = derivatives.derive(
        node,
        user,
        body.sources,
        kind=body.kind,
        title=body.title,
        content=body.content,
        level=body.level,
    )
    return made.to_json()


@router.post("/holdings/{holding_id}/destroy", status_code=201)
def destroy(holding_id: str, body: DestroyRequest, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """An officer records a destruction; the content is emptied from the store (R31, R32)."""
    return disposal.destroy(
        node,
        user,
        holding_id,
        method=body.method,
        officials=body.officials,
        witnesses=body.witnesses,
        dispose_dependants=body.dispose_dependants,
    )


@router.post("/holdings/{holding_id}/return", status_code=201)
def return_holding(
    holding_id: str, user: UserDep, node: NodeDep, body: ReturnRequest | None = None
) -> dict[str, Any]:
    """An officer gives a holding back to its originator, whose node is told (R18)."""
    chosen = body or ReturnRequest()
    return disposal.return_holding(
        node, user, holding_id, dispose_dependants=chosen.dispose_dependants
    )


@router.get("/holdings/{holding_id}/inventory")
def holding_inventory(holding_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Chain of custody, copies, destruction records and readers of a holding (R17)."""
    return inventory.inventory(node, user, holding_id).to_json()


@router.get("/items/{item_id}/inventory")
def item_inventory(item_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """The same for one of this node's own items (who it went to, and any return)."""
    return inventory.inventory(node, user, item_id).to_json()


@router.get("/items/{item_id}/readers")
def item_readers(item_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """The persons of this node given access to an item or holding, first access first."""
    return {"item": item_id, "readers": list(inventory.readers(node, user, item_id))}
