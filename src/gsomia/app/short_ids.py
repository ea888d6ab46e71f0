"""Short ids in paths: `/api/v1/holdings/f59bb757/content` reaches the holding whose id
begins `f59bb757`, on every route and page under `/items/` and `/holdings/` (issue 16).

ASGI middleware: the path's id segment is expanded (`gsomia.node.short_ids`) before any route
sees it, so each route still decides on the full id, exactly as before. Only a request with a
valid token or session gets a prefix looked up; an ambiguous prefix is a 409.
"""

from __future__ import annotations

import json
import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gsomia.api.deps import current_user
from gsomia.api.errors import problem
from gsomia.errors import Error, http_status
from gsomia.node import short_ids
from gsomia.node.runtime import Node
from gsomia.web.auth import load_page, signed_in

_PATH = re.compile(r"^(/api/v1)?/(items|holdings)/([^/]+)(/.*)?$")


class ShortIds:
    def __init__(self, app: ASGIApp, *, node: Node) -> None:
        self.app = app
        self.node = node

    def _signed_in(self, scope: Scope, api: bool) -> bool:
        """Whether the request carries a valid token (API) or session (pages): no one else
        learns from a 409 or a 404 which prefixes begin an id here."""
        try:
            if api:
                current_user(Request(scope), self.node)
            else:
                signed_in(load_page(Request(scope)))
        except Error:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if (
            match is None
            or not short_ids.looks_short(match[3])
            or not await run_in_threadpool(self._signed_in, scope, bool(match[1]))
        ):
            await self.app(scope, receive, send)  # the route answers as it always did
            return
        try:
            full = await run_in_threadpool(short_ids.expand, self.node, match[2], match[3])
        except Error as error:
            body = json.dumps(problem(error)).encode()
            headers = [(b"content-type", b"application/json")]
            await send(
                {"type": "http.response.start", "status": http_status(error), "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})
            return
        path = f"{match[1] or ''}/{match[2]}/{full}{match[4] or ''}"
        await self.app({**scope, "path": path, "raw_path": path.encode()}, receive, send)
