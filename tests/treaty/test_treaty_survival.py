"""After termination and during disputes, every protection rule keeps applying (R44, R46;
Art. 20, 21.4).

LAPSED is the Korea–Japan agreement as it would stand had the 2019 notice not been suspended:
terminated on 23 Nov 2019. Items provided before stay protected by access control, the
third-party rule, classification notices, custody and destruction; new provisions are refused.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.treaty.test_treaty_world import (
    AFTER_TERMINATION,
    CONSENT,
    DAY,
    HOUR,
    ITEM,
    JPN_LOW,
    JPN_OFFICER,
    JPN_READER,
    JPN_READER_2,
    JU,
    KJ,
    KOR_OFFICER,
    LAPSED,
    NOW,
    USA_READER,
    WARNING,
    YEAR,
    lv,
)

from gsomia.errors import Conflict, InputError
from gsomia.treaty import (
    ClassificationNotice,
    DestructionMethod,
    DestructionRecord,
    DisputeState,
    OfficerRelease,
    Person,
    State,
    VisitRequest,
    apply_notice,
    may_access,
    may_copy,
    may_destroy,
    may_grant_consent,
    may_provide,
    may_refer_to_third_party,
    may_release_onward,
    may_submit_visit,
    open_dispute,
    receive,
    record_consultation,
    release_onward,
    settle_dispute,
    state_at,
)
from gsomia.treaty.consent_requests import ConsentRequest
from gsomia.treaty.people import RELEASE_AUTHORITY
from gsomia.treaty.receipt import may_accept

#: A partner node registered here, with post-quantum keys: what a provision seals for.
PQ_NODE: dict[str, Any] = {"recipient_known": True, "classic_crypto": False}


HELD = receive(ITEM, "JPN", LAPSED)  # provided in 2018, before the termination took effect
LATER = st.integers(min_value=0, max_value=3 * 365).map(
    lambda days: AFTER_TERMINATION + timedelta(days=days)
)
PEOPLE = st.sampled_from([JPN_READER, JPN_READER_2, JPN_LOW, USA_READER, JPN_OFFICER])
PURPOSES = st.sampled_from([None, WARNING, "targeting"])


def at_time_of(person: Person, when: datetime) -> Person:
    """The same person with a clearance valid for a year from `when`."""
    if person.clearance_expires is None:
        return person
    return replace(person, clearance_expires=when + YEAR)


def test_R44_the_agreement_is_terminated_then() -> None:
    assert state_at(LAPSED, AFTER_TERMINATION) is State.TERMINATED


@settings(max_examples=100)
@given(PEOPLE, PURPOSES, LATER)
def test_R44_access_control_answers_as_before_termination(
    person: Person, purpose: str | None, when: datetime
) -> None:
    before = datetime(2019, 1, 10, tzinfo=when.tzinfo)
    assert may_access(at_time_of(person, when), HELD, when, purpose) == may_access(
        at_time_of(person, before), HELD, before, purpose
    )


@settings(max_examples=50)
@given(LATER)
def test_R44_no_new_provision_but_the_third_party_rule_still_holds(when: datetime) -> None:
    officer = replace(
        KOR_OFFICER, roles=frozenset({RELEASE_AUTHORITY}), clearance_expires=when + YEAR
    )
    release = OfficerRelease(ITEM.id, "JPN", officer, when - HOUR)
    provide = may_provide(ITEM, "JPN", LAPSED, release, when, channel="gsomia-node", **PQ_NODE)
    assert not provide.allowed
    assert provide.requirement == "R44"
    assert not may_accept(ITEM, "JPN", "KOR", LAPSED, when, channel="gsomia-node").allowed
    assert not may_release_onward(HELD, "USA", None, JU, when).allowed
    consent = replace(CONSENT, expires_at=when + DAY)
    # With the originator's consent, under the holder's own agreement in force, it may move.
    assert may_release_onward(HELD, "USA", consent, JU, when).allowed
    assert release_onward(HELD, "USA", consent, JU, when).holding.level == lv("USA", "SECRET")


def test_R44_the_originator_may_still_consent_and_reclassify_after_termination() -> None:
    when = AFTER_TERMINATION
    request = ConsentRequest(
        "req-late",
        "KOR",
        "JPN",
        "USA",
        WARNING,
        when + YEAR,
        when,
        JPN_OFFICER.id,
        item_ids=frozenset({ITEM.id}),
    )
    officer = replace(KOR_OFFICER, clearance_expires=when + YEAR)
    assert may_grant_consent(
        officer, request, [ITEM], when, origin_agreement=LAPSED, holder_third=JU
    ).allowed
    notice = ClassificationNotice(
        "n-late",
        ITEM.id,
        "KOR",
        ITEM.level,
        lv("KOR", "군사III급비밀"),
        when,
        when,
        officer.id,
        verified=True,
    )
    remarking = apply_notice(HELD, notice, LAPSED, when)
    assert remarking.holding is not None
    assert remarking.holding.level.native == "秘"


def test_R44_custody_and_destruction_still_work_after_termination() -> None:
    when = AFTER_TERMINATION
    reader = replace(JPN_READER, clearance_expires=when + YEAR)
    second = replace(JPN_READER_2, clearance_expires=when + YEAR)
    assert may_copy(reader, HELD, 0, when).allowed
    record = DestructionRecord(
        "d-late", HELD.id, ITEM.id, DestructionMethod.BURNING, when, (reader.id, second.id)
    )
    assert may_destroy(HELD, record, [reader, second], when, agreement=LAPSED).allowed
    alone = replace(record, officials=(reader.id,))
    assert not may_destroy(HELD, alone, [reader], when, agreement=LAPSED).allowed


def test_R44_no_new_visit_under_a_terminated_agreement() -> None:
    when = AFTER_TERMINATION
    visit = VisitRequest(
        "v-late",
        LAPSED.id,
        "JPN",
        "KOR",
        JPN_OFFICER.id,
        frozenset({JPN_READER.id}),
        "ROK JCS",
        WARNING,
        "briefing",
        lv("KOR", "군사III급비밀"),
        when + DAY,
        when + 2 * DAY,
        when,
    )
    officer = replace(JPN_OFFICER, clearance_expires=when + YEAR)
    assert not may_submit_visit(officer, visit, LAPSED, when).allowed


# --- disputes (R46) ---------------------------------------------------------------------------


def test_R46_a_dispute_is_settled_only_by_consultation_between_the_parties() -> None:
    case = open_dispute(KJ, "KOR", "reading of Art. 4.3", NOW, dispute_id="dispute-1")
    assert case.state is DisputeState.OPEN
    with pytest.raises(Conflict):
        settle_dispute(case, NOW, "agreed")
    case = record_consultation(case, NOW + DAY, "first round, Tokyo")
    assert case.state is DisputeState.CONSULTATIONS
    settled = settle_dispute(case, NOW + 2 * DAY, "joint interpretation note")
    assert settled.state is DisputeState.SETTLED
    with pytest.raises(Conflict):
        record_consultation(settled, NOW + 3 * DAY, "again")
    for third in ("USA", "ICJ", "PCA"):
        decision = may_refer_to_third_party(case, third)
        assert not decision.allowed
        assert decision.requirement == "R46"


def test_R46_only_a_party_raises_a_dispute() -> None:
    with pytest.raises(InputError):
        open_dispute(KJ, "USA", "anything", NOW, dispute_id="d")
    with pytest.raises(InputError):
        open_dispute(KJ, "KOR", "", NOW, dispute_id="d")


@settings(max_examples=50)
@given(PEOPLE, PURPOSES, st.booleans())
def test_R46_protection_is_never_suspended_while_a_dispute_is_open(
    person: Person, purpose: str | None, settled: bool
) -> None:
    case = open_dispute(KJ, "JPN", "scope of Art. 6(h)", NOW - DAY, dispute_id="d")
    if settled:
        case = settle_dispute(record_consultation(case, NOW - HOUR, "talks"), NOW - HOUR, "ok")
    disputed = KJ
    for event in case.events():
        disputed = disputed.record(event)
    assert disputed.status_at(NOW.date()).open_consultations == (0 if settled else 1)
    held, held_disputed = receive(ITEM, "JPN", KJ), receive(ITEM, "JPN", disputed)
    assert may_access(person, held, NOW, purpose) == may_access(person, held_disputed, NOW, purpose)
    assert may_release_onward(held, "USA", None, JU, NOW) == may_release_onward(
        held_disputed, "USA", None, JU, NOW
    )
    officer = replace(KOR_OFFICER, roles=frozenset({RELEASE_AUTHORITY}))
    release = OfficerRelease(ITEM.id, "JPN", officer, NOW - HOUR)
    assert may_provide(
        ITEM, "JPN", disputed, release, NOW, channel="gsomia-node", **PQ_NODE
    ) == may_provide(ITEM, "JPN", KJ, release, NOW, channel="gsomia-node", **PQ_NODE)
