"""The agreement lifecycle (Art. 20, 21; R40–R43, R45, R46) on the 2016–2023 Korea–Japan record."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.treaty.agreements import (
    Agreement,
    EquivalenceRow,
    load_agreements,
    parse_agreement,
    state_at,
)
from gsomia.treaty.lifecycle import Event, EventKind, State
from gsomia.treaty.schemes import load_schemes

K = EventKind
KJ = load_agreements().get("KOR-JPN-2016")
SCHEMES = load_schemes()


def ev(kind: EventKind, on: str, party: str | None = None, step: str | None = None) -> Event:
    return Event(kind, date.fromisoformat(on), f"note of {on}", party, step)


def approved() -> Agreement:
    """KOR-JPN with both domestic procedures complete and signed, not yet notified."""
    agreement = replace(KJ, history=())
    for event in [
        ev(K.INITIALLED, "2016-11-14"),
        ev(K.DOMESTIC_APPROVAL, "2016-11-15", "KOR", "법제처 심사"),
        ev(K.DOMESTIC_APPROVAL, "2016-11-17", "KOR", "차관회의"),
        ev(K.DOMESTIC_APPROVAL, "2016-11-22", "KOR", "국무회의"),
        ev(K.DOMESTIC_APPROVAL, "2016-11-22", "KOR", "대통령 재가"),
        ev(K.DOMESTIC_APPROVAL, "2016-11-22", "JPN", "閣議決定"),
        ev(K.SIGNED, "2016-11-23"),
    ]:
        agreement = agreement.record(event)
    return agreement


@pytest.mark.parametrize(
    ("day", "state"),
    [
        ("2016-11-13", State.DRAFT),
        ("2016-11-14", State.INITIALLED),
        ("2016-11-23", State.IN_FORCE),  # notifications exchanged on signature
        ("2019-08-22", State.IN_FORCE),
        ("2019-08-23", State.TERMINATION_NOTIFIED),  # note verbale
        ("2019-11-22", State.TERMINATION_NOTICE_SUSPENDED),  # six hours before expiry
        ("2019-11-23", State.TERMINATION_NOTICE_SUSPENDED),  # did not terminate
        ("2020-08-25", State.TERMINATION_NOTICE_SUSPENDED),
        ("2023-03-21", State.IN_FORCE),  # both notes withdrawn
    ],
)
def test_R43_korea_japan_record(day: str, state: State) -> None:
    assert state_at(KJ, date.fromisoformat(day)) is state


def test_R43_suspension_is_annotated_disputed() -> None:
    assert KJ.status_at(date(2020, 1, 1)).disputed
    assert not KJ.status_at(date(2023, 3, 21)).disputed


def test_R43_terminated_on_effective_date_without_suspension() -> None:
    history = tuple(e for e in KJ.history if e.kind not in (K.NOTICE_SUSPENDED, K.NOTICE_WITHDRAWN))
    lapsed = replace(KJ, history=history)
    assert state_at(lapsed, date(2019, 11, 22)) is State.TERMINATION_NOTIFIED
    assert state_at(lapsed, date(2019, 11, 23)) is State.TERMINATED
    with pytest.raises(Conflict, match="terminated on 2019-11-23"):
        lapsed.record(ev(K.NOTICE_SUSPENDED, "2019-11-23", "KOR"))


def test_R40_in_force_on_later_notification() -> None:
    agreement = approved().record(ev(K.NOTIFICATION, "2016-11-23", "KOR"))
    agreement = agreement.record(ev(K.NOTIFICATION, "2016-12-01", "JPN"))
    assert state_at(agreement, date(2016, 11, 30)) is State.SIGNED
    assert state_at(agreement, date(2016, 12, 1)) is State.IN_FORCE
    assert agreement.status_at(None).entry_into_force == date(2016, 12, 1)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([ev(K.NOTIFICATION, "2016-11-23", "KOR")] * 2, "already notified"),
        ([ev(K.SIGNED, "2016-11-24")], "already signed"),
        ([ev(K.INITIALLED, "2016-11-24")], "only a draft"),
        ([ev(K.NOTIFICATION, "2016-11-24", "USA")], "USA is not a party"),
        ([ev(K.TERMINATION_NOTICE, "2016-11-24", "KOR")], "only be given in force"),
        ([ev(K.NOTIFICATION, "2016-11-22", "KOR")], "date order"),
    ],
)
def test_R40_illegal_transitions_refused(events: list[Event], message: str) -> None:
    agreement = approved()
    for event in events[:-1]:
        agreement = agreement.record(event)
    with pytest.raises(Conflict, match=message):
        agreement.record(events[-1])


def test_R40_notification_before_signature_refused() -> None:
    with pytest.raises(Conflict, match="follows signature"):
        replace(KJ, history=()).record(ev(K.NOTIFICATION, "2016-11-23", "KOR"))


def test_R41_approvals_recorded_per_party_with_dates() -> None:
    approvals = KJ.status_at(None).approvals
    assert [s for s, _ in approvals["KOR"]] == [
        "법제처 심사",
        "차관회의",
        "국무회의",
        "대통령 재가",
    ]
    assert approvals["JPN"] == (("閣議決定", date(2016, 11, 22)),)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ev(K.DOMESTIC_APPROVAL, "2016-11-15", "KOR", "국무회의"), "next step is '법제처 심사'"),
        (ev(K.DOMESTIC_APPROVAL, "2016-11-15", "KOR", "국회 동의"), "not a step of KOR"),
        (ev(K.DOMESTIC_APPROVAL, "2016-11-15", "KOR"), "names its party and its step"),
    ],
)
def test_R41_approval_steps_in_order_and_from_the_procedure(event: Event, message: str) -> None:
    with pytest.raises(Conflict, match=message):
        replace(KJ, history=()).record(event)


def test_R41_notification_needs_completed_procedure() -> None:
    agreement = replace(KJ, history=()).record(ev(K.SIGNED, "2016-11-23"))
    with pytest.raises(Conflict, match="remaining steps: 閣議決定"):
        agreement.record(ev(K.NOTIFICATION, "2016-11-23", "JPN"))


def test_R41_optional_legislative_consent_per_agreement() -> None:
    with_diet = replace(KJ, history=(), procedures={"KOR": (), "JPN": ("閣議決定", "国会承認")})
    agreement = with_diet.record(ev(K.DOMESTIC_APPROVAL, "2016-11-01", "JPN", "閣議決定"))
    agreement = agreement.record(ev(K.DOMESTIC_APPROVAL, "2016-11-10", "JPN", "国会承認"))
    agreement = agreement.record(ev(K.SIGNED, "2016-11-23"))
    agreement = agreement.record(ev(K.NOTIFICATION, "2016-11-23", "JPN"))
    with pytest.raises(Conflict, match="already notified completion"):
        agreement.record(ev(K.DOMESTIC_APPROVAL, "2016-11-24", "JPN", "閣議決定"))


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ev(K.NOTICE_SUSPENDED, "2019-09-01", "JPN"), "only KOR, who gave the notice"),
        (ev(K.NOTICE_WITHDRAWN, "2019-09-01", "JPN"), "only KOR, who gave the notice"),
    ],
)
def test_R43_only_the_notifying_party_acts_on_its_notice(event: Event, message: str) -> None:
    notified = replace(KJ, history=KJ.history[:10])
    with pytest.raises(Conflict, match=message):
        notified.record(event)


def test_R43_no_notice_to_suspend_when_in_force() -> None:
    with pytest.raises(Conflict, match="no termination notice"):
        KJ.record(ev(K.NOTICE_SUSPENDED, "2024-01-01", "KOR"))


def test_R43_withdrawal_of_a_notice_before_suspension() -> None:
    notified = replace(KJ, history=KJ.history[:10])
    withdrawn = notified.record(ev(K.NOTICE_WITHDRAWN, "2019-10-01", "KOR"))
    assert state_at(withdrawn, date(2019, 12, 1)) is State.IN_FORCE


def test_R43_every_step_cites_a_document() -> None:
    with pytest.raises(InputError, match="references no document"):
        Event(K.SIGNED, date(2016, 11, 23), " ")


def test_non_renewing_agreement_ends_after_its_term() -> None:
    fixed = replace(KJ, terms=replace(KJ.terms, automatic_renewal=False))
    assert state_at(fixed, date(2017, 11, 22)) is State.IN_FORCE
    assert state_at(fixed, date(2017, 11, 23)) is State.TERMINATED


SECRET_ONLY = (
    EquivalenceRow(
        "SECRET",
        {"KOR": (SCHEMES.parse("KOR", "군사II급비밀"),), "JPN": (SCHEMES.parse("JPN", "極秘"),)},
    ),
)


def test_R45_amendment_with_mutual_consent_makes_a_new_version() -> None:
    consents = {
        "KOR": ev(K.AMENDMENT_CONSENT, "2024-01-10"),
        "JPN": ev(K.AMENDMENT_CONSENT, "2024-01-12"),
    }
    amended = KJ.amend(SECRET_ONLY, effective=date(2024, 2, 1), consents=consents)
    assert [v.number for v in amended.versions] == [1, 2]
    assert amended.version_at(date(2024, 1, 31)).number == 1
    assert amended.version_at(date(2024, 2, 1)).number == 2
    assert amended.version(1) is KJ.version(1)  # items provided under version 1 keep it
    assert amended.status_at(None).amendment_consents[2] == {"KOR", "JPN"}


def test_R45_amendment_without_both_consents_refused() -> None:
    with pytest.raises(Conflict, match="JPN has not consented"):
        KJ.amend(
            SECRET_ONLY, effective=date(2024, 2, 1), consents={"KOR": ev(K.SIGNED, "2024-01-10")}
        )


def test_R45_version_without_recorded_consents_does_not_load() -> None:
    consents = {
        "KOR": ev(K.AMENDMENT_CONSENT, "2024-01-10"),
        "JPN": ev(K.AMENDMENT_CONSENT, "2024-01-12"),
    }
    amended = KJ.amend(SECRET_ONLY, effective=date(2024, 2, 1), consents=consents)
    with pytest.raises(Conflict, match="lacks the written consent"):
        replace(amended, history=KJ.history)


def test_R45_amendment_only_while_in_force() -> None:
    with pytest.raises(Conflict, match="only an agreement in force"):
        replace(KJ, history=()).record(
            Event(K.AMENDMENT_CONSENT, date(2016, 1, 1), "n", "KOR", version=2)
        )
    with pytest.raises(Conflict, match="names its party"):
        KJ.record(Event(K.AMENDMENT_CONSENT, date(2024, 1, 1), "n", None, version=2))


def test_R46_consultation_changes_nothing() -> None:
    opened = KJ.record(ev(K.CONSULTATION_OPENED, "2024-01-01", "JPN"))
    assert state_at(opened, date(2024, 6, 1)) is State.IN_FORCE
    assert opened.status_at(None).open_consultations == 1
    closed = opened.record(ev(K.CONSULTATION_CLOSED, "2024-02-01"))
    assert closed.status_at(None).open_consultations == 0


def test_R46_no_closing_what_is_not_open_and_no_third_party_referral() -> None:
    with pytest.raises(Conflict, match="no consultation is open"):
        KJ.record(ev(K.CONSULTATION_CLOSED, "2024-02-01"))
    with pytest.raises(Conflict, match="concern a signed agreement"):
        replace(KJ, history=()).record(ev(K.CONSULTATION_OPENED, "2016-01-01"))
    text = (
        'id = "X"\nparties = ["KOR", "JPN"]\nchannels = []\n[procedures]\n'
        "[[versions]]\nnumber = 1\neffective = 2016-11-23\nrows = []\n"
        '[[history]]\non = 2016-11-23\nkind = "arbitration"\nnote = "n"\n'
    )
    with pytest.raises(InputError, match="unknown lifecycle event 'arbitration'"):
        parse_agreement(text, SCHEMES)


def test_version_lookups() -> None:
    with pytest.raises(NotFound, match="no version 7"):
        KJ.version(7)
    with pytest.raises(NotFound, match="no version in effect"):
        KJ.version_at(date(2000, 1, 1))
    assert KJ.other_party("KOR") == "JPN"
    assert KJ.other_party("JPN") == "KOR"
