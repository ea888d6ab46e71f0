"""Prometheus metrics of one node: queue depth, deliveries, rejections, latencies.

The node counts as it goes; the queue depth is read from the outbox when the metrics are
scraped (`exposition`), so it is never stale and costs nothing between scrapes.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import Engine

from gsomia.exchange import outbox
from gsomia.treaty.items import Precedence

#: The media type of `Metrics.exposition`.
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """One registry per node, so several nodes in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.queue_depth = Gauge(
            "gsomia_outbox_depth",
            "Messages waiting for delivery",
            ["precedence"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "gsomia_deliveries_total",
            "Messages settled by a peer",
            ["peer", "outcome"],
            registry=self.registry,
        )
        self.delivery_failures = Counter(
            "gsomia_delivery_failures_total",
            "Attempts that could not reach a peer",
            ["peer"],
            registry=self.registry,
        )
        self.rejections = Counter(
            "gsomia_rejections_total",
            "Incoming messages refused, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "gsomia_decisions_total",
            "Treaty decisions taken",
            ["action", "allowed"],
            registry=self.registry,
        )
        self.delivery_latency = Histogram(
            "gsomia_delivery_latency_seconds",
            "Enqueue to signed answer",
            ["precedence"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.request_latency = Histogram(
            "gsomia_request_latency_seconds",
            "API request latency",
            ["route"],
            registry=self.registry,
        )

    def exposition(self, reader: Engine) -> bytes:
        """Every metric in the Prometheus text format, the queue depth by precedence read now
        from the outbox through `reader`."""
        with reader.connect() as conn:
            depth = outbox.depth_by_priority(conn)
        for precedence in Precedence:
            waiting = depth.get(outbox.priority(precedence), 0)
            self.queue_depth.labels(precedence.name).set(waiting)
        return generate_latest(self.registry)
