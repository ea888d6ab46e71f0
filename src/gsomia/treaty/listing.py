"""What a list shows a person of a holding or an item: all of it, that it exists, or nothing.

A title and a level are information (Art. 7): a list shows them only to a person the access
decision would let read the item, whatever became of the holding since (a destroyed one is
still listed to those who could read it, so its record can be found). A security officer or
an auditor of the holding party must know that something is held to keep custody, dispose of
it, report its loss or audit its reading (R31, R37, R39), so they see a redacted row: its
id, originator, state and dates, not its title, level or purpose. Everyone else sees no row.
The same answer for the API, the CLI and the pages.

A list is filtered on the row *as shown* (`ListFilter.matches`): a field a redacted row
withholds matches no filter, so which redacted rows a filter keeps says nothing of the withheld
values (a filter on a precedence, level or title leaves every redacted row out, whatever it is).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gsomia.treaty.access import may_access
from gsomia.treaty.classification import DeclassifiedHolding
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding
from gsomia.treaty.people import SECURITY_OFFICER, Person
from gsomia.treaty.roles import AUDITOR

__all__ = ["ListFilter", "Listing", "Shown", "ShownRow", "exported", "may_list"]

#: The roles whose duties need to know that a holding exists without reading it.
KNOW_IT_EXISTS = frozenset({SECURITY_OFFICER, AUDITOR})


class Shown(StrEnum):
    FULL = "full"
    REDACTED = "redacted"
    HIDDEN = "hidden"


@dataclass(frozen=True, slots=True)
class Listing:
    shown: Shown
    decision: Decision  # the access decision it follows from, for the reason and article


def may_list(
    person: Person, holding: Holding | DeclassifiedHolding, now: datetime, *, holder: str
) -> Listing:
    """How a list shows `holding`, held by `holder`'s node, to `person` at `now`."""
    decision = _access(person, holding, now)
    if decision.allowed:
        return Listing(Shown.FULL, decision)
    if person.registered and person.nationality == holder and person.roles & KNOW_IT_EXISTS:
        return Listing(Shown.REDACTED, decision)
    return Listing(Shown.HIDDEN, decision)


def _access(person: Person, holding: Holding | DeclassifiedHolding, now: datetime) -> Decision:
    """The access decision as if the holding were still there: disposal hides nothing more."""
    if isinstance(holding, DeclassifiedHolding):
        if person.registered:
            return Decision.allow("declassified by its originator", "Art. 6(g)", "R14")
        return Decision.deny(f"{person.id} is not on this facility's register", "Art. 6(e)", "R16")
    return may_access(person, replace(holding, destroyed=False), now)


@dataclass(frozen=True, slots=True)
class ShownRow:
    """What a list row shows of the fields one may filter on; None: withheld (redacted)."""

    state: str
    title: str | None
    level: str | None
    precedence: str | None
    purpose: str | None
    partners: Collection[str]  # the nations it came from or goes to that the row shows


@dataclass(frozen=True, slots=True)
class ListFilter:
    """What a person asked a list for; None: any. `text` is looked for in the title."""

    level: str | None = None
    partner: str | None = None
    precedence: str | None = None
    purpose: str | None = None
    state: str | None = None
    text: str | None = None

    @property
    def on_title(self) -> bool:
        return bool(self.text)

    def matches(self, row: ShownRow) -> bool:
        """Whether the row, as the person sees it, is one they asked for. A withheld field
        (None) matches no filter, so a filter never tells a withheld value."""
        return (
            _same(self.state, row.state)
            and _same(self.level, row.level)
            and _same(self.precedence, row.precedence)
            and _same(self.purpose, row.purpose)
            and (self.partner is None or self.partner in row.partners)
            and (
                not self.text
                or (row.title is not None and self.text.casefold() in row.title.casefold())
            )
        )


def _same(wanted: str | None, shown: str | None) -> bool:
    return wanted is None or (shown is not None and wanted == shown)


def exported(listed: str, form: str, rows: int, withheld: int) -> Decision:
    """The log's record of a list exported: which, in what form, how many rows, and how many
    the list showed redacted and the export left out. A copy of a list is information too
    (Art. 7), so it carries only rows shown in full, and the log says who took it (R39)."""
    return Decision.allow(
        f"{rows} rows of the {listed} list exported as {form}, {withheld} withheld",
        "Art. 7",
        "R39",
    )
