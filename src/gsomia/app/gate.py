"""The gate in front of both applications: body caps that hold while a body streams, and
credentials checked before a byte of the body is read (issue 13, ADR 0072).

Before this gate, the peer API checked only a declared `Content-Length`, so a chunked 1 GB body
was read whole before it was refused, and the user API read and parsed a body before looking
at its token. Now every request names its door (`gsomia.app.doors`), and the gate, as ASGI
middleware:

1. refuses a declared length over the door's cap (`TooLarge`, 413) before anything else;
2. asks `admit` whether the sender may send at all (the peer's pinned card and its allowance,
   an API token, a signed-in session) — a refusal ends the request with the body unread;
3. reads the body, counting chunks as they arrive, and stops at the first byte over the cap;
   a door that `spool`s keeps what arrives in a temporary file (on disk past 1 MB), so a
   large batch is never held twice in memory while it arrives;
4. hands the route the body it read, chunk by chunk, as if it came from the client.

A 413 sent while the client is still sending may reach it as a reset connection: the node has
answered and stopped reading, which is what matters.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Awaitable, Callable
from typing import IO, Any

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gsomia.api.errors import (
    DEFAULT,
    PROBLEM_JSON,
    TAXII_ERROR_MEDIA_TYPE,
    TAXII_PREFIX,
    accepted_language,
    problem,
    taxii_headers,
    taxii_problem,
)
from gsomia.app.doors import Door
from gsomia.errors import Error, RateLimited, TooLarge, Unauthenticated, http_status
from gsomia.web.i18n import Translator

log = logging.getLogger("gsomia.gate")

#: Ask whether the request may send its body (or be served at all); raise an `Error` if not.
Admit = Callable[[Scope, Door, bool], Awaitable[None]]
#: Told of every refusal, with the door and the error (to count it).
Refused = Callable[[Door, Error], None]
#: The page a person's refused request is answered with (a door with `sign_in`): the error
#: said in the reader's language, as a route's error is, rather than the API's JSON.
RefusedPage = Callable[[Scope, Error], Awaitable[Response]]

CHUNK = 64 << 10
SPOOL_IN_MEMORY = 1 << 20


class Gate:
    """ASGI middleware keeping the doors of one application."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        door_of: Callable[[str, str], Door],
        admit: Admit,
        refused: Refused,
        page: RefusedPage | None = None,
    ) -> None:
        self.app = app
        self.door_of = door_of
        self.admit = admit
        self.refused = refused
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        door = self.door_of(scope["method"], scope["path"])
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        has_body = declared not in (None, "0") or "transfer-encoding" in headers
        body: IO[bytes] | None = None
        try:
            if declared is not None and (not declared.isdigit() or int(declared) > door.cap):
                raise _too_large(door)
            await self.admit(scope, door, has_body)
            if has_body:
                body = await _read(receive, door)
                if body is None:
                    return  # the client went away while sending: no one to answer
        except Error as error:
            self.refused(door, error)
            if door.sign_in and isinstance(error, Unauthenticated):
                await _redirect(send, door.sign_in)  # as the pages answer a lapsed session
            elif door.sign_in and self.page is not None:
                await self._page(scope, receive, send, error)
            else:
                await _answer(send, scope, error)
            return
        try:
            await self.app(scope, receive if body is None else _replay(body, receive), send)
        finally:
            if body is not None:
                body.close()

    async def _page(self, scope: Scope, receive: Receive, send: Send, error: Error) -> None:
        """A page's post refused here (a file over the publish form's cap) comes back as the
        error page in the reader's language (ADR 0135): JSON in English was the one answer a
        Korean reader's browser showed raw. The API's JSON if the page cannot be made."""
        assert self.page is not None
        try:
            answer = await self.page(scope, error)
        except Error:
            await _answer(send, scope, error)
            return
        await answer(scope, receive, send)


def _too_large(door: Door) -> TooLarge:
    return TooLarge(
        f"the body exceeds the {door.cap}-byte limit of this route",
        hint="send less at a time",
    )


async def _read(receive: Receive, door: Door) -> IO[bytes] | None:
    """The whole body in a file (spooled to disk past 1 MB if the door spools); TooLarge at
    the first chunk past the cap; None if the client disconnected."""
    size = SPOOL_IN_MEMORY if door.spool else door.cap + CHUNK
    body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=size)  # noqa: SIM115 - returned
    total = 0
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body.close()
                return None
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > door.cap:
                raise _too_large(door)
            body.write(chunk)
            if not message.get("more_body", False):
                body.seek(0)
                return body
    except BaseException:
        body.close()
        raise


def _replay(body: IO[bytes], receive: Receive) -> Receive:
    """A `receive` that gives the body read, then waits on the client (for its disconnect)."""
    size = body.seek(0, 2)
    body.seek(0)
    done = False

    async def replay() -> Message:
        nonlocal done
        if done:
            return await receive()
        chunk = body.read(CHUNK)
        done = body.tell() >= size
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replay


async def _answer(send: Send, scope: Scope, error: Error) -> None:
    status = http_status(error)
    # Debug only: the counters say how many; a line per refusal would let a flood fill the disk.
    log.debug(
        "request refused at the gate",
        extra={"path": scope["path"], "status": status, "error": error.code},
    )
    headers: list[tuple[bytes, bytes]]
    # In the language the request asks, as a route's refusal (ADR 0141); no person is known yet.
    language = accepted_language(Headers(scope=scope).get("accept-language", "")) or DEFAULT
    if scope["path"].startswith(TAXII_PREFIX):  # a tool reads a TAXII error message (ADR 0138)
        headers = [(b"content-type", TAXII_ERROR_MEDIA_TYPE.encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in taxii_headers(status).items()]
        content = json.dumps(taxii_problem(error, status, language, Translator)).encode()
    else:
        headers = [(b"content-type", PROBLEM_JSON.encode())]
        content = json.dumps(problem(error, language, Translator)).encode()
    headers += [(b"content-language", language.encode()), (b"vary", b"Accept-Language")]
    if isinstance(error, RateLimited):
        headers.append((b"retry-after", str(max(1, round(error.retry_after))).encode()))
    headers.append((b"content-length", str(len(content)).encode()))
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": content})


async def _redirect(send: Send, to: str) -> None:
    headers = [(b"location", to.encode()), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
