"""Each partner's FLASH budget: the shell around `gsomia.treaty.flash`.

On PostgreSQL the node may serve from several processes (ADR 0111), so a bucket kept in each
process's memory gave a partner N times its budget. There the buckets are rows the processes
share (`gsomia.store.buckets`, ADR 0127): the pure rule decides on the bucket as this process
last wrote it, and the decision stands if the row is still at that turn (one statement);
else another process took from it meanwhile, and the rule decides again on the row as read.
On SQLite the node is one process, and the buckets stay in its memory: a FLASH request does
not queue for SQLite's one write lock behind bulk work before it may hold the gate.

A message over the budget is handled at IMMEDIATE, counted in
`gsomia_flash_demoted_total{peer}`, and logged once when a partner's run of demoted messages
begins (a warning naming the partner and the budget), not once per message: a partner that
floods must not fill the log. The run is kept with the bucket, so it is logged once across
the node's processes too.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError

from gsomia.store import buckets
from gsomia.store.buckets import FULL, Bucket
from gsomia.store.db import unsynced
from gsomia.treaty.flash import FlashBudget, FlashRuling, FlashState, rule_flash
from gsomia.treaty.items import Precedence

log = logging.getLogger("gsomia.precedence")

#: Tries at replacing a shared bucket before the message is taken as over the budget: each
#: lost try means another process spent a token meanwhile, so a busy partner is not short of
#: FLASH when this runs out, and the message is demoted, never dropped.
TRIES = 8


class FlashBudgets:
    """The FLASH buckets of every partner, in `shared`'s database when the node's processes
    share one (PostgreSQL), else in this process; safe to call from several threads."""

    def __init__(self, demoted: Any, shared: Engine | None = None) -> None:
        self._demoted = demoted  # the Bounded counter of demotions, by peer
        self._database = shared
        # Its own small engine, made at the first FLASH message (so never before a fork):
        # each statement its own transaction (no row lock held across a round trip), none
        # waiting for the disk (a crash can only forget a few spent tokens: generous).
        self._shared: Engine | None = None
        if shared is not None:  # its connections go with the node's
            event.listen(shared, "engine_disposed", lambda _engine: self.close())
        #: Each partner's bucket as this process last wrote it (the only copy on SQLite).
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Let the shared engine's connections go (the node's engine is the caller's)."""
        own, self._shared = self._shared, None
        if own is not None and own is not self._database:
            own.dispose()

    def after_fork(self) -> None:
        """In a forked process: connections of its own (a pooled one never crosses a fork)."""
        own, self._shared = self._shared, None
        if own is not None and own is not self._database:
            own.dispose(close=False)

    def precedence(self, partner: str, budget: FlashBudget, now: datetime) -> Precedence:
        """How a lone message `partner` marked FLASH is handled now."""
        with self._lock:
            ruling, starts = self._take(partner, budget, now)
        if not ruling.decision.allowed:
            self._demoted.labels(partner).inc()
            if starts:
                log.warning("%s: %s", partner, ruling.decision.reason, extra={"reason": "flash"})
        return ruling.precedence

    def _take(self, partner: str, budget: FlashBudget, now: datetime) -> tuple[FlashRuling, bool]:
        """The ruling on `partner`'s FLASH message, and whether it begins a demoted run."""
        bucket = self._buckets.get(partner, FULL)
        if self._database is None:
            ruling, starts, self._buckets[partner] = _ruled(bucket, budget, now)
            return ruling, starts
        if self._shared is None:
            self._shared = unsynced(self._database)
        for attempt in range(TRIES):
            ruling, starts, new = _ruled(bucket, budget, now)
            try:
                with self._shared.begin() as conn:  # no BEGIN sent: autocommit
                    if buckets.replace(conn, buckets.FLASH, partner, bucket, new):
                        self._buckets[partner] = new
                        return ruling, starts
                    bucket = buckets.read(conn, buckets.FLASH, partner)
            except DBAPIError as error:
                # No ping before each use (it doubled the cost): a connection the server
                # dropped (a restart) is found here, let go by the pool, and tried once anew.
                if not error.connection_invalidated or attempt > 0:
                    raise
        self._buckets.pop(partner, None)
        # Taken as spent: the rule's own ruling on an empty bucket (IMMEDIATE, never dropped).
        log.warning(
            "%s: FLASH budget taken by the node's other processes %d times while ruling",
            partner,
            TRIES,
        )
        return rule_flash(budget, FlashState(0.0, now), now), True


def _ruled(bucket: Bucket, budget: FlashBudget, now: datetime) -> tuple[FlashRuling, bool, Bucket]:
    """The ruling on `bucket`, whether it begins a run of demoted messages, and the bucket after."""
    state = None
    if bucket.tokens is not None and bucket.at is not None:
        state = FlashState(bucket.tokens, bucket.at)
    ruling = rule_flash(budget, state, now)
    over = not ruling.decision.allowed
    after = Bucket(ruling.state.tokens, ruling.state.at, over, bucket.turn + 1)
    return ruling, over and not bucket.over, after
