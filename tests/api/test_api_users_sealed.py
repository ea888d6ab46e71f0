"""A person's clearance raised, nationality changed or row swapped in the database, by whoever
may write it without the node's key (ADR 0146): the API's token check, a TAXII request by
token or by Basic password refuse, naming the person; put back as sealed, they read again."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, select, update
from tests.api.api_fixtures import Site

from gsomia.node.users import set_password
from gsomia.store.tables import users

TAXII = "application/taxii+json;version=2.1"
PASSWORD = "correct horse battery"


def _row(conn: Connection, name: str) -> dict[str, Any]:
    return dict(conn.execute(select(users).where(users.c.name == name)).one()._mapping)


def _set(conn: Connection, who: str, **values: Any) -> None:
    conn.execute(update(users).where(users.c.name == who).values(**values))


def _swap(conn: Connection) -> None:
    """suzuki (秘) given sato's (極秘) row and seal whole, under suzuki's name."""
    sato = _row(conn, "sato")
    _set(conn, "suzuki", **{k: v for k, v in sato.items() if k not in ("name", "password_hash")})


ATTACKS: dict[str, tuple[Callable[[Connection], None], str]] = {
    "clearance raised": (
        lambda c: _set(c, "suzuki", clearance="極秘"),
        "user suzuki's clearance is not what their sealed terms say",
    ),
    "nationality changed": (
        lambda c: _set(c, "suzuki", nationality="KOR"),
        "user suzuki's nationality is not what their sealed terms say",
    ),
    "another's row and seal": (_swap, "user suzuki's sealed terms do not open as their own"),
}


@pytest.fixture
def changed(site: Site, request: pytest.FixtureRequest) -> Iterator[str]:
    """suzuki's row changed by `request.param`, put back as it was after the test."""
    node = site.cast["JPN"]
    set_password(node, "suzuki", PASSWORD)
    change, words = request.param
    with node.engine.begin() as conn:
        before = _row(conn, "suzuki")
        change(conn)
    yield words
    with node.engine.begin() as conn:
        _set(conn, "suzuki", **{k: v for k, v in before.items() if k != "name"})


@pytest.mark.parametrize("changed", ATTACKS.values(), ids=list(ATTACKS), indirect=True)
def test_the_api_and_taxii_refuse_a_person_whose_row_was_changed(site: Site, changed: str) -> None:
    api = site.clients["JPN"]
    me = api.get("/api/v1/me", headers=site.auth("suzuki"))
    assert me.status_code == 500, me.text
    assert changed in me.text
    token = {**site.auth("suzuki"), "Accept": TAXII}
    collections = api.get("/taxii2/KOR-JPN-2016/collections/", headers=token)
    assert collections.status_code == 500, collections.text
    assert changed in collections.text
    basic = base64.b64encode(f"suzuki:{PASSWORD}".encode()).decode()
    by_password = {"Authorization": f"Basic {basic}", "Accept": TAXII}
    answer = api.get("/taxii2/KOR-JPN-2016/collections/", headers=by_password)
    assert answer.status_code == 500, answer.text
    assert changed in answer.text
    other = api.get("/api/v1/me", headers=site.auth("sato"))  # the others are not touched
    assert other.status_code == 200


def test_put_back_as_sealed_the_person_reads_again(site: Site) -> None:
    api = site.clients["JPN"]
    me = api.get("/api/v1/me", headers=site.auth("suzuki"))
    assert me.status_code == 200, me.text
    assert me.json()["clearance"] == "秘"
