"""The clear columns a decision reads are vouched for by a sealed value (ADR 0134).

Found by the attack (ADR 0129, "left alone"): a holding's approved purposes (R13), consent
(R12), agreement and state, and a case's status, lay in clear in node.db with no sealed value
saying what they are, and the decisions took them. A writer of the database (no key) who
added an approved purpose widened need-to-know, as the purpose column did before ADR 0129.
Each is now sealed where it is decided; a read that finds a column not saying what its seal
says is `StoreDamaged`, whoever asks (fail closed).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from tests.node.consent_fixtures import deliver, provided
from tests.node.node_fixtures import Cast

from gsomia.errors import StoreDamaged
from gsomia.node import at_rest, listing, read
from gsomia.node.control import purposes
from gsomia.seal.encoding import b64u
from gsomia.seal.storage import seal_at_rest
from gsomia.store import cases, marks
from gsomia.store.tables import cases as cases_table
from gsomia.store.tables import holdings, store_marks


def _holding_set(cast: Cast, holding_id: str, **values: Any) -> None:
    with cast["JPN"].engine.begin() as conn:
        conn.execute(update(holdings).where(holdings.c.id == holding_id).values(**values))


def _case_set(cast: Cast, nation: str, case_id: str, **values: Any) -> None:
    with cast[nation].engine.begin() as conn:
        conn.execute(update(cases_table).where(cases_table.c.id == case_id).values(**values))


def test_an_approved_purpose_added_in_clear_is_damage_not_a_need_to_know(cast: Cast) -> None:
    """An insider adds "targeting" to a holding's approved purposes with SQL: the reader was
    refused for it (R13) and was then allowed, with no approval the originator signed. Now
    every read deciding on the holding is damage; the approval through the originator still
    widens it."""
    _, holding_id = provided(cast)
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    assert not purposes.may_use_for(jpn, sato, holding_id, "targeting").allowed
    _holding_set(cast, holding_id, approved_purposes=["targeting"])
    try:
        with pytest.raises(StoreDamaged, match=holding_id):
            purposes.may_use_for(jpn, sato, holding_id, "targeting")
        with pytest.raises(StoreDamaged, match=holding_id):
            read.read_holding(jpn, sato, holding_id, purpose="targeting")
        with pytest.raises(StoreDamaged, match=holding_id):
            listing.holdings_page(jpn, sato)
    finally:
        _holding_set(cast, holding_id, approved_purposes=[])  # the cast is shared
    assert not purposes.may_use_for(jpn, sato, holding_id, "targeting").allowed
    case = purposes.request_purpose(jpn, cast.user("JPN", "tanaka"), holding_id, "targeting")
    deliver(cast, "JPN", "KOR")
    purposes.approve_purpose(cast["KOR"], cast.user("KOR", "park"), case["id"])
    assert [a["status"] for a in deliver(cast, "KOR", "JPN")] == ["received"]
    assert purposes.may_use_for(jpn, sato, holding_id, "targeting").allowed


@pytest.mark.parametrize(
    "changed",
    [
        {"state": "destroyed"},
        {"consent_id": "c-never-given"},
        {"agreement_id": "KOR-USA-2020"},
    ],
)
def test_a_holdings_state_consent_or_agreement_changed_in_clear_is_damage(
    cast: Cast, changed: dict[str, Any]
) -> None:
    _, holding_id = provided(cast)
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    with jpn.engine.connect() as conn:
        before = conn.execute(select(holdings).where(holdings.c.id == holding_id)).one()._mapping
    _holding_set(cast, holding_id, **changed)
    try:
        with pytest.raises(StoreDamaged, match=holding_id):
            read.read_holding(jpn, sato, holding_id)
    finally:
        _holding_set(cast, holding_id, **{name: before[name] for name in changed})
    assert read.read_holding(jpn, sato, holding_id)[1]


@pytest.mark.parametrize("changed", [{"status": "approved"}, {"counterpart": "USA"}])
def test_a_cases_status_or_counterpart_changed_in_clear_is_damage(
    cast: Cast, changed: dict[str, Any]
) -> None:
    """A purpose request still open, set to "approved" (or its counterpart to another nation,
    whose answer the workflow would then take) with SQL: the case no longer opens."""
    _, holding_id = provided(cast)
    case = purposes.request_purpose(cast["JPN"], cast.user("JPN", "tanaka"), holding_id, "training")
    _case_set(cast, "JPN", case["id"], **changed)
    with pytest.raises(StoreDamaged, match=case["id"]):
        purposes.get_purpose(cast["JPN"], case["id"])
    _case_set(cast, "JPN", case["id"], status="requested", counterpart="KOR")
    assert purposes.get_purpose(cast["JPN"], case["id"])["status"] == "requested"


def test_rows_from_before_are_vouched_for_once_by_the_node(cast: Cast) -> None:
    """A holding stored before ADR 0134 has no seal of its columns, and a case's document was
    sealed for its id and kind only: the node's one pass (in `migrate`, with marks in the
    database and the home) seals what they say once; from then on either is damage."""
    _, holding_id = provided(cast)
    jpn = cast["JPN"]
    case = purposes.request_purpose(jpn, cast.user("JPN", "tanaka"), holding_id, "exercise")
    with jpn.engine.connect() as conn:
        [opened] = [c for c in cases.all_of(conn, "purpose", keys=jpn.keys) if c.id == case["id"]]
    old = seal_at_rest(jpn.keys, b'{"purpose": "exercise"}', f"case:purpose:{case['id']}")
    _case_set(cast, "JPN", case["id"], document={cases.SEALED: b64u(old)})
    _holding_set(cast, holding_id, terms=None)
    jpn.migrate()  # marked already: nothing is sealed as the node's
    with pytest.raises(StoreDamaged, match=holding_id):
        read.holding_row(jpn, holding_id)
    with pytest.raises(StoreDamaged, match=case["id"]):
        purposes.get_purpose(jpn, case["id"])
    with jpn.engine.begin() as conn:
        conn.execute(store_marks.delete().where(store_marks.c.name == marks.COLUMNS_BOUND))
    jpn.migrate()  # the home's mark remains: still nothing sealed
    with pytest.raises(StoreDamaged, match=holding_id):
        read.holding_row(jpn, holding_id)
    (jpn.home.path / at_rest.COLUMNS_MARK_FILE).unlink()
    with jpn.engine.begin() as conn:
        conn.execute(store_marks.delete().where(store_marks.c.name == marks.COLUMNS_BOUND))
    jpn.migrate()  # a node from before: sealed once
    assert read.holding_row(jpn, holding_id).id == holding_id
    assert purposes.get_purpose(jpn, case["id"])["purpose"] == "exercise"
    assert opened.status == "requested"
