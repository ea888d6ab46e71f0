"""Visits to the other party's facilities that need access to CMI (Art. 8; R23, R24).

The visiting party's competent authority submits the request to the host's; only the host
approves it. An approved visit records dates, facility, subject, scope and the highest level the
host may disclose, and caps what a visitor is shown. The agreement sets the minimum lead time
(none for Korea–Japan); a visit lasts at most a year. Emergency visits are exempt from the lead
time (NISPOM practice; the Korea–Japan text sets none at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gsomia.errors import InputError
from gsomia.treaty import sources
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding
from gsomia.treaty.officials import officer_denial
from gsomia.treaty.people import Person, require_aware
from gsomia.treaty.schemes import Level

__all__ = [
    "MAX_VISIT",
    "ApprovedVisit",
    "VisitKind",
    "VisitRequest",
    "approve_visit",
    "approved_here",
    "may_approve_visit",
    "may_disclose_to_visitor",
    "may_submit_visit",
]

ARTICLE = "Art. 8"
#: The longest a visit approval lasts (R24, NISPOM).
MAX_VISIT = timedelta(days=365)
deny, allow = Decision.deny, Decision.allow


class VisitKind(StrEnum):
    ONE_TIME = "one-time"
    RECURRING = "recurring"
    EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class VisitRequest:
    """A request from `visiting_party` to `host_party` for `visitors` to visit `facility`.

    `highest_level` is the highest level of the host's scheme the visit asks to be shown.
    """

    id: str
    agreement_id: str
    visiting_party: str
    host_party: str
    submitted_by: str
    visitors: frozenset[str]
    facility: str
    subject: str
    scope: str
    highest_level: Level
    starts: datetime
    ends: datetime
    submitted_at: datetime
    kind: VisitKind = VisitKind.ONE_TIME

    def __post_init__(self) -> None:
        for moment, what in ((self.starts, "start"), (self.ends, "end"), (self.submitted_at, "")):
            require_aware(moment, f"visit {what or 'request'} time")
        if self.visiting_party == self.host_party:
            raise InputError(f"visit {self.id}: the host cannot visit itself")
        if not self.visitors or not self.facility or not self.subject:
            raise InputError(f"visit {self.id} needs visitors, a facility and a subject (R23)")
        if not self.starts < self.ends <= self.starts + MAX_VISIT:
            raise InputError(f"visit {self.id} must end after it starts, within a year (R24)")
        if self.highest_level.nation != self.host_party:
            raise InputError(f"visit {self.id}: {self.highest_level} is not a host level")


def _agreement_denial(request: VisitRequest, agreement: Agreement, now: datetime) -> str | None:
    if agreement.id != request.agreement_id:
        return f"it is made under {request.agreement_id}, not {agreement.id}"
    if set(agreement.parties) != {request.visiting_party, request.host_party}:
        return f"{agreement.id} does not bind {request.visiting_party} and {request.host_party}"
    if not agreement.status_at(now.date()).state.in_force:
        return f"{agreement.id} is not in force"
    if not agreement.version_at(now.date()).covers(request.highest_level):
        return f"{request.highest_level} is not covered by {agreement.id}"
    return None


def may_submit_visit(
    submitter: Person, request: VisitRequest, agreement: Agreement, now: datetime
) -> Decision:
    """May `submitter` send `request` to the host (R23, R24)?

    Only the visiting party's competent authority (its security officer) submits; the agreement
    binds both, is in force and covers the level asked; the visit starts no sooner than the
    agreement's lead time (emergency visits excepted).
    """
    require_aware(now, "now")
    denial = officer_denial(
        submitter,
        request.visiting_party,
        now,
        article=ARTICLE,
        requirement="R23",
        act="request a visit",
    )
    if denial is not None:
        return denial
    if submitter.id != request.submitted_by:
        return deny(f"visit {request.id} names {request.submitted_by} as submitter", ARTICLE, "R23")
    why = _agreement_denial(request, agreement, now)
    if why is not None:
        return deny(f"visit {request.id} cannot be requested: {why}", ARTICLE, "R23")
    lead = timedelta(days=agreement.visit_lead_time_days)
    if request.kind is not VisitKind.EMERGENCY and request.starts - now < lead:
        return deny(
            f"visit {request.id} starts sooner than {agreement.id}'s lead time of "
            f"{agreement.visit_lead_time_days} days",
            ARTICLE,
            "R24",
        )
    if request.starts < now:
        return deny(f"visit {request.id} would start in the past", ARTICLE, "R24")
    return allow(f"{request.visiting_party} may ask {request.host_party}", ARTICLE, "R23")


def may_approve_visit(
    approver: Person, request: VisitRequest, agreement: Agreement, now: datetime
) -> Decision:
    """Only the host party's competent authority approves a visit to its facilities (R23)."""
    require_aware(now, "now")
    denial = officer_denial(
        approver, request.host_party, now, article=ARTICLE, requirement="R23", act="approve a visit"
    )
    if denial is not None:
        return denial
    why = _agreement_denial(request, agreement, now)
    if why is not None:
        return deny(f"visit {request.id} cannot be approved: {why}", ARTICLE, "R23")
    if request.ends <= now:
        return deny(f"visit {request.id} is over", ARTICLE, "R23")
    return allow(f"{request.host_party} may approve visit {request.id}", ARTICLE, "R23")


