"""Copies, translations, derivatives, destruction, return and inventory over the API."""

from __future__ import annotations

import pytest
from tests.api.api_fixtures import Site
from tests.node.custody_fixtures import provide

from gsomia.store.users import issue_token


@pytest.fixture(scope="module")
def officer(site: Site) -> dict[str, str]:
    """A bearer token for tanaka, JPN's officer."""
    node = site.cast["JPN"]
    with node.engine.begin() as conn:
        site.tokens["tanaka"] = issue_token(conn, "tanaka", node.clock(), node.vault)
    return site.auth("tanaka")


def test_copies_are_numbered_and_the_limit_answers_403(site: Site) -> None:
    held = provide(site.cast, terms={"copy_limit": 2})
    jpn = site.clients["JPN"]
    answer = jpn.post(
        f"/api/v1/holdings/{held}/copies", json={"count": 2}, headers=site.auth("sato")
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert [c["number"] for c in body] == [1, 2]
    assert {"id", "number", "kind", "level", "label", "made_by", "made_at", "state"} <= set(body[0])
    assert (body[0]["kind"], body[0]["level"], body[0]["label"]["originator"]) == (
        "copy",
        "極秘",
        "KOR",
    )
    refused = jpn.post(f"/api/v1/holdings/{held}/copies", json={}, headers=site.auth("sato"))
    assert refused.status_code == 403
    assert "R29" in refused.text


def test_a_translation_needs_a_cleared_translator(site: Site) -> None:
    held = provide(site.cast)
    jpn = site.clients["JPN"]
    body = {"translator": "sato", "language": "ja", "source_language": "ko", "content": "航跡"}
    made = jpn.post(f"/api/v1/holdings/{held}/translations", json=body, headers=site.auth("sato"))
    assert made.status_code == 201, made.text
    assert (made.json()["kind"], made.json()["label"]["source_language"]) == ("translation", "ko")
    body["translator"] = "suzuki"
    refused = jpn.post(
        f"/api/v1/holdings/{held}/translations", json=body, headers=site.auth("sato")
    )
    assert refused.status_code == 403
    assert "not a cleared translator" in refused.text


def test_a_derivative_is_marked_at_its_highest_source(site: Site) -> None:
    held = provide(site.cast)
    jpn = site.clients["JPN"]
    body = {"sources": [held], "kind": "summary", "title": "s", "content": "要約"}
    made = jpn.post("/api/v1/derivatives", json=body, headers=site.auth("sato"))
    assert made.status_code == 201, made.text
    assert (made.json()["level"], made.json()["label"]["originators"]) == ("極秘", ["KOR"])
    refused = jpn.post("/api/v1/derivatives", json=body, headers=site.auth("suzuki"))
    assert refused.status_code == 403
    bad = jpn.post(
        "/api/v1/derivatives", json={**body, "kind": "digest"}, headers=site.auth("sato")
    )
    assert bad.status_code == 422


def test_destruction_then_inventory(site: Site, officer: dict[str, str]) -> None:
    held = provide(site.cast)
    jpn = site.clients["JPN"]
    assert jpn.get(f"/api/v1/holdings/{held}/content", headers=site.auth("sato")).status_code == 200
    one = {"method": "shredding", "officials": ["tanaka"], "witnesses": ["yamada"]}
    refused = jpn.post(f"/api/v1/holdings/{held}/destroy", json=one, headers=officer)
    assert refused.status_code == 403
    assert "two officials" in refused.text
    analyst = jpn.post(
        f"/api/v1/holdings/{held}/destroy",
        json={**one, "officials": ["tanaka", "sato"]},
        headers=site.auth("sato"),
    )
    assert analyst.status_code == 403
    done = jpn.post(
        f"/api/v1/holdings/{held}/destroy",
        json={**one, "officials": ["tanaka", "sato"]},
        headers=officer,
    )
    assert done.status_code == 201, done.text
    assert (done.json()["method"], done.json()["state"]) == ("cross-cut shredding", "destroyed")
    assert jpn.get(f"/api/v1/holdings/{held}/content", headers=site.auth("sato")).status_code == 403
    inventory = jpn.get(f"/api/v1/holdings/{held}/inventory", headers=officer)
    assert inventory.status_code == 200
    found = inventory.json()
    assert set(found) == {"holding", "copies", "destructions", "chain", "readers"}
    assert found["readers"] == ["sato"]
    assert [e["kind"] for e in found["chain"]] == ["received", "destroyed"]
    assert found["destructions"][0]["officials"] == ["tanaka", "sato"]


def test_return_to_the_originator(site: Site, officer: dict[str, str]) -> None:
    held = provide(site.cast)
    jpn = site.clients["JPN"]
    assert jpn.post(f"/api/v1/holdings/{held}/return", headers=site.auth("sato")).status_code == 403
    done = jpn.post(f"/api/v1/holdings/{held}/return", headers=officer)
    assert done.status_code == 201, done.text
    assert (done.json()["to"], done.json()["state"]) == ("KOR", "returned")
    again = jpn.post(f"/api/v1/holdings/{held}/return", json={}, headers=officer)
    assert again.status_code == 403
    site.cast.deliver("JPN", "KOR")
    item_id = done.json()["item_id"]
    kor = site.clients["KOR"]
    mine = kor.get(f"/api/v1/items/{item_id}/inventory", headers=site.auth("park"))
    assert [e["kind"] for e in mine.json()["chain"]] == ["handed_over", "returned"]
    readers = kor.get(f"/api/v1/items/{item_id}/readers", headers=site.auth("park"))
    assert readers.json() == {"item": item_id, "readers": []}


def test_the_cli_commands_ask_the_node(
    site: Site, officer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient  # noqa: PLC0415
    from typer.testing import CliRunner  # noqa: PLC0415

    from gsomia.cli.app import app  # noqa: PLC0415
    from gsomia.cli.common import Reach  # noqa: PLC0415
    from gsomia.client import NodeClient  # noqa: PLC0415
    from gsomia.errors import PolicyDenied  # noqa: PLC0415

    who = {"headers": site.auth("sato")}

    def connect(*_: object) -> NodeClient:
        client = NodeClient("http://testserver", "unused")
        client._http = TestClient(site.clients["JPN"].app, headers=who["headers"])  # type: ignore[assignment]
        return client

    monkeypatch.setattr(Reach, "connect", connect)  # the seam every command reaches through
    held = provide(site.cast, terms={"copy_limit": 2})
    runner = CliRunner()
    made = runner.invoke(app, ["item", "copy", held, "--count", "2"])
    assert made.exit_code == 0, made.output
    assert f"copies of {held}" in made.output
    assert made.output.count("│ copy ") == 2
    refused = runner.invoke(app, ["item", "copy", held])
    assert isinstance(refused.exception, PolicyDenied)
    who["headers"] = officer
    destroyed = runner.invoke(
        app,
        [
            "item",
            "destroy",
            held,
            "--method",
            "shredding",
            "--official",
            "tanaka",
            "--official",
            "sato",
            "--witness",
            "yamada",
            "--dependants",
        ],
    )
    assert destroyed.exit_code == 0, destroyed.output
    assert "cross-cut shredding" in destroyed.output
    shown = runner.invoke(app, ["item", "inventory", held])
    assert shown.exit_code == 0, shown.output
    assert "destruction records" in shown.output
    assert "destroyed" in shown.output
