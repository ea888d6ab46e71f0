"""Visits: requested authority to authority, approved by the host only, disclosure capped
(R23, R24; Art. 8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from tests.treaty.test_treaty_world import (
    DAY,
    HOUR,
    ITEM,
    JPN_OFFICER,
    JPN_READER,
    JU,
    KJ,
    KOR_OFFICER,
    LOW_ITEM,
    NOW,
    USA_OFFICER,
    WARNING,
    YEAR,
    lv,
    reader,
)

from gsomia.errors import InputError, PolicyDenied
from gsomia.treaty import (
    Event,
    EventKind,
    Holding,
    VisitKind,
    VisitRequest,
    approve_visit,
    may_approve_visit,
    may_disclose_to_visitor,
    may_submit_visit,
)

SECRET, CONFIDENTIAL, TOP = (lv("KOR", m) for m in ("군사II급비밀", "군사III급비밀", "군사I급비밀"))
REQUEST = VisitRequest(
    "visit-1",
    KJ.id,
    visiting_party="JPN",
    host_party="KOR",
    submitted_by=JPN_OFFICER.id,
    visitors=frozenset({JPN_READER.id}),
    facility="ROK JCS, Seoul",
    subject=WARNING,
    scope="launch detection procedures",
    highest_level=CONFIDENTIAL,
    starts=NOW + 3 * DAY,
    ends=NOW + 5 * DAY,
    submitted_at=NOW,
)
KJ_14_DAYS = replace(KJ, visit_lead_time_days=14)
JU_TERMINATED = JU.record(Event(EventKind.TERMINATION_NOTICE, date(2023, 1, 2), "note", "USA"))

SUBMIT_ROWS: list[tuple[str, dict[str, Any], bool, str]] = [
    ("R23-allow-visiting-competent-authority", {}, True, "R23"),
    (
        "R24-allow-no-lead-time-under-KR-JP",
        {"request": replace(REQUEST, starts=NOW + HOUR)},
        True,
        "R23",
    ),
    (
        "R24-allow-emergency-within-lead-time",
        {"agreement": KJ_14_DAYS, "request": replace(REQUEST, kind=VisitKind.EMERGENCY)},
        True,
        "R23",
    ),
    ("R24-deny-within-lead-time", {"agreement": KJ_14_DAYS}, False, "R24"),
    ("R24-deny-start-in-the-past", {"request": replace(REQUEST, starts=NOW - HOUR)}, False, "R24"),
    ("R23-deny-visitor-submits-himself", {"submitter": JPN_READER}, False, "R23"),
    ("R23-deny-host-submits", {"submitter": KOR_OFFICER}, False, "R23"),
    ("R23-deny-third-nation-submits", {"submitter": USA_OFFICER}, False, "R23"),
    ("R23-deny-submitter-not-named", {"request": replace(REQUEST, submitted_by="x")}, False, "R23"),
    ("R23-deny-other-agreement", {"agreement": JU}, False, "R23"),
    ("R23-deny-level-not-covered", {"request": replace(REQUEST, highest_level=TOP)}, False, "R23"),
]


@pytest.mark.parametrize(
    ("change", "allowed", "requirement"),
    [r[1:] for r in SUBMIT_ROWS],
    ids=[r[0] for r in SUBMIT_ROWS],
)
def test_may_submit_visit(change: dict[str, Any], allowed: bool, requirement: str) -> None:
    decision = may_submit_visit(
        change.get("submitter", JPN_OFFICER),
        change.get("request", REQUEST),
        change.get("agreement", KJ),
        NOW,
    )
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R23_R24_requests_that_do_not_fit_the_agreement_or_the_calendar() -> None:
    usa_visits = replace(REQUEST, visiting_party="USA", submitted_by=USA_OFFICER.id)
    assert "does not bind" in may_submit_visit(USA_OFFICER, usa_visits, KJ, NOW).reason
    past_emergency = replace(REQUEST, kind=VisitKind.EMERGENCY, starts=NOW - HOUR)
    decision = may_submit_visit(JPN_OFFICER, past_emergency, KJ, NOW)
    assert not decision.allowed
    assert decision.requirement == "R24"


def test_R23_deny_under_an_agreement_not_in_force() -> None:
    request = replace(
        REQUEST, agreement_id=JU.id, host_party="USA", highest_level=lv("USA", "SECRET")
    )
    decision = may_submit_visit(JPN_OFFICER, request, JU_TERMINATED, NOW)
    assert not decision.allowed
    assert "not in force" in decision.reason
    assert not may_approve_visit(USA_OFFICER, request, JU_TERMINATED, NOW).allowed


@pytest.mark.parametrize(
    ("approver", "now", "allowed"),
    [
        (KOR_OFFICER, NOW, True),
        (JPN_OFFICER, NOW, False),
        (replace(KOR_OFFICER, roles=frozenset()), NOW, False),
        (KOR_OFFICER, NOW + 5 * DAY, False),
    ],
    ids=["R23-allow-host", "R23-deny-visitor-approves", "R23-deny-host-analyst", "R23-deny-over"],
)
def test_may_approve_visit(approver: Any, now: Any, allowed: bool) -> None:
    decision = may_approve_visit(approver, REQUEST, KJ, now)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == "R23"


@pytest.mark.parametrize(
    "change",
    [
        {"visiting_party": "KOR"},
        {"visitors": frozenset()},
        {"ends": NOW + 2 * DAY},
        {"ends": NOW + 3 * DAY + YEAR + DAY},
        {"highest_level": lv("JPN", "秘")},
    ],
    ids=["host-visits-itself", "no-visitor", "R24-ends-before-start", "R24-over-a-year", "level"],
)
def test_malformed_visit_requests(change: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        replace(REQUEST, **change)


VISIT = approve_visit(KOR_OFFICER, REQUEST, KJ, NOW)
OWN_LOW = Holding("KOR:kor-track-2", LOW_ITEM, "KOR", LOW_ITEM.level)
OWN_SECRET = Holding("KOR:kor-track-1", ITEM, "KOR", ITEM.level)
DURING = NOW + 4 * DAY

DISCLOSE_ROWS: list[tuple[str, dict[str, Any], bool, str]] = [
    ("R23-allow-at-or-below-the-cap", {}, True, "R23"),
    ("R23-deny-above-the-cap", {"holding": OWN_SECRET}, False, "R23"),
    (
        "R23-deny-outside-subject",
        {"holding": replace(OWN_LOW, item=replace(LOW_ITEM, community="x"))},
        False,
        "R23",
    ),
    ("R23-deny-before-the-visit", {"now": NOW}, False, "R23"),
    ("R23-deny-after-the-visit", {"now": NOW + 5 * DAY}, False, "R23"),
    ("R23-deny-not-a-named-visitor", {"person": reader("jpn-other", "JPN", "秘")}, False, "R23"),
    (
        "R23-deny-not-the-hosts-holding",
        {"holding": Holding("JPN:x", LOW_ITEM, "JPN", lv("JPN", "秘"))},
        False,
        "R23",
    ),
    (
        "R21-deny-not-releasable-to-visitor",
        {"holding": replace(OWN_LOW, item=replace(LOW_ITEM, releasable_to=frozenset({"USA"})))},
        False,
        "R21",
    ),
]


@pytest.mark.parametrize(
    ("change", "allowed", "requirement"),
    [r[1:] for r in DISCLOSE_ROWS],
    ids=[r[0] for r in DISCLOSE_ROWS],
)
def test_may_disclose_to_visitor(change: dict[str, Any], allowed: bool, requirement: str) -> None:
    decision = may_disclose_to_visitor(
        VISIT,
        change.get("person", JPN_READER),
        change.get("holding", OWN_LOW),
        change.get("now", DURING),
    )
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R23_the_host_may_lower_the_cap_but_never_raise_it() -> None:
    asked_secret = replace(REQUEST, highest_level=SECRET)
    lowered = approve_visit(KOR_OFFICER, asked_secret, KJ, NOW, highest_level=CONFIDENTIAL)
    assert lowered.highest_level == CONFIDENTIAL
    assert not may_disclose_to_visitor(lowered, JPN_READER, OWN_SECRET, DURING).allowed
    assert may_disclose_to_visitor(
        approve_visit(KOR_OFFICER, asked_secret, KJ, NOW), JPN_READER, OWN_SECRET, DURING
    ).allowed
    with pytest.raises(InputError):
        approve_visit(KOR_OFFICER, REQUEST, KJ, NOW, highest_level=SECRET)
    with pytest.raises(PolicyDenied):
        approve_visit(JPN_OFFICER, REQUEST, KJ, NOW)
