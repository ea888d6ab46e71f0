"""Courier and air-gapped dispatch decisions (R27), as a table and as properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_world import JU, KJ, NOW

from gsomia.errors import InputError
from gsomia.treaty.courier import (
    COURIER_CHANNELS,
    DispatchState,
    dispatch_state,
    may_dispatch,
    may_import,
    receipt_due,
)

NO_COURIER = replace(KJ, channels=frozenset({"gsomia-node"}))
DIPLOMATIC = "diplomatic-courier"

#: (agreement, from, to, channel, courier) → allowed, words of the reason, article
CASES = [
    (KJ, "KOR", "JPN", DIPLOMATIC, "Lee", True, "approved under KOR-JPN-2016", "Art. 12"),
    (KJ, "JPN", "KOR", "military-courier", "Sato", True, "approved", "Art. 12"),
    (KJ, "KOR", "JPN", "gsomia-node", "Lee", False, "not a channel outside", "Art. 12"),
    (KJ, "KOR", "JPN", "carrier-pigeon", "Lee", False, "not a channel outside", "Art. 12"),
    (NO_COURIER, "KOR", "JPN", DIPLOMATIC, "Lee", False, "not approved under", "Art. 9"),
    (KJ, "KOR", "USA", DIPLOMATIC, "Lee", False, "binds KOR and JPN", "Art. 12"),
    (KJ, "KOR", "KOR", DIPLOMATIC, "Lee", False, "binds KOR and JPN", "Art. 12"),
    (JU, "KOR", "JPN", DIPLOMATIC, "Lee", False, "binds JPN and USA", "Art. 12"),
    (KJ, "KOR", "JPN", DIPLOMATIC, "  ", False, "names its courier", "Art. 12"),
]


@pytest.mark.parametrize(
    ("agreement", "sender", "to", "channel", "courier", "allowed", "words", "article"), CASES
)
def test_may_dispatch(
    agreement: object,
    sender: str,
    to: str,
    channel: str,
    courier: str,
    allowed: bool,
    words: str,
    article: str,
) -> None:
    decision = may_dispatch(agreement, sender, to, channel, courier)  # type: ignore[arg-type]
    assert (decision.allowed, decision.article) == (allowed, article)
    assert words in decision.reason
    assert decision.requirement == ("R25" if article == "Art. 9" else "R27")


def test_may_import_checks_the_channel_and_the_parties_not_the_courier() -> None:
    assert may_import(KJ, "JPN", "KOR", DIPLOMATIC).allowed
    assert not may_import(NO_COURIER, "JPN", "KOR", DIPLOMATIC).allowed
    assert not may_import(KJ, "USA", "KOR", DIPLOMATIC).allowed
    assert not may_import(KJ, "JPN", "KOR", "gsomia-node").allowed


def test_the_receipt_period_is_the_agreements_data_and_needs_an_aware_time() -> None:
    assert receipt_due(KJ, NOW) == NOW + timedelta(days=KJ.courier_receipt_days)
    assert receipt_due(replace(KJ, courier_receipt_days=3), NOW) == NOW + timedelta(days=3)
    with pytest.raises(InputError):
        receipt_due(KJ, NOW.replace(tzinfo=None))


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@given(
    sent=moments,
    days=st.integers(min_value=1, max_value=365),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
    acknowledged=st.booleans(),
)
def test_a_dispatch_is_overdue_exactly_when_unacknowledged_past_its_due_time(
    sent: datetime, days: int, later: timedelta, acknowledged: bool
) -> None:
    due = receipt_due(replace(KJ, courier_receipt_days=days), sent)
    now = sent + later
    state = dispatch_state(due, sent if acknowledged else None, now)
    if acknowledged:
        assert state is DispatchState.ACKNOWLEDGED
    else:
        assert (state is DispatchState.OVERDUE) == (later >= timedelta(days=days))


@given(
    channel=st.one_of(st.sampled_from(sorted(COURIER_CHANNELS | {"gsomia-node"})), st.text()),
    channels=st.frozensets(st.sampled_from(sorted(COURIER_CHANNELS | {"gsomia-node"}))),
    courier=st.text(max_size=5),
)
def test_nothing_leaves_by_courier_unless_the_channel_is_a_courier_the_agreement_approves(
    channel: str, channels: frozenset[str], courier: str
) -> None:
    decision = may_dispatch(replace(KJ, channels=channels), "KOR", "JPN", channel, courier)
    assert decision.allowed == (
        channel in COURIER_CHANNELS and channel in channels and bool(courier.strip())
    )
