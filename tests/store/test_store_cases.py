"""Cases in the store on SQLite and PostgreSQL: a document sealed bound to the clear columns
the workflows decide on (ADR 0126, 0134)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from gsomia.errors import StoreDamaged
from gsomia.seal import generate_node_keys
from gsomia.seal.encoding import b64u
from gsomia.seal.storage import seal_at_rest
from gsomia.store import cases
from gsomia.store.db import make_engine, migrate
from gsomia.store.tables import cases as cases_table

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
KEYS = generate_node_keys(nation="JPN")
DOCUMENT = {"purpose": "training", "holder": "JPN"}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        cases.insert(
            conn,
            case_id="p1",
            kind="purpose",
            item_id="KOR-1",
            originator="KOR",
            counterpart="KOR",
            opened_by="JPN",
            status="requested",
            document=DOCUMENT,
            now=NOW,
            keys=KEYS,
        )
    yield engine
    engine.dispose()


def _set(engine: Engine, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(cases_table).where(cases_table.c.id == "p1").values(**values))


@pytest.mark.parametrize(
    "changed",
    [
        {"status": "approved"},
        {"counterpart": "USA"},
        {"originator": "USA"},
        {"item_id": "KOR-2"},
        {"opened_by": "KOR"},
    ],
)
def test_a_cases_column_changed_in_clear_does_not_open(
    engine: Engine, changed: dict[str, Any]
) -> None:
    with engine.connect() as conn:
        assert cases.document_of(conn, "p1", keys=KEYS) == DOCUMENT
    _set(engine, **changed)
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="p1"):
        cases.find(conn, "purpose", "p1", keys=KEYS)
    with engine.begin() as conn, pytest.raises(StoreDamaged, match="p1"):  # nor sealed in
        cases.save(conn, "p1", "refused", DOCUMENT, NOW, keys=KEYS)


def test_a_saved_status_is_sealed_with_the_document(engine: Engine) -> None:
    with engine.begin() as conn:
        cases.save(conn, "p1", "approved", {**DOCUMENT, "decided_by": "park"}, NOW, keys=KEYS)
    with engine.connect() as conn:
        found = cases.find(conn, "purpose", "p1", keys=KEYS)
    assert found is not None
    assert (found.status, found.document["decided_by"]) == ("approved", "park")
    _set(engine, status="requested")  # put back to be answered again
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="p1"):
        cases.find(conn, "purpose", "p1", keys=KEYS)


def test_a_document_sealed_for_its_id_and_kind_alone_is_bound_once(engine: Engine) -> None:
    old = seal_at_rest(KEYS, b'{"purpose": "training"}', "case:purpose:p1")
    _set(engine, document={cases.SEALED: b64u(old)})
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="p1"):
        cases.find(conn, "purpose", "p1", keys=KEYS)
    with engine.begin() as conn:
        assert cases.bind_sealed_cases(conn, KEYS) == 1
        assert cases.bind_sealed_cases(conn, KEYS) == 0
    with engine.connect() as conn:
        assert cases.document_of(conn, "p1", keys=KEYS) == {"purpose": "training"}


def test_a_cases_row_put_back_whole_from_before_its_answer_is_damage(engine: Engine) -> None:
    """Left open by ADR 0139: a writer of the database who kept p1's row from before it was
    answered (a consent revoked, a case closed, a request refused) writes it back whole:
    status and document sealed together, so it opened as it was, to be answered again. Now
    its document is sealed with its version, witnessed beside it (ADR 0146)."""
    with engine.connect() as conn:
        before = dict(
            conn.execute(select(cases_table).where(cases_table.c.id == "p1")).one()._mapping
        )
    with engine.begin() as conn:
        cases.save(conn, "p1", "refused", {**DOCUMENT, "decided_by": "park"}, NOW, keys=KEYS)
    del before["id"]
    _set(engine, **before)
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="p1"):
        cases.find(conn, "purpose", "p1", keys=KEYS)
