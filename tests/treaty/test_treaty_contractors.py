"""Contractors (R33–R36, Art. 16): a facility's clearance, officer and inspections, the
contract's clause, assurance, level and purpose, and the staff's register and briefing; as a
table, and as properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.treaty.test_treaty_world import DAY, NOW, YEAR, lv

from gsomia.errors import InputError
from gsomia.treaty.contractors import (
    POLICY,
    Contract,
    Facility,
    StaffMember,
    may_contractor_read,
    may_place_contract,
    may_release_to_contractor,
)

SECRET, CONF, TOP = lv("JPN", "極秘"), lv("JPN", "秘"), lv("JPN", "機密")
INTERVAL = YEAR
FACILITY = Facility(
    id="mhi-nagoya",
    name="MHI Nagoya",
    nation="JPN",
    clearance=SECRET,
    clearance_expires=NOW + YEAR,
    security_officer="ito",
    register=frozenset({"ono"}),
    inspections=(NOW - 400 * DAY, NOW - 30 * DAY),
)
CONTRACT = Contract(
    id="C-1",
    facility_id="mhi-nagoya",
    partner="KOR",
    purpose="missile-warning",
    highest_level=SECRET,
    security_clause="Security requirements clause per Art. 16",
    assurance_given_at=NOW - 10 * DAY,
)
STAFF = StaffMember("ono", "mhi-nagoya", briefed_at=NOW - DAY)

#: A change to the facility, the contract or the person → the denial's words, article, R.
B, G, H, J = "Art. 16(b)", "Art. 16(g)", "Art. 16(h)", "Art. 16(j)"
UNCLEARED = "no facility security clearance"
CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("facility", {"clearance": None, "clearance_expires": None}, UNCLEARED, B, "R33"),
    ("facility", {"clearance_expires": NOW - DAY}, UNCLEARED, B, "R33"),
    ("facility", {"clearance": CONF}, "below 極秘", B, "R33"),
    ("facility", {"security_officer": None}, "no designated security officer", J, "R35"),
    ("facility", {"inspections": ()}, "never inspected", G, "R35"),
    ("facility", {"inspections": (NOW - 400 * DAY,)}, "more than 365 days ago", G, "R35"),
    ("contract", {"security_clause": "  "}, "no security requirements clause", POLICY, "R33"),
    ("contract", {"assurance_given_at": None}, "no assurance from KOR", POLICY, "R33"),
    ("contract", {"partner": "USA"}, "covers USA's information", "Art. 16", "R33"),
    ("contract", {"highest_level": CONF}, "goes up to 秘", B, "R33"),
    ("contract", {"purpose": "logistics"}, "is for 'logistics'", H, "R34"),
    ("contract", {"facility_id": "other"}, "is not with MHI Nagoya", "Art. 16", "R33"),
]


def _decide(
    facility: Facility = FACILITY,
    contract: Contract | None = CONTRACT,
    staff: StaffMember = STAFF,
    level: Any = SECRET,
) -> Any:
    return may_contractor_read(
        staff, facility, contract, level=level, purpose="missile-warning", partner="KOR",
        now=NOW, inspection_interval=INTERVAL,
    )  # fmt: skip


def test_a_briefed_registered_person_of_a_cleared_inspected_facility_reads() -> None:
    decision = _decide()
    assert decision.allowed
    assert decision.requirement == "R34"
    released = may_release_to_contractor(
        FACILITY, CONTRACT, level=SECRET, purpose="missile-warning", partner="KOR", now=NOW,
        inspection_interval=INTERVAL,
    )  # fmt: skip
    assert (released.allowed, released.article, released.requirement) == (
        True,
        "Art. 16(b)",
        "R33",
    )


@pytest.mark.parametrize(("what", "change", "words", "article", "requirement"), CASES)
def test_each_condition_refuses_release_and_reading(
    what: str, change: dict[str, Any], words: str, article: str, requirement: str
) -> None:
    facility = replace(FACILITY, **change) if what == "facility" else FACILITY
    contract = replace(CONTRACT, **change) if what == "contract" else CONTRACT
    for decision in (
        _decide(facility, contract),
        may_release_to_contractor(
            facility,
            contract,
            level=SECRET,
            purpose="missile-warning",
            partner="KOR",
            now=NOW,
            inspection_interval=INTERVAL,
        ),
    ):
        assert not decision.allowed
        assert words in decision.reason
        assert (decision.article, decision.requirement) == (article, requirement)


def test_the_person_must_be_on_the_register_briefed_and_the_item_released() -> None:
    unlisted = _decide(staff=StaffMember("kudo", "mhi-nagoya", NOW - DAY))
    assert (unlisted.allowed, unlisted.article) == (False, "Art. 16(i)")
    unbriefed = _decide(staff=replace(STAFF, briefed_at=None))
    assert (unbriefed.allowed, unbriefed.article, unbriefed.requirement) == (
        False,
        "Art. 16(f)",
        "R34",
    )
    later = _decide(staff=replace(STAFF, briefed_at=NOW + DAY))
    assert not later.allowed
    elsewhere = _decide(staff=replace(STAFF, facility_id="kawasaki"))
    assert not elsewhere.allowed
    not_released = _decide(contract=None)
    assert (not_released.allowed, not_released.requirement) == (False, "R33")
    assert "not released" in not_released.reason


def test_a_contract_is_placed_only_with_its_clause() -> None:
    assert may_place_contract(replace(CONTRACT, assurance_given_at=None), FACILITY).allowed
    no_clause = may_place_contract(replace(CONTRACT, security_clause=""), FACILITY)
    assert (no_clause.allowed, no_clause.article) == (False, POLICY)
    assert not may_place_contract(replace(CONTRACT, facility_id="x"), FACILITY).allowed
    korean = replace(CONTRACT, highest_level=lv("KOR", "군사II급비밀"))
    assert not may_place_contract(korean, FACILITY).allowed


def test_a_facility_is_well_formed() -> None:
    with pytest.raises(InputError, match="go together"):
        replace(FACILITY, clearance_expires=None)
    with pytest.raises(InputError, match="not a JPN level"):
        replace(FACILITY, clearance=lv("KOR", "군사II급비밀"))
    with pytest.raises(InputError):
        replace(FACILITY, inspections=(NOW.replace(tzinfo=None),))


levels = st.sampled_from([CONF, SECRET, TOP])
ages = st.integers(min_value=0, max_value=800).map(lambda d: timedelta(days=d))


@given(
    facility_level=levels,
    contract_level=levels,
    item_level=levels,
    inspected=ages,
    briefed=st.booleans(),
    assured=st.booleans(),
)
def test_a_contractor_never_reads_above_its_facility_or_contract_or_unchecked(
    facility_level: Any,
    contract_level: Any,
    item_level: Any,
    inspected: timedelta,
    briefed: bool,
    assured: bool,
) -> None:
    facility = replace(FACILITY, clearance=facility_level, inspections=(NOW - inspected,))
    contract = replace(
        CONTRACT, highest_level=contract_level, assurance_given_at=NOW if assured else None
    )
    staff = replace(STAFF, briefed_at=NOW - DAY if briefed else None)
    decision = _decide(facility, contract, staff, item_level)
    assert decision.allowed == (
        facility_level.dominates(item_level)
        and contract_level.dominates(item_level)
        and inspected <= INTERVAL
        and briefed
        and assured
    )
