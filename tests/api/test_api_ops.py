"""Operations edges: the worker's lifespan, a lost database, oversized batches, keep-alives."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.api.api_fixtures import Site

from gsomia.app import create_app, doors
from gsomia.exchange.wire import V2_PATH
from gsomia.node import live
from gsomia.node.assembly import assemble
from gsomia.node.home import init_home
from gsomia.node.runtime import Node
from gsomia.store.db import make_engine, reader


@pytest.fixture(scope="module")
def lone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """A KOR node with no partners: its worker has no one to call."""
    home = init_home(tmp_path_factory.mktemp("lone") / "kor", "KOR", "ROK MND", "pw-0123456789")
    node = assemble(home)
    yield node
    node.engine.dispose()


def test_the_worker_starts_and_stops_with_the_app(lone: Node) -> None:
    with TestClient(create_app(lone, run_worker=True)) as client:
        assert client.get("/readyz").json() == {"status": "ready", "nation": "KOR"}
    # The lifespan waited for the worker; a second start works on the same node.
    with TestClient(create_app(lone, run_worker=True)) as client:
        assert client.get("/healthz").status_code == 200


def test_readyz_is_503_when_the_database_is_gone_and_says_nothing_of_it(
    lone: Node, tmp_path: Path
) -> None:
    with TestClient(create_app(lone, run_worker=False)) as client:
        working = lone.engine, lone.reader
        lone.engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'node.db'}")
        lone.reader = reader(lone.engine)
        try:
            response = client.get("/readyz")
        finally:
            lone.engine.dispose()
            lone.engine, lone.reader = working
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    # Not the driver's message: it names the database's file, or host, port and name.
    assert response.json()["message"] == "database unavailable"
    assert str(tmp_path) not in response.text
    assert "sqlite" not in response.text.lower()


def test_an_oversized_batch_is_refused(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doors, "PEER_BATCH", replace(doors.PEER_BATCH, cap=64))
    response = site.peers["JPN"].post(V2_PATH, content=b"x" * 65)
    assert response.status_code == 413
    assert "exceeds the 64-byte limit" in response.json()["message"]


def test_an_idle_alert_stream_sends_keep_alives(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.01)
    seen = []
    with site.clients["JPN"].stream(
        "GET", "/api/v1/alerts", params={"token": site.stream_token("JPN", "sato")}
    ) as stream:
        for line in stream.iter_lines():
            seen.append(line)
            if line == ": keep-alive":
                break
    assert seen[0] == "event: ready"
