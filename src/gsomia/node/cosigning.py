"""This node's log kept: checkpoints signed when due, and offered to partners to cosign.

`keep_log` is the node's background task (started beside the delivery worker): it signs a
checkpoint when the policy says so and, every `checkpoint_seconds`, offers the latest one to
the witness of each agreement partner (C2SP tlog-witness, ADR 0035) with a consistency proof
from the size that partner last cosigned. The cosignatures that verify are kept beside the
checkpoint; a proof bundle carries them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp
from sqlalchemy import Connection

from gsomia.errors import Error, NotFound
from gsomia.exchange.witness import (
    add_checkpoint_body,
    cosignature_verifier,
    log_origin,
    parse_cosignatures,
    parse_size,
    post_add_checkpoint,
)
from gsomia.ledger.cosignature import accept_cosignatures
from gsomia.ledger.note import NoteSignature
from gsomia.ledger.note_keys import CosignatureV1Verifier
from gsomia.node import cosigned_file
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard
from gsomia.store import checkpoints, marks
from gsomia.store.changes import Changes
from gsomia.store.merkle_log import MerkleLog

log = logging.getLogger("gsomia.log")

FALLBACK = 30.0  # seconds: partners are offered the latest checkpoint at least this often


def checkpoint_offer(
    node: Node, card: IdentityCard, old: int | None = None
) -> tuple[int, str, bytes] | None:
    """(size, checkpoint text, request body) for `card`'s node, or None if it is up to date."""
    with node.reader.connect() as conn:
        latest = checkpoints.latest(conn)
        if latest is None:
            return None
        size = latest.checkpoint.size
        if old is None:
            old = checkpoints.largest_cosigned(conn, log_origin(card))
            if old >= size:
                return None
        if old > size:
            return None
        proof = MerkleLog(conn).consistency_proof(old, size)
    return size, latest.note.text, add_checkpoint_body(old, proof, latest.to_bytes())


def store_cosignatures(node: Node, card: IdentityCard, size: int, text: str, body: bytes) -> int:
    """Keep the cosignatures by `card`'s node in its answer to our checkpoint `text` at `size`;
    how many it sent. VerificationError (nothing kept) if one of them does not verify."""
    verifier = cosignature_verifier(card)
    lines = [s for s in parse_cosignatures(text, body) if s.name == verifier.name]
    with node.engine.begin() as conn:
        have = checkpoints.cosigners(conn, size)
        fresh = [line for line in lines if line.name not in have]
        if fresh:
            _keep(conn, size, fresh, verifier)
            # From now on the home's copy must be there: its absence is itself a failure.
            marks.mark(conn, marks.COSIGNED_CHECKPOINT, node.clock())
    if fresh:
        with node.reader.connect() as conn:
            cosigned_file.keep(node.home.path, conn, size)
    return len(lines)


def _keep(
    conn: Connection, size: int, lines: list[NoteSignature], witness: CosignatureV1Verifier
) -> None:
    """Keep `lines` once each verifies against our checkpoint at `size` as stored."""
    signed = checkpoints.at(conn, size)
    if signed is None:
        raise NotFound(f"no checkpoint at size {size}")
    for line in accept_cosignatures(signed.note.text, lines, witness):
        checkpoints.add_cosignature(conn, size, line)


async def offer_checkpoint(
    node: Node, session: aiohttp.ClientSession, card: IdentityCard, endpoint: str
) -> int | None:
    """Send our latest checkpoint to one partner's witness; the size it cosigned, if it did."""
    old: int | None = None
    for _ in range(2):  # a 409 names the size the witness holds: one retry from there
        offer = await asyncio.to_thread(checkpoint_offer, node, card, old)
        if offer is None:
            return None
        size, text, body = offer
        link = node.links.context_for(endpoint, card)
        status, answer = await post_add_checkpoint(session, endpoint, body, link)
        if status == 200:
            await asyncio.to_thread(store_cosignatures, node, card, size, text, answer)
            return size
        if status != 409:
            log.warning("%s's witness refused checkpoint %d: %s", card.nation, size, answer[:200])
            return None
        old = parse_size(answer)
    return None


async def keep_log(node: Node, stop: asyncio.Event) -> None:
    """Issue checkpoints as the policy says, and have each agreement partner cosign them.

    Each tick first asks whether the database changed at all (`gsomia.store.changes`, a few
    microseconds); the log and the partners' cosignatures are read only if it did, or while a
    checkpoint is still owed or a partner is behind (ADR 0142). An idle node read them every
    second before, for nothing."""
    seconds = node.ledger.policy.checkpoint_seconds
    tick = min(1.0, seconds / 2)
    last_offer = 0.0
    unsigned = unoffered = True  # entries no checkpoint covers; a partner maybe behind
    changes = Changes(node.engine)
    timeout = aiohttp.ClientTimeout(total=10, connect=3)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not stop.is_set():
                try:
                    changed = await asyncio.to_thread(changes.seen)
                    # An agreement may come into force with nothing written: offer anyway,
                    # now and then.
                    quiet = time.monotonic() - last_offer >= FALLBACK
                    unoffered = unoffered or changed or quiet
                    if changed or unsigned:
                        unsigned = await asyncio.to_thread(_checkpoint_tick, node)
                    if unoffered and time.monotonic() - last_offer >= seconds:
                        last_offer = time.monotonic()
                        unoffered = await _offer_all(node, session)
                except (Error, aiohttp.ClientError, TimeoutError, OSError) as exc:
                    log.warning("log upkeep: %s", exc)
                    unsigned = unoffered = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=tick)
    finally:
        changes.close()


def _checkpoint_tick(node: Node) -> bool:
    """Sign a checkpoint if one is due; whether entries remain that none covers yet (one
    falls due within `checkpoint_seconds`)."""
    if node.ledger.signer is None:
        return False
    with node.engine.begin() as conn:
        node.ledger.checkpoint_if_due(conn, node.clock())
        last = checkpoints.last_issued(conn)
        return MerkleLog(conn).frontier().size > (0 if last is None else last[0])


def _behind(node: Node, cards: list[IdentityCard]) -> bool:
    """Whether any of `cards`' nodes has not cosigned this node's latest checkpoint."""
    with node.reader.connect() as conn:
        latest = checkpoints.latest(conn)
        if latest is None:
            return False
        size = latest.checkpoint.size
        return any(checkpoints.largest_cosigned(conn, log_origin(c)) < size for c in cards)


async def _offer_all(node: Node, session: aiohttp.ClientSession) -> bool:
    """Offer the latest checkpoint to each agreement partner that has not cosigned it;
    whether any partner is still behind (to be offered again after `checkpoint_seconds`)."""
    now = node.clock()
    partners = []
    for card in node.peer_cards():
        address = node.peer_address(card.nation)
        if address is not None and node.agreements.between(node.nation, card.nation):
            partners.append((card, address.endpoint))
    results = await asyncio.gather(
        *(offer_checkpoint(node, session, c, e) for c, e in partners), return_exceptions=True
    )
    for (card, _), result in zip(partners, results, strict=True):
        if isinstance(result, BaseException):
            log.info("%s did not cosign at %s: %s", card.nation, now.isoformat(), result)
    return await asyncio.to_thread(_behind, node, [card for card, _ in partners])
