"""The node's two applications over one node: the user application and the peer application.

The user application serves people: the user API, the pages, `/healthz /readyz /metrics
/docs`, and it owns the node's lifespan (migrations, the delivery worker, the log keeper).
The peer application serves partner nodes only — the peer API and the log's peer routes —
and is served on its own listener with mutual TLS (`gsomia.app.serving`, ADR 0071).
Assembled above `api` and `web`, which both build on `node`, so neither imports the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from gsomia import __version__
from gsomia.api import (
    agreements,
    alerts_kept,
    audit,
    compromise,
    consent,
    contractors,
    custody,
    errors,
    exports,
    notices,
    ops,
    peer,
    taxii,
    tokens,
    users,
    visits,
)
from gsomia.api import log as log_api
from gsomia.app.admission import (
    count_peer_refusal,
    count_user_refusal,
    peer_admission,
    user_admission,
)
from gsomia.app.doors import peer_door, user_door
from gsomia.app.gate import Gate
from gsomia.app.nation import NationHeader
from gsomia.app.short_ids import ShortIds
from gsomia.node.cosigning import keep_log
from gsomia.node.keeping import keep_when_chosen
from gsomia.node.runtime import Node
from gsomia.node.throttle import Allowance, Throttle
from gsomia.node.watch import watch
from gsomia.web import install as install_web
from gsomia.web.i18n import Translator
from gsomia.web.render import refused_page

#: FastAPI's OpenTelemetry bridge off: the node configures no OpenTelemetry provider, and the
#: bridge asked on every request whether one had been (three provider look-ups, ~4 % of the
#: event loop's samples on a TAXII post; ADR 0149). The node's metrics are its own.
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}

log = logging.getLogger("gsomia.node")


def create_user_app(node: Node, *, run_worker: bool = True, shared: bool = False) -> FastAPI:
    """The user application, with the node's lifespan (the worker and log keeper if
    `run_worker`). `shared`: one of several API processes on one PostgreSQL (ADR 0111),
    which delivers nothing itself, hears the others, and keeps the log only if chosen."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        node.migrate()
        node.alerts.bind(asyncio.get_running_loop())
        stop = asyncio.Event()
        worker = keeper = watcher = chosen = None
        if shared:
            await asyncio.to_thread(node.share_with_other_processes)
            # The log is kept by one process of the node's, whichever holds its lock.
            chosen = asyncio.create_task(keep_when_chosen(node, stop))
        elif run_worker:
            worker = asyncio.create_task(node.worker.run(stop))
            # Checkpoints, and offering them to partners for their cosignature.
            keeper = asyncio.create_task(keep_log(node, stop))
        if shared or run_worker:
            # Changes other processes made, and FLASH that has not gone out (issue 16).
            watcher = asyncio.create_task(watch(node, stop))
        log.info("node %s ready", node.nation)
        try:
            yield
        finally:
            # Rows in flight stay queued and are sent again on restart; the peer's inbox
            # makes the repeat harmless, so stopping at any point loses nothing.
            stop.set()
            if worker is not None:
                await worker
            if chosen is not None:
                await chosen  # ends on `stop`, letting its lock go for another process
                node.fanout.stop()
            if watcher is not None:
                await watcher
            if keeper is not None:
                keeper.cancel()  # nothing it does is lost: the next start offers again
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
            await asyncio.to_thread(node.bulk.close)  # the bulk children (ADR 0122)

    app = FastAPI(
        title=f"gsomia node {node.nation}",
        version=__version__,
        summary="Exchange of classified military information under security agreements",
        lifespan=lifespan,
        telemetry=NO_TELEMETRY,
    )
    app.state.node = node
    errors.install(app, words=Translator)  # errors in the reader's language (ADR 0141)
    # TAXII first: a request is matched against the routes in order, each a regex and
    # FastAPI's bookkeeping (~3 us), and TAXII's 10 sat behind the API's 85, a tenth of a
    # TAXII GET's own time (py-spy, ADR 0137); its prefix /taxii2 is its own, so the order
    # changes no route's answer, and an API request pays its 10 misses.
    app.include_router(taxii.router)  # partner tools: TAXII 2.1 (ADR 0116)
    app.include_router(users.router)
    app.include_router(alerts_kept.router)
    app.include_router(tokens.router)
    app.include_router(agreements.router)
    for workflow in (consent, notices, custody, compromise, visits, contractors):
        app.include_router(workflow.router)
    app.include_router(audit.router)
    app.include_router(ops.router)
    app.include_router(exports.router)  # partner tools' formats: STIX, ZTDF (ADR 0115)
    install_web(app)  # pages and static files (gsomia.web)
    # Ids as lists print them, expanded inside the gate: only for the admitted (issue 16).
    app.add_middleware(ShortIds, node=node)
    # Caps and credentials before any body is read (ADR 0072).
    app.add_middleware(
        Gate,
        door_of=user_door,
        admit=user_admission(node),
        refused=count_user_refusal(node),
        page=refused_page,  # a page's post refused here is a page, in its reader's words
    )
    app.add_middleware(NationHeader, nation=node.nation)  # outermost: on every answer
    return app


#: The user application (its former name, kept for callers that serve people).
create_app = create_user_app


def create_peer_app(node: Node, *, throttle: Throttle | None = None, processes: int = 1) -> FastAPI:
    """The peer application: what partner nodes call, nothing else. No lifespan of its own
    (the user application's runs the node), no interactive docs, no OpenAPI document and no
    metrics: a partner needs the protocol, which it has, and nothing about this node. Each
    partner's requests are within `throttle` (by default, this process's share of the home's
    `[peer]` allowance among the node's `processes` API processes)."""
    app = FastAPI(
        title=f"gsomia node {node.nation} — peer API",
        version=__version__,
        summary="Partner nodes deliver messages and witness logs here, over mutual TLS",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=NO_TELEMETRY,
    )
    app.state.node = node
    errors.install(app)
    app.include_router(peer.router)
    app.include_router(log_api.router)
    config = node.home.config
    allowance = Allowance(config.peer_rate, config.peer_burst).shared_by(processes)
    throttle = throttle or Throttle(allowance)
    app.add_middleware(
        Gate,
        door_of=lambda _method, path: peer_door(path),
        admit=peer_admission(node, throttle),
        refused=count_peer_refusal(node),
    )
    return app
