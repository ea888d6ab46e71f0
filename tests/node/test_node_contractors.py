"""Contractors through the node (R33–R36, Art. 16): JPN's officer records a facility, its
inspections, register, briefings and a contract with its clause and KOR's assurance; only then
is KOR's item released to it, and its staff read and copy it under the same rules as anyone,
never beyond their facility's clearance or their contract's purpose."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.node.node_fixtures import LAUNCH, VALID, Cast

from gsomia.errors import Conflict, InputError, NotFound, PolicyDenied
from gsomia.node import contractors, read
from gsomia.node.control import copies
from gsomia.node.live import push_flash
from gsomia.store.tables import holdings
from gsomia.store.users import UserRecord, add_user
from gsomia.treaty.contractors import POLICY

_serial = itertools.count()


def _holding(cast: Cast, title: str = "Contract track") -> str:
    item = cast.publish("KOR", "kim", title=title, precedence="ROUTINE")
    cast.release("KOR", "park", item)
    cast.deliver("KOR", "JPN")
    with cast["JPN"].engine.connect() as conn:
        return str(
            conn.execute(select(holdings.c.id).where(holdings.c.item_id == item)).scalar_one()
        )


def _person(cast: Cast, clearance: str = "極秘", communities: tuple[str, ...] = (LAUNCH,)) -> str:
    jpn = cast["JPN"]
    name = f"staff{next(_serial)}"
    record = UserRecord(name, "JPN", clearance, VALID, communities, ("analyst",), True)
    with jpn.engine.begin() as conn:
        add_user(conn, record, jpn.clock(), jpn.vault)
    return name


def _facility(
    cast: Cast,
    *,
    clearance: str | None = "極秘",
    officer: str | None = "Ito",
    inspected: int | None = 30,
    purpose: str = LAUNCH,
    assured: bool = True,
) -> dict[str, Any]:
    """A facility with one briefed person on its register and a contract; its ids."""
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    ident = f"fac{next(_serial)}"
    contractors.add_facility(
        jpn, tanaka, facility_id=ident, name=f"MHI {ident}", clearance=clearance,
        clearance_expires=VALID if clearance else None, security_officer=officer,
    )  # fmt: skip
    if inspected is not None:
        at = jpn.clock() - timedelta(days=inspected)
        contractors.record_inspection(jpn, tanaka, ident, at=at, kind="initial", findings="ok")
    person = _person(cast)
    contractors.add_staff(jpn, tanaka, ident, person)
    contractors.record_briefing(jpn, tanaka, person, jpn.clock())
    contract = f"C-{ident}"
    contractors.place_contract(
        jpn, tanaka, contract_id=contract, facility_id=ident, partner="KOR", purpose=purpose,
        highest_level="極秘", security_clause="Security requirements: Art. 16 of KOR-JPN-2016",
    )  # fmt: skip
    if assured:
        contractors.record_assurance(jpn, tanaka, contract, given=True, reference="KOR-NSA 7")
    return {"facility": ident, "person": person, "contract": contract}


def _release(cast: Cast, holding: str, contract: str) -> dict[str, Any]:
    return contractors.release_to_contractor(
        cast["JPN"], cast.user("JPN", "tanaka"), holding, contract
    )


def _read(cast: Cast, person: str, holding: str) -> bytes:
    return read.read_holding(cast["JPN"], cast.user("JPN", person), holding)[1]


def test_r33_a_cleared_inspected_facility_receives_and_its_briefed_staff_read(cast: Cast) -> None:
    holding = _holding(cast)
    made = _facility(cast)
    # Before the release, the contractor's person reads nothing (R33), though their own
    # clearance and need-to-know would let a government reader.
    with pytest.raises(PolicyDenied, match="not released to") as refused:
        _read(cast, made["person"], holding)
    assert refused.value.article == "Art. 16(b)"
    released = _release(cast, holding, made["contract"])
    assert (released["facility"], released["decision"]["article"]) == (
        made["facility"],
        "Art. 16(b)",
    )
    assert _read(cast, made["person"], holding) == b"track 1"
    assert _read(cast, "sato", holding) == b"track 1"  # government readers are unaffected
    [listed] = [
        f
        for f in contractors.list_facilities(cast["JPN"], cast.user("JPN", "tanaka"))
        if f["id"] == made["facility"]
    ]
    assert listed["register"][0]["name"] == made["person"]
    assert listed["register"][0]["briefed_at"] is not None
    assert listed["contracts"] == [made["contract"]]


def test_r33_nothing_reaches_a_facility_below_the_level_or_without_assurance_or_clause(
    cast: Cast,
) -> None:
    holding = _holding(cast, "Refused to contractors")
    low = _facility(cast, clearance="秘")
    with pytest.raises(PolicyDenied, match="cleared to 秘, below 極秘") as refused:
        _release(cast, holding, low["contract"])
    assert refused.value.article == "Art. 16(b)"
    uncleared = _facility(cast, clearance=None)
    with pytest.raises(PolicyDenied, match="no facility security clearance"):
        _release(cast, holding, uncleared["contract"])
    unassured = _facility(cast, assured=False)
    with pytest.raises(PolicyDenied, match="no assurance from KOR") as refused:
        _release(cast, holding, unassured["contract"])
    assert refused.value.article == POLICY
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    with pytest.raises(PolicyDenied, match="no security requirements clause"):
        contractors.place_contract(
            jpn, tanaka, contract_id="C-bare", facility_id=low["facility"], partner="KOR",
            purpose=LAUNCH, highest_level="極秘", security_clause=" ",
        )  # fmt: skip
    for made in (low, uncleared, unassured):
        with pytest.raises(PolicyDenied):
            _read(cast, made["person"], holding)


def test_r34_a_contractors_staff_read_only_for_the_contract_and_once_briefed(cast: Cast) -> None:
    holding = _holding(cast, "Purpose-bound")
    other = _facility(cast, purpose="logistics")
    with pytest.raises(PolicyDenied, match="is for 'logistics'") as refused:
        _release(cast, holding, other["contract"])
    assert refused.value.article == "Art. 16(h)"
    made = _facility(cast)
    _release(cast, holding, made["contract"])
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    newcomer = _person(cast)
    contractors.add_staff(jpn, tanaka, made["facility"], newcomer)
    with pytest.raises(PolicyDenied, match="has not acknowledged a security briefing") as refused:
        _read(cast, newcomer, holding)
    assert refused.value.article == "Art. 16(f)"
    contractors.record_briefing(jpn, tanaka, newcomer, jpn.clock())
    assert _read(cast, newcomer, holding) == b"track 1"
    # R19–R20 still come first: briefed, on the register, but cleared only 秘.
    junior = _person(cast, clearance="秘")
    contractors.add_staff(jpn, tanaka, made["facility"], junior)
    contractors.record_briefing(jpn, tanaka, junior, jpn.clock())
    with pytest.raises(PolicyDenied, match="below"):
        _read(cast, junior, holding)
    with pytest.raises(Conflict, match="register already"):
        contractors.add_staff(jpn, tanaka, other["facility"], newcomer)


def test_r35_a_facility_needs_its_security_officer_and_a_recent_inspection(cast: Cast) -> None:
    holding = _holding(cast, "Inspections")
    days = cast["JPN"].agreement("KOR-JPN-2016").contractor_inspection_days
    stale = _facility(cast, inspected=days + 1)
    with pytest.raises(PolicyDenied, match=f"more than {days} days ago") as refused:
        _release(cast, holding, stale["contract"])
    assert (refused.value.article, "R35" in str(refused.value)) == ("Art. 16(g)", True)
    never = _facility(cast, inspected=None)
    with pytest.raises(PolicyDenied, match="never inspected"):
        _release(cast, holding, never["contract"])
    officerless = _facility(cast, officer=None)
    with pytest.raises(PolicyDenied, match="no designated security officer"):
        _release(cast, holding, officerless["contract"])
    # A periodic inspection recorded brings the stale facility back.
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    contractors.record_inspection(
        jpn, tanaka, stale["facility"], at=jpn.clock(), kind="periodic", findings="ok"
    )
    assert _release(cast, holding, stale["contract"])["facility"] == stale["facility"]
    assert _read(cast, stale["person"], holding) == b"track 1"


def test_r36_contractors_copy_under_the_same_rules_and_only_while_their_facility_holds(
    cast: Cast,
) -> None:
    holding = _holding(cast, "Copies by contractors")
    made = _facility(cast)
    person = cast.user("JPN", made["person"])
    with pytest.raises(PolicyDenied, match="not released to"):
        copies.make_copies(cast["JPN"], person, holding)
    _release(cast, holding, made["contract"])
    [copy] = copies.make_copies(cast["JPN"], person, holding)
    assert copy.number == 1  # counted like any copy (R29)
    # Unbriefed staff of the same facility may not translate it, as nobody unbriefed may read.
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    unbriefed = _person(cast)
    contractors.add_staff(jpn, tanaka, made["facility"], unbriefed)
    with pytest.raises(PolicyDenied, match="security briefing"):
        copies.translate(
            jpn, person, holding, translator=unbriefed, language="en", source_language="ko",
            content="translated",
        )  # fmt: skip


def test_contractor_records_are_checked_and_only_officers_keep_them(cast: Cast) -> None:
    jpn, tanaka, sato = cast["JPN"], cast.user("JPN", "tanaka"), cast.user("JPN", "sato")
    with pytest.raises(PolicyDenied, match="manage contractors: it needs the role"):
        contractors.list_facilities(jpn, sato)
    with pytest.raises(NotFound, match="no contractor facility"):
        contractors.add_staff(jpn, tanaka, "nowhere", "sato")
    with pytest.raises(InputError, match="go together"):
        contractors.add_facility(
            jpn, tanaka, facility_id="half", name="Half", clearance="極秘",
            clearance_expires=None, security_officer="x",
        )  # fmt: skip
    made = _facility(cast)
    with pytest.raises(InputError, match="initial or periodic"):
        contractors.record_inspection(
            jpn, tanaka, made["facility"], at=jpn.clock(), kind="annual", findings=""
        )
    with pytest.raises(NotFound, match="on no contractor facility's register"):
        contractors.record_briefing(jpn, tanaka, "sato", jpn.clock())


def test_r34_a_contractors_staff_hear_of_no_flash_item_their_facility_was_not_given(
    cast: Cast,
) -> None:
    """The FLASH alert names the title: a contractor's person, cleared and with the need to
    know, is not told of an item their facility was not released (found: the push asked only
    the access decision)."""
    made = _facility(cast)
    jpn = cast["JPN"]
    item = cast.publish("KOR", "kim", title="FLASH for government only", precedence="FLASH")
    _, accepted = cast.send("KOR", "JPN", cast.release("KOR", "park", item))

    async def watch() -> dict[str, list[dict[str, Any]]]:
        jpn.alerts.bind(asyncio.get_running_loop())
        async with (
            jpn.alerts.subscribe("sato") as sato,
            jpn.alerts.subscribe(made["person"]) as contractor,
        ):
            await asyncio.to_thread(push_flash, jpn, accepted)
            first = await asyncio.wait_for(sato.get(), timeout=5)
            await asyncio.sleep(0)
            rest = []
            while not contractor.empty():
                rest.append(contractor.get_nowait())
            return {"sato": [first], made["person"]: rest}

    seen = asyncio.run(watch())
    assert seen["sato"][0]["title"] == "FLASH for government only"
    assert seen[made["person"]] == []
