"""The next notice deadline of an agreement (Art. 21.3; R42), on the Korea–Japan record."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.treaty.agreements import load_agreements
from gsomia.treaty.calendar import DeadlineConvention, termination_effective
from gsomia.treaty.renewal import NoticeDeadline, notice_deadline

KJ = load_agreements().get(
    "KOR-JPN-2016"
)  # in force 23 Nov 2016; notice 2019, suspended, withdrawn


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2016-11-01", None),  # not yet in force
        ("2016-11-23", NoticeDeadline(date(2017, 11, 23), date(2017, 8, 24))),
        ("2019-08-01", NoticeDeadline(date(2019, 11, 23), date(2019, 8, 24))),
        ("2019-08-22", NoticeDeadline(date(2019, 11, 23), date(2019, 8, 24))),
        ("2019-09-01", None),  # termination notified on 23 Aug 2019: no renewal to stop
        ("2020-09-01", NoticeDeadline(date(2021, 11, 23), date(2021, 8, 24))),  # suspended
        ("2024-06-01", NoticeDeadline(date(2024, 11, 23), date(2024, 8, 24))),
        ("2024-08-24", NoticeDeadline(date(2024, 11, 23), date(2024, 8, 24))),  # the last day
        ("2024-08-25", NoticeDeadline(date(2025, 11, 23), date(2025, 8, 24))),  # one day late
    ],
)
def test_R42_next_notice_deadline_on_the_korea_japan_record(
    day: str, expected: NoticeDeadline | None
) -> None:
    assert notice_deadline(KJ, date.fromisoformat(day)) == expected


def test_R42_the_deadline_follows_the_agreements_convention() -> None:
    inclusive = replace(KJ, terms=replace(KJ.terms, convention=DeadlineConvention.INCLUSIVE))
    assert notice_deadline(inclusive, date(2024, 6, 1)) == NoticeDeadline(
        date(2024, 11, 23), date(2024, 8, 25)
    )


@given(st.dates(min_value=date(2023, 3, 21), max_value=date(2090, 12, 31)))
def test_R42_a_notice_on_the_last_day_reaches_the_anniversary_and_a_day_later_does_not(
    day: date,
) -> None:
    found = notice_deadline(KJ, day)
    assert found is not None  # in force again since both notes were withdrawn in 2023
    entry, terms = date(2016, 11, 23), KJ.terms
    assert day <= found.last_day < found.anniversary
    assert termination_effective(entry, found.last_day, terms) == found.anniversary
    assert (
        termination_effective(entry, found.last_day + timedelta(days=1), terms) > found.anniversary
    )
