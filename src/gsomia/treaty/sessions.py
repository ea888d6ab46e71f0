"""Whether a web session still stands, and whether a sign-in may be tried now.

A session is kept in the node's database, so what ends it holds across restarts: logging out,
a password change, the person being disabled, their clearance expiring, half an hour idle or a
shift's length. After a few failed sign-ins for a name from one source address, the next try
from there waits, doubling each time up to a quarter of an hour: a password guessed online
costs the guesser hours, not seconds. The wait is per (name, source), so an outsider failing
on purpose cannot lock a real person out from their own desk; across all sources a name
slows down only briefly (at most `NAME_MAX_BACKOFF`), a cap on guesses spread over many
addresses that never becomes a lock (ADR 0089).
Decided here with `now` given; `gsomia.node.sessions` keeps the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gsomia.treaty.decision import Decision

__all__ = [
    "FREE_FAILURES",
    "IDLE_LIMIT",
    "MAX_BACKOFF",
    "NAME_MAX_BACKOFF",
    "SESSION_LIMIT",
    "SessionState",
    "login_wait",
    "may_continue_session",
    "may_try_login",
]

ARTICLE, REQUIREMENT = "Art. 6(e)", "R16"
IDLE_LIMIT = timedelta(minutes=30)
SESSION_LIMIT = timedelta(hours=8)  # one working shift (ADR 0050)
FREE_FAILURES = 5
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=15)
#: Failures for one name from every source together before each try waits, and the most it
#: ever waits: a brake on guesses from many addresses, short enough never to lock anyone out.
NAME_FREE_FAILURES = 20
NAME_FIRST_BACKOFF = timedelta(seconds=1)
NAME_MAX_BACKOFF = timedelta(seconds=30)


@dataclass(frozen=True)
class SessionState:
    """A signed-in session as the node keeps it, and what it knows of its person now."""

    user: str
    started_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    disabled_at: datetime | None  # the person's
    clearance_expires: date  # the person's, as of this request


def _deny(reason: str) -> Decision:
    return Decision.deny(reason, ARTICLE, REQUIREMENT)


def may_continue_session(state: SessionState | None, now: datetime) -> Decision:
    """May this session go on serving its person at `now`?"""
    if state is None:
        return _deny("no such session on this node")
    refusal = _ended(state, now) or _person(state, now)
    if refusal:
        return _deny(refusal)
    return Decision.allow(f"{state.user}'s session is in force", ARTICLE, REQUIREMENT)


def _ended(state: SessionState, now: datetime) -> str:
    if state.ended_at is not None and state.ended_at <= now:
        return "the session was ended"
    if now - state.last_seen_at >= IDLE_LIMIT:
        return "the session was idle too long"
    if now - state.started_at >= SESSION_LIMIT:
        return "the session outlived its shift"
    return ""


def _person(state: SessionState, now: datetime) -> str:
    if state.disabled_at is not None and state.disabled_at <= now:
        return f"{state.user} is disabled"
    if state.clearance_expires <= now.date():
        return f"{state.user}'s clearance has expired"
    return ""


def login_wait(failures: int) -> timedelta:
    """How long after the last failure the next sign-in must wait, after `failures` in a row:
    nothing for the first few, then 30 s doubling to at most 15 min."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_BACKOFF * (1 << min(failures - FREE_FAILURES, 16)), MAX_BACKOFF)


def name_wait(failures: int) -> timedelta:
    """How long after the last failure for a name, from any source, the next try waits."""
    if failures < NAME_FREE_FAILURES:
        return timedelta(0)
    step = min(failures - NAME_FREE_FAILURES, 16)
    return min(NAME_FIRST_BACKOFF * (1 << step), NAME_MAX_BACKOFF)


def may_try_login(
    failures: int,
    last_failure_at: datetime | None,
    now: datetime,
    *,
    name_failures: int = 0,
    name_last_failure_at: datetime | None = None,
) -> Decision:
    """May a sign-in be tried at `now`, after `failures` recent failures for this name from
    this source, and `name_failures` for the name from every source? The password is not even
    checked while it must wait."""
    for count, last, wait_for, by_name in (
        (failures, last_failure_at, login_wait, False),
        (name_failures, name_last_failure_at, name_wait, True),
    ):
        wait = wait_for(count)
        # No wait is no wait: a try whose `now` was read just before another's failure was
        # counted (another process, a clock a little behind) is not held back by it.
        if last is not None and wait and now < last + wait:
            left = int((last + wait - now).total_seconds()) + 1
            if by_name:  # each sentence whole, so a page finds its code (ADR 0135)
                return _deny(
                    "too many failed sign-ins for this name from many places; "
                    f"try again in {left} s"
                )
            return _deny(f"too many failed sign-ins; try again in {left} s")
    return Decision.allow("sign-in may be tried", ARTICLE, REQUIREMENT)
