"""The peer API: partner nodes deliver batches here and get signed answers back.

Served on the peer listener only, over mutual TLS pinned to the partners' cards (ADR 0071).
Each route knows which partner is on the other end of the link (`PeerDep`) and refuses a
request that claims to come from another nation, before anything is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from gsomia.api.deps import NodeDep
from gsomia.api.models.peer import HelloRequest
from gsomia.errors import InputError
from gsomia.exchange.links import LinkRefused, require_peer, tls_peer
from gsomia.exchange.wire import (
    HELLO_PATH,
    PATH,
    PRECEDENCE_HEADER,
    SEALED_ANSWERS,
    UPGRADE,
    V2_PATH,
)
from gsomia.node.acceptance import Accepted
from gsomia.node.live import push_flash
from gsomia.node.receive import receive_batch
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard
from gsomia.seal.sealed import parse_batch, seal_to
from gsomia.treaty.items import Precedence

router = APIRouter(tags=["peers"])
log = logging.getLogger("gsomia.links")
T = TypeVar("T")


def link_peer(request: Request, node: NodeDep) -> IdentityCard | None:
    """The partner on the other end of the TLS link; None over plain HTTP, which only the
    development flag allows. LinkRefused (logged) for a client that is no pinned partner."""
    extension = (request.scope.get("extensions") or {}).get("tls")
    if extension is None and node.links.plain_http:
        return None
    try:
        return tls_peer(extension, node.peer_cards())
    except LinkRefused as error:
        log.warning("peer request refused: %s", error.message, extra={"path": request.url.path})
        raise


PeerDep = Annotated[IdentityCard | None, Depends(link_peer)]


def claimed_by(request: Request, peer: IdentityCard | None, nation: str, what: str) -> None:
    """LinkRefused (logged) unless the TLS peer is `nation`, whom `what` claims to be from."""
    try:
        require_peer(peer, nation, what)
    except LinkRefused as error:
        log.warning("peer request refused: %s", error.message, extra={"path": request.url.path})
        raise


@router.post(PATH)
def deliver_v1() -> None:
    """Envelope v1 is gone from the wire (ADR 0070): say what the sending node must do."""
    raise InputError(UPGRADE, hint="both nodes must run a gsomia that speaks envelope v2")


def alert(node: Node) -> Callable[[list[Accepted]], None]:
    """Push newly held FLASH items to the screens allowed to see them; an alert that fails is
    logged and the delivery goes on (the holding is committed, the answer must go back)."""

    def push(accepted: list[Accepted]) -> None:
        try:
            push_flash(node, accepted)
        except Exception:
            log.exception("live alert for %d new holdings failed", len(accepted))

    return push


@router.post(V2_PATH)
async def deliver(request: Request, node: NodeDep, peer: PeerDep) -> Response:
    """Apply a partner's sealed v2 batch; the signed answers, sealed back to the sender."""
    # Decoded once, bounded before it is built; the body's bytes are let go after (ADR 0085).
    unverified = parse_batch(await _body(request))  # EnvelopeError unless it is a batch at all
    head = unverified.head
    sender = head["sender"]
    card = node.peer_card(sender)
    if card is not None:  # a stranger is refused as such by receive_batch
        claimed_by(request, peer, sender, "the batch")
    # A FLASH batch (the sender's hint; it orders work only) is FLASH work: this node's bulk
    # work yields to it. A bulk batch yields to FLASH work in hand at each of its turns. The
    # FLASH lane sends each message alone, so a larger batch marked FLASH is taken as bulk:
    # a partner cannot jump its bulk ahead of everyone else's by marking it. Nor by marking
    # every lone message: past its FLASH budget, one is handled as IMMEDIATE (treaty.flash).
    hinted = request.headers.get(PRECEDENCE_HEADER, "").upper() == "FLASH"
    flash = (
        hinted
        and head["size"] == 1
        and card is not None
        # the budget is a row the node's processes share on PostgreSQL: off the event loop
        and await run_in_threadpool(node.flash_precedence, sender) is Precedence.FLASH
    )
    # FLASH runs on the gate's own threads, which bulk work never queues on; a bulk batch on
    # the request threads, its messages opened in the node's bulk child processes (ADR 0122).
    with node.precedence.flash() if flash else contextlib.nullcontext():
        turn = (lambda: None) if flash else node.precedence.yield_to_flash
        # The alert goes out as the FLASH holding commits, not after the answers are signed.
        receive = partial(
            receive_batch,
            node,
            sender,
            unverified,
            on_commit=alert(node),
            turn=turn,
            children=not flash,
        )
        document, _ = await _off(node, flash, receive)
        assert card is not None  # receive_batch refused a stranger
        answers = partial(seal_to, card, orjson.dumps(document), head["batch"])
        sealed = await _off(node, flash, answers)
    return Response(sealed, media_type=SEALED_ANSWERS)


async def _off(node: Node, flash: bool, work: Callable[[], T]) -> T:
    """`work()` off the event loop: FLASH on the precedence gate's threads, bulk on the
    request threads."""
    if flash:
        return await asyncio.get_running_loop().run_in_executor(node.precedence.threads, work)
    return await run_in_threadpool(work)


async def _body(request: Request) -> bytearray:
    """The body (the gate has capped its size and admitted the partner), gathered in one
    buffer: Starlette's `body()` joins a list of chunks, holding it twice for a moment."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
    return body


@router.post(HELLO_PATH, status_code=204)
def hello(request: Request, body: HelloRequest, node: NodeDep, peer: PeerDep) -> None:
    """A partner node says it is up: retry what is queued for it now rather than later."""
    sender = body.sender
    if node.peer_card(sender) is None:
        raise InputError(f"{sender!r} is not a registered partner of this node")
    claimed_by(request, peer, sender, "the hello")
    node.worker.peer_is_back(sender)


@router.get("/peer/v1/card")
def card(node: NodeDep, _peer: PeerDep) -> dict[str, Any]:
    """This node's identity card (public keys and fingerprint), for partners to pin."""
    return node.card.to_json()
