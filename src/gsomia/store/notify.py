"""PostgreSQL LISTEN/NOTIFY: a word from one of the node's processes to all the others.

Several processes serve one node on one PostgreSQL (ADR 0111). What one process learns that
every process must act on (a FLASH item for the screens open on any of them, a session
ended, new outbox work for the delivery processes) goes out as a notification on a channel;
each process listens on its own connection, outside any transaction, in a thread of its own.
NOTIFY is delivered only to sessions listening at that moment, which is what live screens
need: what must not be missed is kept in tables (kept alerts, the outbox), not here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import psycopg
from sqlalchemy import Engine, text

log = logging.getLogger("gsomia.node")

#: PostgreSQL's limit on a payload is 8000 bytes; ours stay well under it.
MAX_PAYLOAD = 7900
RECONNECT = 1.0  # seconds between tries when the listening connection is lost


def notify(engine: Engine, channel: str, payload: str) -> None:
    """Send `payload` on `channel` to every session listening now (this one's too)."""
    if len(payload.encode()) > MAX_PAYLOAD:
        raise ValueError(f"a notification of {len(payload)} characters is over the limit")
    with engine.connect() as conn:
        conn.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload}
        )
        conn.commit()


def conninfo(engine: Engine) -> str:
    """The engine's database as a libpq URL, for a connection of psycopg's own."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Listening:
    """A thread that listens on `channels` and hands each notification to `received(channel,
    payload)`; it reconnects if the connection is lost, and ends on `stop`."""

    def __init__(
        self, engine: Engine, channels: Sequence[str], received: Callable[[str, str], None]
    ) -> None:
        self._dsn = conninfo(engine)
        self._channels = tuple(channels)
        self._received = received
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gsomia-listen", daemon=True)

    def start(self, *, wait: float = 10.0) -> bool:
        """Start listening; whether the first LISTEN took effect within `wait` seconds (what
        is notified before then is not heard)."""
        self._thread.start()
        return self._ready.wait(wait)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as conn:
                    for channel in self._channels:
                        conn.execute(f'LISTEN "{channel}"')
                    self._ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._hand_over(note.channel, note.payload)
            except psycopg.Error as error:
                log.warning(
                    "listening for the node's other processes: %s; again in %.0f s",
                    error,
                    RECONNECT,
                )
                self._stop.wait(RECONNECT)

    def _hand_over(self, channel: str, payload: str) -> None:
        try:
            self._received(channel, payload)
        except Exception:  # one bad notification must not deafen the process
            log.exception("a notification on %s was not handled", channel)
