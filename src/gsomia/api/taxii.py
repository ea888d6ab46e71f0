"""TAXII 2.1 (OASIS, 2021) for partner tools: discovery, API roots, collections, objects,
manifest, versions and status, as `application/taxii+json;version=2.1` (ADR 0116).

Thin: every answer comes from `gsomia.node.taxii`, which asks the read decision of every
object and logs every object handed over. Credentials: HTTP Basic (a person's name and
password) or a bearer API token, mapped to the node's users.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from gsomia.api.deps import NodeDep, admitted, admitted_by, current_user
from gsomia.errors import InputError, NotAcceptable, Unauthenticated, UnsupportedMediaType
from gsomia.node import taxii
from gsomia.node.runtime import Node
from gsomia.node.sharing import Handed
from gsomia.node.taxii import Collection, Page
from gsomia.node.users import UserRecord
from gsomia.stix.matching import Match, match_of, version_of
from gsomia.stix.objects import STIX_MEDIA_TYPE

__all__ = ["MAX_ENVELOPE", "PREFIX", "TAXII_MEDIA_TYPE", "router", "taxii_user"]

PREFIX = "/taxii2"
TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
#: The largest envelope a tool may post (the API root's `max_content_length`).
MAX_ENVELOPE = 8 << 20


class TaxiiError(BaseModel):
    """A TAXII 2.1 error message (section 3.6.1)."""

    title: str
    description: str
    http_status: str
    details: dict[str, Any] | None = None


_WHY = {
    400: "bad input",
    401: "no valid credential (Basic or bearer)",
    403: "refused by a rule, with its article",
    404: "not found, or not yours to see",
    405: "the resource does not take this method",
    406: "the Accept header takes no application/taxii+json;version=2.1",
    409: "conflicts with the current state",
    413: "the body is over the TAXII door's cap",
    415: "a post that is not application/taxii+json;version=2.1",
    422: "the request does not fit its schema",
    429: "too many password checks at once; retry after Retry-After",
    503: "a dependency is unavailable; retry later",
}


def _media_types(header: str) -> list[tuple[str, dict[str, str]]]:
    """The media types (lower case) and their parameters of an Accept or Content-Type value.
    Hand-written: the stack parses neither (Starlette keeps headers as text)."""
    found = []
    for part in header.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        named = dict(p.partition("=")[::2] for p in params if "=" in p)
        found.append(
            (kind.lower(), {k.strip().lower(): v.strip().strip('"') for k, v in named.items()})
        )
    return found


def _is_taxii_21(kind: str, params: dict[str, str]) -> bool:
    # No version names the latest TAXII, 2.1 (TAXII 2.1 section 1.6.8.1).
    return kind == "application/taxii+json" and params.get("version", "2.1") == "2.1"


def _takes_taxii_21(accept: str) -> bool:
    for kind, params in _media_types(accept):
        if params.get("q", "1").strip() in {"0", "0.0", "0.00", "0.000"}:
            continue
        if kind in {"*/*", "application/*"} or _is_taxii_21(kind, params):
            return True
    return False


async def negotiated(request: Request) -> None:
    """What TAXII 2.1 says of media types (section 1.6.8): a request whose Accept takes no
    TAXII 2.1 is 406; a post whose body is not TAXII 2.1 is 415, before the body is read as
    an envelope. No Accept takes anything (RFC 9110 section 12.5.1).

    On the event loop (it reads two headers): as a plain function FastAPI ran it in the
    thread pool, a hop on every TAXII request (ADR 0137)."""
    accept = request.headers.get("accept")
    if accept is not None and not _takes_taxii_21(accept):
        raise NotAcceptable(
            f"this server answers in {TAXII_MEDIA_TYPE} only, which the Accept header does "
            "not take",
            hint=f"send Accept: {TAXII_MEDIA_TYPE}",
        )
    if request.method == "POST":
        sent = request.headers.get("content-type", "")
        if not any(_is_taxii_21(kind, params) for kind, params in _media_types(sent)[:1]):
            raise UnsupportedMediaType(
                f"a TAXII post is {TAXII_MEDIA_TYPE}, not {sent or 'a body of no media type'}",
                hint=f"send Content-Type: {TAXII_MEDIA_TYPE}",
            )


router = APIRouter(
    prefix=PREFIX,
    tags=["taxii"],
    dependencies=[Depends(negotiated)],
    responses={status: {"model": TaxiiError, "description": why} for status, why in _WHY.items()},
)


def taxii_user(request: Request, node: NodeDep) -> UserRecord:
    """The person HTTP Basic credentials or a bearer token name."""
    known = admitted(request, "taxii")
    if known is not None:
        return known
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        try:
            name, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("the Basic credentials are not base64 of name:password") from None
        source = request.client.host if request.client else ""
        return taxii.basic_user(node, name, password, source=source)
    return current_user(request, node)


@dataclass(frozen=True)
class Caller:
    """A request's credentials, checked by `user()` (`taxii_user`) in the thread that answers
    the request: as a dependency of its own the check was a thread-pool hop of its own on
    every request, beside the route's (ADR 0137). Each route asks `user()` first, before it
    reads anything else of the request; a test walks every route without credentials."""

    request: Request
    node: Node

    def user(self) -> UserRecord:
        return taxii_user(self.request, self.node)


async def caller(request: Request, node: NodeDep) -> Caller:
    return Caller(request, node)


TaxiiCaller = Annotated[Caller, Depends(caller)]


def _answer(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(data, status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers)


_stamp = taxii.stamp


def _collection_body(found: Collection) -> dict[str, Any]:
    return {
        "id": found.id,
        "title": found.purpose,
        "description": f"What partners provided under {found.agreement_id} for the purpose "
        f"{found.purpose}, as you may read it.",
        "can_read": True,
        "can_write": True,
        "media_types": [STIX_MEDIA_TYPE],
    }


@router.get("/")
def discovery(request: Request, who: TaxiiCaller, node: NodeDep) -> Response:
    who.user()
    roots = [f"{request.base_url}taxii2/{a.id}/" for a in taxii.api_roots(node)]
    return _answer(
        {
            "title": f"gsomia node {node.nation}",
            "description": "One API root per security agreement this nation is a party to.",
            "contact": node.card.name,
            "api_roots": roots,
        }
    )


@router.get("/{root}/")
def api_root(root: str, who: TaxiiCaller, node: NodeDep) -> Response:
    who.user()
    agreement = taxii.agreement_of(node, root)
    return _answer(
        {
            "title": agreement.title,
            "description": f"Exchanged under {agreement.id} between "
            f"{' and '.join(agreement.parties)}.",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": MAX_ENVELOPE,
        }
    )


@router.get("/{root}/collections/")
def list_collections(root: str, who: TaxiiCaller, node: NodeDep) -> Response:
    found = taxii.collections(node, who.user(), root)
    return _answer({"collections": [_collection_body(c) for c in found]})


@router.get("/{root}/collections/{collection_id}/")
def show_collection(root: str, collection_id: str, who: TaxiiCaller, node: NodeDep) -> Response:
    return _answer(_collection_body(taxii.collection(node, who.user(), root, collection_id)))


def _added_after(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"added_after {value!r} is not a timestamp") from None
    if moment.tzinfo is None:
        raise InputError("added_after needs a time zone (end it in Z)")
    return moment


def _limit(value: str | None) -> int | None:
    """A page's `limit`: a whole number of at least 1 (TAXII 2.1 section 3.4.1), or None."""
    if value is None:
        return None
    if not value.isdecimal() or int(value) < 1:
        raise InputError(f"limit {value[:20]!r} is not a whole number of at least 1")
    return int(value)


