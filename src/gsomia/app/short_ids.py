"""Short ids in paths: `/api/v1/holdings/f59bb757/content` reaches the holding whose id
begins `f59bb757`, on every route and page under `/items/` and `/holdings/` (issue 16).

ASGI middleware: the path's id segment is expanded (`gsomia.node.short_ids`) before any route
sees it, so each route still decides on the full id, exactly as before. Only a request with a
valid token or session gets a prefix looked up; an ambiguous prefix is a 409, answered as a
route's error is: an RFC 9457 problem in the language the request asks (ADR 0141, 0147).
"""

from __future__ import annotations

import json
import re

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gsomia.api.deps import current_user
from gsomia.api.errors import DEFAULT, PROBLEM_JSON, accepted_language, problem
from gsomia.errors import Error, http_status
from gsomia.node import short_ids
from gsomia.node.runtime import Node
from gsomia.web.auth import load_page, signed_in
from gsomia.web.i18n import Translator

#: Paths that carry an id: (the part before it, api?, kind, the id, the rest).
_PATHS = (
    (
        re.compile(
            r"^(?P<pre>(?P<api>/api/v1)?/(?P<kind>items|holdings)/)(?P<id>[^/]+)(?P<rest>/.*)?$"
        ),
        None,
    ),
    (
        re.compile(r"^(?P<pre>(?P<api>/api/v1)?/alerts(/kept)?/)(?P<id>[^/]+)(?P<rest>/ack)$"),
        "holdings",
    ),
)


def _match(path: str) -> tuple[re.Match[str], str] | None:
    for pattern, kind in _PATHS:
        found = pattern.match(path)
        if found is not None:
            return found, kind or found["kind"]
    return None


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
        found = _match(scope.get("path", "")) if scope["type"] == "http" else None
        if (
            found is None
            or not short_ids.looks_short(found[0]["id"])
            or not await run_in_threadpool(self._signed_in, scope, bool(found[0]["api"]))
        ):
            await self.app(scope, receive, send)  # the route answers as it always did
            return
        match, kind = found
        try:
            full = await run_in_threadpool(short_ids.expand, self.node, kind, match["id"])
        except Error as error:
            # Said as a route says its errors, in the language asked; the person's own is not
            # read here (the route that would record it has not run).
            asked = accepted_language(Headers(scope=scope).get("accept-language", ""))
            language = asked or DEFAULT
            body = json.dumps(problem(error, language, Translator)).encode()
            headers = [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-language", language.encode()),
                (b"vary", b"Accept-Language"),
            ]
            await send(
                {"type": "http.response.start", "status": http_status(error), "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})
            return
        path = f"{match['pre']}{full}{match['rest'] or ''}"
        await self.app({**scope, "path": path, "raw_path": path.encode()}, receive, send)
