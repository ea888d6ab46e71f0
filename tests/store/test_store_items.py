"""This node's own items in the store, on SQLite and PostgreSQL, and their one treaty mapping."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine, select, update
from tests.store.store_fixtures import ENDS, KIM, NOW, PARK, SCHEMES, TERMS, item, label, later

from gsomia.exchange import outbox
from gsomia.labels import TAG_COPY_LIMIT, TAG_PURPOSE_ENDS
from gsomia.seal.at_rest import Vault
from gsomia.store import items
from gsomia.store.db import make_engine, migrate
from gsomia.store.tables import items as items_table
from gsomia.store.tables import outbox as outbox_table
from gsomia.store.users import add_user
from gsomia.treaty.items import Precedence
from gsomia.treaty.terms import ENDED

VAULT = Vault(bytes(range(32)))  # the KEK of a node whose storage key this is
FIRST, SECOND, THIRD = item("KOR-1"), item("KOR-2", created_at=later(1)), item("KOR-3")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        add_user(conn, KIM, NOW, VAULT)
        add_user(conn, PARK, NOW, VAULT)
        items.add_all(
            conn, [FIRST, SECOND, replace(THIRD, created_at=later(2), state="released")], VAULT
        )
    yield engine
    engine.dispose()


def test_an_item_reads_back_as_it_was_stored(engine: Engine) -> None:
    with engine.connect() as conn:
        assert items.get(conn, "KOR-1", VAULT) == FIRST
        assert items.get(conn, "KOR-9", VAULT) is None
        assert items.get_own(conn, "KOR-1", "KOR", VAULT) == FIRST
        assert items.get_own(conn, "KOR-1", "JPN", VAULT) is None
        assert items.originator_of(conn, "KOR-2") == "KOR"
        assert items.originator_of(conn, "KOR-9") is None
        assert items.own_ids(conn, ["KOR-1", "KOR-9"], "KOR") == {"KOR-1"}
        assert items.own_ids(conn, ["KOR-1"], "JPN") == set()
        assert items.own_ids(conn, ["KOR-2"], "KOR") == {"KOR-2"}  # one id: its own query
        assert items.own_ids(conn, [], "KOR") == set()


def test_lists_newest_first_and_drafts_oldest_first(engine: Engine) -> None:
    with engine.connect() as conn:
        assert [r.id for r in items.newest(conn, 10, VAULT)] == ["KOR-3", "KOR-2", "KOR-1"]
        assert [r.id for r in items.newest(conn, 1, VAULT)] == ["KOR-3"]
        assert [r.id for r in items.drafts(conn, VAULT)] == ["KOR-1", "KOR-2"]


def test_a_release_and_a_remarking_are_recorded(engine: Engine) -> None:
    with engine.begin() as conn:
        items.lock(conn, ["KOR-1", "KOR-2"])
        items.mark_released(conn, ["KOR-1"], by="park " + "x" * 200, at=later(5))
        assert items.lock_level(conn, "KOR-2") == "군사II급비밀"
        assert items.lock_level(conn, "KOR-9") is None
        items.set_marking(
            conn, "KOR-2", "군사III급비밀", label("KOR-2", marking="군사III급비밀"), VAULT
        )
    with engine.connect() as conn:
        released = items.get(conn, "KOR-1", VAULT)
        remarked = items.get(conn, "KOR-2", VAULT)
    assert released is not None
    assert (released.state, released.released_at) == ("released", later(5))
    assert released.released_by == ("park " + "x" * 200)[:100]
    assert remarked is not None
    assert remarked.level == "군사III급비밀"
    assert remarked.label["ConfidentialityInformation"]["Classification"] == "군사III급비밀"


def test_released_to_and_provision_read_the_outbox(engine: Engine) -> None:
    def sent(message_id: str, peer: str, version: int | None) -> dict[str, object]:
        return outbox.row(
            message_id=message_id,
            kind="item",
            peer=peer,
            priority=0,
            body=b"envelope",
            now=NOW,
            item_id="KOR-1",
            agreement_id=f"KOR-{peer}" if version else None,
            agreement_version=version,
        )

    with engine.begin() as conn:
        outbox.enqueue_all(conn, [sent("m1", "JPN", 2), sent("m2", "USA", 1), sent("m3", "GBR", 0)])
        conn.execute(
            update(outbox_table).where(outbox_table.c.message_id == "m2").values(state="rejected")
        )
    with engine.connect() as conn:
        assert items.released_to(conn, ["KOR-1", "KOR-2"]) == {
            "KOR-1": {"JPN", "GBR"},
            "KOR-2": set(),
        }
        assert items.provision(conn, "KOR-1", "JPN") == ("KOR-JPN", 2)
        assert items.provision(conn, "KOR-1", "USA") is None  # rejected: never provided
        assert items.provision(conn, "KOR-1", "GBR") is None  # no agreement recorded
        assert items.provision(conn, "KOR-2", "JPN") is None


def test_a_row_selected_elsewhere_maps_to_the_same_record(engine: Engine) -> None:
    with engine.connect() as conn:
        row = conn.execute(select(items_table).where(items_table.c.id == "KOR-1")).one()
        mapping = (
            conn.execute(select(items_table).where(items_table.c.id == "KOR-1")).mappings().one()
        )
    assert items.from_row(row, VAULT) == items.from_row(mapping, VAULT) == FIRST


# The treaty's view ------------------------------------------------------------------------------


def test_to_item_reads_the_originators_terms() -> None:
    treaty = items.to_item(FIRST, SCHEMES)
    assert treaty.level == SCHEMES.parse("KOR", "군사II급비밀")
    assert (treaty.agreement_id, treaty.agreement_version) == (items.OWN_AGREEMENT, 1)
    assert treaty.precedence is Precedence.FLASH
    assert treaty.releasable_to == {"JPN"}
    assert {"NO REPRODUCTION", "ORCON"} <= treaty.caveats
    assert (treaty.copy_limit, treaty.purpose_ends) == (2, ENDS)
    provided = items.to_item(FIRST, SCHEMES, agreement_id="KOR-JPN-2016", agreement_version=1)
    assert provided.agreement_id == "KOR-JPN-2016"


def test_to_item_reads_malformed_terms_fail_closed(caplog: pytest.LogCaptureFixture) -> None:
    bad = {**TERMS, TAG_COPY_LIMIT: ("two",), TAG_PURPOSE_ENDS: ("2027-06-30",)}
    treaty = items.to_item(replace(FIRST, label=label("KOR-1", terms=bad)), SCHEMES)
    assert (treaty.copy_limit, treaty.purpose_ends) == (0, ENDED)
    assert "copy limit ['two'] is malformed" in caplog.text
    assert "purpose end ['2027-06-30'] is malformed" in caplog.text
