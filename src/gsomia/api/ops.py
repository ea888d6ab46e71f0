"""Operations endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gsomia.api.deps import NodeDep
from gsomia.exchange import outbox
from gsomia.node.database import check_ready
from gsomia.treaty.items import Precedence

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(node: NodeDep) -> dict[str, str]:
    """The database answers; the node can take work."""
    check_ready(node)
    return {"status": "ready", "nation": node.nation}


@router.get("/metrics")
def metrics(node: NodeDep) -> Response:
    """Prometheus text format: queue depth by precedence, deliveries, rejections, latencies."""
    with node.reader.connect() as conn:
        depth = outbox.depth_by_priority(conn)
    for precedence in Precedence:
        level = int(Precedence.FLASH) - int(precedence)
        node.metrics.queue_depth.labels(precedence.name).set(depth.get(level, 0))
    return Response(generate_latest(node.metrics.registry), media_type=CONTENT_TYPE_LATEST)
