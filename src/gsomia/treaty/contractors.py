"""Contractors: facilities, their cleared staff, contracts, and what reaches them (R33–R36).

Art. 16 (body JA-12 to 14; its title NOT RETRIEVED): before the Receiving Party passes CMI to a
contractor, subcontractors included, it makes sure that (a) rank, position or clearance alone
gives no access; (b) the contractor and its facilities can protect the CMI; (c)–(e) everyone
who needs access holds a clearance decided as under Art. 7; (f) everyone with access is told
their duties; (g) each facility is inspected, initially and periodically; (h) access is on a
need-to-know; (i) each facility keeps a register of cleared, authorised individuals; (j) a
qualified person is designated for the control and protection of the CMI; (k)–(o) storage,
transmission, destruction, reproduction and translation follow Arts. 11, 9 and 12, 13, 14, 15.

Here (b) is a facility security clearance (or capability assessment) at or above the level;
(g)'s interval is each agreement's data (`contractor_inspection_days`): the text gives none,
so it is a policy setting. The security requirements clause a contract carries and the
assurance of the partner's national security authority before a classified contract are the
practice of security agreements and of NISPOM, not words of the retrieved Art. 16: they are
checked here as this node's policy and cited as such.

A contractor's staff read only through their facility and their contract: the person's own
access decision (R19–R21) first, then every condition below; so no contractor reads more than
a government reader with the same clearance, and no more than the contract's purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gsomia.errors import InputError
from gsomia.treaty.decision import Decision
from gsomia.treaty.people import require_aware
from gsomia.treaty.schemes import Level

__all__ = [
    "ARTICLE",
    "POLICY",
    "Contract",
    "Facility",
    "StaffMember",
    "contract_denial",
    "facility_denial",
    "may_contractor_read",
    "may_place_contract",
    "may_release_to_contractor",
]

ARTICLE = "Art. 16"
#: What is checked as this node's policy, not as words of the treaty (see the module's note).
POLICY = "policy (security agreements' practice, not in the retrieved Art. 16)"
deny, allow = Decision.deny, Decision.allow


@dataclass(frozen=True, slots=True)
class Facility:
    """A contractor facility of this nation: its clearance, security officer, register and
    inspections. `clearance` is the facility security clearance (or capability assessment)
    in this node's scheme, valid until `clearance_expires`; `parent` the prime contractor of a
    subcontractor."""

    id: str
    name: str
    nation: str
    clearance: Level | None
    clearance_expires: datetime | None
    security_officer: str | None
    register: frozenset[str]
    inspections: tuple[datetime, ...] = ()
    parent: str | None = None

    def __post_init__(self) -> None:
        if not self.id or not self.name:
            raise InputError("a contractor facility needs an id and a name")
        if (self.clearance is None) != (self.clearance_expires is None):
            raise InputError(f"facility {self.id}: a clearance and its expiry go together")
        if self.clearance is not None and self.clearance.nation != self.nation:
            raise InputError(f"facility {self.id}: {self.clearance} is not a {self.nation} level")
        for moment in (self.clearance_expires, *self.inspections):
            if moment is not None:
                require_aware(moment, f"facility {self.id} date")


@dataclass(frozen=True, slots=True)
class Contract:
    """A classified contract with a facility, for one purpose, up to `highest_level`, on the
    provided CMI of `partner`."""

    id: str
    facility_id: str
    partner: str
    purpose: str
    highest_level: Level
    security_clause: str
    assurance_given_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A person of a contractor facility, and when they acknowledged their security briefing."""

    name: str
    facility_id: str
    briefed_at: datetime | None = None


def _last(facility: Facility) -> datetime | None:
    return max(facility.inspections, default=None)


def facility_denial(
    facility: Facility, level: Level, now: datetime, inspection_interval: timedelta
) -> Decision | None:
    """Why `facility` may not hold CMI at `level` now, if it may not (R33, R35)."""
    require_aware(now, "now")
    clearance, expires = facility.clearance, facility.clearance_expires
    if clearance is None or expires is None or expires <= now:
        return deny(
            f"{facility.name} holds no facility security clearance in force", "Art. 16(b)", "R33"
        )
    if not clearance.dominates(level):
        return deny(
            f"{facility.name} is cleared to {clearance}, below {level}", "Art. 16(b)", "R33"
        )
    if not facility.security_officer:
        return deny(f"{facility.name} has no designated security officer", "Art. 16(j)", "R35")
    last = _last(facility)
    if last is None:
        return deny(f"{facility.name} was never inspected", "Art. 16(g)", "R35")
    if now - last > inspection_interval:
        return deny(
            f"{facility.name} was last inspected on {last.date().isoformat()}, more than "
            f"{inspection_interval.days} days ago (the agreement's interval, a policy setting)",
            "Art. 16(g)",
            "R35",
        )
    return None


