"""The originator's handling terms as a holder reads them: fail closed (Art. 6(h), 14; R18, R29).

An originator sets its terms in the item's signed label (restrictions, a copy limit, the end of
the purpose). A term that is there but cannot be read is never ignored, since ignoring it
would lift the restriction it stated: it is read as the strictest term of its kind. A copy
limit nobody can read allows no copy; a purpose end nobody can read has already passed, so
access is suspended until the item is returned or destroyed. Each such reading is reported as
a denial naming the requirement it protects, for the shell to log.

Reading the label (which category holds which values) is the labels package's; what the
values mean for the holder is decided here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gsomia.treaty.decision import Decision

__all__ = ["ENDED", "HandlingTerms", "copy_limit_term", "handling_terms", "purpose_end_term"]

#: What a purpose end that cannot be read means: it has already passed.
ENDED = datetime(1970, 1, 1, tzinfo=UTC)
REPRODUCTION = "Art. 14"
RETURN = "Art. 6(h)"


@dataclass(frozen=True, slots=True)
class HandlingTerms:
    """What the originator's terms oblige a holder to: `caveats` (restrictions such as NO
    REPRODUCTION or PATENT), the most copies it may make (`copy_limit`, none when None) and when
    the purpose ends (`purpose_ends`, never when None). `faults` names each malformed term and
    how it was read (denials, for the log)."""

    caveats: frozenset[str]
    copy_limit: int | None
    purpose_ends: datetime | None
    faults: tuple[Decision, ...] = ()


def copy_limit_term(values: Sequence[str]) -> tuple[int | None, Decision | None]:
    """The copy limit `values` set (the lowest; none when empty), and the denial saying how a
    malformed one was read: as no copy allowed (R29). A negative limit allows no copy either."""
    if not values:
        return None, None
    try:
        limit = min(int(value) for value in values)
    except ValueError:
        fault = Decision.deny(
            f"copy limit {list(values)!r} is malformed: read as no copy allowed",
            REPRODUCTION,
            "R29",
        )
        return 0, fault
    return max(limit, 0), None


def purpose_end_term(values: Sequence[str]) -> tuple[datetime | None, Decision | None]:
    """The purpose end `values` set (the earliest; none when empty), and the denial saying how
    a malformed one (not ISO 8601, or without a time zone) was read: as already ended (R18)."""
    if not values:
        return None, None
    try:
        parsed = [datetime.fromisoformat(value) for value in values]
    except ValueError:
        parsed = []
    if parsed and all(value.tzinfo is not None for value in parsed):
        return min(parsed), None
    fault = Decision.deny(
        f"purpose end {list(values)!r} is malformed: read as already ended, access is suspended",
        RETURN,
        "R18",
    )
    return ENDED, fault


def handling_terms(
    caveats: Iterable[str], copy_limits: Sequence[str], purpose_ends: Sequence[str]
) -> HandlingTerms:
    """The terms a label's caveats and handling values, copy-limit values and purpose-end
    values set, each malformed one read fail closed."""
    copy_limit, limit_fault = copy_limit_term(copy_limits)
    ends, end_fault = purpose_end_term(purpose_ends)
    faults = tuple(fault for fault in (limit_fault, end_fault) if fault is not None)
    return HandlingTerms(frozenset(caveats), copy_limit, ends, faults)
