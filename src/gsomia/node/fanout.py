"""What every process of the node must act on, shared among them (ADR 0111).

A node served by several processes on one PostgreSQL learns things in one process that the
others must act on: a FLASH item received by one process is for the screens open on any of
them; a session signed out in one ends its stream on another; an item queued by an API
process is work for the delivery processes. `share(kind, data)` acts here at once and tells
the other processes, which act on their own: each decides who of its own watchers may see
an alert, with the same access decision, so nothing is decided for screens it cannot see.

Over PostgreSQL LISTEN/NOTIFY (`gsomia.store.notify`), sealed under the node's storage key:
an alert names an item's title and marking, and nothing sensitive is readable in the
database server's notification queue. Sealing stops a forged word, not one said again: anyone
who may connect to the server may LISTEN, keep a sealed word and NOTIFY it later (an officer's
alert of a compromise, raised again at will). So each word carries an id and its time, and a
process acts on a word only within `WORD_WINDOW` of its own clock and once (`fresh_word`,
ADR 0121); the node's processes share one machine's clock or NTP. A lone process (SQLite,
or `gsomia serve` alone) has no others: `share` then acts here only.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine

from gsomia.errors import Error
from gsomia.seal import NodeKeys
from gsomia.seal.encoding import b64u, b64u_decode
from gsomia.seal.storage import open_at_rest, seal_at_rest
from gsomia.store.notify import Listening, notify

log = logging.getLogger("gsomia.node")

CHANNEL = "gsomia_node"
_CONTEXT = "fanout"

Handler = Callable[[Any], None]

#: How far a word's time may be from the hearer's clock: a word takes milliseconds between
#: the node's processes; a minute covers a loaded server and clocks a little apart.
WORD_WINDOW = timedelta(seconds=60)


def fresh_word(word_id: str, at: object, now: datetime, seen: dict[str, datetime]) -> str | None:
    """Why a word with `word_id` said `at` is not to be acted on at `now` ("heard before",
    "outside its window", "not dated"), or None, remembering it in `seen`; what `seen`
    remembers past the window is forgotten, since the window refuses it anyway."""
    for old in [key for key, when in seen.items() if abs(now - when) > WORD_WINDOW]:
        del seen[old]
    try:
        when = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        return "not dated"
    if abs(now - when) > WORD_WINDOW:
        return "outside its window"
    if word_id in seen:
        return "heard before"
    seen[word_id] = when
    return None


class Fanout:
    """The node's word to its other processes, and what this process does on hearing one."""

    def __init__(
        self, keys: NodeKeys, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._keys = keys
        self._clock = clock
        self._seen: dict[str, datetime] = {}
        self._seen_lock = threading.Lock()
        #: This process among the node's: its own words come back to it, and are let go.
        self.origin = secrets.token_hex(8)
        self._handlers: dict[str, Handler] = {}
        self._engine: Engine | None = None
        self._listening: Listening | None = None

    def on(self, kind: str, handler: Handler) -> None:
        """Have `handler(data)` act on each `share(kind, data)`, here and in every process."""
        self._handlers[kind] = handler

    @property
    def shared(self) -> bool:
        """Whether other processes hear this one (`start` was called)."""
        return self._engine is not None

    def share(self, kind: str, data: Any, *, here: bool = True) -> None:
        """Act on `data` here (unless `here` is false) and in every other process of the
        node. A word that cannot be sent is logged, not raised: the caller's change is made
        and kept, and what must not be missed is kept in tables, not in words."""
        if here:
            self._handle(kind, data)
        if self._engine is None:
            return
        word = {
            "from": self.origin,
            "id": secrets.token_hex(16),
            "at": self._clock().isoformat(),
            "kind": kind,
            "data": data,
        }
        document = orjson.dumps(word)
        payload = b64u(seal_at_rest(self._keys, document, _CONTEXT))
        try:
            notify(self._engine, CHANNEL, payload)
        except Exception as error:  # the database went away: the others miss this word
            log.error("could not tell the node's other processes of %s: %s", kind, error)

    def start(self, engine: Engine) -> None:
        """Hear and be heard by the node's other processes on `engine`'s PostgreSQL; returns
        once listening, so nothing said after it is missed."""
        if engine.dialect.name != "postgresql":
            return  # SQLite serves one process: there is no one else to tell
        self._listening = Listening(engine, [CHANNEL], self._heard)
        if not self._listening.start():
            log.warning("not yet listening for the node's other processes; trying on")
        self._engine = engine

    def stop(self) -> None:
        if self._listening is not None:
            self._listening.stop()
        self._listening = None
        self._engine = None

    def _heard(self, _channel: str, payload: str) -> None:
        try:
            document = orjson.loads(
                open_at_rest(self._keys, b64u_decode(payload, what="notification"), _CONTEXT)
            )
        except (Error, ValueError) as error:
            # Not ours, or not whole: whoever can NOTIFY on the server is not the node.
            log.error("a notification that does not open under this node's key: %s", error)
            return
        if not isinstance(document, dict) or document.get("from") == self.origin:
            return
        with self._seen_lock:
            stale = fresh_word(
                str(document.get("id")), document.get("at"), self._clock(), self._seen
            )
        if stale is not None:
            # Sealed by the node, so said again by someone who kept it: an insider's act.
            log.error(
                "a notification of the node's processes %s was let go: %s", stale, payload[:16]
            )
            return
        self._handle(str(document.get("kind")), document.get("data"))

    def _handle(self, kind: str, data: Any) -> None:
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(data)
