"""Consent requests, grants, refusals, revocation and expiry; new purposes (R12, R13, R21).

JPN asks KOR to pass the launch track to USA for missile warning; KOR's officer consents only
within what the JPN–USA agreement covers; the consent then drives `may_release_onward`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_world import (
    DAY,
    HOLDING,
    HOUR,
    ITEM,
    JPN_OFFICER,
    JPN_READER,
    JU,
    KJ,
    KOR_OFFICER,
    KU,
    LOW_ITEM,
    NOW,
    USA_OFFICER,
    WARNING,
    YEAR,
    lv,
)

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.treaty import (
    Consent,
    ConsentCase,
    ConsentRequest,
    ConsentStatus,
    Event,
    EventKind,
    PurposeApproval,
    apply_purpose_approval,
    grant_consent,
    may_access,
    may_approve_purpose,
    may_grant_consent,
    may_release_onward,
    may_request_consent,
    open_consent_case,
    refuse_consent,
    revoke_consent,
)
from gsomia.treaty.agreements import make_version

REQUEST = ConsentRequest(
    "req-1",
    originator="KOR",
    holder="JPN",
    recipient="USA",
    purpose=WARNING,
    until=NOW + YEAR,
    requested_at=NOW,
    requested_by=JPN_OFFICER.id,
    item_ids=frozenset({ITEM.id}),
)
CLASS_REQUEST = replace(
    REQUEST,
    id="req-2",
    item_ids=frozenset(),
    item_class=WARNING,
    ceiling=lv("KOR", "군사II급비밀"),
)
CONSENT_FOR_CEILING = Consent(
    "c",
    "KOR",
    "JPN",
    "USA",
    WARNING,
    NOW + YEAR,
    item_class=WARNING,
    ceiling=lv("KOR", "군사II급비밀"),
)
TOP = replace(ITEM, id="kor-ts", level=lv("KOR", "군사I급비밀"), agreement_id=KU.id)


def grant(case: ConsentCase | None = None, **kw: Any) -> ConsentCase:
    args: dict[str, Any] = {
        "origin_agreement": KJ,
        "holder_third": JU,
        "consent_id": "consent-9",
    }
    args.update(kw)
    items = args.pop("items", [ITEM])
    now = args.pop("now", NOW)
    officer = args.pop("officer", KOR_OFFICER)
    return grant_consent(case or open_consent_case(REQUEST), officer, items, now, **args)


# --- asking -----------------------------------------------------------------------------------

REQUEST_ROWS: list[tuple[str, Any, Any, ConsentRequest, bool]] = [
    ("R12-allow-holder-officer-asks", JPN_OFFICER, HOLDING, REQUEST, True),
    ("R12-allow-class-request", JPN_OFFICER, HOLDING, CLASS_REQUEST, True),
    ("R12-deny-analyst-asks", JPN_READER, HOLDING, REQUEST, False),
    ("R12-deny-originator-officer-asks-for-holder", KOR_OFFICER, HOLDING, REQUEST, False),
    ("R12-deny-destroyed", JPN_OFFICER, replace(HOLDING, destroyed=True), REQUEST, False),
    (
        "R12-deny-other-item",
        JPN_OFFICER,
        HOLDING,
        replace(REQUEST, item_ids=frozenset({"x"})),
        False,
    ),
    ("R12-deny-wrong-holder", JPN_OFFICER, HOLDING, replace(REQUEST, holder="GBR"), False),
    ("R12-deny-wrong-originator", JPN_OFFICER, HOLDING, replace(REQUEST, originator="GBR"), False),
    ("R12-deny-ended", JPN_OFFICER, HOLDING, replace(REQUEST, until=NOW), False),
    (
        "R12-deny-class-above-ceiling",
        JPN_OFFICER,
        HOLDING,
        replace(CLASS_REQUEST, ceiling=lv("KOR", "군사III급비밀")),
        False,
    ),
]


@pytest.mark.parametrize(
    ("requester", "holding", "request_", "allowed"),
    [row[1:] for row in REQUEST_ROWS],
    ids=[row[0] for row in REQUEST_ROWS],
)
def test_may_request_consent(requester: Any, holding: Any, request_: Any, allowed: bool) -> None:
    decision = may_request_consent(requester, holding, request_, NOW)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == "R12"


@pytest.mark.parametrize(
    "change",
    [
        {"item_ids": frozenset(), "item_class": ""},
        {"recipient": "JPN"},
        {"purpose": ""},
        {"ceiling": lv("JPN", "秘")},
        {"until": datetime(2025, 1, 1)},
    ],
    ids=["R12-no-items", "R12-holder-is-third", "R12-no-purpose", "R12-foreign-ceiling", "naive"],
)
def test_malformed_requests_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        replace(REQUEST, **change)


# --- granting ---------------------------------------------------------------------------------

GRANT_ROWS: list[tuple[str, dict[str, Any], bool, str]] = [
    ("R12-allow-originator-officer", {}, True, "R12"),
    ("R12-allow-class-within-ceiling", {"request": CLASS_REQUEST, "items": []}, True, "R12"),
    ("R12-deny-holder-officer", {"officer": JPN_OFFICER}, False, "R12"),
    ("R12-deny-third-officer", {"officer": USA_OFFICER}, False, "R12"),
    (
        "R12-deny-officer-off-register",
        {"officer": replace(KOR_OFFICER, registered=False)},
        False,
        "R12",
    ),
    ("R12-deny-lapsed-request", {"now": NOW + YEAR}, False, "R12"),
    ("R12-deny-no-holder-third-agreement", {"holder_third": None}, False, "R12"),
    ("R12-deny-wrong-holder-third-agreement", {"holder_third": KU}, False, "R12"),
    ("R12-deny-wrong-origin-agreement", {"origin_agreement": JU}, False, "R12"),
    ("R12-deny-item-not-named", {"items": [LOW_ITEM]}, False, "R12"),
    ("R12-deny-items-not-shown", {"items": []}, False, "R12"),
    (
        "R6-deny-item-under-another-agreement",
        {"request": replace(REQUEST, item_ids=frozenset({TOP.id})), "items": [TOP]},
        False,
        "R6",
    ),
    (
        "R12-deny-class-without-ceiling",
        {"request": replace(CLASS_REQUEST, ceiling=None), "items": []},
        False,
        "R12",
    ),
    (
        "R12-deny-class-ceiling-beyond-holder-third",
        # KOR top secret is not covered under KOR–JPN: JPN could never pass it on.
        {"request": replace(CLASS_REQUEST, ceiling=lv("KOR", "군사I급비밀")), "items": []},
        False,
        "R12",
    ),
]


@pytest.mark.parametrize(
    ("change", "allowed", "requirement"),
    [row[1:] for row in GRANT_ROWS],
    ids=[row[0] for row in GRANT_ROWS],
)
def test_may_grant_consent(change: dict[str, Any], allowed: bool, requirement: str) -> None:
    args: dict[str, Any] = {
        "officer": KOR_OFFICER,
        "request": REQUEST,
        "items": [ITEM],
        "now": NOW,
        "origin_agreement": KJ,
        "holder_third": JU,
    }
    args.update(change)
    decision = may_grant_consent(
        args.pop("officer"), args.pop("request"), args.pop("items"), args.pop("now"), **args
    )
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R12_deny_grant_beyond_the_holder_third_table_or_after_the_request_lapsed() -> None:
    v1 = JU.versions[0]
    ju_no_confidential = replace(JU, versions=(make_version(1, v1.effective, "", v1.rows[:2]),))
    request = replace(REQUEST, item_ids=frozenset({LOW_ITEM.id}))
    decision = may_grant_consent(
        KOR_OFFICER, request, [LOW_ITEM], NOW, origin_agreement=KJ, holder_third=ju_no_confidential
    )
    assert not decision.allowed
    assert "beyond what JPN may pass to USA" in decision.reason
    short = replace(REQUEST, until=NOW + DAY)
    lapsed = may_grant_consent(
        KOR_OFFICER, short, [ITEM], NOW + 2 * DAY, origin_agreement=KJ, holder_third=JU
    )
    assert "lapsed" in lapsed.reason
    with pytest.raises(InputError):
        replace(CONSENT_FOR_CEILING, ceiling=lv("JPN", "秘"))


def test_R12_deny_grant_when_holder_third_agreement_not_in_force() -> None:
    lapsed_third = JU.record(Event(EventKind.TERMINATION_NOTICE, date(2023, 1, 2), "note", "USA"))
    decision = may_grant_consent(
        KOR_OFFICER, REQUEST, [ITEM], NOW, origin_agreement=KJ, holder_third=lapsed_third
    )
    assert not decision.allowed
    assert "not in force" in decision.reason


def test_R12_grant_yields_a_consent_bound_to_item_nation_purpose_and_expiry() -> None:
    case = grant(expires_at=NOW + 30 * DAY)
    assert case.status is ConsentStatus.GRANTED
    consent = case.consent
    assert consent is not None
    assert (consent.originator, consent.holder, consent.recipient) == ("KOR", "JPN", "USA")
    assert consent.item_ids == {ITEM.id}
    assert consent.purpose == WARNING
    assert consent.expires_at == NOW + 30 * DAY
    assert not consent.verified  # until the holder's node verifies the originator's signature
    # Once verified, the holder may release onward; before, it may not.
    assert not may_release_onward(HOLDING, "USA", consent, JU, NOW + HOUR).allowed
    verified = replace(consent, verified=True)
    assert may_release_onward(HOLDING, "USA", verified, JU, NOW + HOUR).allowed
    assert not may_release_onward(HOLDING, "USA", verified, JU, NOW + 31 * DAY).allowed


def test_R12_grant_cannot_extend_beyond_the_request() -> None:
    case = grant(expires_at=NOW + 2 * YEAR)
    assert case.consent is not None
    assert case.consent.expires_at == REQUEST.until
    with pytest.raises(InputError):
        grant(expires_at=NOW - DAY)


def test_R12_class_consent_carries_its_ceiling_to_the_release_decision() -> None:
    case = grant(open_consent_case(CLASS_REQUEST), items=[])
    assert case.consent is not None
    consent = replace(case.consent, verified=True)
    assert may_release_onward(HOLDING, "USA", consent, JU, NOW).allowed
    low_ceiling = replace(consent, ceiling=lv("KOR", "군사III급비밀"))
    decision = may_release_onward(HOLDING, "USA", low_ceiling, JU, NOW)
    assert not decision.allowed
    assert "ceiling" in decision.reason


def test_R12_grant_refused_by_decision_raises() -> None:
    with pytest.raises(PolicyDenied):
        grant(officer=JPN_OFFICER)


# --- the state machine ------------------------------------------------------------------------


def test_R12_refusal_and_its_reason() -> None:
    case = refuse_consent(open_consent_case(REQUEST), KOR_OFFICER, NOW, reason="source protection")
    assert case.status_at(NOW + DAY) is ConsentStatus.REFUSED
    assert case.reason == "source protection"
    with pytest.raises(Conflict):
        grant(case)
    with pytest.raises(PolicyDenied):
        refuse_consent(open_consent_case(REQUEST), JPN_OFFICER, NOW, reason="no")


def test_R12_revocation_stops_later_releases() -> None:
    case = grant()
    revoked = revoke_consent(case, KOR_OFFICER, NOW + DAY, reason="circumstances changed")
    assert revoked.status is ConsentStatus.REVOKED
    assert revoked.consent is not None
    consent = replace(revoked.consent, verified=True)
    assert may_release_onward(HOLDING, "USA", consent, JU, NOW + HOUR).allowed
    decision = may_release_onward(HOLDING, "USA", consent, JU, NOW + 2 * DAY)
    assert not decision.allowed
    assert "revoked" in decision.reason
    with pytest.raises(Conflict):
        revoke_consent(revoked, KOR_OFFICER, NOW + 3 * DAY, reason="again")
    with pytest.raises(PolicyDenied):
        revoke_consent(case, USA_OFFICER, NOW + DAY, reason="not mine")


def test_R12_expiry_of_requests_and_consents() -> None:
    case = open_consent_case(REQUEST)
    assert case.status_at(NOW) is ConsentStatus.REQUESTED
    assert case.status_at(REQUEST.until) is ConsentStatus.EXPIRED
    with pytest.raises(Conflict):
        grant(case, now=REQUEST.until)
    granted = grant()
    assert granted.status_at(NOW) is ConsentStatus.GRANTED
    assert granted.status_at(REQUEST.until) is ConsentStatus.EXPIRED
    with pytest.raises(Conflict):
        revoke_consent(granted, KOR_OFFICER, REQUEST.until, reason="late")


@given(st.lists(st.sampled_from(["grant", "refuse", "revoke"]), max_size=6))
def test_R12_no_sequence_of_steps_leaves_a_refused_or_revoked_case(steps: list[str]) -> None:
    """Refused and revoked are final: no step after them succeeds."""
    case = open_consent_case(REQUEST)
    for step in steps:
        before = case.status
        try:
            if step == "grant":
                case = grant(case)
            elif step == "refuse":
                case = refuse_consent(case, KOR_OFFICER, NOW, reason="no")
            else:
                case = revoke_consent(case, KOR_OFFICER, NOW, reason="no")
        except Conflict:
            assert case.status is before
        if before in (ConsentStatus.REFUSED, ConsentStatus.REVOKED):
            assert case.status is before


# --- a new purpose (R13) ----------------------------------------------------------------------

APPROVAL = PurposeApproval(
    "purpose-1",
    "KOR",
    "JPN",
    "training",
    KOR_OFFICER.id,
    NOW,
    item_ids=frozenset({ITEM.id}),
    verified=True,
)


def test_R13_access_for_a_new_purpose_needs_the_originators_approval() -> None:
    assert not may_access(JPN_READER, HOLDING, NOW, "training").allowed
    approved = apply_purpose_approval(HOLDING, APPROVAL)
    decision = may_access(JPN_READER, approved, NOW, "training")
    assert decision.allowed, decision.reason
    assert not may_access(JPN_READER, approved, NOW, "targeting").allowed


@pytest.mark.parametrize(
    "change",
    [
        {"verified": False},
        {"originator": "USA"},
        {"holder": "USA"},
        {"item_ids": frozenset({"other"})},
    ],
    ids=[
        "R13-deny-unverified",
        "R13-deny-not-originator",
        "R13-deny-other-holder",
        "R13-deny-item",
    ],
)
def test_R13_approvals_that_do_not_apply_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(PolicyDenied):
        apply_purpose_approval(HOLDING, replace(APPROVAL, **change))


def test_R13_class_approval_and_who_may_approve() -> None:
    by_class = replace(APPROVAL, item_ids=frozenset(), item_class=WARNING)
    assert "training" in apply_purpose_approval(HOLDING, by_class).approved_purposes
    assert may_approve_purpose(KOR_OFFICER, APPROVAL, NOW).allowed
    denied = may_approve_purpose(JPN_OFFICER, APPROVAL, NOW)
    assert not denied.allowed
    assert denied.requirement == "R13"
    changes: list[dict[str, Any]] = [{"purpose": ""}, {"item_ids": frozenset()}]
    for change in changes:
        with pytest.raises(InputError):
            replace(APPROVAL, **change)
