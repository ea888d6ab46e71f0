"""Destruction records, dependants, return to the originator and the end of purpose
(R18, R31, R32; Art. 6(h), 13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from tests.treaty.test_treaty_world import (
    DAY,
    HOLDING,
    HOUR,
    ITEM,
    JPN_LOW,
    JPN_READER,
    JPN_READER_2,
    KJ,
    LOW_HOLDING,
    NOW,
    lv,
)

from gsomia.errors import InputError, PolicyDenied
from gsomia.treaty import (
    DestructionMethod,
    DestructionRecord,
    Disposition,
    ReturnRecord,
    destroy,
    due_for_disposal,
    may_access,
    may_destroy,
    may_read,
    may_return,
    needs_two_officials,
    purpose_suspension,
    receive,
    return_to_originator,
)
from gsomia.treaty.items import Holding

COPY = f"{HOLDING.id}/copy-1"
TRANSLATION = f"{HOLDING.id}/translation-2"
RECORD = DestructionRecord(
    "destr-1",
    HOLDING.id,
    ITEM.id,
    DestructionMethod.CRYPTOGRAPHIC_ERASURE,
    NOW,
    (JPN_READER.id, JPN_READER_2.id),
    ("jpn-witness",),
    covers=frozenset({COPY}),
)
OFFICIALS = [JPN_READER, JPN_READER_2]
LOW_RECORD = replace(
    RECORD, holding_id=LOW_HOLDING.id, item_id=LOW_HOLDING.item.id, officials=(JPN_LOW.id,)
)

ROWS: list[tuple[str, dict[str, Any], bool, str]] = [
    ("R31-allow-two-officials-for-secret", {}, True, "R31"),
    (
        "R31-allow-one-official-for-confidential",
        {"holding": LOW_HOLDING, "record": LOW_RECORD, "officials": [JPN_LOW]},
        True,
        "R31",
    ),
    (
        "R31-deny-one-official-for-secret",
        {"record": replace(RECORD, officials=(JPN_READER.id,)), "officials": [JPN_READER]},
        False,
        "R31",
    ),
    (
        "R31-deny-official-not-cleared",
        {
            "record": replace(RECORD, officials=(JPN_READER.id, JPN_LOW.id)),
            "officials": [JPN_READER, JPN_LOW],
        },
        False,
        "R31",
    ),
    ("R31-deny-officials-not-identified", {"officials": [JPN_READER]}, False, "R31"),
    ("R31-deny-already-destroyed", {"holding": replace(HOLDING, destroyed=True)}, False, "R31"),
    ("R31-deny-record-for-another-holding", {"holding": LOW_HOLDING}, False, "R31"),
    ("R31-deny-future-record", {"record": replace(RECORD, at=NOW + DAY)}, False, "R31"),
    ("R32-deny-dependant-without-disposition", {"dependants": [COPY, TRANSLATION]}, False, "R32"),
    (
        "R32-allow-dependant-disposed-separately",
        {"dependants": [COPY, TRANSLATION], "disposed": {TRANSLATION: Disposition.DESTROYED}},
        True,
        "R31",
    ),
]


@pytest.mark.parametrize(
    ("change", "allowed", "requirement"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_may_destroy(change: dict[str, Any], allowed: bool, requirement: str) -> None:
    decision = may_destroy(
        change.get("holding", HOLDING),
        change.get("record", RECORD),
        change.get("officials", OFFICIALS),
        NOW + HOUR,
        agreement=KJ,
        dependants=change.get("dependants", [COPY]),
        disposed=change.get("disposed"),
    )
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R31_after_destruction_every_access_is_refused() -> None:
    assert may_access(JPN_READER, HOLDING, NOW).allowed
    gone = destroy(HOLDING, RECORD, OFFICIALS, NOW, agreement=KJ, dependants=[COPY])
    assert gone.destroyed
    assert not may_access(JPN_READER, gone, NOW).allowed
    with pytest.raises(PolicyDenied):
        destroy(gone, RECORD, OFFICIALS, NOW, agreement=KJ)


@pytest.mark.parametrize(
    "change",
    [{"officials": ()}, {"officials": ("a", "a")}, {"witnesses": (JPN_READER.id,)}],
    ids=["R31-no-official", "R31-same-official-twice", "R31-witness-is-official"],
)
def test_R31_malformed_records(change: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        replace(RECORD, **change)


def test_R31_two_officials_from_secret_equivalent_and_fail_closed_for_unplaced_levels() -> None:
    assert needs_two_officials(HOLDING, KJ)
    assert not needs_two_officials(LOW_HOLDING, KJ)
    top = Holding("x", ITEM, "JPN", lv("JPN", "機密"))  # not in the KOR–JPN table
    assert needs_two_officials(top, KJ)


# --- return and end of purpose (R18) ----------------------------------------------------------

ENDING = receive(replace(ITEM, purpose_ends=NOW + DAY), "JPN", KJ)
RETURN = ReturnRecord("ret-1", ENDING.id, ITEM.id, "KOR", NOW + 2 * DAY, JPN_READER.id)


def test_R18_access_is_suspended_once_the_purpose_ends() -> None:
    assert may_read(JPN_READER, ENDING, NOW).allowed
    late = may_read(JPN_READER, ENDING, NOW + DAY)
    assert not late.allowed
    assert late.requirement == "R18"
    assert due_for_disposal([ENDING, HOLDING, replace(ENDING, destroyed=True)], NOW + DAY) == (
        ENDING,
    )
    assert due_for_disposal([ENDING], NOW) == ()


@pytest.mark.parametrize(
    ("holding", "now", "suspended"),
    [
        (ENDING, NOW, False),
        (ENDING, NOW + DAY, True),
        (replace(ENDING, destroyed=True), NOW + DAY, False),
        (HOLDING, NOW + 1000 * DAY, False),
    ],
    ids=["before-the-end", "at-the-end", "already-disposed", "no-end-set"],
)
def test_R18_purpose_suspension_is_what_may_read_refuses(
    holding: Holding, now: datetime, suspended: bool
) -> None:
    """The suspension is a decision of its own, and the very refusal `may_read` gives."""
    suspension = purpose_suspension(holding, now)
    assert (suspension is not None) is suspended
    if suspension is not None:
        assert (suspension.allowed, suspension.article, suspension.requirement) == (
            False,
            "Art. 6(h)",
            "R18",
        )
        assert may_read(JPN_READER, holding, now) == suspension
    else:
        assert may_read(JPN_READER, holding, now) == may_access(JPN_READER, holding, now)


RETURN_ROWS: list[tuple[str, dict[str, Any], bool, str]] = [
    ("R18-allow-return-to-originator", {}, True, "R18"),
    (
        "R18-deny-return-to-another-nation",
        {"record": replace(RETURN, to_nation="USA")},
        False,
        "R18",
    ),
    ("R18-deny-already-gone", {"holding": replace(ENDING, destroyed=True)}, False, "R18"),
    ("R18-deny-wrong-record", {"record": replace(RETURN, holding_id="x")}, False, "R18"),
    ("R32-deny-copy-left-behind", {"dependants": [COPY]}, False, "R32"),
    (
        "R32-allow-copy-returned-with-it",
        {"record": replace(RETURN, covers=frozenset({COPY})), "dependants": [COPY]},
        True,
        "R18",
    ),
]


@pytest.mark.parametrize(
    ("change", "allowed", "requirement"),
    [r[1:] for r in RETURN_ROWS],
    ids=[r[0] for r in RETURN_ROWS],
)
def test_may_return(change: dict[str, Any], allowed: bool, requirement: str) -> None:
    decision = may_return(
        change.get("holding", ENDING),
        change.get("record", RETURN),
        NOW + 2 * DAY,
        dependants=change.get("dependants", ()),
    )
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement


def test_R18_returned_holding_is_no_longer_readable() -> None:
    returned = return_to_originator(ENDING, RETURN, NOW + 2 * DAY)
    assert not may_read(JPN_READER, returned, NOW + 2 * DAY).allowed
    assert not may_access(JPN_READER, returned, NOW).allowed
    with pytest.raises(InputError):
        replace(RETURN, at=NOW.replace(tzinfo=None))
