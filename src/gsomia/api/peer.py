"""The peer API: partner nodes deliver batches here and get signed answers back."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from gsomia.api.deps import NodeDep
from gsomia.api.models.peer import HelloRequest
from gsomia.errors import InputError
from gsomia.exchange.wire import HELLO_PATH, PATH, parse_batch
from gsomia.node.live import push_flash
from gsomia.node.receive import receive_batch

router = APIRouter(tags=["peers"])

MAX_BODY = 96 << 20


@router.post(PATH)
async def deliver(request: Request, node: NodeDep) -> dict[str, Any]:
    """Apply a batch of messages from a partner; answer each, signed once for the batch."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:  # refuse before reading it
        raise InputError(f"a batch of {declared} bytes exceeds the {MAX_BODY}-byte limit")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InputError(f"a batch of {len(body)} bytes exceeds the {MAX_BODY}-byte limit")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise InputError("the batch is not JSON") from exc
    sender, messages = parse_batch(data)
    document, accepted = await run_in_threadpool(receive_batch, node, sender, messages)
    if accepted:
        await run_in_threadpool(push_flash, node, accepted)
    return document


@router.post(HELLO_PATH, status_code=204)
def hello(body: HelloRequest, node: NodeDep) -> None:
    """A partner node says it is up: retry what is queued for it now rather than later.

    Unauthenticated on purpose: the worst a forged hello can do is trigger an early retry.
    """
    sender = body.sender
    if node.peer_card(sender) is None:
        raise InputError(f"{sender!r} is not a registered partner of this node")
    node.worker.peer_is_back(sender)


@router.get("/peer/v1/card")
def card(node: NodeDep) -> dict[str, Any]:
    """This node's identity card (public keys and fingerprint), for partners to pin."""
    return node.card.to_json()
