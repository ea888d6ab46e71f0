"""Copies, translations, derivatives, destruction, return and the inventory of what is held.

Each route calls `gsomia.node.control.copies`, `derivatives`, `inventory` or `disposal`, where the
treaty decides and every decision is logged; a refusal answers 403 with its reason and article.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gsomia.api.deps import NodeDep, UserDep
from gsomia.node.control import copies, derivatives, disposal, inventory

router = APIRouter(prefix="/api/v1", tags=["custody"])

_NAME = Field(min_length=1, max_length=100)


class CopyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(default=1, ge=1, le=copies.MAX_COPIES)


class TranslationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    translator: str = _NAME
    language: str = Field(min_length=1, max_length=16)
    source_language: str = Field(min_length=1, max_length=16)
    content: str = Field(max_length=copies.MAX_TEXT)


class DerivativeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[str] = Field(min_length=1, max_length=copies.MAX_COPIES)
    kind: Literal["extract", "summary", "compilation"]
    title: str = Field(min_length=1, max_length=300)
    content: str = Field(max_length=copies.MAX_TEXT)
    #: A marking of this node's scheme at or above the sources' highest; theirs when omitted.
    level: str | None = Field(default=None, max_length=64)


class DestroyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: str = Field(min_length=1, max_length=100)
    officials: list[str] = Field(min_length=1, max_length=disposal.MAX_NAMES)
    witnesses: list[str] = Field(default_factory=list, max_length=disposal.MAX_NAMES)
    dispose_dependants: bool = False


class ReturnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dispose_dependants: bool = False


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
