"""Disputes as consultation cases both parties' nodes hold; never referred to a third party;
protection goes on while one is open (R46)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.node.node_fixtures import Cast

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.node.control import disputes
from gsomia.node.read import read_holding
from gsomia.store.tables import holdings

AGREEMENT = "KOR-JPN-2016"


def _case(cast: Cast, nation: str, officer: str, case_id: str) -> dict[str, Any]:
    [found] = [
        c
        for c in disputes.list_cases(cast[nation], cast.user(nation, officer))
        if c["id"] == case_id
    ]
    return found


def _open(cast: Cast) -> dict[str, Any]:
    return disputes.open_case(
        cast["KOR"], cast.user("KOR", "park"), AGREEMENT, "marking of derived products"
    )


def test_a_dispute_is_consulted_and_settled_by_the_parties_and_both_hold_it(cast: Cast) -> None:
    case = _open(cast)
    assert (case["state"], case["counterpart"], case["raised_by"]) == ("open", "JPN", "KOR")
    cast.deliver("KOR", "JPN")
    theirs = _case(cast, "JPN", "tanaka", case["id"])
    assert (theirs["state"], theirs["subject"]) == ("open", "marking of derived products")

    # Settlement comes only after consultation.
    with pytest.raises(Conflict, match="settled only by consultation"):
        disputes.settle(cast["KOR"], cast.user("KOR", "park"), case["id"], "agreed")
    disputes.consult(cast["JPN"], cast.user("JPN", "tanaka"), case["id"], "Tokyo, first round")
    cast.deliver("JPN", "KOR")
    ours = _case(cast, "KOR", "park", case["id"])
    assert [c["note"] for c in ours["consultations"]] == ["Tokyo, first round"]
    settled = disputes.settle(cast["KOR"], cast.user("KOR", "park"), case["id"], "joint note")
    assert (settled["state"], settled["outcome"]) == ("settled", "joint note")
    cast.deliver("KOR", "JPN")
    theirs = _case(cast, "JPN", "tanaka", case["id"])
    assert theirs["state"] == "settled"
    assert theirs["consultations"] == ours["consultations"]
    with pytest.raises(Conflict, match="is settled"):
        disputes.consult(cast["JPN"], cast.user("JPN", "tanaka"), case["id"], "more")


def test_only_a_partys_officer_opens_a_dispute(cast: Cast) -> None:
    with pytest.raises(PolicyDenied, match="record dispute: it needs the role security officer"):
        disputes.open_case(cast["KOR"], cast.user("KOR", "kim"), AGREEMENT, "x")
    with pytest.raises(InputError, match="only a party"):
        disputes.open_case(cast["KOR"], cast.user("KOR", "park"), "JPN-USA-2007", "x")


def test_a_dispute_is_never_referred_to_a_third_party(cast: Cast) -> None:
    case = _open(cast)
    with pytest.raises(PolicyDenied, match="cannot be referred to ICJ") as refused:
        disputes.refer(cast["KOR"], cast.user("KOR", "park"), case["id"], "ICJ")
    assert refused.value.article == "Art. 20"
    [logged] = [r for r in cast.log("KOR", case["id"]) if r["action"] == "refer_dispute"]
    assert not logged["allowed"]
    assert logged["article"] == "Art. 20 R46"


def test_protection_is_not_suspended_while_a_dispute_is_open(cast: Cast) -> None:
    case = _open(cast)
    cast.deliver("KOR", "JPN")
    assert _case(cast, "JPN", "tanaka", case["id"])["state"] == "open"
    item_id = cast.publish("KOR", "kim", title="during the dispute")
    cast.release("KOR", "park", item_id)
    cast.deliver("KOR", "JPN")
    jpn = cast["JPN"]
    with jpn.engine.connect() as conn:
        holding_id = conn.execute(holdings.select().where(holdings.c.item_id == item_id)).one().id
    # Cleared with need-to-know: allowed; no need-to-know: refused, as ever (R19, R46).
    _, content, decision = read_holding(jpn, cast.user("JPN", "sato"), holding_id)
    assert decision.allowed
    assert content == b"track 1"
    with pytest.raises(PolicyDenied, match="need-to-know"):
        read_holding(jpn, cast.user("JPN", "nakamura"), holding_id)
    with pytest.raises(PolicyDenied):
        read_holding(jpn, cast.user("JPN", "miller"), holding_id)  # a third-country national
