"""The agreements as this node knows them, and officers recording their nation's steps."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from gsomia.api.deps import NodeDep, UserDep
from gsomia.api.models.agreements import AgreementEventRequest, AmendmentConsentRequest
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.node import standing
from gsomia.node.agreements import consent_to_amendment, record_event
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.records import event_to_json

router = APIRouter(prefix="/api/v1/agreements", tags=["agreements"], responses=AUTHENTICATED)


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _summary(agreement: Agreement, node: Any) -> dict[str, Any]:
    status = agreement.status_at(node.clock().date())
    # The state as the pages show it: one answer for every face (issue 16).
    stands = standing.of(agreement, node.nation, node.clock().date())
    return {
        "id": agreement.id,
        "title": agreement.title,
        "parties": list(agreement.parties),
        "state": stands.state.value,
        "entry_into_force": stands.entry_into_force.isoformat()
        if stands.entry_into_force
        else None,
        "termination_effective": (
            stands.termination_effective.isoformat() if stands.termination_effective else None
        ),
        "next_anniversary": _day(stands.next_anniversary),
        "notice_deadline": _day(stands.notice_deadline),
        "version": agreement.latest.number,
        # what the data marks unconfirmed (table, term, notice, …) and why: never fact (issue 15)
        "unconfirmed": dict(agreement.unconfirmed),
        # the text of the next version one party consented to, awaiting the other (R45)
        "pending_amendment": status.amendment_texts.get(agreement.latest.number + 1),
        "history": [event_to_json(event) for event in agreement.history],
    }


@router.get("")
def list_agreements(user: UserDep, node: NodeDep) -> list[dict[str, Any]]:
    """Every agreement this node's nation is party to, with its state today."""
    del user
    return [
        _summary(node.agreement(a.id), node)
        for a in node.agreements.all()
        if node.nation in a.parties
    ]


@router.get("/{agreement_id}")
def show_agreement(agreement_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    del user
    return _summary(node.agreement(agreement_id), node)


@router.post("/{agreement_id}/events", status_code=201)
def record(
    agreement_id: str, body: AgreementEventRequest, user: UserDep, node: NodeDep
) -> dict[str, Any]:
    """An officer records one of this nation's lifecycle steps (a dated note); the partner's
    node is sent it, and an illegal step is refused with the reason."""
    updated = record_event(node, user, agreement_id, body.event())
    return _summary(updated, node)


@router.post("/{agreement_id}/amendments", status_code=201)
def consent_to_amend(
    agreement_id: str, body: AmendmentConsentRequest, user: UserDep, node: NodeDep
) -> dict[str, Any]:
    """An officer records this party's written consent to the next version's text; it travels
    to the partner, and the version applies once both consented to the same text (R45)."""
    updated = consent_to_amendment(
        node, user, agreement_id, body.text(), on=body.on, note=body.note
    )
    return _summary(updated, node)
