"""The site under test: a cast of nodes, a TestClient per node, a bearer token per person."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from tests.node.node_fixtures import Cast


@dataclass
class Site:
    """The cast, a client per node, and a bearer token per person."""

    cast: Cast
    clients: dict[str, TestClient]
    tokens: dict[str, str]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}
