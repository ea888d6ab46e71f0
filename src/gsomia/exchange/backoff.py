"""When to try a peer again: exponential back-off with full jitter, capped.

Pure: the caller supplies the random draw, so tests pin it and nodes spread their retries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

BASE_SECONDS = 0.2
#: A partner that is down is probed at least this often: an early warning must not wait long
#: after the link comes back, and a node that restarts says hello to skip the wait entirely.
CAP_SECONDS = 10.0


def next_attempt(attempts: int, now: datetime, draw: float) -> datetime:
    """The earliest time to retry after `attempts` failed tries; `draw` is uniform in [0, 1).

    Full jitter (AWS architecture blog, "Exponential Backoff And Jitter") keeps many queued
    rows from hammering a partner that has just come back, all in the same second.
    """
    if not 0.0 <= draw < 1.0:
        raise ValueError("draw must be in [0, 1)")
    ceiling = min(CAP_SECONDS, BASE_SECONDS * 2 ** min(attempts, 16))
    return now + timedelta(seconds=max(0.05, ceiling * draw))
