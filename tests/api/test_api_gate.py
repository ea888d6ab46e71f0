"""The gate (issue 13): body caps that hold while a body streams, credentials before any body
is read, the peer listener's allowance, and what the ports say to those without credentials.

The gate is driven directly with an ASGI `receive` that counts what it was asked for (an
in-process client reads a body whole before the application runs, which would hide exactly
what these tests look at), and through the real applications for what a client sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, MutableMapping
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.api.api_fixtures import Site, peer_client
from tests.api.test_api_node import TRACK

from gsomia.app import create_peer_app, doors
from gsomia.app.doors import Credential, Door
from gsomia.app.gate import Gate
from gsomia.errors import (
    Error,
    InputError,
    RateLimited,
    TooLarge,
    Unauthenticated,
    Unavailable,
    exit_code,
    http_status,
)
from gsomia.exchange.wire import V2_PATH
from gsomia.node.throttle import Allowance, Throttle
from gsomia.store.tables import holdings, inbox, items, rejections

CAP = 1 << 20
CHUNK = 64 << 10


class Stream:
    """An ASGI `receive` sending `total` bytes in 64 KB chunks; counts what was taken."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.taken = 0

    async def __call__(self) -> dict[str, Any]:
        size = min(CHUNK, self.total - self.taken)
        self.taken += size
        return {"type": "http.request", "body": b"x" * size, "more_body": self.taken < self.total}


def _scope(headers: dict[str, str]) -> dict[str, Any]:
    encoded = [(k.encode(), v.encode()) for k, v in headers.items()]
    return {"type": "http", "method": "POST", "path": "/x", "headers": encoded}


def _run(
    gate_door: Door, stream: Stream, headers: dict[str, str], admit_error: Error | None = None
) -> tuple[list[dict[str, Any]], list[bytes], list[Error]]:
    """Send `stream` through a gate at `gate_door`: what was sent back, what the application
    read (if it ran), and what the gate counted as refused."""
    sent: list[dict[str, Any]] = []
    read: list[bytes] = []
    refused: list[Error] = []

    async def app(_scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            read.append(message["body"])
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def admit(_scope: Any, _door: Door, _has_body: bool) -> None:
        if admit_error is not None:
            raise admit_error

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    gate = Gate(
        app,
        door_of=lambda _m, _p: gate_door,
        admit=admit,
        refused=lambda _d, e: refused.append(e),
    )
    asyncio.run(gate(_scope(headers), stream, send))
    return sent, read, refused


CHUNKED = {"transfer-encoding": "chunked"}


@pytest.mark.parametrize("spool", [False, True], ids=["memory", "spooled"])
def test_a_chunked_body_over_the_cap_is_refused_while_it_streams(spool: bool) -> None:
    stream = Stream(1 << 30)  # 1 GB, never declared
    door = Door("test", CAP, Credential.NONE, spool=spool)
    sent, read, refused = _run(door, stream, CHUNKED)
    assert sent[0]["status"] == 413
    assert read == []  # the route never ran
    assert stream.taken <= CAP + CHUNK  # stopped at the first chunk past the cap
    assert [e.code for e in refused] == ["too_large"]


def test_a_declared_length_over_the_cap_is_refused_before_a_byte_is_read() -> None:
    stream = Stream(CAP + 1)
    sent, read, _ = _run(Door("test", CAP, Credential.NONE), stream, {"content-length": "1048577"})
    assert (sent[0]["status"], stream.taken, read) == (413, 0, [])


def test_without_credentials_the_body_is_not_read() -> None:
    stream = Stream(CAP // 2)
    door = Door("test", CAP, Credential.TOKEN)
    sent, read, refused = _run(door, stream, CHUNKED, Unauthenticated("no token"))
    assert (sent[0]["status"], stream.taken, read) == (401, 0, [])
    assert [e.code for e in refused] == ["unauthenticated"]


@pytest.mark.parametrize("spool", [False, True], ids=["memory", "spooled"])
def test_a_body_within_the_cap_reaches_the_route_whole(spool: bool) -> None:
    stream = Stream(CAP)
    sent, read, refused = _run(Door("test", CAP, Credential.NONE, spool=spool), stream, CHUNKED)
    assert sent[0]["status"] == 200
    assert b"".join(read) == b"x" * CAP
    assert refused == []


def _count(site: Site, nation: str, table: Any) -> int:
    with site.cast[nation].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // CHUNK):
        yield b"{" * CHUNK


def test_a_chunked_batch_over_the_cap_is_refused_and_nothing_is_kept(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doors, "PEER_BATCH", replace(doors.PEER_BATCH, cap=CAP))
    before = [_count(site, "JPN", t) for t in (holdings, inbox, rejections)]
    answer = site.peers["JPN"].post(V2_PATH, content=_chunks(4 * CAP))
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
    assert [_count(site, "JPN", t) for t in (holdings, inbox, rejections)] == before


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/items", {}),
        ("/api/v1/items", {"Authorization": "Bearer gsm_forged"}),
        ("/api/v1/holdings/h1/translations", {}),
        ("/items", {}),  # the publish form, without a signed-in session
        ("/holdings/h1/consent", {}),
    ],
)
def test_a_body_without_credentials_is_refused_unread(
    site: Site, path: str, headers: dict[str, str]
) -> None:
    kor = site.clients["KOR"]
    before = _count(site, "KOR", items)
    answer = kor.post(path, content=_chunks(2 * CAP), headers=headers, follow_redirects=False)
    if path.startswith("/api/"):
        assert answer.status_code == 401, answer.text
    else:  # a page form: sent to sign in, as the pages answer a lapsed session
        assert (answer.status_code, answer.headers["location"]) == (303, "/login")
    assert _count(site, "KOR", items) == before
    metrics = kor.get("/metrics", headers=site.auth("park")).text
    assert "gsomia_user_refusals_total" in metrics
    assert 'reason="unauthenticated"' in metrics


