"""Where an agreement stands for this node on a day: the one answer every face shows.

The dashboard's line, the agreement page, the control page's choices and the API's summary
all ask `standing`, so after a notice of termination none of them can still say "in force"
while another says "termination notified" (issue 16). The agreement is the one this node
knows (`Node.agreement`): the shipped history and every step either party recorded since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gsomia.node.runtime import Node
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.lifecycle import State
from gsomia.treaty.renewal import notice_deadline

__all__ = ["Standing", "standing", "standings"]


@dataclass(frozen=True, slots=True)
class Standing:
    id: str
    title: str
    partner: str
    state: State
    entry_into_force: date | None
    #: The day a notice of termination takes effect, once one is given.
    termination_effective: date | None
    #: The next anniversary and the last day to give notice for it, while it renews itself.
    next_anniversary: date | None
    notice_deadline: date | None
    disputed: bool

    @property
    def in_force(self) -> bool:
        """Binding now: new provisions may be made under it (a notice given included)."""
        return self.state.in_force

    @property
    def ending(self) -> bool:
        """A notice of termination was given and has not been suspended: it ends on
        `termination_effective`, and the pages say so rather than "in force"."""
        return self.state is State.TERMINATION_NOTIFIED


def of(agreement: Agreement, nation: str, day: date) -> Standing:
    """The standing of `agreement` for `nation`'s node on `day` (pure)."""
    status = agreement.status_at(day)
    deadline = notice_deadline(agreement, day)
    return Standing(
        id=agreement.id,
        title=agreement.title,
        partner=agreement.other_party(nation) if nation in agreement.parties else "",
        state=status.state,
        entry_into_force=status.entry_into_force,
        termination_effective=status.termination_effective,
        next_anniversary=deadline.anniversary if deadline else None,
        notice_deadline=deadline.last_day if deadline else None,
        disputed=status.disputed,
    )


def standing(node: Node, agreement_id: str, day: date) -> Standing:
    """One agreement as this node knows it (`NotFound` for one it does not know)."""
    return of(node.agreement(agreement_id), node.nation, day)


def standings(node: Node, day: date) -> list[Standing]:
    """The agreements this node's nation is party to, as it knows them."""
    return [
        standing(node, shipped.id, day)
        for shipped in node.agreements.all()
        if node.nation in shipped.parties
    ]
