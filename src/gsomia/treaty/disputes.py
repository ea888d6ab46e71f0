"""Disputes: settled only by consultation between the Parties (Art. 20; R46).

A dispute is a case between the two parties of an agreement: open → consultations → settled.
There is no step that refers it to anyone else, and nothing here touches a protection rule: the
decisions take no dispute as input, so protection is never suspended while one is open. Each
case maps onto the agreement's lifecycle events (`consultation_opened`/`_closed`), which record
it without changing the agreement's state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gsomia.errors import Conflict, InputError
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.lifecycle import Event, EventKind
from gsomia.treaty.people import require_aware

__all__ = [
    "Consultation",
    "DisputeCase",
    "DisputeState",
    "may_refer_to_third_party",
    "open_dispute",
    "record_consultation",
    "settle_dispute",
]

ARTICLE = "Art. 20"


class DisputeState(StrEnum):
    OPEN = "open"
    CONSULTATIONS = "consultations"
    SETTLED = "settled"


@dataclass(frozen=True, slots=True)
class Consultation:
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class DisputeCase:
    """A dispute over the interpretation or application of `agreement_id`."""

    id: str
    agreement_id: str
    parties: tuple[str, str]
    raised_by: str
    subject: str
    opened_at: datetime
    state: DisputeState = DisputeState.OPEN
    consultations: tuple[Consultation, ...] = ()
    settled_at: datetime | None = None
    outcome: str = ""

    def events(self) -> tuple[Event, ...]:
        """The agreement lifecycle events that record this case."""
        opened = Event(
            EventKind.CONSULTATION_OPENED, self.opened_at.date(), self.subject, self.raised_by
        )
        if self.settled_at is None:
            return (opened,)
        closed = Event(EventKind.CONSULTATION_CLOSED, self.settled_at.date(), self.outcome)
        return (opened, closed)


def open_dispute(
    agreement: Agreement, raised_by: str, subject: str, at: datetime, *, dispute_id: str
) -> DisputeCase:
    """A dispute raised by one of `agreement`'s parties; anyone else is refused."""
    require_aware(at, "dispute time")
    if raised_by not in agreement.parties:
        raise InputError(
            f"only a party to {agreement.id} may raise a dispute under it, not {raised_by}",
            hint=f"parties: {' and '.join(agreement.parties)}",
        )
    if not subject:
        raise InputError(f"dispute {dispute_id} names no subject")
    return DisputeCase(dispute_id, agreement.id, agreement.parties, raised_by, subject, at)


def record_consultation(case: DisputeCase, at: datetime, note: str) -> DisputeCase:
    require_aware(at, "consultation time")
    if case.state is DisputeState.SETTLED:
        raise Conflict(f"dispute {case.id} is settled")
    consultations = (*case.consultations, Consultation(at, note))
    return replace(case, state=DisputeState.CONSULTATIONS, consultations=consultations)


def settle_dispute(case: DisputeCase, at: datetime, outcome: str) -> DisputeCase:
    """Settled, by consultation: at least one consultation must be on record."""
    require_aware(at, "settlement time")
    if case.state is not DisputeState.CONSULTATIONS:
        raise Conflict(
            f"dispute {case.id} is {case.state.value}; it is settled only by consultation",
            hint="record the consultations between the parties first",
        )
    return replace(case, state=DisputeState.SETTLED, settled_at=at, outcome=outcome)


def may_refer_to_third_party(case: DisputeCase, third_party: str) -> Decision:
    """Never: disputes are settled only by consultation between the parties (Art. 20.1)."""
    return Decision.deny(
        f"dispute {case.id} cannot be referred to {third_party}: settlement is only by "
        f"consultation between {' and '.join(case.parties)}",
        ARTICLE,
        "R46",
    )
