"""Every answer of the user application names the node's nation (`Gsomia-Nation`).

Homes on one machine all default to the same address, so a command meant for JPN's node once
reached KOR's and failed with "a valid API token is required" (issue 16). The CLI now says
which nation it expects (`gsomia.client.NodeClient`) and refuses an answer from another
nation's node before reading it. The header is outermost, on refusals by the gate too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gsomia.client import NATION_HEADER as HEADER


class NationHeader:
    """ASGI middleware adding `Gsomia-Nation: <nation>` to every HTTP answer."""

    def __init__(self, app: ASGIApp, *, nation: str) -> None:
        self.app = app
        self.value = (HEADER.lower().encode(), nation.encode("ascii"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), self.value]}
            await send(message)

        await self.app(scope, receive, named)
