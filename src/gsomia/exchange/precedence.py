"""CCEB precedence inside one node: lower precedence yields while FLASH is handled.

ACP 121 (CCEB) has a FLASH message handled at once, interrupting work of lower precedence.
One process runs both here: bulk delivery (sealing, opening, storing ROUTINE batches) and the
FLASH path share its threads, its GIL and, on SQLite, the database's one write lock. So the
FLASH path holds the gate (`flash`) while it works, and bulk work stops at its next turn
(`yield_to_flash`: before a batch is sealed, opened, stored or settled) until no FLASH work
is left. A turn never waits longer than `PATIENCE`, so bulk cannot starve if FLASH never
ends. This orders work only; what is accepted or refused is decided elsewhere, as before.

FLASH work runs on threads of its own (`threads`), which no bulk work is ever queued on: the
event loop's default executor has a handful of threads, and with 24 partners the bulk lanes
alone keep every one of them busy (ADR 0122).

The gate orders one process. Across the node's processes, the one thing every write waits
for in turn is the log's state row (PostgreSQL): FLASH work is marked on its thread
(`gsomia.store.merkle_log.flash_work`: the FLASH threads always, a thread inside `flash`), so
its appends skip the queue that work of lower precedence waits in (ADR 0130).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from gsomia.store.merkle_log import flash_work, mark_flash_thread

PATIENCE = 2.0  # seconds a bulk turn waits for FLASH work at most
#: The interpreter's GIL hand-over interval while FLASH work is in hand. A bulk turn already
#: running (opening or sealing 64 messages) holds the GIL for CPython's 5 ms slices, and the
#: FLASH path takes it back after each query and each socket read: some twenty waits of up
#: to 5 ms each on its way through one node. Handing over sooner only while FLASH is in hand
#: costs bulk work nothing the rest of the time.
FLASH_SWITCH = 0.0005
#: Threads for FLASH work per node: a FLASH item released to 24 partners is 24 sends at once.
FLASH_THREADS = 8


class _Switch:
    """The process's GIL hand-over interval, short while any gate holds FLASH work (one
    interpreter, possibly several gates: a test process runs several nodes)."""

    _lock = threading.Lock()
    _held = 0
    _normal = sys.getswitchinterval()

    @classmethod
    def hold(cls, change: int) -> None:
        if not change:
            return
        with cls._lock:
            before, cls._held = cls._held, cls._held + change
            if not before:
                cls._normal = sys.getswitchinterval()
                sys.setswitchinterval(min(cls._normal, FLASH_SWITCH))
            elif not cls._held:
                sys.setswitchinterval(cls._normal)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class PrecedenceGate:
    """Counts the FLASH work in hand; bulk work waits at its turns while there is any."""

    def __init__(self, patience: float = PATIENCE) -> None:
        self._urgent = 0
        self._idle = threading.Condition()
        self._patience = patience
        self.yielded = 0  # how many bulk turns waited (the metric of interruptions)
        self._threads: ThreadPoolExecutor | None = None
        self._pid = os.getpid()
        self._threads_lock = threading.Lock()

    @property
    def threads(self) -> ThreadPoolExecutor:
        """The threads FLASH work runs on, shared with no bulk work (started at first use)."""
        with self._threads_lock:
            if self._threads is None or self._pid != os.getpid():  # none yet, or forked since
                self._pid = os.getpid()
                self._threads = ThreadPoolExecutor(
                    FLASH_THREADS, thread_name_prefix="gsomia-flash", initializer=mark_flash_thread
                )
            return self._threads

    def enter(self) -> None:
        with self._idle:
            self._urgent += 1
        _Switch.hold(1)

    def leave(self, count: int = 1) -> None:
        with self._idle:
            left = min(count, self._urgent)
            self._urgent -= left
            if not self._urgent:
                self._idle.notify_all()
        _Switch.hold(-left)

    @contextmanager
    def flash(self) -> Iterator[None]:
        """Hold the gate while FLASH work is handled, in this thread: its appends to the log
        skip the queue of lower precedence. Not an event loop's thread, whose other tasks
        run meanwhile (its FLASH work goes to `threads`, marked for good)."""
        self.enter()
        try:
            with contextlib.nullcontext() if _in_event_loop() else flash_work():
                yield
        finally:
            self.leave()

    @property
    def busy(self) -> bool:
        return self._urgent > 0

    def yield_to_flash(self) -> None:
        """A bulk turn: wait while FLASH work is in hand (at most `PATIENCE` seconds)."""
        if not self._urgent:  # the common case costs one read, no lock
            return
        deadline = time.monotonic() + self._patience
        with self._idle:
            self.yielded += 1
            while self._urgent and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
