"""Several processes serving one node on one PostgreSQL: `gsomia serve --workers N` and the
delivery processes (ADR 0111).

The parent binds both listeners, brings the database to the newest schema once, and forks:
N API processes that accept on the same two sockets (the kernel spreads the connections),
and D delivery processes that send the outbox, each claiming the rows it sends (`FOR UPDATE
SKIP LOCKED` under a lease) so no row goes out twice and none waits on a busy process. Keys
are opened once, by the parent, before the fork: no child asks for the passphrase or holds
it. Every process hears the others (`gsomia.node.fanout`): a FLASH alert or a signed-out
session reaches the screens open on any of them, outbox work wakes the delivery processes.
One process, whichever holds the keeper's lock, keeps the log (`gsomia.node.keeping`).

The parent only supervises: SIGTERM or SIGINT stops every child and waits for it; a child
that ends on its own is a fault, so the parent stops the rest and exits non-zero, for the
service manager to start the whole again (systemd `Restart=on-failure`) rather than run on
short of a part.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from gsomia.errors import UsageError
from gsomia.node.home import Serving, clear_serving, record_serving
from gsomia.node.keeping import keep_when_chosen
from gsomia.node.metrics import prepare_shared, process_ended
from gsomia.node.runtime import Node
from gsomia.node.watch import watch

log = logging.getLogger("gsomia.node")

STOP_GRACE = 25.0  # seconds children have to stop before they are killed (systemd: 30)
WATCH = 0.2  # seconds between the parent's looks at its children
METRICS_DIR = "metrics"  # in the home: a directory per unit its processes count into


def check_several(node: Node, workers: int, delivery: int) -> None:
    """`UsageError` unless the node's database lets several processes serve it."""
    if node.engine.dialect.name == "postgresql":
        return
    raise UsageError(
        f"serving from several processes (--workers {workers}, --delivery {delivery}) needs "
        "PostgreSQL: this node's database is SQLite, which one process serves (it takes one "
        "writer at a time)",
        hint="serve with `gsomia serve` alone, or move the node to PostgreSQL ([database] url = "
        "postgresql://…, docs/deployment.md)",
    )


def run_processes(
    node: Node,
    *,
    api: Callable[[], None] | None,
    workers: int,
    delivery: int,
    serving: Serving | None = None,
) -> int:
    """Fork `workers` processes running `api()` and `delivery` delivery processes, and
    supervise them until a signal or a child's end; the exit code (0 when stopped by a
    signal, 1 when a child ended on its own)."""
    node.migrate()  # once, before any child: none of them races another to a schema
    # Every child counts into one directory, so whichever API process is scraped answers for
    # all, the delivery processes' deliveries and latencies included (ADR 0127).
    counted = prepare_shared(node.home.path / METRICS_DIR, os.getpid())
    children: dict[int, str] = {}
    for n in range(workers if api is not None else 0):
        assert api is not None
        children[_fork(node, api, counted)] = f"API process {n + 1}"
    for n in range(delivery):
        children[_fork(node, lambda: asyncio.run(deliver(node)), counted)] = (
            f"delivery process {n + 1}"
        )
    if serving is not None:
        record_serving(node.home.path, serving)
    stopping: list[int] = []

    def stop(sig: int, _frame: FrameType | None) -> None:
        stopping.append(sig)
        _signal_all(children, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                if stopping:  # signalled: each child has `STOP_GRACE` to end
                    _reap(children)
                    break
                time.sleep(WATCH)
                continue
            role = children.pop(pid, None)
            process_ended(counted, pid)
            if role is None or stopping:
                continue
            log.error(
                "%s (pid %d) ended on its own (%s): stopping the node's other processes",
                role,
                pid,
                _how(status),
            )
            code = 1
            stopping.append(signal.SIGTERM)
            _signal_all(children, signal.SIGTERM)
            _reap(children)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if children:
            _signal_all(children, signal.SIGTERM)
            _reap(children)
        if serving is not None:
            clear_serving(node.home.path, os.getpid())
        shutil.rmtree(counted, ignore_errors=True)  # the unit's counts end with it
    return code


def _fork(node: Node, run: Callable[[], None], counted: Path) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:  # the child: never back into the parent's code
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        node.after_fork()
        node.metrics.share_between_processes(counted)
        run()
        code = 0
    except BaseException:
        log.exception("process %d failed", os.getpid())
    finally:
        logging.shutdown()
        os._exit(code)


def _signal_all(children: dict[int, str], sig: int) -> None:
    for pid in children:
        with contextlib.suppress(ProcessLookupError):  # ended meanwhile
            os.kill(pid, sig)


def _reap(children: dict[int, str]) -> None:
    """Wait for `children` to end, killing those still running after `STOP_GRACE`."""
    deadline = time.monotonic() + STOP_GRACE
    while children and time.monotonic() < deadline:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid:
            children.pop(pid, None)
        else:
            time.sleep(0.05)
    _signal_all(children, signal.SIGKILL)
    for pid in list(children):
        os.waitpid(pid, 0)
        children.pop(pid)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


async def deliver(node: Node) -> None:
    """A delivery process: send the outbox (claiming each row first), watch for FLASH that
    did not go out, keep the log if chosen; until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    node.alerts.bind(loop)  # an officers' alert raised here goes to the others' screens
    await asyncio.to_thread(node.share_with_other_processes)
    log.info("delivery process %d of node %s ready", os.getpid(), node.nation)
    try:
        await asyncio.gather(node.worker.run(stop), watch(node, stop), keep_when_chosen(node, stop))
    finally:
        node.fanout.stop()
        await asyncio.to_thread(node.bulk.close)  # the bulk children (ADR 0122)
