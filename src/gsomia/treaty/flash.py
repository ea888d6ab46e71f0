"""A partner's FLASH budget: how many lone messages it may have handled as FLASH, and the rest.

A partner marks a one-message batch FLASH and the receiving node's bulk work yields to it
(`gsomia.exchange.precedence`). The mark is the sender's word; a partner that marked every
message FLASH would have all its traffic jump everyone else's. So each partner has a budget,
a token bucket: `burst` FLASH messages at once, refilled at `per_hour`. A FLASH message over
the budget is not dropped nor refused: it is handled at IMMEDIATE (`DEMOTED_TO`), as bulk
work, and the shell logs and counts it. The budget is each agreement's data
(`flash_per_hour`, `flash_burst`), a policy choice as no treaty text sets one; a partner with
no agreement on file gets the defaults below.

Pure: the state goes in and comes out, `now` is a parameter. A clock that steps back gives no
tokens (the bucket keeps the latest time it saw), up to `AHEAD`: a bucket dated further ahead
is taken as dated now, and one below empty as empty, so neither a clock stepped far forward nor
a writer of the row the node's processes share (ADR 0127) stops a partner's refill for good.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from gsomia.errors import InputError
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence

#: A FLASH message a minute, ten at once: a launch warning and its updates, not a feed.
DEFAULT_PER_HOUR = 60
DEFAULT_BURST = 10
#: What a FLASH message over its partner's budget is handled as.
DEMOTED_TO = Precedence.IMMEDIATE
ARTICLE = "node policy (issue 13): each partner's FLASH budget, agreement data"
REQUIREMENT = "R-FLASH-BUDGET"
_MAX = 100_000
#: How far ahead of `now` a bucket's time is believed (clocks of a node's processes differ a
#: little; a time further ahead was written by a clock that stepped or by hand).
AHEAD = timedelta(minutes=5)


@dataclass(frozen=True)
class FlashBudget:
    """FLASH messages a partner may have handled as FLASH: `burst` at once, `per_hour` after."""

    per_hour: int = DEFAULT_PER_HOUR
    burst: int = DEFAULT_BURST

    def __post_init__(self) -> None:
        if not (1 <= self.per_hour <= _MAX and 1 <= self.burst <= _MAX):
            raise InputError(f"a FLASH budget is 1-{_MAX} at once and 1-{_MAX} an hour")


@dataclass(frozen=True)
class FlashState:
    """A partner's bucket: the FLASH messages it may still send, as of `at`."""

    tokens: float
    at: datetime


@dataclass(frozen=True)
class FlashRuling:
    """How a message marked FLASH is handled, why, and the partner's bucket after it."""

    precedence: Precedence
    decision: Decision
    state: FlashState


_WITHIN = Decision.allow("FLASH within the partner's budget", ARTICLE, REQUIREMENT)


def rule_flash(budget: FlashBudget, state: FlashState | None, now: datetime) -> FlashRuling:
    """Handle a lone message its partner marked FLASH as FLASH while the partner's budget
    lasts; past it, at `DEMOTED_TO`. `state` None is a partner not heard from yet (full)."""
    if state is None:
        tokens, at = float(budget.burst), now
    else:
        # Believed no further than empty, now (ADR 0129): a bucket dated past `AHEAD` (a
        # clock that stepped forward, or a writer of the shared row) gave no token until that
        # date, and one overdrawn (or NaN) none for as long.
        since = state.at if state.at - now <= AHEAD else now
        kept = 0.0 if math.isnan(state.tokens) else max(0.0, state.tokens)
        elapsed = max(0.0, (now - since).total_seconds())
        tokens = min(float(budget.burst), kept + elapsed * budget.per_hour / 3600)
        at = max(now, since)
    if tokens >= 1.0:
        return FlashRuling(Precedence.FLASH, _WITHIN, FlashState(tokens - 1.0, at))
    decision = Decision.deny(
        f"over the partner's FLASH budget ({budget.burst} at once, {budget.per_hour} an hour):"
        f" handled as {DEMOTED_TO.name}",
        ARTICLE,
        REQUIREMENT,
    )
    return FlashRuling(DEMOTED_TO, decision, FlashState(tokens, at))
