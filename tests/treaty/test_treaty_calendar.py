"""Dates computed from the entry into force (Art. 21.3; R42), checked on the 2019 precedent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.treaty.calendar import (
    DeadlineConvention,
    Terms,
    anniversary,
    last_notice_day,
    next_anniversary,
    termination_effective,
)

KJ = date(2016, 11, 23)  # KOR-JPN in force [JOINS-2016]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (date(2016, 11, 23), date(2017, 11, 23)),
        (date(2019, 8, 23), date(2019, 11, 23)),
        (date(2019, 11, 23), date(2020, 11, 23)),
        (date(2010, 1, 1), date(2017, 11, 23)),  # before entry into force: the first anniversary
    ],
)
def test_R42_next_anniversary(after: date, expected: date) -> None:
    assert next_anniversary(KJ, after) == expected


def test_R42_notice_deadline_is_24_august_for_23_november() -> None:
    # Anniversary minus 90 days is 25 Aug; notices are due by the end of 24 Aug [YNA-2019-08-22].
    assert last_notice_day(date(2019, 11, 23)) == date(2019, 8, 24)
    inclusive = Terms(convention=DeadlineConvention.INCLUSIVE)
    assert last_notice_day(date(2019, 11, 23), inclusive) == date(2019, 8, 25)


@pytest.mark.parametrize(
    ("notice", "effective"),
    [
        (date(2019, 8, 23), date(2019, 11, 23)),  # Korea's note verbale: would end 23 Nov 2019
        (date(2019, 8, 24), date(2019, 11, 23)),  # last day in time
        (date(2019, 8, 25), date(2020, 11, 23)),  # too late: the anniversary after
        (date(2019, 11, 23), date(2020, 11, 23)),
    ],
)
def test_R42_notice_takes_effect_next_anniversary_if_in_time(notice: date, effective: date) -> None:
    assert termination_effective(KJ, notice) == effective


def test_leap_day_entry_into_force_falls_on_28_february() -> None:
    assert anniversary(date(2016, 2, 29), 1) == date(2017, 2, 28)
    assert anniversary(date(2016, 2, 29), 4) == date(2020, 2, 29)


def test_multi_year_terms() -> None:
    terms = Terms(term_years=5)
    assert next_anniversary(date(2000, 1, 1), date(2003, 6, 1), terms) == date(2005, 1, 1)


@given(
    entry=st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)),
    offset=st.integers(min_value=0, max_value=20 * 366),
)
def test_R42_notice_always_ends_on_an_anniversary_at_least_90_days_later(
    entry: date, offset: int
) -> None:
    notice = entry + timedelta(days=offset)
    effective = termination_effective(entry, notice)
    assert (effective - notice).days > 90
    assert (effective - notice).days <= 366 + 91
    assert effective.month == entry.month