@dataclass(frozen=True, slots=True)
class ApprovedVisit:
    """What the host approved: who, where, when, on what, and the highest level to disclose."""

    request_id: str
    visiting_party: str
    host_party: str
    visitors: frozenset[str]
    facility: str
    subject: str
    scope: str
    highest_level: Level
    starts: datetime
    ends: datetime
    approved_by: str
    approved_at: datetime


def approve_visit(
    approver: Person,
    request: VisitRequest,
    agreement: Agreement,
    now: datetime,
    *,
    highest_level: Level | None = None,
) -> ApprovedVisit:
    """The approved visit; the host may lower the level asked, never raise it."""
    may_approve_visit(approver, request, agreement, now).enforce()
    level = highest_level or request.highest_level
    if not request.highest_level.dominates(level):
        raise InputError(
            f"the host may lower, not raise, the level asked ({request.highest_level})"
        )
    return ApprovedVisit(
        request.id,
        request.visiting_party,
        request.host_party,
        request.visitors,
        request.facility,
        request.subject,
        request.scope,
        level,
        request.starts,
        request.ends,
        approver.id,
        now,
    )


def approved_here(visit_id: str, host: str, *, hosted_here: bool, approved: bool) -> Decision:
    """Is `visit_id` a visit to `host` that its officer approved? Nothing is shown to a
    visitor under any other (R23): a visit this nation makes elsewhere, or one not approved."""
    if not (hosted_here and approved):
        return deny(f"visit {visit_id} is not an approved visit to {host}", ARTICLE, "R23")
    return allow(f"visit {visit_id} is an approved visit to {host}", ARTICLE, "R23")


def may_disclose_to_visitor(
    visit: ApprovedVisit, person: Person, holding: Holding, now: datetime
) -> Decision:
    """May the host show `holding` to `person` during `visit` (R23, R21)?

    The person is a named visitor of the visiting party; the visit is under way; the holding is
    the host's, not destroyed, on the visit's subject, at or below its highest level, and
    releasable to the visitor's nation (a third nation's item needs its originator's consent).
    """
    require_aware(now, "now")
    problems = [
        (person.id not in visit.visitors, f"{person.id} is not a visitor of {visit.request_id}"),
        (person.nationality != visit.visiting_party, f"{person.id} is not of the visiting party"),
        (not visit.starts <= now < visit.ends, "the visit is not under way"),
        (holding.holder != visit.host_party or holding.destroyed, "it is not the host's to show"),
        (
            holding.community != visit.subject,
            f"it is outside the visit's subject {visit.subject!r}",
        ),
        (holding.rank > visit.highest_level.rank, f"it is above {visit.highest_level}"),
    ]
    for failed, why in problems:
        if failed:
            return deny(f"{holding.id} may not be disclosed: {why}", ARTICLE, "R23")
    if person.nationality not in holding.nationalities:
        return deny(
            f"{holding.id} is not releasable to {person.nationality}: a third-country release "
            "needs the originator's consent",
            sources.THIRD_PARTY,
            "R21",
        )
    return allow(f"{holding.id} may be shown to {person.id}", ARTICLE, "R23")
