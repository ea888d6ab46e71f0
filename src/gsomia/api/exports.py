"""Exports in partner tools' formats: a STIX 2.1 bundle of items a person may read (ADR 0115).

Each object goes through the read decision and is logged (`gsomia.node.sharing`), as a read
through the API is.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.node import sharing
from gsomia.stix.objects import bundle_of

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], responses=AUTHENTICATED)

#: The most objects of each kind (own items, holdings) in a bundle of everything readable.
MAX_BUNDLE = 1000


@router.get("/stix")
def stix_bundle(
    user: UserDep, node: NodeDep, item_id: Annotated[list[str] | None, Query(alias="id")] = None
) -> JSONResponse:
    """A STIX 2.1 bundle: of the items and holdings named (`id`, repeated), or of every one
    the caller may read (the newest 1,000 of each)."""
    if item_id:
        found = sharing.export(node, user, item_id[:MAX_BUNDLE], action="read:stix")
    else:
        found = sharing.readable_all(node, user, MAX_BUNDLE, action="read:stix")
    return JSONResponse(bundle_of(found), media_type="application/stix+json;version=2.1")
