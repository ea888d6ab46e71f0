"""What a person's role lets them ask of their own node (R16, R39, R50).

Roles open doors to workflows; they never open an item. Reading an item is `may_access`,
which ignores roles altogether (Art. 7.1, R20).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from gsomia.treaty import sources
from gsomia.treaty.decision import Decision
from gsomia.treaty.people import RELEASE_AUTHORITY, SECURITY_OFFICER, Person
from gsomia.treaty.schemes import Level

__all__ = [
    "ADMIN",
    "ANALYST",
    "AUDITOR",
    "ROLE_GRANTS",
    "Action",
    "clearance_in_force",
    "may_act",
    "may_perform",
]

ANALYST = "analyst"
AUDITOR = "auditor"
ADMIN = "admin"
OFFICER = "officer"


class Action(StrEnum):
    PUBLISH = "publish"
    RELEASE = "release"
    SET_RELEASE_RULE = "set_release_rule"
    RECORD_AGREEMENT_EVENT = "record_agreement_event"
    VIEW_TRANSFERS = "view_transfers"
    READ_AUDIT = "read_audit"
    ADMINISTER = "administer"
    READ_METRICS = "read_metrics"
    # The originator stays in control (issue 5).
    REQUEST_CONSENT = "request_consent"
    DECIDE_CONSENT = "decide_consent"
    RELEASE_ONWARD = "release_onward"
    CHANGE_CLASSIFICATION = "change_classification"
    ACKNOWLEDGE_NOTICE = "acknowledge_notice"
    REPRODUCE = "reproduce"
    DISPOSE = "dispose"
    REPORT_COMPROMISE = "report_compromise"
    INVESTIGATE = "investigate"
    RECORD_DISPUTE = "record_dispute"
    REQUEST_VISIT = "request_visit"
    DECIDE_VISIT = "decide_visit"
    CONFIGURE_HUB = "configure_hub"
    HAND_OVER = "hand_over"  # to the other party's representative, after its assurance
    COURIER = "courier"  # send or take in a courier / air-gapped bundle (R27)
    MANAGE_CONTRACTORS = "manage_contractors"  # facilities, staff, contracts, releases (R33)
    SECURITY_VISIT = "security_visit"  # security representatives' visits (Art. 18, R38)
    VIEW_CONSENTS = "view_consents"  # consent and new-purpose cases (R12, R13)
    VIEW_HUB_RULES = "view_hub_rules"  # the hub arrangements configured (R47)
    VIEW_NOTICES = "view_notices"  # classification notices sent and received (R14)


#: The roles `gsomia user add --role` accepts, and the treaty roles each one carries.
ROLE_GRANTS: dict[str, frozenset[str]] = {
    ANALYST: frozenset({ANALYST}),
    OFFICER: frozenset({SECURITY_OFFICER, RELEASE_AUTHORITY}),
    AUDITOR: frozenset({AUDITOR}),
    ADMIN: frozenset({ADMIN}),
}

_NEEDS: dict[Action, tuple[frozenset[str], str, str]] = {
    Action.PUBLISH: (frozenset({ANALYST, SECURITY_OFFICER}), "Art. 2(a)", "R6"),
    Action.RELEASE: (frozenset({RELEASE_AUTHORITY}), sources.CASE_BY_CASE, "R50"),
    Action.SET_RELEASE_RULE: (frozenset({RELEASE_AUTHORITY}), sources.CASE_BY_CASE, "R50"),
    Action.RECORD_AGREEMENT_EVENT: (frozenset({SECURITY_OFFICER}), "Art. 21", "R41"),
    Action.VIEW_TRANSFERS: (frozenset({ANALYST, SECURITY_OFFICER, AUDITOR}), "Art. 6(f)", "R17"),
    Action.READ_AUDIT: (frozenset({AUDITOR, SECURITY_OFFICER}), "Art. 6(f)", "R39"),
    Action.ADMINISTER: (frozenset({ADMIN}), "Art. 6(e)", "R16"),
    # The node's own counters say how much moves to whom: its officers and operators only.
    Action.READ_METRICS: (frozenset({SECURITY_OFFICER, ADMIN}), "Art. 6(e)", "R16"),
    Action.REQUEST_CONSENT: (
        frozenset({SECURITY_OFFICER, RELEASE_AUTHORITY}),
        sources.THIRD_PARTY,
        "R12",
    ),
    Action.DECIDE_CONSENT: (frozenset({RELEASE_AUTHORITY}), sources.THIRD_PARTY, "R12"),
    Action.RELEASE_ONWARD: (frozenset({RELEASE_AUTHORITY}), sources.THIRD_PARTY, "R12"),
    Action.CHANGE_CLASSIFICATION: (frozenset({RELEASE_AUTHORITY}), "Art. 6(g)", "R14"),
    Action.ACKNOWLEDGE_NOTICE: (frozenset({SECURITY_OFFICER}), "Art. 6(g)", "R14"),
    # Copies, translations and derivatives are made by those who work with the item.
    Action.REPRODUCE: (frozenset({ANALYST, SECURITY_OFFICER}), "Art. 14", "R29"),
    Action.DISPOSE: (frozenset({SECURITY_OFFICER}), "Art. 6(h)", "R31"),
    # Anyone may report a loss: an auditor who notices one included (R37).
    Action.REPORT_COMPROMISE: (
        frozenset({ANALYST, SECURITY_OFFICER, AUDITOR, ADMIN}),
        "Art. 17",
        "R37",
    ),
    Action.INVESTIGATE: (frozenset({SECURITY_OFFICER}), "Art. 17", "R37"),
    Action.RECORD_DISPUTE: (frozenset({SECURITY_OFFICER}), "Art. 20", "R46"),
    Action.REQUEST_VISIT: (frozenset({SECURITY_OFFICER}), "Art. 8", "R23"),
    Action.DECIDE_VISIT: (frozenset({SECURITY_OFFICER}), "Art. 8", "R23"),
    Action.CONFIGURE_HUB: (frozenset({SECURITY_OFFICER}), sources.HUB_ARRANGEMENT, "R47"),
    Action.HAND_OVER: (frozenset({RELEASE_AUTHORITY}), "Art. 7.5", "R22"),
    # Art. 12's body is not retrieved: the officer handling dispatches is this node's choice.
    Action.COURIER: (frozenset({SECURITY_OFFICER}), "Art. 12", "R27"),
    # Art. 16: the Receiving Party's measures before CMI reaches a contractor.
    Action.MANAGE_CONTRACTORS: (frozenset({SECURITY_OFFICER}), "Art. 16", "R33"),
    Action.SECURITY_VISIT: (frozenset({SECURITY_OFFICER}), "Art. 18", "R38"),
    # The cases of the originator's control name holdings, nations and purposes: those who ask
    # or decide them, and the auditor who checks the record (R39), see them; no one else.
    Action.VIEW_CONSENTS: (
        frozenset({SECURITY_OFFICER, RELEASE_AUTHORITY, AUDITOR}),
        sources.THIRD_PARTY,
        "R12",
    ),
    Action.VIEW_HUB_RULES: (
        frozenset({SECURITY_OFFICER, RELEASE_AUTHORITY, AUDITOR}),
        sources.HUB_ARRANGEMENT,
        "R47",
    ),
    # A notice names an item, its level before and after, its holders and who issued it:
    # those who issue or acknowledge notices and the auditor see them (found by the attack:
    # any person, an expired clearance included, listed every notice).
    Action.VIEW_NOTICES: (
        frozenset({SECURITY_OFFICER, RELEASE_AUTHORITY, AUDITOR}),
        "Art. 6(g)",
        "R14",
    ),
}


def may_originate(person: Person, level: Level, now: datetime) -> Decision:
    """May `person` mark an item at `level`? Only at or below a clearance in force (Art. 7.2).

    An analyst cannot create what they could not read: marking above one's own clearance
    would put information above the person's reach into their hands.
    """
    clearance, expires = person.clearance, person.clearance_expires
    if clearance is None or expires is None or expires <= now:
        return Decision.deny(f"{person.id} holds no clearance in force", "Art. 7.2", "R19")
    if not clearance.dominates(level):
        return Decision.deny(
            f"{person.id} is cleared to {clearance}, below {level}", "Art. 7.2", "R19"
        )
    return Decision.allow(f"{person.id} is cleared to {clearance}", "Art. 7.2", "R19")


def may_perform(person: Person, action: Action) -> Decision:
    """May `person` perform `action` on their own node? Decided by role alone."""
    roles, article, requirement = _NEEDS[action]
    act = action.value.replace("_", " ")
    if person.roles & roles:
        return Decision.allow(f"{person.id} may {act}", article, requirement)
    return Decision.deny(
        f"{person.id} may not {act}: it needs the role {given_roles(roles)}",
        article,
        requirement,
    )


#: The roles as people are given them and see them named (`gsomia user add --role`).
ROLE_NAMES = {ANALYST: "analyst", OFFICER: "security officer", AUDITOR: "auditor", ADMIN: "admin"}


def given_roles(treaty_roles: frozenset[str]) -> str:
    """The roles people are given that carry any of `treaty_roles`, as they are named to them
    ("security officer (--role officer)"), never the internal role identifiers."""
    given = [role for role, grants in ROLE_GRANTS.items() if grants & treaty_roles]
    return " or ".join(f"{ROLE_NAMES[role]} (--role {role})" for role in given)


#: The one act that needs no clearance in force: anyone may report a loss (R37), a person
#: whose clearance lapsed included.
_WITHOUT_CLEARANCE = frozenset({Action.REPORT_COMPROMISE})


def may_act(person: Person, action: Action, now: datetime) -> Decision:
    """May `person` perform `action` at `now`? The role must allow it (`may_perform`) and,
    for every act but reporting a loss, a clearance must be in force: an officer whose
    clearance expired records no agreement event, reads no audit log and sets no release
    rule (Art. 7.2, R19)."""
    decision = may_perform(person, action)
    if not decision.allowed or action in _WITHOUT_CLEARANCE:
        return decision
    in_force = clearance_in_force(person, now)
    return decision if in_force.allowed else in_force


def clearance_in_force(person: Person, now: datetime) -> Decision:
    """Does `person` hold a clearance in force at `now`? What every act but reporting a loss
    needs (`may_act`), and what keeps an alerts stream open (ADR 0086): a person whose
    clearance expired hears of no FLASH item, however they are signed in (Art. 7.2, R19)."""
    if person.clearance is None or person.clearance_expires is None:
        return Decision.deny(f"{person.id} holds no clearance in force", "Art. 7.2", "R19")
    if person.clearance_expires <= now:
        return Decision.deny(
            f"{person.id}'s clearance expired: no act of the role until it is renewed",
            "Art. 7.2",
            "R19",
        )
    return Decision.allow(f"{person.id} holds a clearance in force", "Art. 7.2", "R19")
