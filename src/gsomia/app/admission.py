"""Who may send a body to each application, asked by the gate before it reads one.

The peer application admits a pinned partner on the TLS link (or, under the development flag,
anyone over plain HTTP), within that partner's allowance (`gsomia.node.throttle`), on every
request. The user application admits a body to the API only with a valid token, and to a page
form only from a signed-in session (the sign-in form excepted); routes then check what they
always did, so the gate only ever refuses earlier, never admits more. A token or TAXII
credential the gate admitted is left in the scope (`api.deps.ADMITTED`), and the route's
check of that same request takes it rather than looking it up again (ADR 0137). A TAXII post's
body no longer than a request head is read unasked and asked for in the route's thread, before
the body is judged, one thread hop and not two (ADR 0149).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import Scope

from gsomia.api.deps import ADMITTED, current_user
from gsomia.api.taxii import taxii_user
from gsomia.app.doors import Credential, Door
from gsomia.app.gate import Admit, Refused
from gsomia.app.http_parsing import MAX_HEAD
from gsomia.errors import Error
from gsomia.exchange.links import tls_peer
from gsomia.node.runtime import Node
from gsomia.node.throttle import Throttle
from gsomia.web.auth import load_page, signed_in


def peer_admission(node: Node, throttle: Throttle) -> Admit:
    """Admit a pinned partner within its allowance."""

    async def admit(scope: Scope, _door: Door, _has_body: bool) -> None:
        extension = (scope.get("extensions") or {}).get("tls")
        if extension is None and node.links.plain_http:
            client = scope.get("client")
            sender = f"plain HTTP client {client[0] if client else '?'}"
        else:
            card = await run_in_threadpool(lambda: tls_peer(extension, node.peer_cards()))
            sender = card.nation
        throttle.take(sender)

    return admit


def user_admission(node: Node) -> Admit:
    """Admit a body from a valid token (the API) or a signed-in session (the pages)."""

    async def admit(scope: Scope, door: Door, has_body: bool) -> None:
        if not has_body or door.credential is Credential.NONE:
            return
        request = Request(scope)
        if door.credential is Credential.TAXII and _small(request):
            # Read unasked, then asked in the route's own thread before its body is judged: the
            # gate's check was a thread hop of its own on every post, beside the route's (ADR
            # 0149). A body no longer than a request head (`MAX_HEAD`, which any client may
            # send unasked) holds the node no more than the head does.
            return
        if door.credential is Credential.TOKEN:
            scope[ADMITTED] = ("token", await run_in_threadpool(current_user, request, node))
        elif door.credential is Credential.TAXII:
            scope[ADMITTED] = ("taxii", await run_in_threadpool(taxii_user, request, node))
        else:
            signed_in(await run_in_threadpool(load_page, request))

    return admit


def _small(request: Request) -> bool:
    """Whether the body is declared, and no longer than a request head may be."""
    declared = request.headers.get("content-length", "")
    return (
        "transfer-encoding" not in request.headers
        and declared.isdigit()
        and int(declared) <= MAX_HEAD
    )


def count_peer_refusal(node: Node) -> Refused:
    def count(_door: Door, error: Error) -> None:
        node.metrics.peer_refusals.labels(error.code).inc()

    return count


def count_user_refusal(node: Node) -> Refused:
    def count(door: Door, error: Error) -> None:
        node.metrics.user_refusals.labels(door.name, error.code).inc()

    return count
