"""The site under test: a cast of nodes, a TestClient per node, a bearer token per person."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.node.node_fixtures import Cast

from gsomia.app import create_peer_app
from gsomia.app.tls_scope import with_tls
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard, certificate_pem


def peer_client(node: Node, presenting: IdentityCard, *, app: FastAPI | None = None) -> TestClient:
    """`node`'s peer application (or `app`) as `presenting`'s node reaches it over mutual TLS:
    each request's ASGI TLS extension carries that node's pinned certificate, as the peer
    listener puts it there (`gsomia.app.tls_scope`)."""
    assert presenting.tls_certificate is not None
    tls = {
        "server_cert": None,
        "client_cert_chain": [certificate_pem(presenting.tls_certificate)],
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": 0x0304,
        "cipher_suite": 0x1302,
    }
    return TestClient(with_tls(app or create_peer_app(node), tls))


@dataclass
class Site:
    """The cast, a client per node, and a bearer token per person; `peers[nation]` is that
    node's peer API as its partner in the site reaches it."""

    cast: Cast
    clients: dict[str, TestClient]
    tokens: dict[str, str]
    peers: dict[str, TestClient] = field(default_factory=dict)

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def stream_token(self, nation: str, name: str) -> str:
        """A stream token for `name`, as a browser gets one before it opens the alerts."""
        response = self.clients[nation].post("/api/v1/tokens", json={}, headers=self.auth(name))
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        return token
