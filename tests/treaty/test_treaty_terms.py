"""The originator's handling terms, read fail closed (R18, R29): a malformed term never lifts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.treaty.terms import ENDED, copy_limit_term, handling_terms, purpose_end_term

JUNE = datetime(2027, 6, 30, tzinfo=UTC)

COPY_LIMITS: list[tuple[str, tuple[str, ...], int | None, bool]] = [
    ("none-set", (), None, False),
    ("one", ("3",), 3, False),
    ("the-lowest-of-several", ("5", "2", "9"), 2, False),
    ("zero-forbids-copies", ("0",), 0, False),
    ("negative-reads-as-zero", ("-4",), 0, False),
    ("malformed-allows-no-copy", ("three",), 0, True),
    ("one-malformed-among-good-allows-no-copy", ("5", "x"), 0, True),
    ("empty-text-allows-no-copy", ("",), 0, True),
]


@pytest.mark.parametrize(
    ("values", "limit", "faulty"), [c[1:] for c in COPY_LIMITS], ids=[c[0] for c in COPY_LIMITS]
)
def test_R29_copy_limit(values: tuple[str, ...], limit: int | None, faulty: bool) -> None:
    read, fault = copy_limit_term(values)
    assert read == limit
    assert (fault is not None) is faulty
    if fault is not None:
        assert (fault.allowed, fault.article, fault.requirement) == (False, "Art. 14", "R29")
        assert "no copy" in fault.reason


PURPOSE_ENDS: list[tuple[str, tuple[str, ...], datetime | None, bool]] = [
    ("none-set", (), None, False),
    ("one", (JUNE.isoformat(),), JUNE, False),
    ("the-earliest", ((JUNE + timedelta(days=1)).isoformat(), JUNE.isoformat()), JUNE, False),
    (
        "another-time-zone",
        ("2027-06-30T09:00:00+09:00",),
        datetime(2027, 6, 30, tzinfo=UTC),
        False,
    ),
    ("naive-has-ended", ("2027-06-30T00:00:00",), ENDED, True),
    ("not-a-date-has-ended", ("next summer",), ENDED, True),
    ("one-naive-among-good-has-ended", (JUNE.isoformat(), "2099-01-01T00:00:00"), ENDED, True),
]


@pytest.mark.parametrize(
    ("values", "ends", "faulty"), [c[1:] for c in PURPOSE_ENDS], ids=[c[0] for c in PURPOSE_ENDS]
)
def test_R18_purpose_end(values: tuple[str, ...], ends: datetime | None, faulty: bool) -> None:
    read, fault = purpose_end_term(values)
    assert read == ends
    assert (fault is not None) is faulty
    if fault is not None:
        assert (fault.allowed, fault.article, fault.requirement) == (False, "Art. 6(h)", "R18")
        assert "already ended" in fault.reason


def test_handling_terms_gather_the_terms_and_every_fault() -> None:
    terms = handling_terms({"PATENT", "NO REPRODUCTION"}, ("x",), ("soon",))
    assert terms.caveats == {"PATENT", "NO REPRODUCTION"}
    assert (terms.copy_limit, terms.purpose_ends) == (0, ENDED)
    assert [f.requirement for f in terms.faults] == ["R29", "R18"]
    clean = handling_terms((), ("2",), (JUNE.isoformat(),))
    assert (clean.copy_limit, clean.purpose_ends, clean.faults) == (2, JUNE, ())


@given(st.lists(st.text(max_size=8), min_size=1, max_size=4))
def test_a_copy_limit_is_never_lifted(values: list[str]) -> None:
    """Whatever the label says, the limit read is no higher than any value that reads as one."""
    read, _ = copy_limit_term(values)
    assert read is not None
    assert read >= 0
    for value in values:
        try:
            stated = int(value)
        except ValueError:
            assert read == 0
            continue
        assert read <= max(stated, 0)


@given(st.lists(st.text(max_size=30), min_size=1, max_size=3))
def test_a_purpose_end_is_never_postponed(values: list[str]) -> None:
    """The end read is no later than any end the label states, and always aware."""
    read, _ = purpose_end_term(values)
    assert read is not None
    assert read.tzinfo is not None
    for value in values:
        try:
            stated = datetime.fromisoformat(value)
        except ValueError:
            assert read == ENDED
            continue
        if stated.tzinfo is None:
            assert read == ENDED
        else:
            assert read <= stated
