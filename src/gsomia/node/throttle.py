"""A token bucket per sender: how often a partner may call the peer API.

Each sender (a pinned partner's nation; over development plain HTTP, the client's address)
has a bucket of `burst` tokens refilled at `rate` per second; a request takes one token, and
one that finds the bucket empty is refused (`RateLimited`, 429) before its body is read, with
the seconds until a token is back. The rate and burst are the home's `[peer]` section
(`rate`, `burst`). At most `max_senders` buckets are kept: the one idle longest is forgotten
first, which can only be generous to it.

The allowance is the node's: `serve --workers N` gives each of its N API processes an equal
share (`shared_by`), so a partner spread over all of them gets the allowance and no more, where
each process's own buckets gave it N times that (ADR 0130). A partner whose requests all reach
one process gets that process's share: the node errs on the side of refusing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from gsomia.errors import RateLimited, UsageError


@dataclass(frozen=True)
class Allowance:
    """Requests per second, and how many may come at once after a quiet spell."""

    rate: float = 50.0
    burst: float = 500.0

    def shared_by(self, processes: int) -> Allowance:
        """Each of `processes` API processes' share of the node's allowance (a burst of one
        request at least: a share that admits no one would stop the partner outright)."""
        if processes <= 1:
            return self
        return Allowance(self.rate / processes, max(1.0, self.burst / processes))

    def __post_init__(self) -> None:
        if not (self.rate > 0 and self.burst >= 1):
            raise UsageError(
                f"a peer allowance of {self.rate:g}/s with a burst of {self.burst:g} admits no one",
                hint="set [peer] rate above 0 and burst to 1 or more in config.toml",
            )


class Throttle:
    """The buckets of every sender; safe to call from several threads."""

    def __init__(
        self,
        allowance: Allowance,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_senders: int = 1024,
    ) -> None:
        self.allowance = allowance
        self._clock = clock
        self._max = max_senders
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, sender: str) -> float:
        """Take a token of `sender`'s; 0.0 if there was one, else the seconds until there is."""
        rate, burst = self.allowance.rate, self.allowance.burst
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.pop(sender, (burst, now))
            tokens = min(burst, tokens + (now - then) * rate)
            taken = tokens >= 1.0
            self._buckets[sender] = (tokens - 1.0 if taken else tokens, now)
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        return 0.0 if taken else (1.0 - tokens) / rate

    def take(self, sender: str) -> None:
        """Return if `sender` may make a request now; `RateLimited` if it may not."""
        wait = self.wait(sender)
        if wait > 0:
            raise RateLimited(
                f"too many requests from {sender}: over {self.allowance.rate:g} a second",
                retry_after=wait,
                hint="wait and send again",
            )
