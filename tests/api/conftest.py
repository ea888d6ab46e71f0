"""KOR and JPN nodes behind their web applications, in process (FastAPI's TestClient)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.api.api_fixtures import Site, peer_client
from tests.node.node_fixtures import build_cast

from gsomia.app import create_app
from gsomia.store.users import issue_token


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    cast = build_cast(tmp_path_factory.mktemp("api"), ("KOR", "JPN"))
    tokens = {}
    for nation, node in cast.nodes.items():
        with node.engine.begin() as conn:
            for name in ("kim", "park", "yoon") if nation == "KOR" else ("sato", "suzuki"):
                tokens[name] = issue_token(conn, name, node.clock(), node.vault)
    clients = {n: TestClient(create_app(node, run_worker=False)) for n, node in cast.nodes.items()}
    partner = {"KOR": "JPN", "JPN": "KOR"}
    peers = {n: peer_client(node, cast[partner[n]].card) for n, node in cast.nodes.items()}
    for client in [*clients.values(), *peers.values()]:
        client.__enter__()
    try:
        yield Site(cast, clients, tokens, peers)
    finally:
        for client in [*clients.values(), *peers.values()]:
            client.__exit__(None, None, None)
        for node in cast.nodes.values():
            node.engine.dispose()
