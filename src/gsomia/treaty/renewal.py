"""The next chance to stop an agreement's renewal: the anniversary a notice of termination can
still reach, and the last day to give it (Art. 21.3; R42).

While the agreement is in force with no termination pending (or the notice is suspended), it
renews itself on every anniversary unless a party gives notice a notice period before one. The
deadline shown to officers is the next one not yet passed: once this year's last day is behind
`day`, the anniversary after it is the one a notice can still reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gsomia.treaty.agreements import Agreement
from gsomia.treaty.calendar import last_notice_day, next_anniversary
from gsomia.treaty.lifecycle import State

__all__ = ["NoticeDeadline", "notice_deadline"]

#: The states in which a notice of termination may still be given (section 3.3).
_RENEWING = frozenset({State.IN_FORCE, State.TERMINATION_NOTICE_SUSPENDED})


@dataclass(frozen=True, slots=True)
class NoticeDeadline:
    """The anniversary a notice can still reach, and the last day to give that notice."""

    anniversary: date
    last_day: date


def notice_deadline(agreement: Agreement, day: date) -> NoticeDeadline | None:
    """The next notice deadline on or after `day`; None unless the agreement renews itself
    then (not yet in force, a termination already notified, or terminated)."""
    status = agreement.status_at(day)
    entry = status.entry_into_force
    if entry is None or status.state not in _RENEWING:
        return None
    upcoming = next_anniversary(entry, day, agreement.terms)
    last_day = last_notice_day(upcoming, agreement.terms)
    while last_day < day:
        upcoming = next_anniversary(entry, upcoming, agreement.terms)
        last_day = last_notice_day(upcoming, agreement.terms)
    return NoticeDeadline(upcoming, last_day)