def _page(
    node: Node,
    user: UserRecord,
    root: str,
    collection_id: str,
    request: Request,
) -> Page:
    params = request.query_params
    match = match_of(params)
    limit = _limit(params.get("limit"))
    found = taxii.collection(node, user, root, collection_id)
    return taxii.objects_page(
        node,
        user,
        found,
        next_=params.get("next"),
        added_after=_added_after(params.get("added_after")),
        limit=limit,
        match=match,
    )


def _page_headers(page: Page) -> dict[str, str]:
    if not page.objects:
        return {}
    return {
        "X-TAXII-Date-Added-First": _stamp(page.objects[0].added),
        "X-TAXII-Date-Added-Last": _stamp(page.objects[-1].added),
    }


def _envelope(page: Page, body: dict[str, Any]) -> dict[str, Any]:
    found = {"more": page.more, **body}
    if page.next is not None:
        found["next"] = page.next
    return found


def _spliced(more: bool, next_: str | None, objects: list[Handed]) -> bytes:
    """A TAXII envelope (section 3.7) around `objects`' JSON as made at receipt, spliced in
    unchanged rather than parsed and written again (ADR 0124): the same bytes `_answer`
    writes for the same body."""
    parts = [b'{"more":', b"true" if more else b"false"]
    if next_ is not None:
        parts += [b',"next":', json.dumps(next_).encode()]
    if objects:
        parts += [b',"objects":[', b",".join(handed.data for handed in objects), b"]"]
    return b"".join([*parts, b"}"])


