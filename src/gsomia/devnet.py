"""A network of real node processes on loopback: for the demo, the integration tests, the bench.

Each node is a separate `gsomia serve` process with its own home, keys and database; the
homes are wired to each other exactly as operators would (identity cards pinned, people
registered, each act logged), only faster because the setup calls the same node use cases the
CLI calls (`gsomia user add`, `user token`, `peer add`).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

from gsomia.client import NodeClient
from gsomia.errors import Unavailable
from gsomia.node.assembly import assemble
from gsomia.node.home import init_home, load_home
from gsomia.node.partners import pin_partner
from gsomia.node.runtime import Node
from gsomia.node.users import PersonDraft, issue_token, register

NAMES = {
    "KOR": "ROK Ministry of National Defense",
    "JPN": "Japan Ministry of Defense",
    "USA": "US Department of Defense",
}

#: The people of the story in DESIGN.md: (name, clearance, communities, role).
CAST: dict[str, tuple[tuple[str, str, tuple[str, ...], str], ...]] = {
    "KOR": (
        ("kim", "군사II급비밀", ("missile-warning",), "analyst"),
        ("park", "군사I급비밀", ("missile-warning",), "officer"),
    ),
    "JPN": (
        ("sato", "極秘", ("missile-warning",), "analyst"),
        ("suzuki", "秘", ("missile-warning",), "analyst"),
        ("tanaka", "機密", ("missile-warning",), "officer"),
    ),
    "USA": (
        ("smith", "TOP SECRET", ("missile-warning",), "analyst"),
        ("jones", "TOP SECRET", ("missile-warning",), "officer"),
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class NodeProcess:
    nation: str
    home: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class DevNet:
    """Node homes under `workdir`, one per nation, and their server processes."""

    def __init__(
        self,
        workdir: Path,
        nations: Sequence[str] = ("KOR", "JPN", "USA"),
        *,
        database_urls: dict[str, str] | None = None,
        passphrase: str | None = None,
        cast: dict[str, tuple[tuple[str, str, tuple[str, ...], str], ...]] | None = None,
    ) -> None:
        self.workdir = workdir
        self.passphrase = passphrase or secrets.token_urlsafe(16)
        self.database_urls = database_urls or {}
        self.cast = cast if cast is not None else CAST
        self._clients: dict[tuple[str, str], NodeClient] = {}
        self._nodes: dict[str, Node] = {}
        self.nodes = {
            nation: NodeProcess(
                nation, workdir / nation.lower(), free_port(), workdir / f"{nation.lower()}.log"
            )
            for nation in nations
        }

    def setup(self) -> None:
        """Create every home, register the cast, and pin every pair of identity cards."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        homes = {}
        for nation, proc in self.nodes.items():
            homes[nation] = init_home(
                proc.home,
                nation,
                NAMES.get(nation, nation),
                self.passphrase,
                database_url=self.database_urls.get(nation),
                endpoints=(proc.url,),
            )
        for nation, home in homes.items():
            node = assemble(home)
            node.migrate()
            expires = date(node.clock().year + 2, 12, 31)
            for name, clearance, communities, role in self.cast.get(nation, ()):
                draft = PersonDraft(name, nation, clearance, expires, communities, role)
                register(node, draft)
                self.nodes[nation].tokens[name] = issue_token(node, name)
            for other, other_home in homes.items():
                if other != nation:
                    pin_partner(node, other_home.card.to_bytes())
            node.engine.dispose()

    def add_person(self, nation: str, draft: PersonDraft) -> str:
        """Register another person on a node (its process may be running); their token."""
        node = assemble(load_home(self.nodes[nation].home, self.passphrase))
        register(node, draft)
        token = issue_token(node, draft.name)
        node.engine.dispose()
        self.nodes[nation].tokens[draft.name] = token
        return token

    def env(self) -> dict[str, str]:
        return {**os.environ, "GSOMIA_PASSPHRASE": self.passphrase, "PYTHONUNBUFFERED": "1"}

    def start(self, nation: str, *, wait: float = 60.0) -> None:
        self.launch(nation)
        self.wait_ready(nation, wait)

    def launch(self, nation: str) -> None:
        """Start the node's process without waiting for it to be ready."""
        proc = self.nodes[nation]
        log = proc.log.open("ab")
        proc.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "gsomia",
                "serve",
                "--home",
                str(proc.home),
                "--listen",
                f"127.0.0.1:{proc.port}",
                "--log-level",
                "warning",
            ],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    def start_all(self, *, wait: float = 90.0) -> None:
        for nation in self.nodes:
            self.launch(nation)
        for nation in self.nodes:
            self.wait_ready(nation, wait)

    def wait_ready(self, nation: str, wait: float) -> None:
        proc = self.nodes[nation]
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.process is not None and proc.process.poll() is not None:
                raise Unavailable(
                    f"the {nation} node exited with {proc.process.returncode}",
                    hint=f"see {proc.log}",
                )
            try:
                if httpx.get(f"{proc.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise Unavailable(f"the {nation} node did not become ready", hint=f"see {proc.log}")

    def stop(self, nation: str, sig: int = signal.SIGTERM, *, timeout: float = 30.0) -> int | None:
        """Stop a node with `sig` (SIGKILL to crash it); its exit code."""
        proc = self.nodes[nation]
        if proc.process is None:
            return None
        if proc.process.poll() is None:
            proc.process.send_signal(sig)
            try:
                proc.process.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.process.kill()
                proc.process.wait()
        code = proc.process.returncode
        proc.process = None
        return code

    def node(self, nation: str) -> Node:
        """Direct access to a node's home and database (kept open until `close`)."""
        if nation not in self._nodes:
            self._nodes[nation] = assemble(load_home(self.nodes[nation].home, self.passphrase))
        return self._nodes[nation]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        for node in self._nodes.values():
            node.engine.dispose()
        self._nodes.clear()
        for nation in self.nodes:
            self.stop(nation)

    def client(self, nation: str, user: str) -> NodeClient:
        """A client of `nation`'s node acting as `user` (kept open until `close`)."""
        key = (nation, user)
        if key not in self._clients:
            proc = self.nodes[nation]
            self._clients[key] = NodeClient(proc.url, proc.tokens[user])
        return self._clients[key]

    def __enter__(self) -> DevNet:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
