"""Live alerts: FLASH items pushed at once to the screens of users allowed to read them.

A broker of per-connection queues inside one node process. Who may see an alert is decided
by the caller (the treaty's access decision) before `publish`; the broker only delivers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

#: Not an alert: a stream that gets it checks whether its token still stands.
RECHECK: dict[str, Any] = {}


@dataclass(eq=False)
class _Subscriber:
    user: str
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(256))


class AlertBroker:
    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Tells the node's other processes of a recheck (`gsomia.node.fanout`): a stream of
        #: the same session may be open on any of them.
        self.elsewhere: Callable[[set[str]], None] | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the server's loop so worker threads can publish into it."""
        self._loop = loop

    @property
    def users(self) -> set[str]:
        return {sub.user for sub in self._subscribers}

    @asynccontextmanager
    async def subscribe(self, user: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        sub = _Subscriber(user)
        self._subscribers.add(sub)
        try:
            yield sub.queue
        finally:
            self._subscribers.discard(sub)

    def publish(self, users: set[str], event: dict[str, Any]) -> None:
        """Deliver `event` to every open connection of `users`; callable from any thread."""
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._deliver, users, event)

    def recheck(self, users: set[str]) -> None:
        """Have the open streams of `users` check their token or session now (one was revoked or
        logged out)."""
        self.publish(users, RECHECK)
        if self.elsewhere is not None:
            self.elsewhere(users)

    def _deliver(self, users: set[str], event: dict[str, Any]) -> None:
        for sub in self._subscribers:
            if sub.user in users:
                # A screen that stopped reading loses alerts rather than stalling the node.
                if sub.queue.full():
                    sub.queue.get_nowait()
                sub.queue.put_nowait(event)
