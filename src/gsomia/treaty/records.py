"""Who may record a step of an agreement's lifecycle, and whether it is new (R41, R43, R45).

Each party records its own acts — its domestic approvals, its written notification, its
notices — and either party may record a joint act (initialling, signature). The partner's
node applies the same rule to what it is sent (`apply_event`), so neither side can write the
other's steps; a step that cannot be applied is refused for its reason (`refused_step`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from gsomia.errors import Error, InputError
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.lifecycle import Event, EventKind

__all__ = [
    "Applied",
    "apply_event",
    "event_from_json",
    "event_to_json",
    "is_recorded",
    "may_record_event",
    "refused_step",
]


def is_recorded(agreement: Agreement, event: Event) -> bool:
    """True if the same step (kind, day, party, step, version) is already in the record."""
    key = (event.kind, event.on, event.party, event.step, event.version)
    return any((e.kind, e.on, e.party, e.step, e.version) == key for e in agreement.history)


def may_record_event(recorder: str, agreement: Agreement, event: Event) -> Decision:
    """May the node of `recorder` add `event` to `agreement`'s record?"""
    if recorder not in agreement.parties:
        return Decision.deny(f"{recorder} is not a party to {agreement.id}", "Art. 21", "R41")
    if event.party is not None and event.party != recorder:
        return Decision.deny(
            f"{recorder} may not record {event.party}'s {event.kind.value}: each party records "
            "its own acts",
            "Art. 21",
            "R43",
        )
    return Decision.allow(
        f"{recorder} records its {event.kind.value} of {event.on.isoformat()}", "Art. 21", "R43"
    )


def refused_step(reason: str) -> Decision:
    """A step that cannot be applied — unreadable, of an agreement not known here, or one the
    lifecycle forbids — is refused for that reason (Art. 21, R43)."""
    return Decision.deny(reason, "Art. 21", "R43")


@dataclass(frozen=True)
class Applied:
    """A step applied to a record: the decision, the record after it, and whether the step
    was new to it (only then is there anything to store)."""

    decision: Decision
    agreement: Agreement
    new: bool


def apply_event(recorder: str, agreement: Agreement, event: Event) -> Applied:
    """`recorder`'s step `event` applied to `agreement`: refused if the recorder may not record
    it (R41, R43) or the lifecycle forbids it, for the lifecycle's reason (`refused_step`); the
    record unchanged if the step is in it already."""
    decision = may_record_event(recorder, agreement, event)
    if not decision.allowed or is_recorded(agreement, event):
        return Applied(decision, agreement, new=False)
    try:
        updated = agreement.record(event)
    except Error as error:
        return Applied(refused_step(error.message), agreement, new=False)
    return Applied(decision, updated, new=True)


def event_to_json(event: Event) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "on": event.on.isoformat(),
        "note": event.note,
        "party": event.party,
        "step": event.step,
        "version": event.version,
        **({"amendment": dict(event.amendment)} if event.amendment is not None else {}),
        **({"unconfirmed": event.unconfirmed} if event.unconfirmed else {}),
    }


def event_from_json(data: Any) -> Event:
    """An event from its JSON form; InputError naming what is wrong."""
    if not isinstance(data, dict):
        raise InputError("an agreement event is a JSON object")
    try:
        return Event(
            kind=EventKind(data["kind"]),
            on=date.fromisoformat(data["on"]),
            note=str(data["note"]),
            party=data.get("party"),
            step=data.get("step"),
            version=data.get("version"),
            amendment=_amendment(data.get("amendment")),
            unconfirmed=data.get("unconfirmed")
            if isinstance(data.get("unconfirmed"), str)
            else None,
        )
    except (KeyError, ValueError, TypeError) as exc:
        kinds = ", ".join(kind.value for kind in EventKind)
        raise InputError(
            f"the agreement event is malformed: {exc}", hint=f"kind is one of {kinds}"
        ) from exc


def _amendment(value: Any) -> dict[str, Any] | None:
    """The amended text an amendment consent carries, if any: a JSON object."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError("an amendment's text is a JSON object (effective, basis, rows)")
    return value
