"""This node's provisions as links of custody chains, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from tests.store.store_fixtures import NOW

from gsomia.store import transfers
from gsomia.store.tables import transfers as transfers_table
from gsomia.store.transfers import Provision


def provision(item_id: str, to_nation: str = "JPN") -> Provision:
    return Provision(item_id, "KOR", to_nation, NOW, "極秘", "KOR-JPN-2016", f"m-{item_id}", "KOR")


def test_provisions_are_recorded_and_known_per_giver_and_receiver(engine: Engine) -> None:
    with engine.begin() as conn:
        transfers.add_provisions(conn, [provision("KOR-1"), provision("KOR-2", "USA")])
        transfers.add_provisions(conn, [])
    with engine.connect() as conn:
        known = transfers.recorded_between(
            conn, ["KOR-1", "KOR-2", "KOR-3"], from_nation="KOR", to_nation="JPN"
        )
        row = conn.execute(select(transfers_table).where(transfers_table.c.item_id == "KOR-1"))
        stored = row.one()._mapping
    assert known == {"KOR-1"}
    assert (stored["level"], stored["basis"], stored["message_id"]) == (
        "極秘",
        "KOR-JPN-2016",
        "m-KOR-1",
    )
    assert stored["consent_id"] is None


def test_a_link_is_recorded_once(engine: Engine) -> None:
    with engine.begin() as conn:
        transfers.add_provisions(conn, [provision("KOR-1")])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        transfers.add_provisions(conn, [provision("KOR-1")])
