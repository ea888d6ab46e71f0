"""Partner tools' formats: a STIX 2.1 bundle of items a person may read, and STIX objects a
tool made taken in as drafts (ADR 0115).

Each object handed out goes through the read decision and is logged (`gsomia.node.sharing`),
as a read through the API is; each taken in is published as an analyst publishes (R6, R50).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from gsomia.api.deps import NodeDep, UserDep, admitted_by
from gsomia.api.models.base import Body
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.labels.media import attachment_headers
from gsomia.node import sharing, taxii, ztdf
from gsomia.stix.objects import bundle_of

router = APIRouter(prefix="/api/v1", tags=["exports"], responses=AUTHENTICATED)

#: The most objects of each kind (own items, holdings) in a bundle of everything readable.
MAX_BUNDLE = 1000


@router.get("/exports/stix")
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


class IntakeRequest(Body):
    """STIX objects a partner tool made, to become drafts under `agreement` for `purpose`."""

    agreement: str = Field(max_length=64)
    purpose: str = Field(max_length=200)
    level: str | None = Field(
        default=None, max_length=64, description="for objects that name no classification"
    )
    objects: list[Any] = Field(max_length=taxii.MAX_POSTED)


@router.post("/intake/stix", status_code=201)
def take_in(body: IntakeRequest, request: Request, user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Each object as a draft of this nation's, its STIX id kept; one already taken in is a
    success and is not taken in twice; a partner's item is refused (ADR 0115). The token is
    read again in the write, as a TAXII post's is (ADR 0154)."""
    found = taxii.collection(node, user, body.agreement, body.purpose)
    posted = taxii.post_objects(
        node,
        user,
        found,
        body.objects,
        default_level=body.level,
        presented=admitted_by(request, user),
    )
    return {
        "successes": posted.successes,
        "failures": [{"id": i, "reason": why} for i, why in posted.failures],
        "items": posted.item_ids,
    }


@router.get("/exports/ztdf/{item_id}")
def ztdf_container(item_id: str, request: Request, user: UserDep, node: NodeDep) -> Response:
    """A ZTDF (OpenTDF) container of one item or holding (R49): its key released only by
    this node's key-access route, to a reader the access decision allows."""
    kas_url = f"{request.base_url}api/v1/kas"
    container = ztdf.export_container(node, user, item_id, kas_url)
    return Response(
        container.data, media_type="application/zip", headers=attachment_headers(f"{item_id}.tdf")
    )


class RewrapRequest(Body):
    """What a TDF reader sends the key-access route: the container's key access object and
    policy, and its own RSA public key to receive the data key under."""

    keyAccess: dict[str, Any]
    policy: str = Field(max_length=32_000)
    clientPublicKey: str = Field(max_length=8_000)


@router.post("/kas/v2/rewrap")
def rewrap(body: RewrapRequest, user: UserDep, node: NodeDep) -> dict[str, str]:
    """The data key of a container this node made, wrapped for the requester, if the read
    decision allows them the item its policy names; logged either way."""
    wrapped = ztdf.rewrap(node, user, body.keyAccess, body.policy, body.clientPublicKey)
    return {"entityWrappedKey": wrapped, "sessionPublicKey": "", "schemaVersion": "1.0"}
