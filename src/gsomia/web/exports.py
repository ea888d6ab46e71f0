"""`/export/<list>.<csv|json>`: a list of the pages exported whole, with the page's filters.

The rows, the access decision on each, and the log entry are `node.export`'s; this route
only reads the filters from the address (the export links carry the page's own) and hands
the file over as a download, never rendered in the node's origin.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from gsomia.labels.media import attachment_headers
from gsomia.node import export
from gsomia.web import paging
from gsomia.web.auth import SignedIn
from gsomia.web.render import HEADERS, PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@router.get("/export/{listed}.{form}")
def export_list(listed: str, form: str, page: SignedIn) -> Response:
    assert page.user is not None
    params = page.request.query_params
    wanted = paging.decision_filter(params) if listed == "decisions" else paging.list_filter(params)
    found = export.export(page.node, page.user, listed, form, wanted)
    name = f"{page.node.nation}-{listed}-{found.at:%Y%m%dT%H%M%SZ}.{form}"
    return Response(
        export.render(found),
        media_type=MEDIA[form],
        headers={**HEADERS, **attachment_headers(name), "X-Withheld-Rows": str(found.withheld)},
    )
