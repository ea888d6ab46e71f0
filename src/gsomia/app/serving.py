"""Serving a node: the user application and the peer application, one event loop, one lifespan.

Two listeners (ADR 0071). The user API and pages listen on `--listen`, plain HTTP unless
`--tls`. The peer API listens on `--peer-listen` with mutual TLS 1.3 only: this node's
certificate, a client certificate required, trusted only if it is on a pinned partner's card
(`gsomia.exchange.links.PeerTrust`). Each is its own uvicorn server over the same `Node`; the
user server runs the node's lifespan (the delivery worker and the log keeper start once), and
the peer server starts accepting once that lifespan has started. One signal stops both.

`--insecure-peer-http` serves the peer API over plain HTTP and lets the node call partners
so: for development only, and said loudly in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from gsomia.app.apps import create_peer_app, create_user_app
from gsomia.app.http_parsing import BoundedHttpTools
from gsomia.app.processes import check_several, run_processes
from gsomia.app.tls_scope import TlsScopeProtocol
from gsomia.errors import UsageError
from gsomia.exchange.links import INSECURE_FLAG, PeerTrust
from gsomia.node.home import Serving, clear_serving, record_serving
from gsomia.node.runtime import Node

log = logging.getLogger("gsomia.node")

ContextFactory = Callable[[], ssl.SSLContext]


@dataclass(frozen=True)
class Listener:
    """Where a server listens, and the TLS context it serves with (None: plain HTTP)."""

    host: str
    port: int
    tls: ContextFactory | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"


def address(text: str, what: str) -> tuple[str, int]:
    """`HOST:PORT` as (host, port); UsageError naming the option otherwise."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"{what} address {text!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


def user_tls(node: Node, cert: Path | None = None, key: Path | None = None) -> ContextFactory:
    """The user listener's TLS: the node's own certificate, or the given PEM files (a key
    file encrypted under the node's passphrase, or not encrypted)."""
    own = node.keys.tls_files
    if own is None:
        raise UsageError("this node's TLS key is not on disk", hint="serve it from its home")
    if (cert is None) != (key is None):
        raise UsageError("--tls-cert and --tls-key go together")

    def build() -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert or own.certificate, key or own.key, password=own.password)
        return context

    return build


def peer_tls(node: Node) -> ContextFactory:
    """The peer listener's mutual TLS, its trust anchors following the node's partners."""
    return PeerTrust(node.keys.tls_files, node.peer_cards).context


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to `serve_node`, which stops both servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _server(app: Any, listener: Listener, **options: Any) -> _Server:
    factory = listener.tls
    config = uvicorn.Config(
        app,
        host=listener.host,
        port=listener.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        ssl_context_factory=(lambda _config, _default: factory()) if factory else None,
        **options,
    )
    return _Server(config)


def _bind(listener: Listener, what: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in listener.host else socket.AF_INET
    try:
        sock = socket.create_server((listener.host, listener.port), family=family, backlog=2048)
    except OSError as error:
        raise UsageError(
            f"cannot listen for {what} on {listener.url}: {error.strerror}",
            hint="another process (another node?) may hold that port: choose another with "
            "--listen / --peer-listen, or [server] in config.toml",
        ) from error
    # Accepted connections inherit this (Linux). asyncio sets TCP_NODELAY only on sockets whose
    # proto is IPPROTO_TCP, and create_server's is 0: without it a keep-alive response's body
    # waited for the client's delayed ACK of its headers, 40 ms per request (py-spy: idle).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def serve_node(
    node: Node,
    *,
    user: Listener,
    peer: Listener,
    announce: Callable[[str, str], None] | None = None,
) -> None:
    """Run the node until SIGINT or SIGTERM: both listeners, the worker, the log keeper.

    Both ports are bound first: a port in use is one `UsageError` before anything says the
    node is up; `announce(user_url, peer_url)` is told once they are this node's."""
    sockets, serving = _listen(node, user, peer)
    home = node.home.path
    # Bound, so these addresses are this node's: the CLI's --home DIR reaches it here.
    record_serving(home, serving)
    if announce is not None:
        announce(serving.url, serving.peer_url)
    try:
        caught = _serve(node, user, peer, sockets)
    finally:
        for sock in sockets:
            sock.close()
        clear_serving(home, os.getpid())
    for sig in reversed(caught):  # end as the signal says, as uvicorn does on its own
        signal.raise_signal(sig)


