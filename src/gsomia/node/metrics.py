"""Prometheus metrics of one node: queue depth, deliveries, rejections, refusals, latencies.

The node counts as it goes; the queue depth is read from the outbox when the metrics are
scraped (`exposition`), so it is never stale and costs nothing between scrapes.

When several processes serve the node (`serve --workers`, ADR 0111), each counts into files of
a directory they share (prometheus_client's multiprocess mode, `share_between_processes`), and
whichever API process is scraped answers for all of them: the delivery processes' deliveries
and latencies included, which no port showed before (ADR 0127).

Every label value comes from a fixed set (`Bounded`): a value from outside the set is counted
as `other`. A label is a time series kept for the life of the process, so a value a sender
chose (a message kind, a reason, a status) would let anyone grow the node and its scrape
without bound (issue 13).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from sqlalchemy import Engine

from gsomia.exchange import outbox
from gsomia.exchange.kinds import Kind
from gsomia.exchange.wire import RECEIVED, REJECTED
from gsomia.seal.counts import PQ_SIGNATURES
from gsomia.treaty.items import Precedence

#: The media type of `Metrics.exposition`.
CONTENT_TYPE = CONTENT_TYPE_LATEST
#: The label value of anything outside a label's fixed set.
OTHER = "other"

_NATION = re.compile(r"[A-Z]{3}")
Allowed = Collection[str] | Callable[[str], bool]

#: Why a request to the peer API was refused before any route ran (`gsomia.app.gate`).
PEER_REFUSALS = frozenset({"too_large", "link_refused", "unauthenticated", "rate_limited"})
#: Why a checkpoint offered for cosigning was refused (`gsomia.node.witness`).
WITNESS_REFUSALS = frozenset(
    {"malformed", "unknown_origin", "bad_signature", "stale", "rollback", "fork"}
)
#: The doors of the user application (`gsomia.app.doors`).
DOORS = frozenset({"publish", "text", "api", "web_publish", "web_text", "web", "open"})
USER_REFUSALS = frozenset({"too_large", "unauthenticated"})


def _allows(allowed: Allowed, value: str) -> bool:
    return allowed(value) if callable(allowed) else value in allowed


class Bounded:
    """A labelled metric whose label values come from fixed sets, one per label."""

    def __init__(self, metric: Any, *allowed: Allowed) -> None:
        self.metric = metric
        self.allowed = allowed

    def labels(self, *values: str) -> Any:
        return self.metric.labels(
            *(v if _allows(a, v) else OTHER for v, a in zip(values, self.allowed, strict=True))
        )


def nation(value: str) -> bool:
    """A nation code as partners are named: three capital letters."""
    return _NATION.fullmatch(value) is not None


class Metrics:
    """One registry per node, so several nodes in one process (tests) do not collide."""

    def __init__(self) -> None:
        #: The directory the node's processes count into, once shared (None: this one only).
        self.shared: Path | None = None
        self._build()

    def share_between_processes(self, directory: Path) -> None:
        """Count into `directory` from now on, as every other process of the node does, and
        answer scrapes for all of them. In a forked process, before it counts anything: the
        metrics are made again on files, and each `Bounded` already handed out (a budget
        keeps one) is pointed at its new metric."""
        os.environ[multiprocess_dir_variable()] = str(directory)
        values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
        handed_out = {k: v for k, v in vars(self).items() if isinstance(v, Bounded)}
        self._build()
        for name, bounded in handed_out.items():
            bounded.metric = getattr(self, name).metric
            setattr(self, name, bounded)
        self.shared = directory

    def _build(self) -> None:
        self.registry = registry = CollectorRegistry()

        def counter(name: str, doc: str, labels: list[str], *allowed: Allowed) -> Bounded:
            """A counter in this registry whose label values come from `allowed` only."""
            return Bounded(Counter(name, doc, labels, registry=registry), *allowed)

        self.queue_depth = Gauge(
            "gsomia_outbox_depth",
            "Messages waiting for delivery",
            ["precedence"],
            registry=registry,
            multiprocess_mode="mostrecent",  # read from the outbox: the latest read is true
        )
        self.deliveries = counter(
            "gsomia_deliveries_total",
            "Messages settled by a peer",
            ["peer", "outcome"],
            nation,
            {RECEIVED, REJECTED},
        )
        self.delivery_failures = counter(
            "gsomia_delivery_failures_total",
            "Attempts that could not reach a peer",
            ["peer"],
            nation,
        )
        self.flash_undelivered = counter(
            "gsomia_flash_undelivered_total",
            "FLASH messages found still queued after a failed try (each counted once)",
            ["peer"],
            nation,
        )
        self.flash_demoted = counter(
            "gsomia_flash_demoted_total",
            "Lone messages a partner marked FLASH over its FLASH budget, handled at IMMEDIATE",
            ["peer"],
            nation,
        )
        self.rejections = counter(
            "gsomia_rejections_total",
            "Incoming messages refused, by kind and whether the sender's signature held",
            ["kind", "verified"],
            {k.value for k in Kind},
            {"true", "false"},
        )
        self.decisions = counter(
            "gsomia_decisions_total",
            "Treaty decisions taken",
            ["action", "allowed"],
            {"receive", "read"},
            {"accepted", "rejected", "true", "false"},
        )
        self._refusals(counter)
        self.delivery_latency = Bounded(
            Histogram(
                "gsomia_delivery_latency_seconds",
                "Enqueue to signed answer",
                ["precedence"],
                buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
                registry=registry,
            ),
            {p.name for p in Precedence},  # names, as `gsomia_outbox_depth` (issue 16)
        )

    def _refusals(self, counter: Callable[..., Bounded]) -> None:
        """What was refused before any route or decision ran, and the ML-DSA work done."""
        self.peer_refusals = counter(
            "gsomia_peer_refusals_total",
            "Requests to the peer API refused before any route ran, by reason",
            ["reason"],
            PEER_REFUSALS,
        )
        self.pq_signatures = Gauge(
            "gsomia_pq_signature_operations",
            "ML-DSA signatures made and verified by the node's running processes",
            ["operation"],
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.user_refusals = counter(
            "gsomia_user_refusals_total",
            "Requests to the user API and pages refused before their body was read",
            ["door", "reason"],
            DOORS,
            USER_REFUSALS,
        )
        self.witness_refusals = counter(
            "gsomia_witness_refusals_total",
            "Checkpoints offered for cosigning and refused, by reason (none is stored)",
            ["reason"],
            WITNESS_REFUSALS,
        )

    def rejected(self, kind: str, *, verified: bool) -> None:
        """Count an incoming message refused: its kind (if it is one) and whether it verified."""
        self.rejections.labels(kind, str(verified).lower()).inc()

    def exposition(self, reader: Engine) -> bytes:
        """Every metric in the Prometheus text format, the queue depth by precedence read now
        from the outbox through `reader`."""
        with reader.connect() as conn:
            depth = outbox.depth_by_priority(conn)
        for operation in ("sign", "verify"):
            self.pq_signatures.labels(operation).set(PQ_SIGNATURES[operation])
        for precedence in Precedence:
            waiting = depth.get(outbox.priority(precedence), 0)
            self.queue_depth.labels(precedence.name).set(waiting)
        if self.shared is None:
            return generate_latest(self.registry)
        every = CollectorRegistry()
        multiprocess.MultiProcessCollector(every, path=str(self.shared))  # type: ignore[no-untyped-call]
        return generate_latest(every)


def multiprocess_dir_variable() -> str:
    """The variable prometheus_client's multiprocess mode reads its directory from."""
    return "PROMETHEUS_MULTIPROC_DIR"


def prepare_shared(directory: Path, unit: int) -> Path:
    """An empty directory for the processes of one unit (the parent `unit`, a pid) to count
    into, under `directory` (0700). Each unit has its own: two units of one home on one
    machine (API and delivery split, ADR 0111) must neither sum each other nor remove each
    other's files. Directories of units no longer running go: counters start again with the
    processes, as they always did."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for old in directory.iterdir():
        if old.is_dir() and old.name.isdigit() and not _running(int(old.name)):
            shutil.rmtree(old, ignore_errors=True)
    own = directory / str(unit)
    shutil.rmtree(own, ignore_errors=True)
    own.mkdir(mode=0o700)
    return own


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


def process_ended(directory: Path, pid: int) -> None:
    """Forget what an ended process reported as live (its counters stay in the sums)."""
    multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
