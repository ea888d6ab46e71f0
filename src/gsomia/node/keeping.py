"""The log keeper among several processes: exactly one keeps the node's log (ADR 0111).

Checkpoints are signed and offered to partners for cosignature by one process, and a FLASH
message that did not go out is raised once, not once per process. With several processes on
one PostgreSQL, the one holding the keeper's session lock (`gsomia.store.leader`) does it;
if it dies, the server lets the lock go and another process takes it within `TRY_AGAIN`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from gsomia.node.cosigning import keep_log
from gsomia.node.runtime import Node
from gsomia.store.leader import SessionLock

log = logging.getLogger("gsomia.node")

TRY_AGAIN = 2.0  # seconds between asks for the lock, and between checks that it is held


async def keep_when_chosen(node: Node, stop: asyncio.Event) -> None:
    """Until `stop`: keep the log while this process holds the keeper's lock."""
    lock = SessionLock(node.engine)
    node.keeper = False
    try:
        while not stop.is_set():
            if await asyncio.to_thread(lock.take):
                log.info("this process keeps the node's log")
                await _keep_while_held(node, lock, stop)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=TRY_AGAIN)
    finally:
        node.keeper = False
        await asyncio.to_thread(lock.release)


async def _keep_while_held(node: Node, lock: SessionLock, stop: asyncio.Event) -> None:
    node.keeper = True
    done = asyncio.Event()
    keeper = asyncio.create_task(keep_log(node, done))
    try:
        while not stop.is_set() and await asyncio.to_thread(lock.held):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=TRY_AGAIN)
    finally:
        node.keeper = False  # the lock may be another's already: raise nothing more here
        done.set()
        keeper.cancel()  # nothing it does is lost: the next keeper offers again
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
