"""Live FLASH alerts over Server-Sent Events, and a partner's hello, through the HTTP API."""

from __future__ import annotations

import json
import threading

import pytest
from tests.api.api_fixtures import Site
from tests.node.node_fixtures import batch_of, post_batch

from gsomia.exchange import outbox
from gsomia.exchange.wire import HELLO_PATH

TRACK = {
    "title": "DPRK launch track (live)",
    "level": "군사II급비밀",
    "releasable_to": ["JPN"],
    "purpose": "missile-warning",
    "precedence": "FLASH",
    "text": "track 9",
}


def released_batch(site: Site) -> bytes:
    """A KOR FLASH item released through the API, as the batch KOR's worker would send."""
    kor = site.clients["KOR"]
    item_id = kor.post("/api/v1/items", json=TRACK, headers=site.auth("kim")).json()["id"]
    [outcome] = kor.post(f"/api/v1/items/{item_id}/release", headers=site.auth("park")).json()
    node = site.cast["KOR"]
    with node.engine.begin() as conn:
        [row] = [
            p
            for p in outbox.due(conn, node.clock(), 10_000)
            if p.message_id == outcome["message_id"]
        ]
    return batch_of(node, site.cast["JPN"], [row])


def test_a_flash_item_reaches_an_allowed_readers_stream(site: Site) -> None:
    batch = released_batch(site)
    jpn = site.clients["JPN"]
    answered: list[int] = []

    def partner_delivers() -> None:
        answered.append(post_batch(site.peers["JPN"], batch).status_code)

    lines = []
    with jpn.stream(
        "GET", "/api/v1/alerts", params={"token": site.stream_token("JPN", "sato")}
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        sender = None
        for line in stream.iter_lines():
            lines.append(line)
            if line == "event: ready":
                sender = threading.Thread(target=partner_delivers)
                sender.start()
            if line.startswith("data: ") and lines[-2] == "event: flash":
                break
        assert sender is not None
        sender.join(timeout=30)
    assert answered == [200]
    event = json.loads(lines[-1].removeprefix("data: "))
    assert event["title"] == "DPRK launch track (live)"
    assert (event["marking"], event["original_marking"]) == ("極秘", "군사II급비밀")


def test_alerts_need_a_token(site: Site) -> None:
    response = site.clients["JPN"].get("/api/v1/alerts")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [({"sender": "KOR"}, 204), ({"sender": "FRA"}, 400), ({}, 400)],
    ids=["partner", "stranger", "no-sender"],
)
def test_hello(site: Site, body: dict[str, str], status: int) -> None:
    response = site.peers["JPN"].post(HELLO_PATH, json=body)
    assert response.status_code == status, response.text
    if status == 400:
        assert "not a registered partner" in response.json()["message"]