def contract_denial(  # noqa: PLR0911 - one guard per condition, in Art. 16's order
    contract: Contract, facility: Facility, level: Level, purpose: str, partner: str
) -> Decision | None:
    """Why `contract` does not carry `partner`'s CMI at `level` for `purpose` to `facility`."""
    if contract.facility_id != facility.id:
        return deny(f"contract {contract.id} is not with {facility.name}", ARTICLE, "R33")
    if not contract.security_clause.strip():
        return deny(
            f"contract {contract.id} carries no security requirements clause", POLICY, "R33"
        )
    if contract.assurance_given_at is None:
        return deny(
            f"no assurance from {contract.partner}'s national security authority for contract "
            f"{contract.id}",
            POLICY,
            "R33",
        )
    if contract.partner != partner:
        return deny(
            f"contract {contract.id} covers {contract.partner}'s information, not {partner}'s",
            ARTICLE,
            "R33",
        )
    if not contract.highest_level.dominates(level):
        return deny(
            f"contract {contract.id} goes up to {contract.highest_level}, below {level}",
            "Art. 16(b)",
            "R33",
        )
    if purpose != contract.purpose:
        return deny(
            f"contract {contract.id} is for {contract.purpose!r}, not {purpose!r}",
            "Art. 16(h)",
            "R34",
        )
    return None


def may_place_contract(contract: Contract, facility: Facility) -> Decision:
    """May this node record `contract` with `facility`? It must carry the security requirements
    clause, and be with the facility it names; the assurance may come later (no CMI before)."""
    if contract.facility_id != facility.id:
        return deny(f"contract {contract.id} names another facility", ARTICLE, "R33")
    if not contract.security_clause.strip():
        return deny(
            f"contract {contract.id} carries no security requirements clause", POLICY, "R33"
        )
    if contract.highest_level.nation != facility.nation:
        return deny(
            f"contract {contract.id}: {contract.highest_level} is not a {facility.nation} level",
            ARTICLE,
            "R33",
        )
    return allow(f"contract {contract.id} with {facility.name} carries its clause", ARTICLE, "R33")


def may_release_to_contractor(
    facility: Facility,
    contract: Contract,
    *,
    level: Level,
    purpose: str,
    partner: str,
    now: datetime,
    inspection_interval: timedelta,
) -> Decision:
    """May this node pass `partner`'s CMI at `level` for `purpose` to `facility` under
    `contract` now (R33, R35)?"""
    denial = facility_denial(facility, level, now, inspection_interval)
    denial = denial or contract_denial(contract, facility, level, purpose, partner)
    if denial is not None:
        return denial
    return allow(
        f"{facility.name} is cleared to {facility.clearance} and contract {contract.id} covers "
        f"{purpose}",
        "Art. 16(b)",
        "R33",
    )


def may_contractor_read(
    staff: StaffMember,
    facility: Facility,
    contract: Contract | None,
    *,
    level: Level,
    purpose: str,
    partner: str,
    now: datetime,
    inspection_interval: timedelta,
) -> Decision:
    """May `staff`, whose own access decision allowed it, read `partner`'s CMI at `level` for
    `purpose` now? Only if it was released to their facility under `contract` (None: it was
    not), they are on its register and were briefed, and the facility and contract still hold
    (R33–R35)."""
    require_aware(now, "now")
    if staff.facility_id != facility.id or staff.name not in facility.register:
        return deny(f"{staff.name} is not on the register of {facility.name}", "Art. 16(i)", "R35")
    if staff.briefed_at is None or staff.briefed_at > now:
        return deny(f"{staff.name} has not acknowledged a security briefing", "Art. 16(f)", "R34")
    if contract is None:
        return deny(
            f"this was not released to {facility.name} under a contract", "Art. 16(b)", "R33"
        )
    denial = facility_denial(facility, level, now, inspection_interval)
    denial = denial or contract_denial(contract, facility, level, purpose, partner)
    if denial is not None:
        return denial
    return allow(
        f"{staff.name} of {facility.name}, briefed, under contract {contract.id}",
        "Art. 16(a)-(j)",
        "R34",
    )
