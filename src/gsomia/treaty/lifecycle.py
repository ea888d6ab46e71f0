"""The agreement lifecycle as a pure state machine over dated diplomatic notes (R40–R46).

```
draft ─initialled→ initialled ─signed→ signed ─notification×2→ in_force
in_force ─termination_notice→ termination_notified ─notice_suspended→ termination_notice_suspended
termination_notified | termination_notice_suspended ─notice_withdrawn→ in_force
termination_notified ─(effective date reached)→ terminated
```

Domestic approvals (R41) are recorded per party, in the order of that party's procedure, and a
party's Art. 21.1 notification is refused until its procedure is complete. The agreement enters
into force on the later of the two notifications (R40). Amendments need both parties' written
consent (R45). Consultations (Art. 20, R46) are recorded but change nothing: protection is never
suspended by a dispute, and there is no way to refer one to a third party.

`replay` folds the history up to a day into a `Status`; an illegal event raises `Conflict` naming
the rule it breaks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from typing import Any

from gsomia.errors import Conflict, InputError
from gsomia.treaty.calendar import Terms, anniversary, termination_effective

__all__ = ["Event", "EventKind", "Rules", "State", "Status", "replay", "step"]


class State(Enum):
    DRAFT = "draft"
    INITIALLED = "initialled"
    SIGNED = "signed"
    IN_FORCE = "in_force"
    TERMINATION_NOTIFIED = "termination_notified"
    TERMINATION_NOTICE_SUSPENDED = "termination_notice_suspended"
    TERMINATED = "terminated"

    @property
    def in_force(self) -> bool:
        """True while the agreement binds and new provisions may be made under it."""
        return self in _IN_FORCE


_IN_FORCE = frozenset(
    {State.IN_FORCE, State.TERMINATION_NOTIFIED, State.TERMINATION_NOTICE_SUSPENDED}
)


class EventKind(Enum):
    INITIALLED = "initialled"
    DOMESTIC_APPROVAL = "domestic_approval"
    SIGNED = "signed"
    NOTIFICATION = "notification"  # Art. 21.1: domestic requirements fulfilled
    TERMINATION_NOTICE = "termination_notice"
    NOTICE_SUSPENDED = "notice_suspended"
    NOTICE_WITHDRAWN = "notice_withdrawn"
    AMENDMENT_CONSENT = "amendment_consent"  # Art. 21.2: one party's written consent
    CONSULTATION_OPENED = "consultation_opened"  # Art. 20
    CONSULTATION_CLOSED = "consultation_closed"


@dataclass(frozen=True, slots=True)
class Event:
    """One dated, written step: a diplomatic note, an approval, a signature.

    `note` identifies the document (e.g. "note verbale of 23 Aug 2019"); `party` is the party
    that acted (None for joint acts: initialling, signing); `step` names a domestic approval step;
    `version` the agreement version an amendment consent is for, and `amendment` the text
    consented to: the new version's table as JSON (`{"effective", "basis", "rows"}`), so that
    both parties' consents can be seen to be to the same text (Art. 21.2).
    """

    kind: EventKind
    on: date
    note: str
    party: str | None = None
    step: str | None = None
    version: int | None = None
    amendment: Mapping[str, Any] | None = field(default=None, compare=False)
    #: Why the data marks this step unconfirmed (e.g. a date inferred), if it does.
    unconfirmed: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.note.strip():
            raise InputError(
                f"{self.kind.value} on {self.on} references no document",
                hint="every lifecycle step cites its dated diplomatic note or decision (R43)",
            )


@dataclass(frozen=True, slots=True)
class Status:
    """Where an agreement stands after a history of events."""

    state: State = State.DRAFT
    approvals: Mapping[str, tuple[tuple[str, date], ...]] = field(default_factory=dict)
    notified: Mapping[str, date] = field(default_factory=dict)
    entry_into_force: date | None = None
    termination_notice: Event | None = None
    termination_effective: date | None = None
    disputed: bool = False  # the 2019 suspension's legal effect was disputed (section 3.3)
    amendment_consents: Mapping[int, frozenset[str]] = field(default_factory=dict)
    amendment_texts: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    open_consultations: int = 0


def _conflict(event: Event, why: str, hint: str | None = None) -> Conflict:
    return Conflict(f"{event.kind.value} on {event.on.isoformat()} refused: {why}", hint=hint)


def _terminate_if_due(status: Status, day: date) -> Status:
    if (
        status.state is State.TERMINATION_NOTIFIED
        and status.termination_effective is not None
        and status.termination_effective <= day
    ):
        return replace(status, state=State.TERMINATED)
    return status


@dataclass(frozen=True, slots=True)
class Rules:
    """What an agreement fixes about its own lifecycle: parties, procedures, terms."""

    parties: tuple[str, str]
    procedures: Mapping[str, tuple[str, ...]]
    terms: Terms


def step(status: Status, event: Event, rules: Rules) -> Status:
    """The status after `event`, or `Conflict` if the treaty does not allow it now."""
    status = _terminate_if_due(status, event.on)
    if status.state is State.TERMINATED:
        raise _conflict(event, f"the agreement terminated on {status.termination_effective}")
    if event.party is not None and event.party not in rules.parties:
        raise _conflict(event, f"{event.party} is not a party ({' and '.join(rules.parties)})")
    return _HANDLERS[event.kind](status, event, rules)


def _initial(status: Status, event: Event, _rules: Rules) -> Status:
    if status.state is not State.DRAFT:
        raise _conflict(event, f"only a draft is initialled; the agreement is {status.state.value}")
    return replace(status, state=State.INITIALLED)


def _sign(status: Status, event: Event, _rules: Rules) -> Status:
    if status.state not in (State.DRAFT, State.INITIALLED):
        raise _conflict(event, f"the agreement is already {status.state.value}")
    return replace(status, state=State.SIGNED)


def _give_notice(status: Status, event: Event, rules: Rules) -> Status:
    if status.state is not State.IN_FORCE or status.entry_into_force is None:
        raise _conflict(event, f"notice can only be given in force; it is {status.state.value}")
    return replace(
        status,
        state=State.TERMINATION_NOTIFIED,
        termination_notice=event,
        termination_effective=termination_effective(status.entry_into_force, event.on, rules.terms),
    )


def _approve(status: Status, event: Event, rules: Rules) -> Status:
    party = event.party
    procedures = rules.procedures
    if party is None or event.step is None:
        raise _conflict(event, "a domestic approval names its party and its step")
    procedure = procedures.get(party, ())
    done = status.approvals.get(party, ())
    if party in status.notified:
        raise _conflict(event, f"{party} has already notified completion of its procedure")
    if event.step not in procedure:
        raise _conflict(
            event,
            f"{event.step!r} is not a step of {party}'s procedure",
            hint=f"{party}'s steps: {', '.join(procedure) or 'none recorded'}",
        )
    expected = procedure[len(done)] if len(done) < len(procedure) else None
    if event.step != expected:
        raise _conflict(
            event,
            f"{party}'s next step is {expected!r}, not {event.step!r}",
            hint=f"{party}'s procedure runs {' → '.join(procedure)}",
        )
    approvals = {**status.approvals, party: (*done, (event.step, event.on))}
    return replace(status, approvals=approvals)


def _notify(status: Status, event: Event, rules: Rules) -> Status:
    party, parties, procedures = event.party, rules.parties, rules.procedures
    if status.state is not State.SIGNED or party is None:
        raise _conflict(event, f"notification follows signature; it is {status.state.value}")
    if party in status.notified:
        raise _conflict(event, f"{party} has already notified")
    missing = procedures.get(party, ())[len(status.approvals.get(party, ())) :]
    if missing:
        raise _conflict(
            event,
            f"{party}'s domestic requirements are not fulfilled",
            hint=f"record {party}'s remaining steps: {', '.join(missing)}",
        )
    notified = {**status.notified, party: event.on}
    if set(notified) != set(parties):
        return replace(status, notified=notified)
    # Art. 21.1: in force on the later of the two notifications.
    return replace(
        status, notified=notified, state=State.IN_FORCE, entry_into_force=max(notified.values())
    )


def _suspend_or_withdraw(status: Status, event: Event, _rules: Rules) -> Status:
    notice = status.termination_notice
    allowed = (
        (State.TERMINATION_NOTIFIED,)
        if event.kind is EventKind.NOTICE_SUSPENDED
        else (State.TERMINATION_NOTIFIED, State.TERMINATION_NOTICE_SUSPENDED)
    )
    if status.state not in allowed or notice is None:
        raise _conflict(event, f"no termination notice to act on; it is {status.state.value}")
    if event.party != notice.party:
        raise _conflict(event, f"only {notice.party}, who gave the notice, can act on it")
    if event.kind is EventKind.NOTICE_SUSPENDED:
        return replace(status, state=State.TERMINATION_NOTICE_SUSPENDED, disputed=True)
    return replace(
        status,
        state=State.IN_FORCE,
        termination_notice=None,
        termination_effective=None,
        disputed=False,
    )


def _consent(status: Status, event: Event, _rules: Rules) -> Status:
    if not status.state.in_force:
        raise _conflict(event, f"only an agreement in force is amended; it is {status.state.value}")
    if event.party is None or event.version is None:
        raise _conflict(event, "an amendment consent names its party and the new version")
    given = status.amendment_consents.get(event.version, frozenset())
    text = status.amendment_texts.get(event.version)
    if text is not None and event.amendment is not None and event.amendment != text:
        raise _conflict(
            event,
            f"the consents to version {event.version} are not to the same text",
            hint="both parties consent to one amended text (Art. 21.2)",
        )
    consents = {**status.amendment_consents, event.version: given | {event.party}}
    texts = dict(status.amendment_texts)
    if event.amendment is not None:
        texts[event.version] = event.amendment
    return replace(status, amendment_consents=consents, amendment_texts=texts)


def _consult(status: Status, event: Event, _rules: Rules) -> Status:
    if status.state in (State.DRAFT, State.INITIALLED):
        raise _conflict(event, "consultations under Art. 20 concern a signed agreement")
    if event.kind is EventKind.CONSULTATION_OPENED:
        return replace(status, open_consultations=status.open_consultations + 1)
    if status.open_consultations == 0:
        raise _conflict(event, "no consultation is open")
    return replace(status, open_consultations=status.open_consultations - 1)


_HANDLERS: dict[EventKind, Callable[[Status, Event, Rules], Status]] = {
    EventKind.INITIALLED: _initial,
    EventKind.DOMESTIC_APPROVAL: _approve,
    EventKind.SIGNED: _sign,
    EventKind.NOTIFICATION: _notify,
    EventKind.TERMINATION_NOTICE: _give_notice,
    EventKind.NOTICE_SUSPENDED: _suspend_or_withdraw,
    EventKind.NOTICE_WITHDRAWN: _suspend_or_withdraw,
    EventKind.AMENDMENT_CONSENT: _consent,
    EventKind.CONSULTATION_OPENED: _consult,
    EventKind.CONSULTATION_CLOSED: _consult,
}


def replay(events: Iterable[Event], rules: Rules, until: date | None = None) -> Status:
    """Fold `events` (in date order) up to and including `until` into a `Status`."""
    status = Status()
    last: date | None = None
    for event in events:
        if until is not None and event.on > until:
            break
        if last is not None and event.on < last:
            raise _conflict(event, f"events must be recorded in date order (last was {last})")
        status = step(status, event, rules)
        last = event.on
    if until is not None:
        status = _terminate_if_due(status, until)
        if (
            not rules.terms.automatic_renewal
            and status.state.in_force
            and status.entry_into_force is not None
        ):
            end = anniversary(status.entry_into_force, rules.terms.term_years)
            if end <= until:
                status = replace(status, state=State.TERMINATED, termination_effective=end)
    return status
