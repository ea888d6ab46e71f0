"""Pages of a list read in index order: keyset cursors and the bounded scan (ADR 0095).

A list is ordered by a sort key, (time, id), newest first, with an index on it; a page is
read from where the last one stopped, so the first page costs the same at 1,000 rows as at
100,000. Which rows a person sees is decided per row (the access decision, the filters on the
row as shown) after the store read them, and a title is sealed at rest: a page is therefore
filled by reading on in index order, in chunks, until it is full, the list ends, or `BUDGET`
rows were looked at. A page cut short by the budget still names where to go on (`next`), so
the work per request is bounded whatever the filter, and nothing is skipped.

A cursor is the place of a row, (time, id), and which way to read from it: opaque to callers
(base64url of JSON), not secret (it says no more than the row it came from, which the caller
was shown), and checked: a malformed one is an `InputError`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from gsomia.errors import InputError

__all__ = ["BUDGET", "MAX_LIMIT", "Page", "Place", "Position", "read_page"]

#: The most rows one request looks at (decrypting, deciding) to fill a page.
BUDGET = 2_000
#: The most rows a page holds.
MAX_LIMIT = 500
_FIRST_CHUNK = 16
_MAX_CHUNK = 256

Place = tuple[datetime, str]
R = TypeVar("R")  # a stored record
S = TypeVar("S")  # a row as shown


@dataclass(frozen=True)
class Position:
    """Where a page starts: after `place` in list order, or (`backward`) just before it."""

    place: Place | None = None
    backward: bool = False

    @classmethod
    def parse(cls, cursor: str | None) -> Position:
        """The position a cursor names; the first page for none."""
        if not cursor:
            return cls()
        try:
            way, at, row_id = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
            when = datetime.fromisoformat(at)
            if way not in ("n", "p") or not isinstance(row_id, str) or when.tzinfo is None:
                raise ValueError(way)
        except (ValueError, TypeError, UnicodeError, binascii.Error):
            raise InputError(
                "not a cursor this list gave", hint="give the `next` or `previous` it answered"
            ) from None
        return cls((when, row_id), backward=way == "p")

    def cursor(self) -> str:
        assert self.place is not None
        when, row_id = self.place
        raw = json.dumps(["p" if self.backward else "n", when.isoformat(), row_id])
        return base64.urlsafe_b64encode(raw.encode()).decode("ascii")


@dataclass(frozen=True)
class Page(Generic[S]):
    """A page of a list in list order, with the cursors of the pages beside it (None: no more
    that way). A page may hold fewer rows than asked, even none, when the scan budget ran out:
    `next` then goes on from where it stopped."""

    rows: list[S]
    next: str | None
    previous: str | None


#: Reads up to `limit` records from a place (exclusive; None: the start), forward in list order
#: or (True) backward.
Fetch = Callable[[Place | None, int, bool], Sequence[R]]


def read_page(
    fetch: Fetch[R],
    place_of: Callable[[R], Place],
    shown: Callable[[R], S | None],
    position: Position,
    limit: int,
    *,
    budget: int = BUDGET,
) -> Page[S]:
    """The page at `position`: rows `shown` gives (None: not on the list for this person),
    read in list order from there, until `limit` rows, the end, or `budget` rows looked at."""
    limit = max(1, min(limit, MAX_LIMIT))
    rows: list[tuple[Place, S]] = []
    looked: list[Place] = []
    place, chunk, more = position.place, max(_FIRST_CHUNK, limit + 1), True
    # One row more than the page, if there is one to show: then there is a next page.
    while more and len(rows) <= limit and len(looked) < budget:
        asked = min(chunk, budget - len(looked))
        records = fetch(place, asked, position.backward)
        more = len(records) == asked
        for record in records:
            place = place_of(record)
            looked.append(place)
            row = shown(record)
            if row is not None:
                rows.append((place, row))
                if len(rows) > limit:
                    break
        chunk = min(chunk * 2, _MAX_CHUNK)
    if len(rows) > limit:  # the next page starts after the last row of this one
        del rows[limit:]
        place, more = rows[-1][0], True
    return _paged(rows, position, looked[0] if looked else None, place if more else None)


def _paged(
    rows: list[tuple[Place, S]], position: Position, first: Place | None, stopped: Place | None
) -> Page[S]:
    """The rows in list order with the cursors on either side. `first`: the first place looked
    at; `stopped`: where the scan stopped with more stored that way, None at the end."""
    went_on = None if stopped is None else Position(stopped, position.backward).cursor()
    came_from = None
    if position.place is not None:
        # Back the other way from the first row shown, or, on a page that shows none, from
        # the first row looked at (its cursor's own row is then the first to come back).
        back_from = rows[0][0] if rows else first
        if back_from is not None:
            came_from = Position(back_from, not position.backward).cursor()
    if position.backward:
        rows.reverse()
        return Page([row for _, row in rows], next=came_from, previous=went_on)
    return Page([row for _, row in rows], next=went_on, previous=came_from)
