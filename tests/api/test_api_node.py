"""The node's HTTP API in process: users publish, release and read; partners deliver batches."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import select
from tests.api.api_fixtures import Site
from tests.node.node_fixtures import VALID, batch_of, opened_answers, post_batch
from tests.seal.conftest import make_node

from gsomia.app import create_peer_app
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.wire import PATH, V2_PATH
from gsomia.seal.sealed import Plain, seal_batch
from gsomia.store.tables import access_log
from gsomia.store.users import UserRecord, add_user, issue_token

TRACK = {
    "title": "DPRK launch track",
    "level": "군사II급비밀",
    "releasable_to": ["JPN"],
    "purpose": "missile-warning",
    "precedence": "FLASH",
    "text": "track 1",
}


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == code
    assert body["message"]
    return body


def deliver(site: Site, item_id: str) -> dict[str, Any]:
    """Carry KOR's queued message for `item_id` to JPN's peer API; the signed answers."""
    kor = site.cast["KOR"]
    with kor.engine.begin() as conn:
        due = outbox.due(conn, kor.clock(), 10_000)
    [row] = [p for p in due if p.peer == "JPN" and p.message_id in _message_ids(site, item_id)]
    data = batch_of(kor, site.cast["JPN"], [row])
    return opened_answers(kor, data, post_batch(site.peers["JPN"], data))


def _message_ids(site: Site, item_id: str) -> set[str]:
    item = site.clients["KOR"].get(f"/api/v1/items/{item_id}", headers=site.auth("kim")).json()
    return {t["message_id"] for t in item["transfers"]}


@pytest.fixture(scope="module")
def released(site: Site) -> str:
    """A KOR FLASH item, published by kim and released by park through the API."""
    kor = site.clients["KOR"]
    response = kor.post("/api/v1/items", json=TRACK, headers=site.auth("kim"))
    assert response.status_code == 201, response.text
    item_id: str = response.json()["id"]
    assert response.json()["state"] == "draft"
    response = kor.post(f"/api/v1/items/{item_id}/release", headers=site.auth("park"))
    assert response.status_code == 200, response.text
    return item_id


@pytest.fixture(scope="module")
def holding(site: Site, released: str) -> str:
    document = deliver(site, released)
    [entry] = verify_answers(document, signer=site.cast["JPN"].card)
    assert entry["answer"]["status"] == "received"
    holding_id: str = entry["answer"]["holding"]
    return holding_id


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer gsm_wrong"}, {"Authorization": "Basic a2ltOnB3"}],
    ids=["none", "bad-token", "not-bearer"],
)
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/items", "/api/v1/holdings"])
def test_unauthenticated(site: Site, headers: dict[str, str], path: str) -> None:
    body = problem(site.clients["KOR"].get(path, headers=headers), 401, "unauthenticated")
    assert "Bearer" in body["hint"]


def test_me(site: Site) -> None:
    response = site.clients["JPN"].get("/api/v1/me", headers=site.auth("sato"))
    me = response.json()
    assert (me["name"], me["clearance"], me["node"]["nation"]) == ("sato", "極秘", "JPN")


def test_release_answers_one_decision_per_partner(site: Site) -> None:
    kor = site.clients["KOR"]
    fields = {**TRACK, "level": "군사I급비밀", "releasable_to": ["JPN", "FRA"]}
    item_id = kor.post("/api/v1/items", json=fields, headers=site.auth("park")).json()["id"]
    outcomes = kor.post(f"/api/v1/items/{item_id}/release", headers=site.auth("park")).json()
    decisions = {o["nation"]: o["decision"] for o in outcomes}
    assert decisions["JPN"]["allowed"] is False
    assert decisions["JPN"]["requirement"] == "R2"
    assert decisions["FRA"]["requirement"] == "R1"
    assert all(o["message_id"] is None for o in outcomes)


def test_release_by_an_analyst_is_forbidden(site: Site) -> None:
    kor = site.clients["KOR"]
    item_id = kor.post("/api/v1/items", json=TRACK, headers=site.auth("kim")).json()["id"]
    response = kor.post(f"/api/v1/items/{item_id}/release", headers=site.auth("kim"))
    body = problem(response, 403, "denied")
    assert body["article"] == "policy: case-by-case provision (MOFA-KR 2012)"
    assert "R50" in body["message"]


@pytest.mark.parametrize(
    ("fields", "user", "status", "code", "words"),
    [
        ({"level": "군사IV급비밀"}, "kim", 400, "bad_input", "not a marking"),
        ({"releasable_to": ["KOR"]}, "kim", 400, "bad_input", "releasable-to"),
        ({"content_b64": "aGk="}, "kim", 400, "bad_input", "exactly one of text"),
        ({"text": None, "content_b64": "!!"}, "kim", 400, "bad_input", "not valid base64"),
        ({}, "yoon", 403, "denied", "needs the role"),
    ],
    ids=["unknown-marking", "own-nation", "text-and-b64", "bad-b64", "auditor"],
)
def test_publish_refusals(
    site: Site, fields: dict[str, Any], user: str, status: int, code: str, words: str
) -> None:
    response = site.clients["KOR"].post(
        "/api/v1/items", json={**TRACK, **fields}, headers=site.auth(user)
    )
    assert words in problem(response, status, code)["message"]


@pytest.mark.parametrize(
    "hostile",
    ["x'); DROP TABLE items; --", "' OR '1'='1", "%' OR title LIKE '%", "\\'; SELECT 1; --"],
)
def test_sql_in_fields_is_kept_as_text(site: Site, hostile: str) -> None:
    """Injection: every value is a bound parameter; a title of SQL is stored and read as text."""
    kor = site.clients["KOR"]
    response = kor.post("/api/v1/items", json={**TRACK, "title": hostile}, headers=site.auth("kim"))
    assert response.status_code == 201, response.text
    item = kor.get(f"/api/v1/items/{response.json()['id']}", headers=site.auth("kim")).json()
    assert item["title"] == hostile
    listed = kor.get("/api/v1/items", headers=site.auth("kim"))
    assert listed.status_code == 200
    assert len({i["id"] for i in listed.json()}) == len(listed.json())


def test_publish_schema_violation_is_refused(site: Site) -> None:
    response = site.clients["KOR"].post(
        "/api/v1/items", json={"title": "x"}, headers=site.auth("kim")
    )
    assert response.status_code in (400, 422)  # see test_api_errors for the body


def test_binary_content_round_trip(site: Site) -> None:
    kor = site.clients["KOR"]
    payload = bytes(range(256))
    fields = {
        **TRACK,
        "text": None,
        "content_b64": base64.b64encode(payload).decode(),
        "media_type": "application/octet-stream",
        "precedence": "ROUTINE",
    }
    item_id = kor.post("/api/v1/items", json=fields, headers=site.auth("kim")).json()["id"]
    kor.post(f"/api/v1/items/{item_id}/release", headers=site.auth("park"))
    [entry] = verify_answers(deliver(site, item_id), signer=site.cast["JPN"].card)
    content = site.clients["JPN"].get(
        f"/api/v1/holdings/{entry['answer']['holding']}/content", headers=site.auth("sato")
    )
    assert content.status_code == 200
    assert content.content == payload
    assert content.headers["content-type"] == "application/octet-stream"


def test_partner_html_is_served_as_a_sandboxed_attachment(site: Site) -> None:
    """A partner's `text/html` read from this node's origin would run with the reader's
    token (it listed every holding's title before the fix): it leaves only as a download,
    unsniffed, in a sandbox."""
    kor = site.clients["KOR"]
    page = b"<script>fetch('/api/v1/holdings')</script>"
    fields = {
        **TRACK,
        "text": None,
        "content_b64": base64.b64encode(page).decode(),
        "media_type": "text/html",
        "precedence": "ROUTINE",
    }
    item_id = kor.post("/api/v1/items", json=fields, headers=site.auth("kim")).json()["id"]
    kor.post(f"/api/v1/items/{item_id}/release", headers=site.auth("park"))
    [entry] = verify_answers(deliver(site, item_id), signer=site.cast["JPN"].card)
    holding = entry["answer"]["holding"]
    content = site.clients["JPN"].get(
        f"/api/v1/holdings/{holding}/content", headers=site.auth("sato")
    )
    assert content.status_code == 200
    assert content.content == page
    assert content.headers["content-disposition"] == f'attachment; filename="{holding}"'
    assert content.headers["x-content-type-options"] == "nosniff"
    csp = content.headers["content-security-policy"]
    assert "sandbox" in csp.split(";")[0]
    assert "default-src 'none'" in csp


def test_a_media_type_with_a_line_break_is_refused_at_publication(site: Site) -> None:
    fields = {**TRACK, "media_type": "text/plain\r\nX-Injected: 1"}
    body = problem(
        site.clients["KOR"].post("/api/v1/items", json=fields, headers=site.auth("kim")),
        400,
        "bad_input",
    )
    assert "line break" in body["message"]


def test_items_and_transfers(site: Site, released: str) -> None:
    kor = site.clients["KOR"]
    listed = kor.get("/api/v1/items", headers=site.auth("kim")).json()
    assert released in [i["id"] for i in listed]
    item = kor.get(f"/api/v1/items/{released}", headers=site.auth("kim")).json()
    assert (item["state"], item["level"], item["precedence"]) == (
        "released",
        "군사II급비밀",
        "FLASH",
    )
    [journey] = item["transfers"]
    assert (journey["peer"], journey["precedence"]) == ("JPN", "FLASH")
    transfers = kor.get("/api/v1/transfers", headers=site.auth("yoon")).json()
    assert journey["message_id"] in [t["message_id"] for t in transfers]
    problem(kor.get("/api/v1/items/KOR-none", headers=site.auth("kim")), 404, "not_found")


@pytest.fixture(scope="module")
def admin(site: Site) -> str:
    """An administrator of KOR's node: runs it, but sees no transfers (Art. 6(f), R17)."""
    node = site.cast["KOR"]
    record = UserRecord("lee", "KOR", "군사I급비밀", VALID, (), ("admin",), True)
    with node.engine.begin() as conn:
        add_user(conn, record, node.clock(), node.vault)
        site.tokens["lee"] = issue_token(conn, "lee", node.clock(), node.vault)
    return "lee"


def test_an_admin_may_not_view_transfers_and_the_refusal_is_logged(
    site: Site, released: str, admin: str
) -> None:
    kor = site.clients["KOR"]
    for path in ("/api/v1/transfers", f"/api/v1/items/{released}"):
        body = problem(kor.get(path, headers=site.auth(admin)), 403, "denied")
        assert body["article"] == "Art. 6(f)"
    with site.cast["KOR"].engine.connect() as conn:
        refused = conn.execute(
            select(access_log.c.action).where(
                access_log.c.actor == admin, access_log.c.allowed.is_(False)
            )
        ).scalars()
        assert list(refused) == ["view_transfers", "view_transfers"]
    # The same door the custody chain already kept shut.
    problem(kor.get(f"/api/v1/items/{released}/custody", headers=site.auth(admin)), 403, "denied")


def test_holdings_and_reading(site: Site, holding: str) -> None:
    jpn = site.clients["JPN"]
    listed = jpn.get("/api/v1/holdings", headers=site.auth("sato")).json()
    [view] = [h for h in listed if h["id"] == holding]
    assert (view["marking"], view["original_marking"]) == ("極秘", "군사II급비밀")
    assert view["redacted"] is False
    shown = jpn.get(f"/api/v1/holdings/{holding}", headers=site.auth("sato")).json()
    assert shown["local_label"]["ConfidentialityInformation"]["Classification"] == "極秘"
    # suzuki, cleared 秘 only, sees neither its title nor its level (listed both before).
    below = jpn.get("/api/v1/holdings", headers=site.auth("suzuki")).json()
    assert holding not in [h["id"] for h in below]
    problem(jpn.get(f"/api/v1/holdings/{holding}", headers=site.auth("suzuki")), 404, "not_found")
    content = jpn.get(f"/api/v1/holdings/{holding}/content", headers=site.auth("sato"))
    assert content.status_code == 200
    assert content.content == b"track 1"
    assert bytes.fromhex(content.headers["x-gsomia-marking"]).decode() == "極秘"
    assert content.headers["x-gsomia-decision"] == "Art. 7 R19"
    refused = jpn.get(f"/api/v1/holdings/{holding}/content", headers=site.auth("suzuki"))
    body = problem(refused, 403, "denied")
    assert body["article"] == "Art. 7.2"
    assert "below" in body["message"]
    problem(jpn.get("/api/v1/holdings/none", headers=site.auth("sato")), 404, "not_found")


def test_peer_delivery_is_idempotent_and_signed(site: Site, released: str, holding: str) -> None:
    again = deliver(site, released)
    [entry] = verify_answers(again, signer=site.cast["JPN"].card)
    assert entry["answer"]["holding"] == holding


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not cbor", 422, "envelope_rejected"),
        (b"\xa0", 422, "envelope_rejected"),
        (b"\xa3dhead\xa0csig\x80dmsgs\x80", 422, "envelope_rejected"),
    ],
    ids=["not-cbor", "empty-map", "empty-head"],
)
def test_malformed_peer_batches(site: Site, body: bytes, status: int, code: str) -> None:
    response = site.peers["JPN"].post(V2_PATH, content=body)
    assert problem(response, status, code)["message"] == "envelope could not be opened"