def test_a_small_door_refuses_a_large_form_even_signed_in(site: Site) -> None:
    answer = site.clients["KOR"].post(
        "/api/v1/consents", content=b"{" * (doors.SMALL + 1), headers=site.auth("park")
    )
    assert answer.status_code == 413


def test_publishing_through_the_gate_still_works(site: Site) -> None:
    answer = site.clients["KOR"].post("/api/v1/items", json=TRACK, headers=site.auth("kim"))
    assert answer.status_code == 201, answer.text


def test_the_peer_listener_serves_no_docs_document_or_metrics(site: Site) -> None:
    for path in ("/docs", "/redoc", "/openapi.json", "/metrics"):
        assert site.peers["KOR"].get(path).status_code == 404, path


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("kim", 403), ("yoon", 403), ("park", 200)],
    ids=["nobody", "analyst", "auditor", "officer"],
)
def test_metrics_are_for_officers_and_operators(site: Site, who: str | None, status: int) -> None:
    headers = site.auth(who) if who else {}
    assert site.clients["KOR"].get("/metrics", headers=headers).status_code == status


def test_the_scrapers_token_opens_metrics_only_if_it_is_long(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    kor = site.clients["KOR"]
    for token, status in (("s" * 31, 401), ("s" * 32, 200)):
        monkeypatch.setenv("GSOMIA_METRICS_TOKEN", token)
        answer = kor.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == status, token


def test_a_partner_over_its_allowance_gets_429_before_its_body_is_read(site: Site) -> None:
    app = create_peer_app(site.cast["JPN"], throttle=Throttle(Allowance(rate=0.01, burst=2)))
    with peer_client(site.cast["JPN"], site.cast["KOR"].card, app=app) as kor:
        before = [_count(site, "JPN", t) for t in (holdings, inbox, rejections)]
        answers = [kor.post(V2_PATH, content=_chunks(CAP)) for _ in range(3)]
    assert [a.status_code for a in answers] == [422, 422, 429]  # the first two: not CBOR
    assert answers[2].json()["error"] == "rate_limited"
    assert int(answers[2].headers["retry-after"]) >= 1
    assert [_count(site, "JPN", t) for t in (holdings, inbox, rejections)] == before
    metrics = site.cast["JPN"].metrics.exposition(site.cast["JPN"].reader).decode()
    assert 'gsomia_peer_refusals_total{reason="rate_limited"} 1.0' in metrics


def test_too_large_and_rate_limited_are_mapped_once() -> None:
    too_large, limited = TooLarge("big"), RateLimited("busy", retry_after=2.5)
    assert (http_status(too_large), exit_code(too_large)) == (413, 2)
    assert (http_status(limited), exit_code(limited)) == (429, 75)
    assert isinstance(too_large, InputError)
    assert isinstance(limited, Unavailable)  # a retry later may succeed
