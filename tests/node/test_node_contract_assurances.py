"""The assurance a contract needs travels between the nodes as signed messages (R33, Art. 16):
JPN's officer asks KOR's security authority for it, KOR's officer answers, and only a given
answer lets KOR's CMI reach JPN's contractor. A refusal, a second answer, or an answer from a
nation not asked changes nothing and is logged."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select
from tests.node.node_fixtures import VALID, Cast

from gsomia.errors import Conflict, NotFound, PolicyDenied
from gsomia.exchange.kinds import Kind
from gsomia.node import contractors
from gsomia.node.control import contract_assurances, messages
from gsomia.store.tables import access_log, holdings

_serial = itertools.count()


def _contract(cast: Cast) -> str:
    """A cleared, inspected JPN facility with a contract for KOR's CMI, not yet assured."""
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    ident = f"afac{next(_serial)}"
    contractors.add_facility(
        jpn, tanaka, facility_id=ident, name=f"KHI {ident}", clearance="極秘",
        clearance_expires=VALID, security_officer="Ito",
    )  # fmt: skip
    contractors.record_inspection(jpn, tanaka, ident, at=jpn.clock(), kind="initial", findings="ok")
    contract = f"A-{ident}"
    contractors.place_contract(
        jpn, tanaka, contract_id=contract, facility_id=ident, partner="KOR",
        purpose="missile-warning", highest_level="極秘",
        security_clause="Security requirements: Art. 16 of KOR-JPN-2016",
    )  # fmt: skip
    return contract


def _ask(cast: Cast, contract: str) -> str:
    """JPN asks; KOR's node holds the request; its id."""
    view = contractors.record_assurance(
        cast["JPN"], cast.user("JPN", "tanaka"), contract, given=False
    )
    assert view["assurance_requested_at"]
    assert not view["assurance_given_at"]
    cast.deliver("JPN", "KOR")
    [asked] = [
        r
        for r in contract_assurances.list_requests(cast["KOR"], cast.user("KOR", "park"))
        if r["contract"] == contract
    ]
    assert (asked["side"], asked["partner"], asked["status"]) == ("asked", "JPN", "requested")
    return str(asked["request"])


def _held(cast: Cast) -> str:
    item = cast.publish("KOR", "kim", title="Assured track", precedence="ROUTINE")
    cast.release("KOR", "park", item)
    cast.deliver("KOR", "JPN")
    with cast["JPN"].engine.connect() as conn:
        query = select(holdings.c.id).where(holdings.c.item_id == item)
        return str(conn.execute(query).scalar_one())


def _contract_view(cast: Cast, contract: str) -> dict[str, Any]:
    return contractors.get_contract(cast["JPN"], cast.user("JPN", "tanaka"), contract)


def test_r33_the_assurance_is_asked_and_given_by_signed_messages_between_the_nodes(
    cast: Cast,
) -> None:
    contract = _contract(cast)
    request = _ask(cast, contract)
    holding = _held(cast)
    tanaka = cast.user("JPN", "tanaka")
    with pytest.raises(PolicyDenied):  # not assured yet
        contractors.release_to_contractor(cast["JPN"], tanaka, holding, contract)
    answered = contract_assurances.answer_assurance(
        cast["KOR"], cast.user("KOR", "park"), request, given=True, reference="KOR-NSA 2026/118"
    )
    assert answered["status"] == "given"
    cast.deliver("KOR", "JPN")
    view = _contract_view(cast, contract)
    assert view["assurance_given_at"]
    assert view["assurance_reference"].startswith("KOR-NSA 2026/118 (signed message ")
    released = contractors.release_to_contractor(cast["JPN"], tanaka, holding, contract)
    assert released["contract"] == contract
    with pytest.raises(Conflict, match="given already"):
        contract_assurances.answer_assurance(
            cast["KOR"], cast.user("KOR", "park"), request, given=False, reference="again"
        )


def test_r33_a_refused_or_foreign_answer_gives_no_assurance(cast: Cast) -> None:
    contract = _contract(cast)
    request = _ask(cast, contract)
    # USA's node answers a request KOR was asked: refused as speaking for KOR, logged.
    usa = cast["USA"]
    forged = {
        "request_id": request, "contract_id": contract, "given": True,
        "reference": "US-NSA", "answered_by": "jones",
    }  # fmt: skip
    with usa.engine.begin() as conn:
        messages.send(
            conn, usa, kind=Kind.ASSURANCE_ANSWER, peer="JPN", document=forged, now=usa.clock()
        )
    cast.deliver("USA", "JPN")
    assert not _contract_view(cast, contract)["assurance_given_at"]
    with cast["JPN"].engine.connect() as conn:
        rows = conn.execute(
            select(access_log).where(access_log.c.action == "receive:assurance_answer")
        ).all()
    assert any(not r.allowed and "cannot speak for KOR" in r.reason for r in rows)
    # KOR refuses: the contract stays unassured and nothing reaches the facility.
    contract_assurances.answer_assurance(
        cast["KOR"], cast.user("KOR", "park"), request, given=False, reference="KOR-NSA: no"
    )
    cast.deliver("KOR", "JPN")
    assert not _contract_view(cast, contract)["assurance_given_at"]
    with pytest.raises(PolicyDenied):
        contractors.release_to_contractor(
            cast["JPN"], cast.user("JPN", "tanaka"), _held(cast), contract
        )
    [mine] = [
        r
        for r in contract_assurances.list_requests(cast["JPN"], cast.user("JPN", "tanaka"))
        if r["request"] == request
    ]
    assert (mine["side"], mine["status"]) == ("asking", "refused")
    # Only a request made of this nation is answered here.
    with pytest.raises(NotFound):
        contract_assurances.answer_assurance(
            cast["JPN"], cast.user("JPN", "tanaka"), request, given=True, reference="self"
        )
