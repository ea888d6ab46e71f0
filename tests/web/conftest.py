"""Two node homes (KOR, JPN) with the demo's cast, passwords set, and apps over them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gsomia.app import create_app
from gsomia.devnet import DevNet
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home
from gsomia.node.runtime import Node
from gsomia.store.users import set_password, update_user

PASSWORD = "correct horse battery staple"
LANGUAGES = {"kim": "ko", "park": "ko", "sato": "ja", "suzuki": "ja", "tanaka": "ja"}


def prepare_people(net: DevNet) -> None:
    """Give every person of the cast a password and their own language."""
    for proc in net.nodes.values():
        node = assemble(load_home(proc.home, net.passphrase))
        with node.engine.begin() as conn:
            for name, *_ in net.cast.get(proc.nation, ()):
                set_password(conn, name, PASSWORD, node.vault)
                language = LANGUAGES.get(name, "en")
                update_user(conn, name, {"language": language}, node.vault)
        node.engine.dispose()


@dataclass
class Site:
    node: Node
    app: FastAPI

    def client(self, *, https: bool = False) -> TestClient:
        base = "https://testserver" if https else "http://testserver"
        return TestClient(self.app, base_url=base)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Site]]:
    workdir: Path = tmp_path_factory.mktemp("web")
    net = DevNet(workdir, ("KOR", "JPN"))
    net.setup()
    prepare_people(net)
    found = {}
    for nation, proc in net.nodes.items():
        node = assemble(load_home(proc.home, net.passphrase))
        node.migrate()
        found[nation] = Site(node, create_app(node, run_worker=False))
    yield found
    for site in found.values():
        site.node.engine.dispose()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page carries no CSRF field"
    return match[1]


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign `name` in; the CSRF token of the new session."""
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"csrf": token, "name": name, "password": password},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/").text)
