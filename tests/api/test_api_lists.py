"""`GET /api/v1/items` and `/holdings` in pages (issue 14): the rows as a JSON array, the pages
beside it in a `Link` header; filters in the query; a cursor it did not give is refused."""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import Any

import pytest
from tests.api.api_fixtures import Site
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.cli.common import Reach
from gsomia.client import NodeClient
from gsomia.errors import UsageError

TRACK = {
    "level": "군사II급비밀",
    "releasable_to": ["JPN"],
    "purpose": "missile-warning",
    "text": "track",
}


def _all_pages(site: Site, nation: str, name: str, path: str, **params: Any) -> list[list[str]]:
    client, pages = site.clients[nation], []
    url: str | None = path
    first = True
    while url is not None:
        response = client.get(url, params=params if first else None, headers=site.auth(name))
        assert response.status_code == 200, response.text
        pages.append([row["id"] for row in response.json()])
        url = response.links.get("next", {}).get("url")
        first = False
    return pages


def test_items_page_by_link_and_filter(site: Site) -> None:
    batch = [
        {**TRACK, "title": f"api paging {i} {'FLASH' if i % 2 else 'routine'}",
         "precedence": "FLASH" if i % 2 else "ROUTINE"}
        for i in range(5)
    ]  # fmt: skip
    kor = site.clients["KOR"]
    made = kor.post("/api/v1/items:batch", json=batch, headers=site.auth("kim")).json()
    ids = [m["id"] for m in made]
    pages = _all_pages(site, "KOR", "kim", "/api/v1/items", limit=2, text="API PAGING")
    assert all(len(page) <= 2 for page in pages)
    assert sorted(row for page in pages for row in page) == sorted(ids)
    flash = _all_pages(
        site, "KOR", "kim", "/api/v1/items", text="api paging", precedence="FLASH", limit=500
    )
    assert sorted(flash[0]) == sorted(ids[1::2])
    rows = kor.get("/api/v1/items", params={"limit": 1}, headers=site.auth("kim"))
    assert "content" not in rows.json()[0]
    assert 'rel="next"' in rows.headers["link"]
    assert "prev" not in rows.headers["link"]  # the first page has none before it


def test_holdings_page_by_link_never_with_an_envelope(site: Site) -> None:
    cast = site.cast
    held = []
    for i in range(3):
        item_id = cast.publish("KOR", "kim", title=f"held paging {i}")
        _, [got] = cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
        held.append(got.holding_id)
    pages = _all_pages(site, "JPN", "sato", "/api/v1/holdings", limit=1, text="held paging")
    assert pages == [[h] for h in reversed(held)]
    [row] = (
        site.clients["JPN"]
        .get("/api/v1/holdings", params={"limit": 1}, headers=site.auth("sato"))
        .json()
    )
    assert "envelope" not in row
    assert "sender_card" not in row
    nothing = _all_pages(site, "JPN", "sato", "/api/v1/holdings", partner="USA")
    assert nothing == [[]]


def test_a_page_size_or_cursor_out_of_bounds_is_refused(site: Site) -> None:
    kor = site.clients["KOR"]
    for params in ({"limit": 0}, {"limit": 501}, {"text": "x" * 201}, {"colour": "red"}):
        answer = kor.get("/api/v1/items", params=params, headers=site.auth("kim"))
        assert answer.status_code == 422, params
    answer = kor.get("/api/v1/holdings", params={"cursor": "forged"}, headers=site.auth("kim"))
    assert answer.status_code == 400
    assert "cursor" in answer.json()["message"]


def _cli(site: Site, monkeypatch: pytest.MonkeyPatch, nation: str, name: str) -> None:
    """`gsomia item list` talks to the node's real API, as `name`, through its TestClient."""
    client = NodeClient("http://testserver", site.tokens[name])
    # Starlette's TestClient speaks the same client API (httpx2): the seam is the transport.
    client._http = site.clients[nation]  # type: ignore[assignment]
    client._http.headers["Authorization"] = f"Bearer {site.tokens[name]}"
    monkeypatch.setattr(Reach, "connect", lambda *_: nullcontext(client))


def test_the_cli_pages_and_filters_through_the_api(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = [{**TRACK, "title": f"cli paging {i}", "precedence": "ROUTINE"} for i in range(3)]
    made = site.clients["KOR"].post("/api/v1/items:batch", json=batch, headers=site.auth("kim"))
    ids = [m["id"] for m in made.json()]
    _cli(site, monkeypatch, "KOR", "kim")
    runner, seen = CliRunner(), []
    args = ["item", "list", "--what", "items", "--text", "CLI PAGING", "--limit", "2", "--json"]
    cursor: str | None = None
    while True:
        result = runner.invoke(app, [*args, *(["--cursor", cursor] if cursor else [])])
        assert result.exit_code == 0, result.output
        page = json.loads(result.output)["items"]
        seen += [row["id"] for row in page["rows"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)  # one batch: one time, ordered by id; each once
    table = runner.invoke(
        app, ["item", "list", "--text", "cli paging", "--limit", "1"], env={"COLUMNS": "200"}
    )
    assert table.exit_code == 0, table.output
    assert "published here" in table.output
    assert "held from partners" in table.output
    assert "next: gsomia item list --what items --cursor" in table.output
    refused = runner.invoke(app, ["item", "list", "--cursor", "x"])
    assert isinstance(refused.exception, UsageError)
    assert "one list" in str(refused.exception)


def test_transfers_page_by_link_and_filter(site: Site) -> None:
    cast = site.cast
    released = []
    for i in range(3):
        item_id = cast.publish("KOR", "kim", title=f"transfer paging {i}")
        cast.release("KOR", "park", item_id)
        released.append(item_id)
    client, auth = site.clients["KOR"], site.auth("park")
    seen: list[str] = []
    url: str | None = "/api/v1/transfers?limit=1&partner=JPN&state=queued"
    while url is not None:
        answer = client.get(url, headers=auth)
        assert answer.status_code == 200, answer.text
        assert len(answer.json()) <= 1
        seen += [t["message_id"] for t in answer.json()]
        url = answer.links.get("next", {}).get("url")
    assert len(seen) == len(set(seen))
    queued = client.get("/api/v1/transfers?limit=500&state=queued", headers=auth).json()
    assert sorted(seen) == sorted(t["message_id"] for t in queued if t["peer"] == "JPN")
    assert set(released) <= {t["item_id"] for t in queued}
    elsewhere = client.get("/api/v1/transfers?partner=USA", headers=auth).json()
    assert elsewhere == []
    for params in ("level=x", "text=x", "precedence=SOON"):
        refused = client.get(f"/api/v1/transfers?{params}", headers=auth)
        assert refused.status_code == 400, params


def test_the_cli_pages_transfers(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = site.cast.publish("KOR", "kim", title="cli transfer paging")
    site.cast.release("KOR", "park", item_id)
    _cli(site, monkeypatch, "KOR", "park")
    runner, seen, items = CliRunner(), [], set()
    cursor: str | None = None
    while True:
        more: list[str] = ["--cursor", cursor] if cursor else []
        result = runner.invoke(
            app, ["transfers", "--limit", "2", "--partner", "JPN", "--json", *more]
        )
        assert result.exit_code == 0, result.output
        page = json.loads(result.output)
        seen += [t["message_id"] for t in page["rows"]]
        items |= {t["item_id"] for t in page["rows"]}
        if (cursor := page["next"]) is None:
            break
    assert len(seen) == len(set(seen))  # each transfer once
    assert item_id in items  # the new one is on a page
    table = runner.invoke(app, ["transfers", "--limit", "1"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "next: gsomia transfers --cursor" in table.output
