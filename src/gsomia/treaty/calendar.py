"""Dates the treaty implies, computed from the entry into force (Art. 21.3; R42).

The agreement runs a term (one year) from its entry into force and renews itself on every
anniversary. A termination notice must reach the other party a notice period (90 days) before an
anniversary; for Korea–Japan, in force on 23 Nov 2016, the deadline is 00:00 on 25 Aug, so the
last day to give notice is 24 Aug (section 3.3). A notice given in time takes effect on the next
anniversary, otherwise on the one after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

__all__ = [
    "DeadlineConvention",
    "Terms",
    "anniversary",
    "last_notice_day",
    "next_anniversary",
    "termination_effective",
]


class DeadlineConvention(Enum):
    """How "90 days in advance" is counted (the convention is DERIVED, so it is configurable)."""

    #: Notice is due before 00:00 of anniversary − N days: the last day is the day before
    #: (KR–JP: 24 Aug for 23 Nov, the reading of [YNA-2019-08-22] and [WORLDJIP-2020]).
    EXCLUSIVE = "exclusive"
    #: Notice may still be given on anniversary − N days.
    INCLUSIVE = "inclusive"


@dataclass(frozen=True, slots=True)
class Terms:
    """Duration, renewal and notice terms of an agreement (Art. 21.3)."""

    term_years: int = 1
    automatic_renewal: bool = True
    notice_days: int = 90
    convention: DeadlineConvention = DeadlineConvention.EXCLUSIVE


def anniversary(entry_into_force: date, years: int) -> date:
    """The `years`-th anniversary; 29 February falls on 28 February in common years."""
    try:
        return entry_into_force.replace(year=entry_into_force.year + years)
    except ValueError:
        return entry_into_force.replace(year=entry_into_force.year + years, day=28)


def next_anniversary(entry_into_force: date, after: date, terms: Terms = Terms()) -> date:
    """The first term end (anniversary) strictly after `after`."""
    years = max(after.year - entry_into_force.year, 0)
    years -= years % terms.term_years
    while anniversary(entry_into_force, years) <= after or years == 0:
        years += terms.term_years
    return anniversary(entry_into_force, years)


def last_notice_day(anniversary_day: date, terms: Terms = Terms()) -> date:
    """The last day on which a notice still takes effect on `anniversary_day`."""
    deadline = anniversary_day - timedelta(days=terms.notice_days)
    if terms.convention is DeadlineConvention.EXCLUSIVE:
        return deadline - timedelta(days=1)
    return deadline


def termination_effective(
    entry_into_force: date, notice_given: date, terms: Terms = Terms()
) -> date:
    """The day a termination notice given on `notice_given` ends the agreement."""
    upcoming = next_anniversary(entry_into_force, notice_given, terms)
    if notice_given <= last_notice_day(upcoming, terms):
        return upcoming
    return next_anniversary(entry_into_force, upcoming, terms)
