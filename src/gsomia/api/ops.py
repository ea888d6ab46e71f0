"""Operations endpoints: liveness, readiness, Prometheus metrics.

`/metrics` says how much moves to whom, so it is not for everyone who reaches the port: an
officer's or an operator's token (`READ_METRICS`, R16), or the scraper's token
`GSOMIA_METRICS_TOKEN` (32 characters or more; a shorter one is never accepted).
"""

from __future__ import annotations

import hmac
import os

from fastapi import APIRouter, Request, Response

from gsomia.api.deps import NodeDep, current_user
from gsomia.api.models.problems import errors
from gsomia.node.authority import authorise
from gsomia.node.database import check_ready
from gsomia.node.metrics import CONTENT_TYPE
from gsomia.treaty.roles import Action

router = APIRouter(tags=["operations"])

SCRAPE_TOKEN = "GSOMIA_METRICS_TOKEN"  # noqa: S105 - the name of a variable, not a secret
MIN_SCRAPE_TOKEN = 32


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses=errors(503))
def readyz(node: NodeDep) -> dict[str, str]:
    """The database answers; the node can take work."""
    check_ready(node)
    return {"status": "ready", "nation": node.nation}


def _scraper(request: Request) -> bool:
    expected = os.environ.get(SCRAPE_TOKEN, "")
    header = request.headers.get("authorization", "")
    presented = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    return len(expected) >= MIN_SCRAPE_TOKEN and hmac.compare_digest(
        presented.encode(), expected.encode()
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}}, **errors(401, 403)},
)
def metrics(request: Request, node: NodeDep) -> Response:
    """Prometheus text format: queue depth by precedence, deliveries, rejections, refusals."""
    if not _scraper(request):
        authorise(node, current_user(request, node), Action.READ_METRICS, "metrics")
    return Response(node.metrics.exposition(node.reader), media_type=CONTENT_TYPE)
