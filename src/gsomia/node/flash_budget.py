"""Each partner's FLASH budget in this process: the shell around `gsomia.treaty.flash`.

The buckets live in memory, one per pinned partner (the peer API asks only for a partner
whose card is pinned, so their number is bounded); a restart fills them again, which can only
be generous. A message over the budget is handled at IMMEDIATE, counted in
`gsomia_flash_demoted_total{peer}`, and logged once when a partner's run of demoted messages
begins (a warning naming the partner and the budget), not once per message: a partner that
floods must not fill the log.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from gsomia.treaty.flash import FlashBudget, FlashState, rule_flash
from gsomia.treaty.items import Precedence

log = logging.getLogger("gsomia.precedence")


class FlashBudgets:
    """The FLASH buckets of every partner; safe to call from several threads."""

    def __init__(self, demoted: Any) -> None:
        self._demoted = demoted  # the Bounded counter of demotions, by peer
        self._states: dict[str, FlashState] = {}
        self._demoting: set[str] = set()
        self._lock = threading.Lock()

    def precedence(self, partner: str, budget: FlashBudget, now: datetime) -> Precedence:
        """How a lone message `partner` marked FLASH is handled now."""
        with self._lock:
            ruling = rule_flash(budget, self._states.get(partner), now)
            self._states[partner] = ruling.state
            starts = not ruling.decision.allowed and partner not in self._demoting
            if ruling.decision.allowed:
                self._demoting.discard(partner)
            else:
                self._demoting.add(partner)
        if not ruling.decision.allowed:
            self._demoted.labels(partner).inc()
            if starts:
                log.warning("%s: %s", partner, ruling.decision.reason, extra={"reason": "flash"})
        return ruling.precedence
