"""The delivery worker: sends the outbox to peers, FLASH first, until each is answered.

Two lanes run side by side. The FLASH lane sends each FLASH message alone the moment it is
queued; the bulk lane sends everything else in batches. So a FLASH track never waits behind
10,000 queued ROUTINE reports, neither here nor in the partner's inbox.

Every call goes over the partner's pinned mutual-TLS link (`gsomia.exchange.links`): one
client context per partner card, so the session's pool reuses each partner's connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import Connection, Engine

from gsomia.errors import Error, UsageError, VerificationError
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.backoff import next_attempt
from gsomia.exchange.links import PeerLinks
from gsomia.exchange.outgoing import cut, sealed_batch
from gsomia.exchange.wire import CBOR, HELLO_PATH, MAX_BATCH, REJECTED, V2_PATH
from gsomia.seal import EnvelopeError, IdentityCard, NodeKeys
from gsomia.seal.sealed import open_sealed
from gsomia.store.db import reader

log = logging.getLogger("gsomia.delivery")

FLASH = 0
_draw = secrets.SystemRandom().random  # jitter must differ between nodes, not be predictable
BULK_BATCH = 64  # small enough that a partner's inbox transaction stays short
LANE_RETRY = 1.0  # seconds a lane waits after an unexpected failure
HELLO_DELAY = 0.5


@dataclass(frozen=True)
class PeerAddress:
    nation: str
    endpoint: str
    card: IdentityCard


#: Told of each batch of settled answers, in the transaction that settles them (so an answer
#: and what the node makes of it commit together, or neither); whether it queued more work.
Settled = Callable[[Connection, str, list[tuple[outbox.Pending, dict[str, Any]]]], bool]


class DeliveryWorker:
    def __init__(
        self,
        engine: Engine,
        *,
        sender: str,
        resolve: Callable[[str], PeerAddress | None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_settled: Settled | None = None,
        on_failure: Callable[[str], None] | None = None,
        peers: Callable[[], list[str]] = list,
        links: PeerLinks | None = None,
        keys: NodeKeys | None = None,
    ) -> None:
        self._engine = engine
        self._keys = keys
        self._links = links or PeerLinks(None)
        self._reader = reader(engine)
        self._peers = peers
        self._sender = sender
        self._resolve = resolve
        self._clock = clock
        self._on_settled = on_settled
        self._on_failure = on_failure
        self._down: dict[str, tuple[int, datetime]] = {}  # peer -> (failures, retry at)
        self._wake_flash = asyncio.Event()
        self._wake_bulk = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self, priority: int) -> None:
        """Tell the worker there is new work; callable from any thread."""
        if self._loop is None:
            return
        event = self._wake_flash if priority == FLASH else self._wake_bulk
        self._loop.call_soon_threadsafe(event.set)

    def peer_is_back(self, peer: str) -> None:
        """A partner announced it is up again: forget its back-off and send at once."""
        self._down.pop(peer, None)
        with self._engine.begin() as conn:
            outbox.retry_now(conn, peer, self._clock())
        self.wake(FLASH)
        self.wake(FLASH + 1)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        timeout = aiohttp.ClientTimeout(total=30, connect=3)
        connector = aiohttp.TCPConnector(limit_per_host=8)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            lanes = [
                asyncio.create_task(self._lane(session, stop, flash=True)),
                asyncio.create_task(self._lane(session, stop, flash=False)),
                asyncio.create_task(self._say_hello(session)),
            ]
            await stop.wait()
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)

    async def _lane(
        self, session: aiohttp.ClientSession, stop: asyncio.Event, *, flash: bool
    ) -> None:
        wake = self._wake_flash if flash else self._wake_bulk
        while not stop.is_set():
            wake.clear()
            try:
                rows = await asyncio.to_thread(self._due, flash)
                if rows:
                    await self._send_all(session, rows, flash=flash)
                    continue
                delay = await asyncio.to_thread(self._idle_delay)
            except Exception:  # a lane that dies stops all delivery
                # The database failed under us (locked, restarted): nothing was settled, so
                # the rows go again; the lane waits a moment and carries on.
                log.exception("delivery lane %s failed; retrying", "FLASH" if flash else "bulk")
                delay = LANE_RETRY
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)

    async def _say_hello(self, session: aiohttp.ClientSession) -> None:
        """Tell each partner this node is up, so what they queued for it comes at once."""
        await asyncio.sleep(HELLO_DELAY)  # the server starts listening just after the worker
        for peer in self._peers():
            address = self._resolve(peer)
            if address is None:
                continue
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, UsageError):
                async with session.post(
                    address.endpoint.rstrip("/") + HELLO_PATH,
                    json={"sender": self._sender},
                    timeout=aiohttp.ClientTimeout(total=2),
                    ssl=self._links.context_for(address.endpoint, address.card) or True,
                ):
                    pass  # released at once, so the connection goes back to the pool

    def _due(self, flash: bool) -> list[outbox.Pending]:
        now = self._clock()
        with self._reader.connect() as conn:
            rows = outbox.due(conn, now, limit=4 * MAX_BATCH)
        resting = {peer for peer, (_, until) in self._down.items() if until > now}
        return [row for row in rows if (row.priority == FLASH) == flash and row.peer not in resting]

    def _idle_delay(self) -> float:
        with self._reader.connect() as conn:
            when = outbox.next_due_at(conn)
        if when is None:
            return 1.0
        return min(1.0, max(0.01, (when - self._clock()).total_seconds()))

    async def _send_all(
        self, session: aiohttp.ClientSession, rows: Sequence[outbox.Pending], *, flash: bool
    ) -> None:
        by_peer: dict[str, list[outbox.Pending]] = defaultdict(list)
        for row in rows:
            by_peer[row.peer].append(row)
        if flash:
            # Each FLASH message alone and at once: none waits for another.
            await asyncio.gather(*(self._send(session, row.peer, [row]) for row in rows))
            return
        # Bulk: one batch in flight per partner, so its inbox is never flooded and a FLASH
        # message arriving there meanwhile finds the partner's node free to take it.
        await asyncio.gather(
            *(self._send_in_turn(session, peer, batch) for peer, batch in by_peer.items())
        )

    async def _send_in_turn(
        self, session: aiohttp.ClientSession, peer: str, rows: Sequence[outbox.Pending]
    ) -> None:
        for batch in cut(rows, BULK_BATCH):
            await self._send(session, peer, batch)

    async def _send(
        self, session: aiohttp.ClientSession, peer: str, rows: Sequence[outbox.Pending]
    ) -> None:
        address = self._resolve(peer)
        if address is None:
            await asyncio.to_thread(self._retry, rows, f"peer {peer} has no endpoint")
            return
        try:
            link = self._links.context_for(address.endpoint, address.card) or True
            if self._keys is None:
                raise UsageError("a delivery worker without the node's keys cannot seal")
            batch_id, data = await asyncio.to_thread(
                sealed_batch, self._keys, self._sender, address.card, rows, self._clock()
            )
            url = address.endpoint.rstrip("/") + V2_PATH
            headers = {"Content-Type": CBOR}
            async with session.post(url, data=data, headers=headers, ssl=link) as response:
                body = await response.read()
                if response.status != 200:
                    raise aiohttp.ClientResponseError(
                        response.request_info,
                        (),
                        status=response.status,
                        message=body[:300].decode("utf-8", "replace"),
                    )
            answers = await asyncio.to_thread(self._answers, address.card, batch_id, body)
        except (
            aiohttp.ClientError,
            TimeoutError,
            ValueError,
            VerificationError,
            UsageError,
        ) as exc:
            log.warning("delivery to %s failed: %s", peer, exc)
            if self._on_failure:
                self._on_failure(peer)
            await asyncio.to_thread(self._retry, rows, f"{type(exc).__name__}: {exc}")
            return
        self._down.pop(peer, None)
        await asyncio.to_thread(self.settle, peer, rows, answers)

    def _answers(self, card: IdentityCard, batch_id: bytes, body: bytes) -> list[dict[str, Any]]:
        """The partner's answers, sealed back to this node (ADR 0070), once opened and their
        batch signature and proofs verified."""
        assert self._keys is not None
        try:
            document = json.loads(open_sealed(self._keys, body, batch_id))
        except EnvelopeError as error:
            raise VerificationError(
                f"the partner's answers did not open: {error.reason}"
            ) from error
        return verify_answers(document, signer=card)

    def _retry(self, rows: Sequence[outbox.Pending], error: str) -> None:
        # The peer is what failed, not the message: one back-off per peer, shared by its rows.
        now = self._clock()
        peer = rows[0].peer
        failures = self._down.get(peer, (0, now))[0] + 1
        until = next_attempt(failures - 1, now, _draw())
        self._down[peer] = (failures, until)
        with self._engine.begin() as conn:
            outbox.retry_later(conn, rows, error, until)

    def settle(
        self, peer: str, rows: Sequence[outbox.Pending], answers: list[dict[str, Any]]
    ) -> None:
        """Record `peer`'s verified answers to `rows`; a row it did not answer is tried again."""
        by_id = {entry["answer"].get("id"): entry for entry in answers}
        settled: list[tuple[outbox.Pending, dict[str, Any]]] = []
        unanswered: list[outbox.Pending] = []
        for row in rows:
            entry = by_id.get(row.message_id)
            if entry is None:
                unanswered.append(row)
            else:
                settled.append((row, entry))
        now = self._clock()
        queued = False
        try:
            with self._engine.begin() as conn:
                outbox.settle(
                    conn,
                    [
                        (
                            row.id,
                            REJECTED if e["answer"]["status"] == REJECTED else outbox.RECEIVED,
                            e,
                        )
                        for row, e in settled
                    ],
                    now,
                )
                if unanswered:
                    until = next_attempt(0, now, _draw())
                    outbox.retry_later(conn, unanswered, "no answer for this message", until)
                if self._on_settled is not None and settled:
                    queued = self._on_settled(conn, peer, settled)
        except Error:
            # Nothing settled: the rows go again, and the peer's inbox answers them the same.
            log.exception("could not record answers from %s", peer)
            return
        if queued:  # a reply the answers caused (a transfer report): the bulk lane, now
            self.wake(FLASH + 1)
