"""Who records which lifecycle step (R41, R43), and the JSON form of a step."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import Conflict, InputError
from gsomia.treaty import load_agreements
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.lifecycle import Event, EventKind
from gsomia.treaty.records import (
    apply_event,
    event_from_json,
    event_to_json,
    is_recorded,
    may_record_event,
    refused_step,
)

KJ = load_agreements().get("KOR-JPN-2016")
DAY = date(2026, 8, 20)


@pytest.mark.parametrize(
    ("recorder", "party", "allowed", "requirement"),
    [
        ("KOR", "KOR", True, "R43"),
        ("JPN", "JPN", True, "R43"),
        ("KOR", None, True, "R43"),
        ("KOR", "JPN", False, "R43"),
        ("USA", "USA", False, "R41"),
    ],
    ids=[
        "R43-allow-own",
        "R43-allow-partner-own",
        "R43-allow-joint",
        "R43-deny-other-party",
        "R41-deny-not-a-party",
    ],
)
def test_may_record_event(
    recorder: str, party: str | None, allowed: bool, requirement: str
) -> None:
    event = Event(EventKind.TERMINATION_NOTICE, DAY, "note", party)
    decision = may_record_event(recorder, KJ, event)
    assert (decision.allowed, decision.requirement) == (allowed, requirement)


def test_a_shipped_step_is_recorded_and_a_new_one_is_not() -> None:
    assert is_recorded(KJ, KJ.history[0])
    assert not is_recorded(KJ, Event(EventKind.TERMINATION_NOTICE, DAY, "note", "KOR"))


@given(
    kind=st.sampled_from(list(EventKind)),
    on=st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 1, 1)),
    note=st.text(min_size=1).filter(str.strip),
    party=st.sampled_from([None, "KOR", "JPN"]),
    step=st.one_of(st.none(), st.text(min_size=1)),
    version=st.one_of(st.none(), st.integers(1, 9)),
)
def test_the_json_form_round_trips(
    kind: EventKind,
    on: date,
    note: str,
    party: str | None,
    step: str | None,
    version: int | None,
) -> None:
    event = Event(kind, on, note, party, step, version)
    assert event_from_json(event_to_json(event)) == event


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"kind": "nope", "on": "2026-01-01", "note": "n"},
        {"kind": "signed", "note": "n"},
        {"kind": "signed", "on": "yesterday", "note": "n"},
    ],
    ids=["not-object", "unknown-kind", "no-date", "bad-date"],
)
def test_a_malformed_step_names_the_problem(data: object) -> None:
    with pytest.raises(InputError):
        event_from_json(data)


NOTICE = Event(EventKind.TERMINATION_NOTICE, DAY, "note", "KOR")


@pytest.mark.parametrize(
    ("recorder", "record", "event", "allowed", "requirement", "new"),
    [
        ("KOR", KJ, NOTICE, True, "R43", True),
        ("KOR", KJ.record(NOTICE), NOTICE, True, "R43", False),
        ("JPN", KJ, NOTICE, False, "R43", False),
        ("USA", KJ, Event(EventKind.TERMINATION_NOTICE, DAY, "note", "USA"), False, "R41", False),
        ("KOR", KJ, Event(EventKind.NOTICE_WITHDRAWN, DAY, "note", "KOR"), False, "R43", False),
    ],
    ids=[
        "R43-apply-new-step",
        "R43-already-recorded-unchanged",
        "R43-deny-other-partys-act",
        "R41-deny-not-a-party",
        "R43-deny-lifecycle-forbids",
    ],
)
def test_apply_event(
    recorder: str, record: Agreement, event: Event, allowed: bool, requirement: str, new: bool
) -> None:
    applied = apply_event(recorder, record, event)
    assert (applied.decision.allowed, applied.decision.requirement, applied.new) == (
        allowed,
        requirement,
        new,
    )
    assert applied.decision.article == "Art. 21"
    if new:
        assert applied.agreement.history == (*record.history, event)
    else:
        assert applied.agreement is record


def test_a_step_the_lifecycle_forbids_is_refused_for_the_lifecycles_reason() -> None:
    withdrawn = Event(EventKind.NOTICE_WITHDRAWN, DAY, "note", "KOR")
    with pytest.raises(Conflict) as raised:
        KJ.record(withdrawn)
    assert apply_event("KOR", KJ, withdrawn).decision == refused_step(raised.value.message)


def test_a_step_that_cannot_be_applied_is_refused_under_r43() -> None:
    decision = refused_step("malformed event: Expecting value")
    assert (decision.allowed, decision.reason, decision.article, decision.requirement) == (
        False,
        "malformed event: Expecting value",
        "Art. 21",
        "R43",
    )
