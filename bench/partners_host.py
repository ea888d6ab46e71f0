"""`python -m bench.partners_host ROOT USER_PORT`: the 24 partner nodes of `bench_partners` in
one process, each a real node's peer API on its own port (mutual TLS pinned to its card, the
batch opened, verified, stored and answered with signed receipts, as `gsomia serve` does),
and the first partner's user API too, for the screen that FLASH alerts reach.

One process, not 24: the machine has two cores. Each partner has its home, keys and SQLite
database; they share this process's event loop and threads. Ready once `ROOT/ready` exists;
stops on SIGTERM. The passphrase comes from GSOMIA_PASSPHRASE.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from bench.partners_world import PARTNERS, install
from gsomia.app.apps import create_peer_app, create_user_app
from gsomia.app.serving import Listener, _server, address, peer_tls
from gsomia.app.tls_scope import TlsScopeProtocol
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home


async def _serve(servers: list[Any], user: Any, ready: Path) -> None:
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in (user, *servers):
            server.should_exit = True

    loop.add_signal_handler(signal.SIGTERM, stop)
    first = asyncio.create_task(user.serve())
    while not user.started:
        await asyncio.sleep(0.05)
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    while not all(server.started for server in servers):
        await asyncio.sleep(0.05)
    ready.touch()
    await asyncio.gather(first, *tasks)


def main(root: Path, user_port: int) -> None:
    install()
    passphrase = os.environ["GSOMIA_PASSPHRASE"]
    nodes = [
        assemble(load_home(home, passphrase)) for home in sorted((root / "partners").iterdir())
    ]
    servers = []
    for node in nodes:
        node.migrate()
        listener = Listener(*address(node.home.config.peer_listen, "peer"), peer_tls(node))
        servers.append(
            _server(create_peer_app(node), listener, lifespan="off", http=TlsScopeProtocol)
        )
    screen = Listener("127.0.0.1", user_port)
    [first] = [node for node in nodes if node.nation == PARTNERS[0]]
    user = _server(create_user_app(first, run_worker=False), screen)
    asyncio.run(_serve(servers, user, root / "ready"))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