@router.get("/{root}/collections/{collection_id}/objects/")
def get_objects(
    root: str, collection_id: str, request: Request, who: TaxiiCaller, node: NodeDep
) -> Response:
    page = _page(node, who.user(), root, collection_id, request)
    body = _spliced(page.more, page.next, page.objects)
    return Response(body, media_type=TAXII_MEDIA_TYPE, headers=_page_headers(page))


def _manifest_entry(handed: Handed) -> dict[str, Any]:
    obj = handed.object
    return {
        "id": obj["id"],
        "date_added": _stamp(handed.added),
        "version": version_of(obj) or _stamp(handed.added),
        "media_type": STIX_MEDIA_TYPE,
    }


@router.get("/{root}/collections/{collection_id}/manifest/")
def get_manifest(
    root: str, collection_id: str, request: Request, who: TaxiiCaller, node: NodeDep
) -> Response:
    page = _page(node, who.user(), root, collection_id, request)
    entries = [_manifest_entry(handed) for handed in page.objects]
    body = _envelope(page, {"objects": entries} if entries else {})
    return _answer(body, headers=_page_headers(page))


def _one(node: Node, user: UserRecord, where: tuple[str, str, str], match: Match) -> Handed:
    """The object, as `taxii.get_object` hands it over if `match` admits it."""
    root, collection_id, object_id = where
    found = taxii.collection(node, user, root, collection_id)
    return taxii.get_object(node, user, found, object_id, match)


@router.get("/{root}/collections/{collection_id}/objects/{object_id}/")
def get_object(
    root: str,
    collection_id: str,
    object_id: str,
    *,
    request: Request,
    who: TaxiiCaller,
    node: NodeDep,
) -> Response:
    user = who.user()
    match = match_of(request.query_params, ("version", "spec_version"))
    handed = _one(node, user, (root, collection_id, object_id), match)
    headers = {"X-TAXII-Date-Added-First": _stamp(handed.added)}
    headers["X-TAXII-Date-Added-Last"] = headers["X-TAXII-Date-Added-First"]
    body = _spliced(False, None, [handed])
    return Response(body, media_type=TAXII_MEDIA_TYPE, headers=headers)


@router.get("/{root}/collections/{collection_id}/objects/{object_id}/versions/")
def get_versions(
    root: str,
    collection_id: str,
    object_id: str,
    *,
    request: Request,
    who: TaxiiCaller,
    node: NodeDep,
) -> Response:
    user = who.user()
    match = match_of(request.query_params, ("spec_version",))
    handed = _one(node, user, (root, collection_id, object_id), match)
    entry = _manifest_entry(handed)
    headers = {"X-TAXII-Date-Added-First": entry["date_added"]}
    headers["X-TAXII-Date-Added-Last"] = entry["date_added"]
    return _answer({"more": False, "versions": [entry["version"]]}, headers=headers)


def _envelope_objects(data: bytes) -> list[Any]:
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested past the parser's depth
        raise InputError("the envelope is not JSON") from None
    objects = body.get("objects") if isinstance(body, dict) else None
    if not isinstance(objects, list):
        raise InputError("the envelope has no objects list", hint='send {"objects": [...]}')
    return objects


@router.post("/{root}/collections/{collection_id}/objects/", status_code=202)
async def add_objects(
    root: str, collection_id: str, request: Request, who: TaxiiCaller, node: NodeDep
) -> Response:
    # The gate checked the credentials of a larger body before it was read (the TAXII door,
    # ADR 0072); `who.user()` takes whom it admitted. A post of no body, or of one no longer
    # than a request head (ADR 0149), passed the gate unasked: its credentials are asked first
    # in the thread, before the body is judged (found by the attack, ADR 0143).
    body = await request.body()

    def post() -> taxii.Posted:
        user = who.user()
        objects = _envelope_objects(body)
        found = taxii.collection(node, user, root, collection_id)
        return taxii.post_objects(
            node,
            user,
            found,
            objects,
            status_id=str(uuid.uuid4()),
            presented=admitted_by(request, user),
        )

    posted = await run_in_threadpool(post)
    return _answer(posted.status, status=202)


@router.get("/{root}/status/{status_id}/")
def get_status(root: str, status_id: str, who: TaxiiCaller, node: NodeDep) -> Response:
    return _answer(taxii.posted_status(node, who.user(), root, status_id))
