"""`python -m bench.partners_host ROOT USER_PORT NATION,…`: partner nodes of `bench_partners`
in one process, each a real node's peer API on its own port (mutual TLS pinned to its card,
the batch opened, verified, stored and answered with signed receipts, as `gsomia serve`
does); with USER_PORT above 0, the first nation's user API too, for the screen that FLASH
alerts reach.

Two such processes, not 24: the machine has two cores. The first partner (whose screen the
FLASH figure reads) runs alone, as it would on a machine of its own; the other 23 share one
process, its event loop and threads. Each partner has its home, keys and SQLite database.
Ready once `ROOT/ready-NATION` (the first named) exists; stops on SIGTERM. The passphrase
comes from GSOMIA_PASSPHRASE.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from bench.partners_world import install
from gsomia.app.apps import create_peer_app, create_user_app
from gsomia.app.serving import Listener, _server, address, peer_tls
from gsomia.app.tls_scope import TlsScopeProtocol
from gsomia.exchange.bulk import BulkCrypto
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home


async def _serve(servers: list[Any], user: Any | None, ready: Path) -> None:
    loop = asyncio.get_running_loop()
    every = [*servers, *([user] if user is not None else [])]

    def stop() -> None:
        for server in every:
            server.should_exit = True

    loop.add_signal_handler(signal.SIGTERM, stop)
    tasks = []
    if user is not None:  # its lifespan binds the alerts to this loop
        tasks.append(asyncio.create_task(user.serve()))
        while not user.started:
            await asyncio.sleep(0.05)
    tasks += [asyncio.create_task(server.serve()) for server in servers]
    while not all(server.started for server in servers):
        await asyncio.sleep(0.05)
    ready.touch()
    await asyncio.gather(*tasks)


def main(root: Path, user_port: int, nations: list[str]) -> None:
    install()
    passphrase = os.environ["GSOMIA_PASSPHRASE"]
    homes = [root / "partners" / nation.lower() for nation in nations]
    nodes = [assemble(load_home(home, passphrase)) for home in homes]
    if len(nodes) > 1:
        # Nodes sharing one process (the bench's 23) open their bulk batches in it, as one
        # node whose keys are in a token does: 23 pools of child processes would be 23 nodes'
        # machines on these two cores. A node alone (the first) has its children (ADR 0122).
        for node in nodes:
            node.bulk = BulkCrypto(node.keys, workers=0)
    servers = []
    for node in nodes:
        node.migrate()
        listener = Listener(*address(node.home.config.peer_listen, "peer"), peer_tls(node))
        servers.append(
            _server(create_peer_app(node), listener, lifespan="off", http=TlsScopeProtocol)
        )
    user = None
    if user_port:
        screen = Listener("127.0.0.1", user_port)
        user = _server(create_user_app(nodes[0], run_worker=False), screen)
    asyncio.run(_serve(servers, user, root / f"ready-{nations[0]}"))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","))