def test_a_batch_from_a_stranger_is_refused(site: Site) -> None:
    fra = make_node("pq", "FRA", "FRA node")
    data = seal_batch(
        [Plain("a", "item", {}, b"x")], keys=fra.keys, sender="FRA",
        recipient=site.cast["JPN"].card, now=site.cast["JPN"].clock(),
    )  # fmt: skip
    response = post_batch(site.peers["JPN"], data)
    assert "FRA is not a registered partner" in problem(response, 400, "bad_input")["message"]


def test_a_v1_batch_is_answered_with_what_to_do(site: Site) -> None:
    """Envelope v1 carried titles and labels in clear: a v1 sender is told to upgrade."""
    response = site.peers["JPN"].post(PATH, json={"sender": "KOR", "messages": []})
    assert "upgrade the sending node" in problem(response, 400, "bad_input")["message"]


def test_peer_card(site: Site) -> None:
    card = site.peers["JPN"].get("/peer/v1/card").json()
    assert card == site.cast["JPN"].card.to_json()


def test_operations(site: Site, released: str) -> None:
    kor = site.clients["KOR"]
    assert kor.get("/healthz").json() == {"status": "ok"}
    assert kor.get("/readyz").json() == {"status": "ready", "nation": "KOR"}
    metrics = kor.get("/metrics", headers=site.auth("park"))  # an officer's (R16)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'gsomia_outbox_depth{precedence="FLASH"}' in metrics.text
    assert 'gsomia_outbox_depth{precedence="ROUTINE"}' in metrics.text
    node = site.cast["KOR"]
    with node.engine.connect() as conn:
        flash = outbox.depth_by_priority(conn)[0]
    assert flash >= 1
    assert f'gsomia_outbox_depth{{precedence="FLASH"}} {float(flash)}' in metrics.text


def test_openapi_lists_the_routes(site: Site) -> None:
    paths = site.clients["KOR"].get("/openapi.json").json()["paths"]
    for path in [
        "/api/v1/me",
        "/api/v1/items",
        "/api/v1/items/{item_id}",
        "/api/v1/items/{item_id}/release",
        "/api/v1/transfers",
        "/api/v1/holdings",
        "/api/v1/holdings/{holding_id}",
        "/api/v1/holdings/{holding_id}/content",
        "/api/v1/alerts",
        "/healthz",
        "/readyz",
        "/metrics",
    ]:
        assert path in paths, path
    # The peer API is its own application (on the peer listener), not among the user routes;
    # that listener serves no document, so the application's own is read here.
    peer_paths = create_peer_app(site.cast["KOR"]).openapi()["paths"]
    for path in ["/peer/v2/batches", "/peer/v1/card"]:
        assert path in peer_paths, path
        assert path not in paths, path
