"""Every request body is a declared, closed model: the OpenAPI document shows its shape, and
a body that does not fit is refused naming its fields (422), before any use case runs.

The peer API's batches and checkpoints are read as bytes (size-limited first) and parsed by
`gsomia.exchange` and `gsomia.ledger`, so they declare no JSON body here."""

from __future__ import annotations

from typing import Any

import pytest
from tests.api.api_fixtures import Site

from gsomia.app import create_peer_app


def _models(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The component schemas a body schema names (through optional and list bodies)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [document["components"]["schemas"][name]]
    if schema.get("type") == "array":
        return _models(document, schema["items"])
    options = [o for o in schema.get("anyOf", []) if o != {"type": "null"}]  # optional bodies
    found = [m for option in options for m in _models(document, option)]
    assert found, f"a free-form body: {schema}"
    return found


def _bodies(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    bodies = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if content:
                [(_, spec)] = content.items()
                bodies[method, path] = spec["schema"]
    return bodies


@pytest.mark.parametrize("door", ["user", "peer"])
def test_every_request_body_is_a_closed_model(site: Site, door: str) -> None:
    if door == "user":
        document = site.clients["KOR"].get("/openapi.json").json()
    else:  # the peer listener serves no document (issue 13): read the application's own
        document = create_peer_app(site.cast["KOR"]).openapi()
    bodies = _bodies(document)
    expected = [
        ("post", "/api/v1/consents"),
        ("post", "/api/v1/consents/{case_id}/grant"),
        ("post", "/api/v1/holdings/{holding_id}/onward"),
        ("post", "/api/v1/items/{item_id}/classification"),
        ("post", "/api/v1/agreements/{agreement_id}/events"),
        ("post", "/api/v1/agreements/{agreement_id}/amendments"),
        ("post", "/api/v1/hub/rules"),
    ]
    if door == "peer":  # the peer API is its own application, on its own listener
        expected = [("post", "/peer/v1/hello")]
    for where in expected:
        assert where in bodies, where
    for where, schema in bodies.items():
        for model in _models(document, schema):
            assert model.get("additionalProperties") is False, (where, model.get("title"))
            assert model["properties"], where


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/consents", {"holding_id": "h", "recipient": "USA", "purpose": "p"}, "until"),
        (
            "/api/v1/consents",
            {"holding_id": "h", "recipient": "USA", "purpose": "p", "until": "2099-01-01"},
            "until",
        ),
        ("/api/v1/consents/c/refuse", {}, "reason"),
        ("/api/v1/consents/c/refuse", {"reason": "no", "why": "extra"}, "why"),
        ("/api/v1/holdings/h/onward", {"to": ["USA"], "consent_id": "c"}, "to"),
        ("/api/v1/hub/rules", {"arrangement": "a", "participants": "KOR", "topics": []}, "topics"),
        ("/api/v1/items/i/classification", {"change": "sideways"}, "change"),
        (
            "/api/v1/items/i/classification",
            {"change": "downgrade", "effective": "soon"},
            "effective",
        ),
        ("/api/v1/agreements/KOR-JPN-2016/events", {"kind": "notification"}, "on"),
        ("/api/v1/holdings/h/copies", {"count": "2"}, "count"),
        (
            "/api/v1/agreements/KOR-JPN-2016/amendments",
            {"on": "2026-12-02", "note": "n", "effective": "2026-12-10", "rows": []},
            "rows",
        ),
    ],
)
def test_a_body_that_does_not_fit_is_refused_naming_the_field(
    site: Site, path: str, body: dict[str, Any], field: str
) -> None:
    response = site.clients["KOR"].post(path, json=body, headers=site.auth("park"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["error"] == "bad_input"
    assert field in problem["message"]


def test_an_amendment_consent_over_http_awaits_the_partners(site: Site) -> None:
    """R45 through the API: KOR's officer consents to a new table; the version waits for JPN."""
    body = {
        "on": "2026-12-02",
        "note": "KOR consent note",
        "effective": "2026-12-10",
        "basis": "test amendment",
        "rows": [{"english": "SECRET", "levels": {"KOR": ["군사II급비밀"], "JPN": ["極秘"]}}],
    }
    path = "/api/v1/agreements/KOR-JPN-2016/amendments"
    response = site.clients["KOR"].post(path, json=body, headers=site.auth("park"))
    assert response.status_code == 201, response.text
    summary = response.json()
    assert summary["version"] == 1
    assert summary["pending_amendment"]["rows"] == [
        {"english": "SECRET", "KOR": ["군사II급비밀"], "JPN": ["極秘"]}
    ]
    refused = site.clients["KOR"].post(path, json=body, headers=site.auth("kim"))
    assert refused.status_code == 403


def test_an_agreement_says_what_its_data_leaves_unconfirmed(site: Site) -> None:
    """The API shows the KOR–USA table, term and notice as unconfirmed, with the reasons."""
    kor = site.clients["KOR"]
    body = kor.get("/api/v1/agreements/KOR-USA-1987", headers=site.auth("park")).json()
    assert {"table", "term", "notice"} <= set(body["unconfirmed"])
    assert "not read" in body["unconfirmed"]["table"]
    notes = [e for e in body["history"] if e["kind"] == "notification"]
    assert all("recorded as the signing day" in e["unconfirmed"] for e in notes)
    kj = kor.get("/api/v1/agreements/KOR-JPN-2016", headers=site.auth("park")).json()
    assert "table" not in kj["unconfirmed"]


def test_an_items_label_over_http_in_each_format(site: Site) -> None:
    """GET /items/{id}/label: ADatP-4774 XML, its JSON form, ISM; an unknown format is 422."""
    kor = site.clients["KOR"]
    draft = {
        "title": "label over http",
        "level": "군사II급비밀",
        "releasable_to": ["JPN"],
        "purpose": "missile-warning",
        "text": "t",
    }
    item_id = kor.post("/api/v1/items", json=draft, headers=site.auth("kim")).json()["id"]
    path = f"/api/v1/items/{item_id}/label"
    xml = kor.get(path, headers=site.auth("kim"))
    assert xml.status_code == 200, xml.text
    assert xml.headers["content-type"].startswith("application/xml")
    assert b"originatorConfidentialityLabel" in xml.content
    ism = kor.get(path, params={"format": "ism"}, headers=site.auth("kim")).json()
    assert ism["banner"] == "SECRET//REL TO JPN, KOR"
    wrong = kor.get(path, params={"format": "pdf"}, headers=site.auth("kim"))
    assert wrong.status_code == 422


def test_a_hand_over_over_http_needs_the_assurance_first(site: Site) -> None:
    """R22 through the API: refused (403, Art. 7.5) before the assurance, done after it."""
    kor = site.clients["KOR"]
    draft = {
        "title": "hand-over",
        "level": "군사II급비밀",
        "releasable_to": ["JPN"],
        "purpose": "missile-warning",
        "text": "t",
    }
    item_id = kor.post("/api/v1/items", json=draft, headers=site.auth("kim")).json()["id"]
    who = {"party": "JPN", "representative": "Col. Ito"}
    path = f"/api/v1/items/{item_id}/hand-over"
    refused = kor.post(path, json=who, headers=site.auth("park"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["article"] == "Art. 7.5"
    assurance = {
        **who,
        "clearance": "極秘",
        "purpose": "missile-warning",
        "equivalent_protection": True,
        "note": "note verbale 2026-12-02",
    }
    recorded = kor.post(
        f"/api/v1/items/{item_id}/assurances", json=assurance, headers=site.auth("park")
    )
    assert recorded.status_code == 201, recorded.text
    done = kor.post(path, json=who, headers=site.auth("park"))
    assert done.status_code == 200, done.text
    assert (done.json()["allowed"], done.json()["requirement"]) == (True, "R22")
