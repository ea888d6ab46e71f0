"""Real node processes on loopback, on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gsomia.devnet import DevNet
from gsomia.store.scratch import drop_postgres_database, fresh_postgres_database

MakeNet = Callable[..., DevNet]


@pytest.fixture(params=["sqlite", "postgresql"])
def make_net(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeNet]:
    """Build a DevNet of the nations asked for, each node on its own database of this backend."""
    created: list[DevNet] = []
    databases: list[str] = []
    admin = request.getfixturevalue("postgres_admin_url") if request.param == "postgresql" else ""

    def make(
        nations: tuple[str, ...] = ("KOR", "JPN"),
        *,
        user_tls: bool = False,
        insecure_peer_http: bool = False,
    ) -> DevNet:
        urls = {}
        if admin:
            for nation in nations:
                url, name = fresh_postgres_database(admin)
                urls[nation] = url
                databases.append(name)
        net = DevNet(
            tmp_path / f"net{len(created)}",
            nations,
            database_urls=urls,
            user_tls=user_tls,
            insecure_peer_http=insecure_peer_http,
        )
        net.setup()
        created.append(net)
        return net

    yield make
    for net in created:
        net.close()
    for name in databases:
        drop_postgres_database(admin, name)
