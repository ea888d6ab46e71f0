"""Loss or compromise: anyone reports, the originator is told at once, the case closes only with
findings (R37; Art. 17)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_world import HOUR, ITEM, NOW

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.treaty import (
    NOTIFICATION_PRECEDENCE,
    CaseState,
    CompromiseCase,
    CompromiseReport,
    Precedence,
    close_case,
    may_close_case,
    notify_originator,
    open_compromise_case,
    open_investigation,
    send_findings,
)

MINUTE = timedelta(minutes=1)
REPORT = CompromiseReport(
    "loss-1",
    frozenset({ITEM.id}),
    originator="KOR",
    holder="JPN",
    reported_by="jpn-guard",  # anyone: no role or clearance is asked of the reporter
    reported_at=NOW,
    actual=False,
    circumstances="safe found unlocked after hours",
)


def findings(case: CompromiseCase) -> CompromiseCase:
    return send_findings(case, NOW + HOUR, result="no access", measures="lock audit weekly")


def test_R37_the_whole_way_from_report_to_closure() -> None:
    assert NOTIFICATION_PRECEDENCE is Precedence.FLASH
    case = open_compromise_case(REPORT)
    assert case.state is CaseState.REPORTED
    assert case.notification_delay is None
    assert not case.within(MINUTE)
    case = notify_originator(case, NOW + 30 * timedelta(seconds=1))
    assert case.notification_delay == timedelta(seconds=30)
    assert case.within(MINUTE)
    assert not case.within(timedelta(seconds=10))
    case = open_investigation(case, NOW + MINUTE)
    assert not may_close_case(case).allowed
    case = findings(case)
    decision = may_close_case(case)
    assert decision.allowed
    assert decision.requirement == "R37"
    closed = close_case(case, NOW + 2 * HOUR)
    assert closed.state is CaseState.CLOSED


@pytest.mark.parametrize(
    "steps",
    [[], ["notify"], ["notify", "investigate"]],
    ids=["R37-deny-close-reported", "R37-deny-close-notified", "R37-deny-close-investigating"],
)
def test_R37_no_closure_before_findings(steps: list[str]) -> None:
    case = open_compromise_case(REPORT)
    for step in steps:
        case = (notify_originator if step == "notify" else open_investigation)(case, NOW)
    assert not may_close_case(case).allowed
    with pytest.raises(PolicyDenied):
        close_case(case, NOW)


@pytest.mark.parametrize(
    ("result", "measures"),
    [("", "locks"), ("no access", " ")],
    ids=["R37-deny-no-result", "R37-deny-no-measures"],
)
def test_R37_findings_need_result_and_measures(result: str, measures: str) -> None:
    case = open_investigation(notify_originator(open_compromise_case(REPORT), NOW), NOW)
    with pytest.raises(InputError):
        send_findings(case, NOW, result=result, measures=measures)


def test_R37_steps_out_of_order_or_before_the_report_conflict() -> None:
    case = open_compromise_case(REPORT)
    with pytest.raises(Conflict):
        open_investigation(case, NOW)
    with pytest.raises(InputError):
        notify_originator(case, NOW - MINUTE)
    notified = notify_originator(case, NOW)
    with pytest.raises(Conflict):
        notify_originator(notified, NOW)


@pytest.mark.parametrize(
    "change",
    [{"item_ids": frozenset()}, {"reported_by": ""}, {"circumstances": ""}],
    ids=["R37-no-item", "R37-no-reporter", "R37-no-circumstances"],
)
def test_R37_malformed_reports(change: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        replace(REPORT, **change)


STEPS: dict[str, Callable[[CompromiseCase], CompromiseCase]] = {
    "notify": lambda c: notify_originator(c, NOW),
    "investigate": lambda c: open_investigation(c, NOW),
    "findings": findings,
    "close": lambda c: close_case(c, NOW + 2 * HOUR),
}


@given(st.lists(st.sampled_from(sorted(STEPS)), max_size=8))
def test_R37_a_closed_case_always_sent_its_findings(steps: list[str]) -> None:
    case = open_compromise_case(REPORT)
    for step in steps:
        try:
            case = STEPS[step](case)
        except (Conflict, PolicyDenied):
            continue
    if case.state is CaseState.CLOSED:
        assert case.result
        assert case.measures
        assert case.notified_at is not None
        assert case.findings_sent_at is not None
