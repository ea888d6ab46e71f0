"""The node's own tamper-evident log: its name, its keys, appends, checkpoints and receipts.

Every security event reaches the log through `gsomia.node.audit`, inside the transaction of the
change it records (`SqlLog` never commits). Checkpoints are issued by `checkpoint_if_due`
(the node's background task, every `checkpoint_events` events or `checkpoint_seconds`) and
once per received batch, for the receipts (`receipts`). The log is named and verified from the
node's identity card alone (`gsomia.exchange.witness.log_origin`, ADR 0034).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

import aiohttp
from sqlalchemy import Connection, func, select

from gsomia.errors import Error, InputError, UsageError
from gsomia.exchange.witness import (
    SIZE_CONTENT_TYPE,
    add_checkpoint_body,
    cosignature_verifier,
    ed25519_public_key,
    log_origin,
    log_verifier,
    parse_cosignatures,
    parse_size,
    post_add_checkpoint,
)
from gsomia.ledger import merkle
from gsomia.ledger.audit import AuditReport, Row, TamperedLog, audit_log
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import SignedCheckpoint
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.ledger.merkle import NodeId
from gsomia.ledger.note import NoteVerifier
from gsomia.ledger.note_keys import CallableSigner, CosignatureV1Signer, Ed25519NoteVerifier
from gsomia.ledger.witness import AddCheckpoint, Cosigned, RefusalReason, Refused, add_checkpoint
from gsomia.node import audit
from gsomia.seal import IdentityCard, NodeKeys
from gsomia.store.ledger import SqlLog, log_checkpoints, log_cosignatures, log_leaves
from gsomia.store.users import get_user
from gsomia.treaty.roles import OFFICER

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from gsomia.node.runtime import Node

log = logging.getLogger("gsomia.log")


@dataclass(frozen=True)
class LogPolicy:
    """When to sign a checkpoint: after `checkpoint_events` new events or `checkpoint_seconds`."""

    checkpoint_events: int = 1000
    checkpoint_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.checkpoint_events < 1 or self.checkpoint_seconds <= 0:
            raise UsageError(
                "[log] checkpoint_events must be at least 1 and checkpoint_seconds above 0"
            )

    def due(self, *, size: int, last_size: int | None, last_at: float | None, now: float) -> bool:
        """Whether a new checkpoint is due; never for a log that did not grow."""
        if size == 0 or (last_size is not None and size <= last_size):
            return False
        if last_size is None or last_at is None:
            return True
        return (
            size - last_size >= self.checkpoint_events or now - last_at >= self.checkpoint_seconds
        )


class TailTree:
    """The tree of `start + len(leaves)` entries, known from the frontier at `start` (its perfect
    subtrees, `(level, index) -> hash`) and the leaf hashes from `start` on.

    Enough for the inclusion proof of any entry at or after `start`: every left sibling on its
    path that lies wholly before `start` is a frontier subtree, and everything else is built from
    the new leaves, once, however many proofs ask. A received batch's proofs so cost about one
    hash per entry, rather than a proof plan and a store read each.
    """

    def __init__(self, start: int, frontier: Mapping[NodeId, bytes], leaves: Sequence[bytes]):
        self.start = start
        self.size = start + len(leaves)
        self._leaves = leaves
        self._memo = {((i << lv), (i + 1) << lv): h for (lv, i), h in frontier.items()}

    def mth(self, lo: int, hi: int) -> bytes:
        """RFC 9162 MTH of entries `[lo, hi)`."""
        known = self._memo.get((lo, hi))
        if known is not None:
            return known
        if hi - lo == 1 and lo >= self.start:
            value = self._leaves[lo - self.start]
        elif hi <= self.start:
            raise InputError(f"subtree [{lo}, {hi}) is before the known tail at {self.start}")
        else:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            value = merkle.hash_children(self.mth(lo, lo + k), self.mth(lo + k, hi))
        self._memo[(lo, hi)] = value
        return value

    def inclusion_proof(self, index: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf first."""
        if not self.start <= index < self.size:
            raise InputError(f"entry {index} is outside the tail [{self.start}, {self.size})")
        proof = []
        lo, hi = 0, self.size
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if index < lo + k:
                proof.append(self.mth(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.mth(lo, lo + k))
                lo += k
        proof.reverse()
        return proof


def frontier_nodes(size: int) -> list[NodeId]:
    """The perfect subtrees `(level, index)` that tile `[0, size)`, largest first."""
    nodes: list[NodeId] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


def tail_proofs(
    conn: Connection, indices: Sequence[int], size: int
) -> list[tuple[int, bytes, list[bytes]]]:
    """(index, entry, inclusion proof under `size`) of each of `indices`, read in two queries."""
    start = min(indices)
    log = SqlLog(conn)
    ids = frontier_nodes(start)
    frontier = dict(zip(ids, log.read_hashes(ids), strict=True)) if ids else {}
    rows = conn.execute(
        select(log_leaves.c.idx, log_leaves.c.leaf_hash, log_leaves.c.entry)
        .where(log_leaves.c.idx >= start, log_leaves.c.idx < size)
        .order_by(log_leaves.c.idx)
    ).all()
    if [r[0] for r in rows] != list(range(start, size)):
        raise InputError(f"log entries {start}..{size - 1} are not all stored")
    tree = TailTree(start, frontier, [bytes(r[1]) for r in rows])
    entries = {r[0]: bytes(r[2]) for r in rows}
    return [(i, entries[i], tree.inclusion_proof(i)) for i in indices]


def unix(when: datetime) -> int:
    return int(when.timestamp())


class NodeLedger:
    """The node's log identity and keys, and the operations the node performs on its log."""

    def __init__(self, keys: NodeKeys, card: IdentityCard, policy: LogPolicy | None = None) -> None:
        self.card = card
        self.origin = log_origin(card)
        self.policy = policy or LogPolicy()
        self.signer: CallableSigner | None = None
        self.cosigner: CosignatureV1Signer | None = None
        self.verifier: Ed25519NoteVerifier | None = None
        try:
            public = ed25519_public_key(card)
        except UsageError:
            return  # a cnsa2 node logs, but signs no checkpoint (ADR 0034)
        for jwk, key in zip(keys.public["sig"], keys.signers, strict=True):
            if jwk.get("crv") == "Ed25519":
                private = cast("Ed25519PrivateKey", key)
                self.signer = CallableSigner(self.origin, public, private.sign)
                self.cosigner = CosignatureV1Signer(self.origin, private)
                self.verifier = log_verifier(card)

    def require_verifier(self) -> Ed25519NoteVerifier:
        if self.verifier is None:
            raise UsageError(
                f"this node's {self.card.profile} keys cannot sign log checkpoints",
                hint="log checkpoints need the pq or classic profile (ADR 0034)",
            )
        return self.verifier

    def checkpoint_if_due(self, conn: Connection, now: datetime) -> SignedCheckpoint | None:
        """Sign and store a checkpoint if the policy says so (in the caller's transaction)."""
        if self.signer is None:
            return None
        log = SqlLog(conn)
        size = log.frontier().size
        last = conn.execute(
            select(log_checkpoints.c.size, log_checkpoints.c.issued_at)
            .order_by(log_checkpoints.c.size.desc())
            .limit(1)
        ).first()
        due = self.policy.due(
            size=size,
            last_size=None if last is None else last.size,
            last_at=None if last is None else float(last.issued_at),
            now=now.timestamp(),
        )
        if not due:
            return None
        log.frontier(for_update=True)  # one issuer at a time per size
        return log.issue_checkpoint(self.signer, origin=self.origin, now=unix(now))

    def receipts(
        self, conn: Connection, indices: Sequence[int], now: datetime
    ) -> list[ProofBundle]:
        """Proofs of just-appended entries under one checkpoint signed now (one per batch)."""
        if self.signer is None or not indices:
            return []
        signed = SqlLog(conn).issue_checkpoint(self.signer, origin=self.origin, now=unix(now))
        note = signed.to_bytes()
        return [
            ProofBundle(index, entry, tuple(proof), note)
            for index, entry, proof in tail_proofs(conn, indices, signed.checkpoint.size)
        ]


def admin_event(
    kind: EventKind, *, actor: str, action: str, subject: str, now: datetime, **details: str
) -> LogEvent:
    """A user, key or peer administration event (`gsomia user add`, `peer add`, ...)."""
    if kind not in (EventKind.USER_ADMIN, EventKind.KEY_ADMIN, EventKind.AGREEMENT):
        raise InputError(f"{kind} is not an administration event")
    return LogEvent(kind, now, actor, (subject,), {"action": action, **details})


# --- this node as a witness of its partners' logs (C2SP tlog-witness) -------------------------


@dataclass(frozen=True)
class WitnessAnswer:
    """The HTTP answer to an add-checkpoint request."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


def _partner_for(node: Node, origin: str) -> IdentityCard | None:
    return next((c for c in node.peer_cards() if log_origin(c) == origin), None)


def witness_checkpoint(node: Node, body: bytes) -> WitnessAnswer:
    """Cosign a partner's checkpoint if it extends what we cosigned; refuse and alert if not.

    The new size is persisted in the same transaction that answers (tlog-witness); a rollback
    or fork keeps its evidence (`witness_refusals`), is logged, and alerts connected officers.
    """
    try:
        request = AddCheckpoint.parse(body)
        origin = request.origin
    except InputError as exc:
        return WitnessAnswer(400, exc.message.encode())
    card = _partner_for(node, origin)
    verifiers = None
    if card is not None:
        with contextlib.suppress(UsageError):  # a partner without Ed25519 keys: unknown log
            verifiers = [log_verifier(card)]
    cosigner = node.ledger.cosigner
    if cosigner is None:
        return WitnessAnswer(404, b"this node's keys cannot cosign checkpoints")
    now = node.clock()
    with node.engine.begin() as conn:
        log = SqlLog(conn)
        state = log.witness_state(origin)
        result = add_checkpoint(
            request, state=state, log_verifiers=verifiers, cosigner=cosigner, now=unix(now)
        )
        if isinstance(result, Cosigned):
            log.save_witness_state(result.state, previous=state)
            return WitnessAnswer(200, result.cosignature.line().encode())
        if result.alert or result.reason is RefusalReason.BAD_SIGNATURE:
            log.record_refusal(result, now=unix(now))
            actor = card.nation if card is not None else "unknown"
            event = LogEvent(
                EventKind.WITNESS,
                now,
                actor,
                (origin,),
                {
                    "action": f"witness:{result.reason}",
                    "reason": result.message,
                    "article": "Art. 6(f)",
                    "cosigned_size": result.witness_size,
                },
            )
            audit.record_event(conn, event)
    if result.alert:
        _alert_officers(node, result, card)
    if result.status == 409:
        return WitnessAnswer(409, f"{result.witness_size}\n".encode(), SIZE_CONTENT_TYPE)
    return WitnessAnswer(result.status, result.message.encode())


def _alert_officers(node: Node, refused: Refused, card: IdentityCard | None) -> None:
    watching = node.alerts.users
    if not watching:
        return
    with node.reader.connect() as conn:
        officers = {u for u in sorted(watching) if OFFICER in get_user(conn, u).roles}
    if officers:
        node.alerts.publish(
            officers,
            {
                "alert": "log-" + str(refused.reason),
                "partner": card.nation if card is not None else None,
                "origin": refused.origin,
                "message": refused.message,
                "cosigned_size": refused.witness_size,
                "at": node.clock().isoformat(),
            },
        )


# --- this node's log offered to its partners -------------------------------------------------


def checkpoint_offer(
    node: Node, card: IdentityCard, old: int | None = None
) -> tuple[int, str, bytes] | None:
    """(size, checkpoint text, request body) for `card`'s node, or None if it is up to date."""
    witness = log_origin(card)
    with node.reader.connect() as conn:
        log = SqlLog(conn)
        latest = log.latest_checkpoint()
        if latest is None:
            return None
        size = latest.checkpoint.size
        if old is None:
            old = int(
                conn.execute(
                    select(func.coalesce(func.max(log_cosignatures.c.size), 0)).where(
                        log_cosignatures.c.witness == witness
                    )
                ).scalar_one()
            )
            if old >= size:
                return None
        if old > size:
            return None
        proof = log.consistency_proof(old, size)
    return size, latest.note.text, add_checkpoint_body(old, proof, latest.to_bytes())


def store_cosignatures(node: Node, card: IdentityCard, size: int, text: str, body: bytes) -> int:
    verifier = cosignature_verifier(card)
    lines = [s for s in parse_cosignatures(text, body) if s.name == verifier.name]
    with node.engine.begin() as conn:
        log = SqlLog(conn)
        have = set(
            conn.execute(
                select(log_cosignatures.c.witness).where(log_cosignatures.c.size == size)
            ).scalars()
        )
        for line in lines:
            if line.name not in have:
                log.add_cosignature(size, line, verifier)
    return len(lines)


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
        status, answer = await post_add_checkpoint(session, endpoint, body)
        if status == 200:
            await asyncio.to_thread(store_cosignatures, node, card, size, text, answer)
            return size
        if status != 409:
            log.warning("%s's witness refused checkpoint %d: %s", card.nation, size, answer[:200])
            return None
        old = parse_size(answer)
    return None


async def keep_log(node: Node, stop: asyncio.Event) -> None:
    """Issue checkpoints as the policy says, and have each agreement partner cosign them."""
    tick = min(1.0, node.ledger.policy.checkpoint_seconds / 2)
    last_offer = 0.0
    timeout = aiohttp.ClientTimeout(total=10, connect=3)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while not stop.is_set():
            try:
                await asyncio.to_thread(_checkpoint_tick, node)
                if time.monotonic() - last_offer >= node.ledger.policy.checkpoint_seconds:
                    last_offer = time.monotonic()
                    await _offer_all(node, session)
            except (Error, aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.warning("log upkeep: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=tick)


def _checkpoint_tick(node: Node) -> None:
    with node.engine.begin() as conn:
        node.ledger.checkpoint_if_due(conn, node.clock())


async def _offer_all(node: Node, session: aiohttp.ClientSession) -> None:
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


# --- auditing the node's own log -------------------------------------------------------------


def _rows(conn: Connection, batch: int = 4096) -> Iterator[Row]:
    after = -1
    columns = (log_leaves.c.idx, log_leaves.c.entry, log_leaves.c.leaf_hash, log_leaves.c.subtrees)
    while True:
        rows = conn.execute(
            select(*columns).where(log_leaves.c.idx > after).order_by(log_leaves.c.idx).limit(batch)
        ).all()
        yield from ((r[0], bytes(r[1]), bytes(r[2]), bytes(r[3])) for r in rows)
        if len(rows) < batch:
            return
        after = rows[-1][0]


def verify_log(conn: Connection, verifier: NoteVerifier, *, origin: str) -> AuditReport:
    """`SqlLog.verify_all`, naming the altered entry itself where the stored hashes can.

    A checkpoint that no longer matches only bounds the damage (at or after the last checkpoint
    that did); when that happens the entries and stored subtree hashes are checked again without
    the checkpoints, which names the first altered entry exactly unless every hash was rewritten
    to match (then only the partner's cosigned checkpoints can tell, ADR 0033).
    """
    try:
        return SqlLog(conn).verify_all(verifier, origin=origin)
    except TamperedLog as bounded:
        try:
            audit_log(_rows(conn), [], SqlLog(conn).frontier(), verifier, origin=origin)
        except TamperedLog as exact:
            if exact.index >= bounded.index:
                raise exact from None
        except InputError:
            pass
        raise
