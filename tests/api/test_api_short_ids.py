"""Ids as the lists print them (issue 16): the first characters of an item's or a holding's
id reach it on every route, the route still deciding on the full id; a prefix that begins
two ids is a 409, and one that begins none is "not found"."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.api.api_fixtures import Site
from tests.node.custody_fixtures import provide
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.cli.common import Reach
from gsomia.client import NodeClient
from gsomia.node import short_ids
from gsomia.node.short_ids import MIN_PREFIX, looks_short
from gsomia.store.tables import holdings


def test_a_short_holding_id_reads_the_holding(site: Site) -> None:
    held = provide(site.cast)
    short = held[:8]  # as `gsomia item list` prints it
    jpn = site.clients["JPN"]
    whole = jpn.get(f"/api/v1/holdings/{held}", headers=site.auth("sato"))
    by_prefix = jpn.get(f"/api/v1/holdings/{short}", headers=site.auth("sato"))
    assert by_prefix.status_code == 200, by_prefix.text
    assert by_prefix.json()["id"] == whole.json()["id"] == held
    content = jpn.get(f"/api/v1/holdings/{short}/content", headers=site.auth("sato"))
    assert content.status_code == 200
    refused = jpn.get(f"/api/v1/holdings/{short}/content", headers=site.auth("suzuki"))
    assert refused.status_code == 403  # the same decision as on the full id


def test_a_short_item_id_reaches_the_item(site: Site) -> None:
    item_id = site.cast.publish("KOR", "kim")
    answer = site.clients["KOR"].get(f"/api/v1/items/{item_id[:10]}", headers=site.auth("park"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == item_id


def test_an_ambiguous_prefix_is_a_conflict_and_an_unknown_one_not_found(site: Site) -> None:
    first, second = provide(site.cast), provide(site.cast)
    jpn = site.cast["JPN"]
    with jpn.engine.begin() as conn:  # two holdings whose ids begin alike
        for old, new in ((first, "abcdef01" + first[8:]), (second, "abcdef02" + second[8:])):
            conn.execute(update(holdings).where(holdings.c.id == old).values(id=new))
    client = site.clients["JPN"]
    both = client.get("/api/v1/holdings/abcdef0", headers=site.auth("sato"))
    assert both.status_code == 409
    assert "begins more than one" in both.json()["message"]
    # Said as a route's error is, in the language asked, the English kept (ADR 0147).
    asked = {**site.auth("sato"), "Accept-Language": "ja"}
    said = client.get("/api/v1/holdings/abcdef0", headers=asked)
    assert said.status_code == 409
    assert said.headers["content-type"] == "application/problem+json"
    assert said.headers["content-language"] == "ja"
    body = said.json()
    assert body["code"] == "short_id_ambiguous"
    assert body["message"] == both.json()["message"]
    assert body["detail"].startswith("abcdef0で始まる")
    assert both.json()["detail"] == both.json()["message"]
    assert short_ids.expand(jpn, "holdings", "abcdef02") == "abcdef02" + second[8:]
    assert client.get("/api/v1/holdings/fedcba98", headers=site.auth("sato")).status_code == 404


def test_an_unauthenticated_request_gets_no_prefix_looked_up(site: Site) -> None:
    answer = site.clients["JPN"].get("/api/v1/holdings/abcdef0")
    assert answer.status_code == 401


def test_what_counts_as_short() -> None:
    assert looks_short("f59bb757")
    assert looks_short("KOR-f59b")
    assert not looks_short("f59bb")  # fewer than MIN_PREFIX
    assert len("f59bb") < MIN_PREFIX
    assert not looks_short("new")
    assert not looks_short("12345678-1234-1234-1234-123456789abc")  # a whole id
    assert not looks_short("KOR-12345678-1234-1234-1234-123456789abc")


def test_item_show_is_a_table_and_takes_a_short_id(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = provide(site.cast)

    def connect(*_: object) -> NodeClient:
        client = NodeClient("http://testserver", "unused", nation="JPN")
        client._http = TestClient(  # type: ignore[assignment]
            site.clients["JPN"].app, headers=site.auth("sato")
        )
        return client

    monkeypatch.setattr(Reach, "connect", connect)
    shown = CliRunner().invoke(app, ["item", "show", held[:8]], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert f"holding {held}" in shown.output
    assert "│ marking" in shown.output
    assert "極秘" in shown.output
    as_json = CliRunner().invoke(app, ["item", "show", held[:8], "--json"])
    assert json.loads(as_json.output)["id"] == held
