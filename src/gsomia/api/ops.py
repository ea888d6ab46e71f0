"""Operations endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gsomia.api.deps import NodeDep
from gsomia.node.database import check_ready
from gsomia.node.metrics import CONTENT_TYPE

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
    return Response(node.metrics.exposition(node.reader), media_type=CONTENT_TYPE)
