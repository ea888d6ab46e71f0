"""The consent, onward, custody, purpose and hub endpoints, over HTTP, among KOR, JPN and USA."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.api.api_fixtures import Site
from tests.node.consent_fixtures import UNTIL, deliver, provided
from tests.node.node_fixtures import LAUNCH, build_cast

from gsomia.app import create_app
from gsomia.store.users import issue_token

PEOPLE = {"KOR": ("kim", "park"), "JPN": ("sato", "tanaka"), "USA": ("smith", "jones")}


@pytest.fixture(scope="module")
def trio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    cast = build_cast(tmp_path_factory.mktemp("api-consent"))
    tokens = {}
    for nation, node in cast.nodes.items():
        with node.engine.begin() as conn:
            for name in PEOPLE[nation]:
                tokens[name] = issue_token(conn, name, node.clock(), node.vault)
    clients = {n: TestClient(create_app(node, run_worker=False)) for n, node in cast.nodes.items()}
    for client in clients.values():
        client.__enter__()
    try:
        yield Site(cast, clients, tokens)
    finally:
        for client in clients.values():
            client.__exit__(None, None, None)
        for node in cast.nodes.values():
            node.engine.dispose()


def _post(site: Site, nation: str, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return site.clients[nation].post(path, json=body or {}, headers=site.auth(who))


def _get(site: Site, nation: str, who: str, path: str) -> Any:
    return site.clients[nation].get(path, headers=site.auth(who))


def _ask(site: Site, holding_id: str) -> dict[str, Any]:
    body = {
        "holding_id": holding_id,
        "recipient": "USA",
        "purpose": "allied missile defence",
        "until": UNTIL.isoformat(),
    }
    response = _post(site, "JPN", "tanaka", "/api/v1/consents", body)
    assert response.status_code == 201, response.text
    deliver(site.cast, "JPN", "KOR")
    case: dict[str, Any] = response.json()
    return case


def test_request_grant_onward_custody(trio: Site) -> None:
    item_id, holding_id = provided(trio.cast)
    case = _ask(trio, holding_id)
    for key in ("id", "status", "originator", "holder", "recipient", "purpose", "until"):
        assert key in case
    assert (case["status"], case["originator"], case["holder"]) == ("requested", "KOR", "JPN")
    assert case["item_ids"] == [item_id]
    listed = _get(trio, "KOR", "park", "/api/v1/consents").json()
    assert case["id"] in [c["id"] for c in listed]
    granted = _post(trio, "KOR", "park", f"/api/v1/consents/{case['id']}/grant")
    assert granted.status_code == 200, granted.text
    assert granted.json()["status"] == "granted"
    deliver(trio.cast, "KOR", "JPN")
    assert _get(trio, "JPN", "tanaka", f"/api/v1/consents/{case['id']}").json()["status"] == (
        "granted"
    )
    sent = _post(
        trio,
        "JPN",
        "tanaka",
        f"/api/v1/holdings/{holding_id}/onward",
        {"to": "USA", "consent_id": case["id"]},
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["transfer"]["level"] == "SECRET"
    assert sent.json()["message_id"]
    deliver(trio.cast, "JPN", "USA")
    deliver(trio.cast, "JPN", "KOR")
    chain = _get(trio, "KOR", "park", f"/api/v1/items/{item_id}/custody").json()
    assert chain["paths"]["USA"] == ["KOR", "JPN", "USA"]
    assert {(t["from"], t["to"]) for t in chain["transfers"]} == {("KOR", "JPN"), ("JPN", "USA")}


def test_refusals_name_the_reason_and_article(trio: Site) -> None:
    _, holding_id = provided(trio.cast)
    case = _ask(trio, holding_id)
    onward = _post(
        trio,
        "JPN",
        "tanaka",
        f"/api/v1/holdings/{holding_id}/onward",
        {"to": "USA", "consent_id": case["id"]},
    )
    assert onward.status_code == 403
    assert onward.json()["article"] == "Art. 5 or 6(a)-(c), UNCONFIRMED"
    analyst = _post(trio, "KOR", "kim", f"/api/v1/consents/{case['id']}/grant")
    assert analyst.status_code == 403
    refused = _post(
        trio, "KOR", "park", f"/api/v1/consents/{case['id']}/refuse", {"reason": "not now"}
    )
    assert (refused.json()["status"], refused.json()["reason"]) == ("refused", "not now")
    again = _post(trio, "KOR", "park", f"/api/v1/consents/{case['id']}/revoke", {"reason": "x"})
    assert again.status_code == 409
    missing = _post(trio, "KOR", "park", f"/api/v1/consents/{case['id']}/refuse", {})
    assert missing.status_code in (400, 422)
    naive = _post(
        trio,
        "JPN",
        "tanaka",
        "/api/v1/consents",
        {"holding_id": holding_id, "recipient": "USA", "purpose": "p", "until": "2099-01-01"},
    )
    assert naive.status_code in (400, 422)


def test_purpose_approval_over_http(trio: Site) -> None:
    _, holding_id = provided(trio.cast)
    content = f"/api/v1/holdings/{holding_id}/content"
    before = _get(trio, "JPN", "sato", content + "?purpose=drill")
    assert before.status_code == 403
    assert "R13" in before.json()["message"]
    asked = _post(
        trio, "JPN", "tanaka", "/api/v1/purposes", {"holding_id": holding_id, "purpose": "drill"}
    )
    assert asked.status_code == 201, asked.text
    deliver(trio.cast, "JPN", "KOR")
    case_id = asked.json()["id"]
    assert case_id in [p["id"] for p in _get(trio, "KOR", "park", "/api/v1/purposes").json()]
    approved = _post(trio, "KOR", "park", f"/api/v1/purposes/{case_id}/approve")
    assert approved.json()["status"] == "approved"
    deliver(trio.cast, "KOR", "JPN")
    [mine] = [
        p for p in _get(trio, "JPN", "tanaka", "/api/v1/purposes").json() if p["id"] == case_id
    ]
    assert mine["status"] == "approved"
    assert _get(trio, "JPN", "sato", content + "?purpose=drill").status_code == 200
    assert _get(trio, "JPN", "sato", content + "?purpose=other").status_code == 403


def test_hub_rules_and_forwarding_over_http(trio: Site) -> None:
    rule = _post(
        trio,
        "USA",
        "jones",
        "/api/v1/hub/rules",
        {"arrangement": "TISA 2014", "participants": ["KOR", "JPN"], "topics": [LAUNCH]},
    )
    assert rule.status_code == 201, rule.text
    assert rule.json()["binding"] is False
    assert _get(trio, "USA", "jones", "/api/v1/hub/rules").json()[0]["topics"] == [LAUNCH]
    denied = _post(
        trio,
        "USA",
        "smith",
        "/api/v1/hub/rules",
        {"arrangement": "x", "participants": ["KOR", "JPN"], "topics": [LAUNCH]},
    )
    assert denied.status_code == 403
    item_id = trio.cast.publish("KOR", "kim", releasable_to=("USA",))
    trio.cast.release("KOR", "park", item_id)
    [answer] = [a for a in deliver(trio.cast, "KOR", "USA") if a.get("item") == item_id]
    refused = _post(
        trio, "USA", "jones", f"/api/v1/holdings/{answer['holding']}/forward", {"to": "JPN"}
    )
    assert refused.status_code == 403
    assert "intended participant" in refused.json()["message"]


@pytest.mark.parametrize("path", ["/api/v1/consents", "/api/v1/purposes", "/api/v1/hub/rules"])
def test_an_analyst_lists_no_consent_purpose_or_hub_rule(site: Site, path: str) -> None:
    """Before: `del user`: any signed-in person listed them all."""
    refused = site.clients["KOR"].get(path, headers=site.auth("kim"))
    assert refused.status_code == 403, refused.text
    assert site.clients["KOR"].get(path, headers=site.auth("park")).status_code == 200
