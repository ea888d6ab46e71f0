"""The node's application: user API, peer API, web pages, operations, with the worker alongside.

Assembled above `api` and `web`, which both build on `node`, so neither imports the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gsomia import __version__
from gsomia.api import (
    agreements,
    audit,
    compromise,
    consent,
    custody,
    errors,
    notices,
    ops,
    peer,
    users,
    visits,
)
from gsomia.api import log as log_api
from gsomia.node.cosigning import keep_log
from gsomia.node.runtime import Node
from gsomia.web import install as install_web

log = logging.getLogger("gsomia.node")


def create_app(node: Node, *, run_worker: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        node.migrate()
        node.alerts.bind(asyncio.get_running_loop())
        stop = asyncio.Event()
        worker = asyncio.create_task(node.worker.run(stop)) if run_worker else None
        # Checkpoints, and offering them to partners for their cosignature, beside the worker.
        keeper = asyncio.create_task(keep_log(node, stop)) if run_worker else None
        log.info("node %s ready", node.nation)
        try:
            yield
        finally:
            # Rows in flight stay queued and are sent again on restart; the peer's inbox
            # makes the repeat harmless, so stopping at any point loses nothing.
            stop.set()
            if worker is not None:
                await worker
            if keeper is not None:
                keeper.cancel()  # nothing it does is lost: the next start offers again
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper

    app = FastAPI(
        title=f"gsomia node {node.nation}",
        version=__version__,
        summary="Exchange of classified military information under security agreements",
        lifespan=lifespan,
    )
    app.state.node = node
    errors.install(app)
    app.include_router(users.router)
    app.include_router(agreements.router)
    for workflow in (consent, notices, custody, compromise, visits):
        app.include_router(workflow.router)
    app.include_router(peer.router)
    app.include_router(log_api.router)
    app.include_router(audit.router)
    app.include_router(ops.router)
    install_web(app)  # pages and static files (gsomia.web)
    return app
