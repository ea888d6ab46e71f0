"""Reciprocal visits of security representatives (Art. 18; R38), beside the visits of Art. 8.

Art. 18 (JA-14): the agreement's implementation may be helped by reciprocal visits of each
Party's security representatives, after prior consultation, at agreed places and in an agreed
manner, to discuss and observe each other's security procedures so the two systems are
reasonably comparable. Its last sentence, on each Party's role for the CMI the other provided,
is cut off (JA-15 NOT RETRIEVED).

A visit is planned by either Party's competent authority with its place, scope, dates and
representatives; it is agreed only once both Parties are recorded as consulted on that plan
(R38: prior consultation, agreed place and scope). Findings are recorded only for an agreed
visit that has begun. The host may then give the visiting Party a report of how the CMI it
provided is protected: inventory, access decisions and destruction records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from gsomia.errors import InputError
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.people import require_aware

__all__ = [
    "ARTICLE",
    "MAX_SECURITY_VISIT",
    "SecurityVisit",
    "VisitState",
    "may_plan",
    "may_record_findings",
    "may_report_protection",
    "state_of",
]

ARTICLE = "Art. 18"
#: The longest one visit lasts here: this node's choice, the text sets none.
MAX_SECURITY_VISIT = timedelta(days=31)
deny, allow = Decision.deny, Decision.allow


class VisitState(StrEnum):
    PLANNED = "planned"  # awaiting a party's consultation
    AGREED = "agreed"  # both parties consulted on place, scope and dates
    CLOSED = "closed"  # findings recorded


@dataclass(frozen=True, slots=True)
class SecurityVisit:
    """A reciprocal visit of `visiting_party`'s security representatives to `host_party`."""

    id: str
    agreement_id: str
    visiting_party: str
    host_party: str
    representatives: frozenset[str]
    place: str
    scope: str
    starts: datetime
    ends: datetime
    consulted: frozenset[str] = field(default_factory=frozenset)  # parties recorded consulted
    findings: str = ""

    def __post_init__(self) -> None:
        require_aware(self.starts, "visit start")
        require_aware(self.ends, "visit end")
        if self.visiting_party == self.host_party:
            raise InputError("a security visit is between the two parties")
        if not self.representatives or not self.place.strip() or not self.scope.strip():
            raise InputError(
                f"security visit {self.id} needs representatives, an agreed place and a scope"
            )
        if not self.starts < self.ends <= self.starts + MAX_SECURITY_VISIT:
            raise InputError(
                f"security visit {self.id} must end after it starts, within "
                f"{MAX_SECURITY_VISIT.days} days"
            )


def state_of(visit: SecurityVisit) -> VisitState:
    if visit.findings:
        return VisitState.CLOSED
    parties = {visit.visiting_party, visit.host_party}
    return VisitState.AGREED if parties <= visit.consulted else VisitState.PLANNED


def may_plan(visit: SecurityVisit, agreement: Agreement, nation: str, now: datetime) -> Decision:
    """May `nation` plan `visit`? Only a party to `agreement`, between its two parties, for
    dates not yet past."""
    require_aware(now, "now")
    if {visit.visiting_party, visit.host_party} != set(agreement.parties):
        return deny(
            f"{agreement.id} binds {' and '.join(agreement.parties)}; a security visit is "
            "between them",
            ARTICLE,
            "R38",
        )
    if nation not in agreement.parties:
        return deny(f"{nation} is not a party to {agreement.id}", ARTICLE, "R38")
    if visit.starts < now:
        return deny(f"security visit {visit.id} would start in the past", ARTICLE, "R38")
    return allow(f"security visit {visit.id} planned under {agreement.id}", ARTICLE, "R38")


def may_record_findings(visit: SecurityVisit, now: datetime) -> Decision:
    """Findings only for a visit both parties agreed after prior consultation, once begun."""
    require_aware(now, "now")
    state = state_of(visit)
    if state is VisitState.CLOSED:
        return deny(f"security visit {visit.id} has its findings already", ARTICLE, "R38")
    if state is VisitState.PLANNED:
        waiting = sorted({visit.visiting_party, visit.host_party} - visit.consulted)
        return deny(
            f"security visit {visit.id} was not agreed: no prior consultation recorded for "
            + ", ".join(waiting),
            ARTICLE,
            "R38",
        )
    if now < visit.starts:
        return deny(f"security visit {visit.id} has not begun", ARTICLE, "R38")
    return allow(f"findings of security visit {visit.id}", ARTICLE, "R38")


def may_report_protection(visit: SecurityVisit, nation: str) -> Decision:
    """May `nation` give the visiting party the report of how its CMI is protected? The host,
    for an agreed visit (the report is what the representatives came to observe)."""
    if nation != visit.host_party:
        return deny(
            f"only the host {visit.host_party} reports how it protects what it was provided",
            ARTICLE,
            "R38",
        )
    if state_of(visit) is VisitState.PLANNED:
        return deny(
            f"security visit {visit.id} was not agreed after prior consultation", ARTICLE, "R38"
        )
    return allow(
        f"report for {visit.visiting_party}'s representatives, visit {visit.id}", ARTICLE, "R38"
    )
