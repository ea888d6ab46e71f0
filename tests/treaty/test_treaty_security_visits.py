"""Security representatives' visits (Art. 18, R38): planned between the parties, agreed only
after both were consulted, findings once begun, the host's report of protection."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_world import DAY, HOUR, JU, KJ, NOW

from gsomia.errors import InputError
from gsomia.treaty.security_visits import (
    MAX_SECURITY_VISIT,
    SecurityVisit,
    VisitState,
    may_plan,
    may_record_findings,
    may_report_protection,
    state_of,
)

VISIT = SecurityVisit(
    id="sv1",
    agreement_id="KOR-JPN-2016",
    visiting_party="KOR",
    host_party="JPN",
    representatives=frozenset({"Col. Choi"}),
    place="MOD Ichigaya",
    scope="storage and destruction",
    starts=NOW + DAY,
    ends=NOW + 2 * DAY,
)
AGREED = replace(VISIT, consulted=frozenset({"KOR", "JPN"}))

PLAN_CASES = [
    (VISIT, KJ, "JPN", True, "planned under KOR-JPN-2016"),
    (VISIT, KJ, "KOR", True, "planned"),
    (VISIT, JU, "JPN", False, "binds JPN and USA"),
    (replace(VISIT, starts=NOW - HOUR), KJ, "JPN", False, "start in the past"),
    (VISIT, KJ, "USA", False, "USA is not a party"),
]


@pytest.mark.parametrize(("visit", "agreement", "nation", "allowed", "words"), PLAN_CASES)
def test_may_plan(
    visit: SecurityVisit, agreement: object, nation: str, allowed: bool, words: str
) -> None:
    decision = may_plan(visit, agreement, nation, NOW)  # type: ignore[arg-type]
    assert (decision.allowed, decision.article, decision.requirement) == (allowed, "Art. 18", "R38")
    assert words in decision.reason


def test_findings_need_both_consultations_and_a_begun_visit() -> None:
    assert state_of(VISIT) is VisitState.PLANNED
    one = replace(VISIT, consulted=frozenset({"JPN"}))
    assert "no prior consultation recorded for KOR" in may_record_findings(one, NOW + DAY).reason
    assert not may_record_findings(AGREED, NOW).allowed  # not begun
    assert may_record_findings(AGREED, NOW + DAY).allowed
    closed = replace(AGREED, findings="ok")
    assert state_of(closed) is VisitState.CLOSED
    assert not may_record_findings(closed, NOW + DAY).allowed


def test_only_the_host_reports_and_only_for_an_agreed_visit() -> None:
    assert may_report_protection(AGREED, "JPN").allowed
    assert not may_report_protection(AGREED, "KOR").allowed
    assert not may_report_protection(VISIT, "JPN").allowed


def test_a_visit_is_well_formed() -> None:
    with pytest.raises(InputError, match="between the two parties"):
        replace(VISIT, host_party="KOR")
    with pytest.raises(InputError, match="agreed place"):
        replace(VISIT, place="")
    with pytest.raises(InputError, match="within"):
        replace(VISIT, ends=VISIT.starts + MAX_SECURITY_VISIT + HOUR)


@given(
    consulted=st.frozensets(st.sampled_from(["KOR", "JPN", "USA"])),
    offset=st.integers(min_value=-48, max_value=96).map(lambda h: timedelta(hours=h)),
)
def test_findings_exactly_when_both_parties_consulted_and_begun(
    consulted: frozenset[str], offset: timedelta
) -> None:
    visit = replace(VISIT, consulted=consulted)
    now = VISIT.starts + offset
    assert may_record_findings(visit, now).allowed == (
        {"KOR", "JPN"} <= consulted and now >= VISIT.starts
    )
    assert may_report_protection(visit, "JPN").allowed == ({"KOR", "JPN"} <= consulted)
