"""The delivery worker: sends the outbox to peers, FLASH first, until each is answered.

Two lanes run side by side, as CCEB precedence asks: a FLASH message is handled at once and
nothing of lower precedence stands in its way. The FLASH lane is woken when a FLASH row
commits (`wake`, no polling), reads only the FLASH rows, sends each alone over its own
connections to the partner; the bulk lane polls ids only, reads the bodies of one batch at a
time, and seals the next batch while the partner answers the last (a pipeline, one batch in
flight per partner). So a FLASH track never waits behind 10,000 queued ROUTINE reports,
neither here nor in the partner's inbox.

Every call goes over the partner's pinned mutual-TLS link (`gsomia.exchange.links`): one
client context per partner card, so the session's pool reuses each partner's connections.

The lanes share no executor (ADR 0122): the FLASH lane's database reads, sealing, answers and
settles run on the precedence gate's own threads (`PrecedenceGate.threads`), the bulk lanes'
on the event loop's default executor, and bulk batches are sealed in the node's child
processes (`gsomia.exchange.bulk`), so that with 24 partners' bulk turns in hand a FLASH
message still finds a thread, and the interpreter lock, free.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import ssl
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ParamSpec, TypeVar

import aiohttp
import orjson
from sqlalchemy import Connection, Engine

from gsomia.errors import Error, UsageError, VerificationError
from gsomia.exchange import claimants, outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.backoff import next_attempt
from gsomia.exchange.bulk import BulkCrypto
from gsomia.exchange.links import PeerLinks
from gsomia.exchange.outgoing import cut, sealed_batch
from gsomia.exchange.precedence import PrecedenceGate
from gsomia.exchange.wire import CBOR, HELLO_PATH, MAX_BATCH, PRECEDENCE_HEADER, REJECTED, V2_PATH
from gsomia.seal import EnvelopeError, IdentityCard, NodeKeys
from gsomia.seal.sealed import open_sealed
from gsomia.store.db import reader
from gsomia.store.merkle_log import FLASH_ANSWERS_TURN, log_turn

log = logging.getLogger("gsomia.delivery")
T = TypeVar("T")
P = ParamSpec("P")

FLASH = outbox.FLASH
_draw = secrets.SystemRandom().random  # jitter must differ between nodes, not be predictable
BULK_BATCH = 64  # small enough that a partner's inbox transaction stays short
SETTLE_TURN = 16  # rows settled per transaction: FLASH never waits long for the lock
LANE_RETRY = 1.0  # seconds a lane waits after an unexpected failure
#: Seconds a lane with nothing due sleeps at the most (ADR 0142). It is woken sooner by what
#: gives it work: a commit of this process (`wake`), one of the node's other processes (their
#: word, `gsomia.node.fanout`), any other writer (the node's watch sees the database change,
#: `gsomia.store.changes`), and its own next due time (a retry, a partner's back-off, another
#: process's lapsing claim), which it computes. This is a safety net only, not how work is
#: found: at 1 s it cost an idle node a query per lane a second.
FALLBACK = 30.0
HELLO_DELAY = 0.5
#: Threads that log the partners' answers to FLASH messages (ADR 0130): 24 per FLASH item,
#: each waiting its turn at the log, so none of them may hold a FLASH thread meanwhile.
FLASH_ANSWER_THREADS = 4
#: How long a claimed row stays this process's (ADR 0111): longer than its sending can take
#: (a FLASH message goes alone, within one 30 s call; a bulk round sends its batches to a
#: partner one after another), so a live process never loses a row it is still sending; a
#: killed one's rows go again once it lapses.
FLASH_LEASE = timedelta(seconds=60)
BULK_LEASE = timedelta(seconds=300)

#: A due row: with its body (FLASH, read alone) or as ids only (bulk, bodies read per batch).
Row = outbox.Pending | outbox.Queued


@dataclass(frozen=True)
class PeerAddress:
    nation: str
    endpoint: str
    card: IdentityCard


@dataclass(frozen=True)
class _Sealed:
    """A batch ready to post: for whom, its rows with their bodies, its id and bytes."""

    address: PeerAddress
    link: ssl.SSLContext | bool  # the partner's pinned mutual-TLS context
    rows: list[outbox.Pending]
    batch_id: bytes
    data: bytes
    flash: bool  # FLASH rows only: the partner is told to handle it first
    keys: NodeKeys  # the keys that sealed it, which open the partner's answers


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
        gate: PrecedenceGate | None = None,
        claimant: str | None = None,
        speak_as: Callable[[str], NodeKeys] | None = None,
        bulk: BulkCrypto | None = None,
    ) -> None:
        self._engine = engine
        #: Set where several delivery processes share the outbox (PostgreSQL): rows are
        #: claimed under this name before they are sent, never read and sent (ADR 0111).
        self.claimant = claimant
        #: Wakes the node's other delivery processes too (`gsomia.node.fanout`), if set.
        self.elsewhere: Callable[[int], None] | None = None
        self.elsewhere_back: Callable[[str], None] | None = None
        #: Held from a FLASH row's commit (`wake`) until the FLASH lane's round that sent it
        #: ends; the bulk lane yields at its turns meanwhile.
        self.gate = gate or PrecedenceGate()
        self._holds = 0
        self._holds_lock = threading.Lock()
        self._keys = keys
        #: Where bulk batches are sealed: the node's child processes (`exchange.bulk`).
        self._bulk = bulk or (BulkCrypto(keys, workers=0) if keys is not None else None)
        #: The keys to speak to a partner with: the retired ones for a partner not yet told
        #: of a key rotation (ADR 0093), this node's keys otherwise.
        self._speak_as = speak_as
        self._links = links or PeerLinks(None)
        self._reader = reader(engine)
        self._peers = peers
        self._sender = sender
        self._resolve = resolve
        self._clock = clock
        self._on_settled = on_settled
        self._on_failure = on_failure
        # peer -> (failures, retry at). A failed FLASH post rests the partner for both lanes;
        # a failed bulk post (a 64-message batch timing out at a partner busy with bulk, say)
        # rests only the bulk lane, so a FLASH item never waits out a back-off bulk earned.
        self._down: dict[str, tuple[int, datetime]] = {}
        self._bulk_down: dict[str, tuple[int, datetime]] = {}
        self._wake_flash = asyncio.Event()
        #: FLASH rows being sent, and the rounds sending them: a round does not wait for the
        #: one before it, whose slowest partner would otherwise hold up every other's FLASH.
        self._flying: set[int] = set()
        self._flights: set[asyncio.Task[None]] = set()
        self._wake_bulk = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._answering: tuple[int, ThreadPoolExecutor] | None = None  # (pid, threads)
        #: The longest a lane sleeps with nothing due (`FALLBACK`; a test sets it longer).
        self.fallback = FALLBACK

    def wake(self, priority: int) -> None:
        """Tell the worker there is new work, and the node's delivery processes elsewhere if
        it has any (`elsewhere`); callable from any thread."""
        if self.elsewhere is not None:
            self.elsewhere(priority)
        self.wake_here(priority)

    def wake_here(self, priority: int) -> None:
        """Tell this process's worker there is new work; callable from any thread."""
        if self._loop is None:
            return
        if priority == FLASH:
            with self._holds_lock:
                self.gate.enter()
                self._holds += 1
        event = self._wake_flash if priority == FLASH else self._wake_bulk
        self._loop.call_soon_threadsafe(event.set)

    def wake_lanes(self) -> None:
        """Have both lanes look at the outbox again (the database changed, by whom is not
        known): no FLASH row is known to be waiting, so the bulk lane is not held for it."""
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._wake_flash.set)
        self._loop.call_soon_threadsafe(self._wake_bulk.set)

    def _take_holds(self) -> int:
        with self._holds_lock:
            holds, self._holds = self._holds, 0
        return holds

    def peer_is_back(self, peer: str) -> None:
        """A partner announced it is up again: forget its back-off and send at once (the
        node's other delivery processes too, told through `elsewhere_back`)."""
        with self._engine.begin() as conn:
            outbox.retry_now(conn, peer, self._clock())
        if self.elsewhere_back is not None:
            self.elsewhere_back(peer)
        self.rest_over(peer)

    def rest_over(self, peer: str) -> None:
        """Forget `peer`'s back-off in this process and send to it at once."""
        self._down.pop(peer, None)
        self._bulk_down.pop(peer, None)
        self.wake_here(FLASH)
        self.wake_here(FLASH + 1)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        if self.claimant is not None:  # restarted after kill -9: send now what it held
            try:
                await asyncio.to_thread(self._release_gone)
            except Exception:  # their leases still lapse; only later
                log.exception("could not take back the claims of stopped processes")
        timeout = aiohttp.ClientTimeout(total=30, connect=3)
        # FLASH has connections of its own: never queued behind a bulk batch on the wire.
        async with (
            aiohttp.ClientSession(
                timeout=timeout, connector=aiohttp.TCPConnector(limit_per_host=8)
            ) as flash,
            aiohttp.ClientSession(
                timeout=timeout, connector=aiohttp.TCPConnector(limit_per_host=8)
            ) as bulk,
        ):
            lanes = [
                asyncio.create_task(self._lane(flash, stop, flash=True)),
                asyncio.create_task(self._lane(bulk, stop, flash=False)),
                asyncio.create_task(self._say_hello(bulk)),
            ]
            await stop.wait()
            for task in [*lanes, *self._flights]:
                task.cancel()
            await asyncio.gather(*lanes, *self._flights, return_exceptions=True)
        if self.claimant is not None:  # the others need not wait out this one's leases
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._release)

    def _release_gone(self) -> None:
        assert self.claimant is not None
        with self._engine.begin() as conn:
            freed = claimants.release_gone(conn, self.claimant)
        if freed:
            log.warning("took back %d outbox rows claimed by processes no longer running", freed)

    def _release(self) -> None:
        assert self.claimant is not None
        with self._engine.begin() as conn:
            outbox.release(conn, self.claimant)

    async def _lane(
        self, session: aiohttp.ClientSession, stop: asyncio.Event, *, flash: bool
    ) -> None:
        wake = self._wake_flash if flash else self._wake_bulk
        while not stop.is_set():
            wake.clear()
            holds = self._take_holds() if flash else 0  # the FLASH rows this round sends
            try:
                rows = await self._off(flash, self._due, flash)
                if flash:
                    new = [row for row in rows if row.id not in self._flying]
                    if new:
                        self._fly(session, new, holds)
                        holds = 0  # the round holds the gate until its rows are settled
                        continue
                    # Nothing new: what is due is in flight (a round that ends wakes the
                    # lane), or nothing is.
                    delay = self.fallback if rows else await self._off(True, self._idle_delay, True)
                elif rows:
                    await self._send_all(session, rows, flash=False)
                    continue
                else:
                    delay = await self._off(False, self._idle_delay, False)
            except Exception:  # a lane that dies stops all delivery
                # The database failed under us (locked, restarted): nothing was settled, so
                # the rows go again; the lane waits a moment and carries on.
                log.exception("delivery lane %s failed; retrying", "FLASH" if flash else "bulk")
                delay = LANE_RETRY
            finally:
                self.gate.leave(holds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)

    def _fly(self, session: aiohttp.ClientSession, rows: Sequence[Row], holds: int) -> None:
        """Send FLASH `rows` in a round of their own, not waited for: the lane goes back to
        wait for the next FLASH commit at once. With 24 partners, one partner slow to answer
        kept every later FLASH message, to every partner, waiting for its round (py-spy:
        the lane's threads idle while the 24-partner bench's FLASH p50 was 2 s)."""
        ids = {row.id for row in rows}
        self._flying |= ids

        async def round_() -> None:
            try:
                await self._send_all(session, rows, flash=True)
            except Exception:  # the rows stay queued and go again
                log.exception("a FLASH round failed; its rows go again")
            finally:
                self._flying -= ids
                self.gate.leave(holds)
                self._wake_flash.set()  # what it could not send may be due again

        flight = asyncio.create_task(round_())
        self._flights.add(flight)
        flight.add_done_callback(self._flights.discard)

    async def _off(self, flash: bool, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(*args, **kwargs)` off the event loop: FLASH on the gate's threads, which no
        bulk work queues on; bulk on the loop's default executor. (ParamSpec: mypy checks the
        arguments against `work`, as it would a direct call.)"""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.gate.threads if flash else None, partial(work, *args, **kwargs)
        )

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
                    ssl=self._link(address) or True,
                ):
                    pass  # released at once, so the connection goes back to the pool

    def _speaking(self, peer: str) -> NodeKeys:
        if self._keys is None:
            raise UsageError("a delivery worker without the node's keys cannot seal")
        return self._speak_as(peer) if self._speak_as is not None else self._keys

    def _link(self, address: PeerAddress) -> ssl.SSLContext | None:
        own = self._speaking(address.nation).tls_files if self._keys is not None else None
        return self._links.context_for(address.endpoint, address.card, own)

    def _due(self, flash: bool) -> list[Row]:
        """The lane's due rows to partners not resting: FLASH rows with their bodies (few, and
        read alone), bulk rows as ids only (their bodies are read a batch at a time)."""
        now = self._clock()
        limit = 4 * MAX_BATCH
        resting = {peer for peer, (_, until) in self._resting(flash) if until > now}
        if self.claimant is not None:
            lease = outbox.Claim(self.claimant, now + (FLASH_LEASE if flash else BULK_LEASE))
            with self._engine.begin() as conn:
                return list(outbox.claim(conn, now, limit, lease, flash=flash, resting=resting))
        with self._reader.connect() as conn:
            if flash:
                rows: list[Row] = list(outbox.due(conn, now, limit, flash=True))
            else:
                rows = list(outbox.due_ids(conn, now, limit))
        return [row for row in rows if row.peer not in resting]

    def _idle_delay(self, flash: bool | None = None) -> float:
        """How long the lane (or, for None, the worker) may sleep: until its earliest row is
        due, a resting partner's turn comes or another process's claim lapses, at most
        `fallback` (anything that gives it work sooner wakes it)."""
        now = self._clock()
        with self._reader.connect() as conn:
            mine = now if self.claimant is not None else None
            when = outbox.next_due_at(conn, flash=flash, unclaimed_at=mine)
        if when is None:
            return self.fallback
        if when <= now:  # due, but for a partner that rests: wait for its turn
            turns = [until for _, (_, until) in self._resting(flash) if until > now]
            when = min(turns, default=now)
        return min(self.fallback, max(0.01, (when - now).total_seconds()))

    def _resting(self, flash: bool | None) -> list[tuple[str, tuple[int, datetime]]]:
        """The back-offs that hold the lane (None: either lane)."""
        return [*self._down.items(), *(() if flash else self._bulk_down.items())]

    async def _send_all(
        self,
        session: aiohttp.ClientSession,
        rows: Sequence[Row],
        *,
        flash: bool,
    ) -> None:
        by_peer: dict[str, list[Row]] = defaultdict(list)
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
        self, session: aiohttp.ClientSession, peer: str, rows: Sequence[Row]
    ) -> None:
        """`rows` to `peer` in batches, one in flight; the next one is read and sealed while
        the partner answers the last, and the last one's answers are settled while the next
        is posted (a pipeline). A failure ends the turn: the rest wait for the partner's
        back-off like the failed batch.

        Settling off the path matters because the partner idles meanwhile: with the settle
        inline, each batch of 64 left it waiting for four short transactions here (a profile
        under the exchange bench saw both nodes at about 70 % of a core, neither saturated).
        One settle runs at a time, in order, and the turn ends only when the last one has:
        the next poll never sees a row answered but not yet settled."""
        batches = list(cut(rows, BULK_BATCH))
        ahead: asyncio.Task[_Sealed | None] | None = None
        settling: asyncio.Future[None] | None = None
        n = -1
        try:
            for n, batch in enumerate(batches):
                sealed = await (ahead or asyncio.create_task(self._seal(peer, batch, False)))
                ahead = None
                if n + 1 < len(batches):
                    ahead = asyncio.create_task(self._seal(peer, batches[n + 1], False))
                answers = None if sealed is None else await self._post(session, peer, sealed)
                if sealed is None or answers is None:
                    return
                if settling is not None:
                    await settling
                settling = asyncio.ensure_future(
                    asyncio.to_thread(self._settle_in_turn, False, peer, sealed.rows, answers)
                )
        finally:
            if ahead is not None:
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)
            if settling is not None:  # never abandoned: its thread runs on regardless
                await asyncio.gather(settling, return_exceptions=True)
            unsent = [row.id for batch in batches[n + 1 :] for row in batch]
            if unsent and self.claimant is not None:
                # A round that stopped early (the partner failed) lets go of the rows it did
                # not reach: they wait for the partner's back-off, not for their lease.
                await asyncio.to_thread(self._let_go, unsent)

    def _let_go(self, ids: list[int]) -> None:
        assert self.claimant is not None
        with self._engine.begin() as conn:
            outbox.release(conn, self.claimant, ids)

    async def _send(
        self,
        session: aiohttp.ClientSession,
        peer: str,
        rows: Sequence[Row],
    ) -> bool:
        """Seal `rows` for `peer` and deliver them; whether the partner answered."""
        sealed = await self._seal(peer, rows, True)
        return sealed is not None and await self._deliver(session, peer, sealed)

    async def _seal(self, peer: str, rows: Sequence[Row], flash: bool) -> _Sealed | None:
        """`rows` (their bodies read now, if polled as ids) sealed for `peer` as one batch, off
        the event loop: FLASH on the gate's threads in this process, bulk in the node's child
        processes (`exchange.bulk`); None, the rows held for a retry, if that cannot be done."""
        address = self._resolve(peer)
        if address is None:
            await self._off(flash, self._retry, rows, f"peer {peer} has no endpoint", flash)
            return None
        try:
            link = self._link(address) or True
            keys = self._speaking(peer)
            if flash:
                return await self._off(True, self._sealed, keys, address, link, rows)
            pending = await asyncio.to_thread(self._bodies, rows)
            if not pending:
                return None  # settled meanwhile (a repeat answered it): nothing to send
            assert self._bulk is not None  # keys are set: `_speaking` said so
            batch_id, data = await self._bulk.seal(
                keys, self._sender, address.card, pending, self._clock()
            )
        except (ValueError, UsageError) as exc:
            log.warning("delivery to %s failed: %s", peer, exc)
            await self._off(flash, self._retry, rows, f"{type(exc).__name__}: {exc}", flash)
            return None
        every_flash = all(row.priority == FLASH for row in pending)
        return _Sealed(address, link, pending, batch_id, data, every_flash, keys)

    def _bodies(self, rows: Sequence[Row]) -> list[outbox.Pending]:
        """A bulk batch's rows with their bodies, read once FLASH work in hand is done."""
        pending = [row for row in rows if isinstance(row, outbox.Pending)]
        queued = [row for row in rows if isinstance(row, outbox.Queued)]
        if queued:
            self.gate.yield_to_flash()
            with self._reader.connect() as conn:
                pending += outbox.with_bodies(conn, queued)
        return pending

    def _sealed(
        self,
        keys: NodeKeys,
        address: PeerAddress,
        link: ssl.SSLContext | bool,
        rows: Sequence[Row],
    ) -> _Sealed | None:
        """FLASH rows (read with their bodies) sealed in this process, at once."""
        pending = [row for row in rows if isinstance(row, outbox.Pending)]
        if not pending:
            return None
        batch_id, data = sealed_batch(keys, self._sender, address.card, pending, self._clock())
        flash = all(row.priority == FLASH for row in pending)
        return _Sealed(address, link, pending, batch_id, data, flash, keys)

    async def _deliver(self, session: aiohttp.ClientSession, peer: str, sealed: _Sealed) -> bool:
        """Post a sealed batch and settle the partner's answers; whether it answered."""
        answers = await self._post(session, peer, sealed)
        if answers is None:
            return False
        settle = partial(self._settle_in_turn, sealed.flash, peer, sealed.rows, answers)
        if sealed.flash:
            # Not on the FLASH threads: the 24-partner run found all eight of a delivery
            # process's waiting for the log's FLASH-answers turn, and the next FLASH item
            # committed and unclaimed for 2 s meanwhile (its claim needs one).
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._answer_threads(), settle)
        else:
            await self._off(False, settle)
        return True

    def _answer_threads(self) -> ThreadPoolExecutor:
        """The threads that log answers to FLASH messages (started at first use, in this
        process: a worker built before a fork gets threads of its own in the child)."""
        if self._answering is None or self._answering[0] != os.getpid():
            threads = ThreadPoolExecutor(
                FLASH_ANSWER_THREADS, thread_name_prefix="gsomia-flash-answers"
            )
            self._answering = (os.getpid(), threads)
        return self._answering[1]

    async def _post(
        self, session: aiohttp.ClientSession, peer: str, sealed: _Sealed
    ) -> list[dict[str, Any]] | None:
        """Post a sealed batch; the partner's verified answers, or None (the rows held for a
        retry) if it did not answer."""
        address, rows, link = sealed.address, sealed.rows, sealed.link
        try:
            url = address.endpoint.rstrip("/") + V2_PATH
            headers = {"Content-Type": CBOR}
            if sealed.flash:
                headers[PRECEDENCE_HEADER] = "FLASH"
            async with session.post(url, data=sealed.data, headers=headers, ssl=link) as response:
                body = await response.read()
                if response.status != 200:
                    raise aiohttp.ClientResponseError(
                        response.request_info,
                        (),
                        status=response.status,
                        message=body[:300].decode("utf-8", "replace"),
                    )
            answers = await self._off(
                sealed.flash, self._answers, sealed.keys, address.card, sealed.batch_id, body
            )
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
            error = f"{type(exc).__name__}: {exc}"
            await self._off(sealed.flash, self._retry, rows, error, sealed.flash)
            return None
        self._down.pop(peer, None)
        self._bulk_down.pop(peer, None)
        return answers

    def _settle_in_turn(
        self, flash: bool, peer: str, rows: list[outbox.Pending], answers: list[dict[str, Any]]
    ) -> None:
        """Settle FLASH at once; bulk `SETTLE_TURN` rows per short transaction, yielding to
        FLASH work in hand before each (a crash between turns leaves the rest queued: they
        go again and the partner's inbox answers them the same)."""
        if flash:
            # The FLASH message reached the partner; logging its answer is bookkeeping, which
            # the next FLASH item's publish goes ahead of (24 answers settle per item).
            with log_turn(FLASH_ANSWERS_TURN):
                self.settle(peer, rows, answers)
            return
        for first in range(0, len(rows), SETTLE_TURN):
            self.gate.yield_to_flash()
            self.settle(peer, rows[first : first + SETTLE_TURN], answers)

    def _answers(
        self, keys: NodeKeys, card: IdentityCard, batch_id: bytes, body: bytes
    ) -> list[dict[str, Any]]:
        """The partner's answers, sealed back to this node (ADR 0070) for the keys that sealed
        the batch, once opened and their batch signature and proofs verified."""
        try:
            document = orjson.loads(open_sealed(keys, body, batch_id))
        except EnvelopeError as error:
            raise VerificationError(
                f"the partner's answers did not open: {error.reason}"
            ) from error
        return verify_answers(document, signer=card)

    def _retry(self, rows: Sequence[Row], error: str, flash: bool) -> None:
        # The peer is what failed, not the message: one back-off per peer, shared by its rows
        # (by the bulk lane's rows only, when a bulk post failed).
        now = self._clock()
        peer = rows[0].peer
        down = self._down if flash else self._bulk_down
        failures = down.get(peer, (0, now))[0] + 1
        until = next_attempt(failures - 1, now, _draw())
        down[peer] = (failures, until)
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
        if self._keys is None:
            raise UsageError("a delivery worker without the node's keys cannot seal answers")
        try:
            with self._engine.begin() as conn:
                outbox.settle(
                    conn,
                    self._keys,
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
