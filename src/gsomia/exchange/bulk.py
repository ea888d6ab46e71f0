"""Bulk sealing and opening in child processes of the node, below FLASH (ADR 0122).

CCEB precedence has lower precedence interrupted while FLASH is handled. Inside one Python
process the interpreter lock cannot be told that: a thread sealing 64 ROUTINE messages for a
partner holds it as long as the FLASH thread next to it. So the node hands bulk batches to a
pool of child processes (`concurrent.futures.ProcessPoolExecutor`, forked from a fork server
that imported the code they run and nothing of the node's state: no copy of the parent's
memory, no passphrase), each of which got the node's keys once (`gsomia.seal.handover`,
through a pipe of its own that the fork server never reads) and runs at a lower OS priority
(`os.nice(NICE)`): the kernel then
gives the node's own process, where FLASH is sealed, opened, stored and alerted, the cores
first. FLASH work never goes to this pool; it stays in the node's process on threads of its
own (`gsomia.exchange.precedence.PrecedenceGate.threads`).

What a child does is pure: rows in, a sealed batch out (the sender); a verified batch's
messages in, each opened and checked or refused (the receiver). Everything the database
sees (which rows, what was answered, what is stored) stays in the parent, so crash safety is
what it was: a child killed mid-batch loses a computation, not a row.

Keys a PKCS#11 token holds cannot leave the process logged in to it (ADR 0091): such a node
seals and opens in its own process, as before, on the bulk threads.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import select
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from gsomia.exchange.incoming import Refusal, Verified, verify_sealed
from gsomia.exchange.outbox import Pending
from gsomia.exchange.outgoing import sealed_batch
from gsomia.seal import IdentityCard, NodeKeys, parse_card
from gsomia.seal.handover import handed_over, taken_over
from gsomia.seal.sealed import Parsed

log = logging.getLogger("gsomia.delivery")
R = TypeVar("R")

#: How much lower than the node's process its bulk children run (nice 10: the kernel's CFS
#: weight 110 against 1,024, so a FLASH thread of the parent gets about nine tenths of a core
#: the children would otherwise share with it).
NICE = 10
#: Children per node: one per core, at most four (each holds the keys and ~60 MB).
WORKERS = max(1, min(4, os.cpu_count() or 1))
PARENT_WATCH = 0.5  # seconds between a child's looks at whether the node's process lives

# In a child: the keys handed over and the partners' cards met so far -----------------------

_keys: NodeKeys | None = None
_cards: dict[bytes, IdentityCard] = {}


def _start_child(handover: bytes, nice: int, node: int) -> None:
    global _keys  # noqa: PLW0603 - one child process, one set of keys, set once
    watch = _watch(node)
    _keys = taken_over(handover)
    if nice:
        os.nice(nice)
    threading.Thread(target=_end_with, args=(watch,), daemon=True).start()


def _watch(node: int) -> int | None:
    """A handle on the node's process that says when it ends (Linux's pidfd), taken before
    the keys are: a node already gone ends the child here. None where there is no pidfd:
    the child then watches its parent, the fork server, which ends with the node."""
    try:
        return os.pidfd_open(node)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):
        return None


def _end_with(watch: int | None) -> None:
    """End this child once the node's process has: a node killed with -9 leaves no child
    behind. (A pool's child holds both ends of its task queue, so it never reads an end of
    file there; and the kernel's parent-death signal follows the thread that started the
    child, not the process.) The child is the fork server's, not the node's: it watches the
    node itself (a pidfd turns readable when the process ends), or else its parent."""
    if watch is not None:
        select.select([watch], [], [])
    else:
        parent = os.getppid()
        while os.getppid() == parent:
            time.sleep(PARENT_WATCH)
    os._exit(0)


def _preload() -> list[str]:
    """What the fork server imports once, so that no child imports it again: the code a
    child runs, and the module the node was started as, which multiprocessing has each child
    run again as its main module (`python -m X`: `X`; a script such as the `gsomia` console
    script: `__main__`). Under `spawn` each child imported all of it itself: ≈ 1.2 s of
    CPU per child under `bench.exchange_world`, two children per node, restarts included."""
    main = sys.modules.get("__main__")
    name = getattr(getattr(main, "__spec__", None), "name", None)
    # A package's `__main__` is what children never run again (multiprocessing skips it),
    # and importing it by name would run it.
    runs_again = [name] if name and not name.endswith(".__main__") else ["__main__"]
    return [*runs_again, __name__]


def _child_keys(kid: str) -> NodeKeys:
    assert _keys is not None, "a bulk child starts with the node's keys"
    keys = _keys.addressed(kid)
    if keys is None:
        raise ValueError(f"this node holds no keys {kid}")
    return keys


def _card(data: bytes) -> IdentityCard:
    card = _cards.get(data)
    if card is None:
        card = _cards[data] = parse_card(data)
    return card


def _seal_in_child(
    kid: str, sender: str, card: bytes, rows: list[Pending], now: datetime
) -> tuple[bytes, bytes]:
    return sealed_batch(_child_keys(kid), sender, _card(card), rows, now)


@dataclass(frozen=True)
class _Opened:
    """A verified message on its way back to the parent: `Verified` without the sender's
    card (whose parsed keys do not cross processes; the parent has the card)."""

    verified: Verified


def _open_in_child(parsed: Parsed, card: bytes, classic_allowed: bool) -> list[_Opened | Refusal]:
    keys, sender = _child_keys(parsed.head["to"]), _card(card)
    results: list[_Opened | Refusal] = []
    for index in range(len(parsed.messages)):
        checked = verify_sealed(
            parsed, index, keys=keys, card=sender, classic_allowed=classic_allowed
        )
        if isinstance(checked, Verified):
            bare = replace(checked.opened, sender=None)  # type: ignore[arg-type]
            checked = replace(checked, opened=bare)
            results.append(_Opened(checked))
        else:
            results.append(checked)
    return results


# In the node's process ----------------------------------------------------------------------


class BulkCrypto:
    """The node's bulk sealing and opening: in child processes when its keys may go there,
    in the calling thread otherwise. Started at first use, so a CLI command never starts it;
    `close` stops it."""

    def __init__(self, keys: NodeKeys, *, workers: int = WORKERS, nice: int = NICE) -> None:
        self._handover = handed_over(keys) if workers > 0 else None
        self._workers = workers
        self._nice = nice
        self._pool: ProcessPoolExecutor | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._card_bytes: dict[int, tuple[IdentityCard, bytes]] = {}

    @property
    def in_children(self) -> bool:
        """Whether bulk work goes to child processes (not for keys in a token)."""
        return self._handover is not None

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():  # none yet, or forked since
                assert self._handover is not None  # `in_children`, checked by each caller
                self._pid = os.getpid()
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(_preload())
                self._pool = ProcessPoolExecutor(
                    self._workers,
                    mp_context=context,
                    initializer=_start_child,
                    initargs=(self._handover, self._nice, self._pid),
                )
            return self._pool

    def _submit(self, work: Callable[..., R], *args: Any) -> Future[R]:
        pool = self._started()
        try:
            return pool.submit(work, *args)
        except BrokenProcessPool:
            # A child died (killed, out of memory): what it computed is lost, not a row (the
            # rows go again); this and later batches go to a fresh pool.
            log.warning("a bulk child process ended; starting the bulk pool again")
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            return self._started().submit(work, *args)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None and self._pid == os.getpid():
            pool.shutdown(wait=True, cancel_futures=True)

    def _bytes_of(self, card: IdentityCard) -> bytes:
        """The card's file, made once per card object (the node keeps its partners')."""
        known = self._card_bytes.get(id(card))
        if known is None or known[0] is not card:
            known = self._card_bytes[id(card)] = (card, card.to_bytes())
        return known[1]

    async def seal(
        self,
        keys: NodeKeys,
        sender: str,
        card: IdentityCard,
        rows: Sequence[Pending],
        now: datetime,
    ) -> tuple[bytes, bytes]:
        """`rows` sealed for `card`'s node as one batch (`outgoing.sealed_batch`) by `keys`
        (the node's, or retired ones it still speaks with): (batch id, bytes). In a child,
        or on a bulk thread of this process for keys a token holds."""
        if self._handover is None:
            return await asyncio.to_thread(sealed_batch, keys, sender, card, rows, now)
        args = (keys.key_id, sender, self._bytes_of(card), list(rows), now)
        try:
            return await asyncio.wrap_future(self._submit(_seal_in_child, *args))
        except BrokenProcessPool:  # a child died on it: once more, on a fresh pool
            return await asyncio.wrap_future(self._submit(_seal_in_child, *args))

    def open(
        self,
        keys: NodeKeys,
        parsed: Parsed,
        indices: Sequence[int],
        card: IdentityCard,
        *,
        classic_allowed: bool,
    ) -> list[Verified | Refusal]:
        """Messages `indices` of a batch whose signature verified, each opened and checked
        (`incoming.verify_sealed`) in a child; blocks the calling (bulk) thread meanwhile."""
        if self._handover is None or not indices:
            return [
                verify_sealed(parsed, i, keys=keys, card=card, classic_allowed=classic_allowed)
                for i in indices
            ]
        # Only the messages asked for cross over: those already answered stay here.
        chosen = replace(parsed, messages=[parsed.messages[i] for i in indices])
        args = (chosen, self._bytes_of(card), classic_allowed)
        try:
            results = self._submit(_open_in_child, *args).result()
        except BrokenProcessPool:  # a child died on it: once more, on a fresh pool
            results = self._submit(_open_in_child, *args).result()
        return [_restored(result, card) for result in results]


def _restored(result: _Opened | Refusal, card: IdentityCard) -> Verified | Refusal:
    if isinstance(result, Refusal):
        return result
    verified = result.verified
    return replace(verified, opened=replace(verified.opened, sender=card))
