"""How the user listener parses HTTP/1.1: uvicorn's httptools protocol (llhttp, in C), with the
bound on a request's head that h11 gave.

h11, uvicorn's pure-Python parser, was a fixed share of every request's CPU (ADR 0145: a
single-object TAXII POST cost 0.24 ms less of the node's CPU on httptools, measured A/B).
But uvicorn's httptools protocol keeps a request line and headers of any length (its URL and
header list grow with each chunk, and so does httptools' own buffer of a header not yet
complete), where h11 refuses a head past 16 KiB. A client could hold a connection open and
grow the process without end. So this protocol counts a request's head and past `MAX_HEAD`
answers 431 and closes the connection, as h11 refuses past its bound.

The peer listener stays on h11 (`gsomia.app.tls_scope`): it is not where requests are many.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: h11's own default bound on a request's head (`h11.DEFAULT_MAX_INCOMPLETE_EVENT_SIZE`).
MAX_HEAD = 16 * 1024

_WHY = b"the request's line and headers are over 16 KiB"
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\n"
    b"connection: close\r\n"
    b"\r\n%s" % (len(_WHY), _WHY)
)


class _HeadTooLarge(Exception):
    """Raised in a parser callback: httptools stops and uvicorn answers its refusal."""


class BoundedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head past `MAX_HEAD` bytes.

    Two counts, as a head arrives in two ways. Whole within one read, the parser's callbacks
    see its line and headers, counted exactly. Spread over reads, httptools buffers a header
    not yet complete before any callback sees it, so the bytes read while the head is not
    complete are counted too, and checked once the parser has taken them."""

    _in_head = True
    _read = 0  # bytes read while this request's head was not complete
    _seen = 0  # bytes of its line and headers the parser handed over
    _over = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._in_head, self._read, self._seen, self._over = True, 0, 0, False
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._read += len(data)
        super().data_received(data)
        if self._in_head and self._read > MAX_HEAD and not self.transport.is_closing():
            self._over = True
            self.send_400_response("")

    def send_400_response(self, msg: str) -> None:
        if not self._over:
            super().send_400_response(msg)
            return
        self.transport.write(_TOO_LARGE)
        self.transport.close()

    def _count(self, size: int) -> None:
        self._seen += size
        if self._seen > MAX_HEAD:
            self._over = True
            raise _HeadTooLarge

    def on_message_begin(self) -> None:
        self._seen = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._read = True, 0
