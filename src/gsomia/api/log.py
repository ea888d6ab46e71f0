"""The node's log over HTTP for partners: checkpoints and proofs, and the witness.

Partners may fetch the latest checkpoint and any inclusion or consistency proof: these reveal hashes
only, never an event (`gsomia.node.log_proofs`). Any pinned partner may ask (`PeerDep`, mutual TLS);
only the partner whose log it is may offer a checkpoint to cosign. Events themselves are for this
node's auditors and officers (`gsomia.api.audit`, role-checked and logged like every decision).
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from gsomia.api.deps import NodeDep
from gsomia.api.models.base import MAX_INDEX
from gsomia.api.peer import PeerDep, claimed_by
from gsomia.errors import InputError
from gsomia.exchange.witness import ADD_CHECKPOINT_PATH, log_origin
from gsomia.ledger.witness import AddCheckpoint
from gsomia.node import log_proofs
from gsomia.node.witness import witness_checkpoint

router = APIRouter(tags=["log"])

NOTE_TYPE = "text/plain; charset=utf-8"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@router.get("/peer/v1/log/checkpoint")
def checkpoint(node: NodeDep, _peer: PeerDep) -> Response:
    """The latest signed checkpoint (C2SP tlog-checkpoint), with the partners' cosignatures."""
    return Response(log_proofs.latest_checkpoint(node), media_type=NOTE_TYPE)


@router.get("/peer/v1/log/proof/inclusion")
def inclusion(
    node: NodeDep,
    _peer: PeerDep,
    index: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    size: Annotated[int, Query(ge=1, le=MAX_INDEX)],
) -> dict[str, Any]:
    """RFC 9162 inclusion proof of entry `index` in the tree of `size` entries."""
    proof = log_proofs.inclusion_proof(node, index, size)
    return {"index": index, "size": size, "proof": [_b64(h) for h in proof]}


@router.get("/peer/v1/log/proof/consistency")
def consistency(
    node: NodeDep,
    _peer: PeerDep,
    old: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    new: Annotated[int, Query(ge=0, le=MAX_INDEX)],
) -> dict[str, Any]:
    """RFC 9162 consistency proof from the tree of `old` entries to the tree of `new`."""
    proof = log_proofs.consistency_proof(node, old, new)
    return {"old": old, "new": new, "proof": [_b64(h) for h in proof]}


@router.post(ADD_CHECKPOINT_PATH)
async def add_checkpoint(request: Request, node: NodeDep, peer: PeerDep) -> Response:
    """C2SP tlog-witness add-checkpoint: a partner asks this node to cosign its checkpoint."""
    body = await request.body()  # at most 64 KB: the gate's cap of this door
    if peer is not None:
        try:
            origin = AddCheckpoint.parse(body).origin
        except InputError:
            origin = None  # malformed: the witness answers 400 and keeps nothing
        if origin is not None and origin != log_origin(peer):
            owner = next((c.nation for c in node.peer_cards() if log_origin(c) == origin), None)
            claimed_by(request, peer, owner or f"the log {origin!r}", "the checkpoint")
    answer = await run_in_threadpool(witness_checkpoint, node, body)
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type)