def _serve(
    node: Node,
    user: Listener,
    peer: Listener,
    sockets: list[socket.socket],
    *,
    shared: bool = False,
    processes: int = 1,
) -> list[int]:
    """Both servers on `sockets` until SIGINT or SIGTERM; the signals caught. `processes`: the
    node's API processes serving these sockets, which share its peer allowance."""
    user_app = create_user_app(node, shared=shared)
    user_server = _server(user_app, user, http=BoundedHttpTools)
    peer_app = create_peer_app(node, processes=processes)
    peer_server = _server(peer_app, peer, lifespan="off", http=TlsScopeProtocol)
    caught: list[int] = []

    def stop(sig: int, frame: FrameType | None) -> None:
        caught.append(sig)
        user_server.handle_exit(sig, frame)
        peer_server.handle_exit(sig, frame)

    previous = {
        sig: signal.signal(sig, stop) for sig in (signal.SIGINT.value, signal.SIGTERM.value)
    }
    try:
        asyncio.run(_serve_both(user_server, peer_server, sockets))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return caught


def serve_several(
    node: Node,
    *,
    user: Listener | None,
    peer: Listener | None,
    workers: int,
    delivery: int,
    announce: Callable[[str, str], None] | None = None,
) -> int:
    """Serve the node from `workers` API processes on both listeners and `delivery` delivery
    processes, on one PostgreSQL (ADR 0111); with no listeners, delivery processes only
    (`--delivery-only`). Returns the exit code once all have stopped."""
    check_several(node, workers, delivery)
    if user is None or peer is None:
        return run_processes(node, api=None, workers=0, delivery=delivery)
    sockets, serving = _listen(node, user, peer)
    if announce is not None:
        announce(serving.url, serving.peer_url)

    def api() -> None:
        _serve(node, user, peer, sockets, shared=True, processes=workers)

    try:
        return run_processes(node, api=api, workers=workers, delivery=delivery, serving=serving)
    finally:
        for sock in sockets:
            sock.close()


def _listen(node: Node, user: Listener, peer: Listener) -> tuple[list[socket.socket], Serving]:
    """Both ports bound (a port in use is one `UsageError`, the other closed again), and the
    addresses they serve at; plain HTTP on the peer API allowed, and warned of, if asked."""
    if peer.tls is None:
        node.links.allow_plain_http()
        log.warning(
            "%s: the peer API is served over plain HTTP on %s and partners are called over "
            "plain HTTP: link confidentiality then rests on the envelope alone. Development "
            "only; never on a network between nations.",
            INSECURE_FLAG,
            peer.url,
        )
    sockets = [_bind(user, "the user API")]
    try:
        sockets.append(_bind(peer, "the peer API"))
    except UsageError:
        sockets[0].close()
        raise
    serving = Serving(node.nation, os.getpid(), _url(user, sockets[0]), _url(peer, sockets[1]))
    return sockets, serving


def _url(listener: Listener, sock: socket.socket) -> str:
    """The listener's URL at the port bound (port 0 asks the system for a free one)."""
    port = sock.getsockname()[1]
    host = f"[{listener.host}]" if ":" in listener.host else listener.host
    return f"{'https' if listener.tls else 'http'}://{host}:{port}"


async def _serve_both(user: _Server, peer: _Server, sockets: list[socket.socket]) -> None:
    user_task = asyncio.create_task(user.serve(sockets=[sockets[0]]))
    while not user.started and not user_task.done():
        await asyncio.sleep(0.02)  # the lifespan migrates the database before partners call
    if user.started:
        log.info("peer API listening on %s", sockets[1].getsockname())
        await peer.serve(sockets=[sockets[1]])
    await user_task
