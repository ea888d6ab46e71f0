"""A network of real node processes on loopback: for the demo, the integration tests, the bench.

Each node is a separate `gsomia serve` process with its own home, keys and database; the
homes are wired to each other exactly as operators would (identity cards pinned, people
registered, each act logged), only faster because the setup calls the same node use cases the
CLI calls (`gsomia user add`, `user token`, `peer add`).

Each node has a user port (plain HTTP, or TLS with `user_tls`) and a peer port: mutual TLS
pinned to the cards, whose endpoints are `https://127.0.0.1:<peer port>`; plain HTTP between
nodes only with `insecure_peer_http`, the development flag.
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

from gsomia.client import NodeClient, trust
from gsomia.errors import Unavailable
from gsomia.exchange.links import INSECURE_FLAG, client_context
from gsomia.node.assembly import assemble
from gsomia.node.home import KEYS, init_home, load_home
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
    peer_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    user_tls: bool = False
    peer_tls: bool = True

    @property
    def url(self) -> str:
        """The user API and pages."""
        return f"{'https' if self.user_tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def peer_url(self) -> str:
        """The peer API, as the node's card gives it to partners."""
        return f"{'https' if self.peer_tls else 'http'}://127.0.0.1:{self.peer_port}"

    @property
    def cacert(self) -> Path | None:
        """The certificate to trust the user API by (its own), when it is served over TLS."""
        return self.home / KEYS / "tls-cert.pem" if self.user_tls else None


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
        user_tls: bool = False,
        insecure_peer_http: bool = False,
        keys_uris: dict[str, str] | None = None,
        launcher: Sequence[str] = ("gsomia",),
    ) -> None:
        self.workdir = workdir
        # The module the servers run as (`python -m …`): a benchmark's world module may stand
        # before the CLI to give its nodes the agreements it measures under.
        self.launcher = tuple(launcher)
        self.keys_uris = keys_uris or {}
        self.passphrase = passphrase or secrets.token_urlsafe(16)
        self.database_urls = database_urls or {}
        self.cast = cast if cast is not None else CAST
        self._clients: dict[tuple[str, str], NodeClient] = {}
        self._nodes: dict[str, Node] = {}
        self.insecure_peer_http = insecure_peer_http
        self.nodes = {
            nation: NodeProcess(
                nation,
                workdir / nation.lower(),
                free_port(),
                workdir / f"{nation.lower()}.log",
                peer_port=free_port(),
                user_tls=user_tls,
                peer_tls=not insecure_peer_http,
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
                endpoints=(proc.peer_url,),
                peer_listen=f"127.0.0.1:{proc.peer_port}",
                keys_uri=self.keys_uris.get(nation, ""),
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
                    pin_partner(
                        node, other_home.card.to_bytes(), plain_http=self.insecure_peer_http
                    )
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

    def start(self, nation: str, *, wait: float = 60.0, serve: Sequence[str] = ()) -> None:
        self.launch(nation, serve)
        self.wait_ready(nation, wait)

    def launch(self, nation: str, serve: Sequence[str] = ()) -> None:
        """Start the node's process without waiting for it to be ready; `serve`: more
        options of `gsomia serve` (`--workers 2`)."""
        proc = self.nodes[nation]
        log = proc.log.open("ab")
        proc.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                *self.launcher,
                "serve",
                "--home",
                str(proc.home),
                "--listen",
                f"127.0.0.1:{proc.port}",
                "--peer-listen",
                f"127.0.0.1:{proc.peer_port}",
                *(["--tls"] if proc.user_tls else []),
                *([INSECURE_FLAG] if self.insecure_peer_http else []),
                "--log-level",
                "warning",
                *serve,
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
                answer = httpx.get(f"{proc.url}/readyz", timeout=1.0, verify=trust(proc.cacert))
                if answer.status_code == 200:
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
            self._clients[key] = NodeClient(proc.url, proc.tokens[user], cacert=proc.cacert)
        return self._clients[key]

    def peer_http(self, sender: str, receiver: str) -> httpx.Client:
        """An HTTP client of `receiver`'s peer API over `sender`'s pinned mutual-TLS link, as
        `sender`'s node calls it (the caller closes it)."""
        node, other = self.node(sender), self.node(receiver)
        assert node.keys.tls_files is not None
        verify = client_context(node.keys.tls_files, other.card)
        return httpx.Client(base_url=self.nodes[receiver].peer_url, verify=verify, timeout=30)

    def __enter__(self) -> DevNet:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
