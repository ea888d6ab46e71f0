"""Classification changes through the HTTP API: KOR's officer re-marks, JPN follows (R14).

Messages travel through each node's peer endpoint, as the delivery worker sends them.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.api.api_fixtures import Site
from tests.node.node_fixtures import batch_of, opened_answers, post_batch

from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.store.users import issue_token

TRACK = {
    "title": "DPRK launch track",
    "level": "군사II급비밀",
    "releasable_to": ["JPN"],
    "purpose": "missile-warning",
    "precedence": "FLASH",
    "text": "track 1",
}


def carry(site: Site, sender: str, receiver: str) -> list[dict[str, Any]]:
    """Post everything `sender` queued for `receiver` to its peer API and settle the answers."""
    node = site.cast[sender]
    with node.engine.begin() as conn:
        due = [p for p in outbox.due(conn, node.clock(), 10_000) if p.peer == receiver]
    assert due, f"nothing queued from {sender} to {receiver}"
    data = batch_of(node, site.cast[receiver], due)
    document = opened_answers(node, data, post_batch(site.peers[receiver], data))
    answers = verify_answers(document, signer=site.cast[receiver].card)
    node.worker.settle(receiver, due, answers)
    return [entry["answer"] for entry in answers]


@pytest.fixture(scope="module")
def officer(site: Site) -> dict[str, str]:
    """JPN's officer tanaka, whom the shared site gives no token."""
    node = site.cast["JPN"]
    with node.engine.begin() as conn:
        token = issue_token(conn, "tanaka", node.clock(), node.vault)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def held(site: Site) -> tuple[str, str]:
    """A KOR item released to JPN and received there: (item id, JPN holding id)."""
    kor = site.clients["KOR"]
    response = kor.post("/api/v1/items", json=TRACK, headers=site.auth("kim"))
    assert response.status_code == 201, response.text
    item_id: str = response.json()["id"]
    response = kor.post(f"/api/v1/items/{item_id}/release", headers=site.auth("park"))
    assert response.status_code == 200, response.text
    [answer] = carry(site, "KOR", "JPN")
    assert answer["status"] == "received", answer
    return item_id, str(answer["holding"])


def test_an_officer_downgrades_and_the_holder_acknowledges(
    site: Site, held: tuple[str, str]
) -> None:
    item_id, holding_id = held
    kor, jpn = site.clients["KOR"], site.clients["JPN"]
    response = kor.post(
        f"/api/v1/items/{item_id}/classification",
        json={"change": "downgrade", "level": "군사III급비밀"},
        headers=site.auth("park"),
    )
    assert response.status_code == 201, response.text
    notice = response.json()
    assert {k: notice[k] for k in ("item_id", "change", "previous", "level", "direction")} == {
        "item_id": item_id,
        "change": "downgrade",
        "previous": "군사II급비밀",
        "level": "군사III급비밀",
        "direction": "sent",
    }
    assert notice["holders"] == notice["outstanding"] == ["JPN"]
    assert notice["acknowledged"] == []
    assert notice["effective"]

    [applied] = carry(site, "KOR", "JPN")
    assert applied["status"] == "received", applied
    # Notices are for officers, release authorities and auditors (Action.VIEW_NOTICES).
    with site.cast["JPN"].engine.begin() as conn:
        jpn_node = site.cast["JPN"]
        token = issue_token(conn, "tanaka", jpn_node.clock(), jpn_node.vault)
        officer = {"Authorization": f"Bearer {token}"}
    mine = jpn.get(f"/api/v1/notices/{notice['id']}", headers=officer).json()
    assert mine["direction"] == "received"
    assert (mine["holding_id"], mine["local_previous"], mine["local_level"]) == (
        holding_id,
        "極秘",
        "秘",
    )
    holding = jpn.get(f"/api/v1/holdings/{holding_id}", headers=site.auth("sato")).json()
    assert holding["marking"] == "秘"
    assert holding["original_marking"] == "군사III급비밀"

    carry(site, "JPN", "KOR")
    done = kor.get(f"/api/v1/notices/{notice['id']}", headers=site.auth("park")).json()
    assert done["outstanding"] == []
    assert [(a["holder"], a["holding_id"], a["level"]) for a in done["acknowledged"]] == [
        ("JPN", holding_id, "秘")
    ]
    listed = kor.get("/api/v1/notices", headers=site.auth("yoon")).json()  # the auditor
    assert notice["id"] in {n["id"] for n in listed}


def test_only_an_officer_of_the_originator_changes_a_classification(
    site: Site, held: tuple[str, str], officer: dict[str, str]
) -> None:
    item_id, holding_id = held
    kor, jpn = site.clients["KOR"], site.clients["JPN"]
    body = {"change": "downgrade", "level": "군사III급비밀"}
    response = kor.post(
        f"/api/v1/items/{item_id}/classification", json=body, headers=site.auth("kim")
    )
    assert response.status_code == 403, response.text
    # The holder's officer: refused whatever it asks, with the reason and the article.
    response = jpn.post(
        f"/api/v1/holdings/{holding_id}/classification",
        json={"change": "downgrade", "level": "秘"},
        headers=officer,
    )
    assert response.status_code == 403, response.text
    refusal = response.json()
    assert "only the originator KOR" in refusal["message"]
    assert refusal["article"] == "Art. 6(g)"
    response = jpn.post(
        f"/api/v1/items/{item_id}/classification", json=body, headers=site.auth("sato")
    )
    assert response.status_code == 403, response.text
    holding = jpn.get(f"/api/v1/holdings/{holding_id}", headers=site.auth("sato")).json()
    assert holding["marking"] == "極秘"


def test_malformed_requests_are_answered_with_what_to_do(site: Site, held: tuple[str, str]) -> None:
    item_id, _ = held
    kor = site.clients["KOR"]
    path = f"/api/v1/items/{item_id}/classification"
    # A body that does not fit the declared model names the field (422, `api/models`) ...
    for body, field in (
        ({}, "change"),
        ({"change": "sideways", "level": "군사III급비밀"}, "change"),
        ({"change": "downgrade", "level": "군사III급비밀", "effective": "yesterday"}, "effective"),
    ):
        response = kor.post(path, json=body, headers=site.auth("park"))
        assert response.status_code == 422, (body, response.text)
        assert field in response.json()["message"]
    # ... and one that fits but that the node cannot act on says what is wrong (400).
    for body in (
        {"change": "downgrade"},
        {"change": "downgrade", "level": "군사III급비밀", "effective": "2999-01-01T00:00:00+00:00"},
    ):
        response = kor.post(path, json=body, headers=site.auth("park"))
        assert response.status_code == 400, (body, response.text)
    response = kor.get("/api/v1/notices/KOR-notice-none", headers=site.auth("park"))
    assert response.status_code == 404
    response = kor.post(
        "/api/v1/items/KOR-none/classification",
        json={"change": "declassify"},
        headers=site.auth("park"),
    )
    assert response.status_code == 404
