"""`gsomia taxii pull` against a tool that answers junk: refused with an error naming the
problem, never a traceback or a pull that does not end (ADR 0138, the audit of issue 17).

Found by the audit: a collections list or a page that was not JSON, or JSON of another
shape, ended the pull with Python's own exception (JSONDecodeError, AttributeError,
KeyError); `objects` as a string was sent to the node one character at a time; a server
that said `more` with the same `next` each time was paged for ever. The tool here is a real
HTTP server on a socket, answering what each test gives it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gsomia.client import taxii_pages
from gsomia.errors import Error, InputError

COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
GOOD_COLLECTIONS = json.dumps({"collections": [{"id": COLLECTION, "title": "feed"}]}).encode()
INDICATOR = {"type": "indicator", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}

Answer = Callable[[str], bytes]


@pytest.fixture
def tool() -> Iterator[Callable[[Answer], str]]:
    servers: list[ThreadingHTTPServer] = []

    def serve(answer: Answer) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = answer(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/taxii+json;version=2.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/api/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _pages(page: bytes | Callable[[str], bytes]) -> Answer:
    def answer(path: str) -> bytes:
        if path.endswith("/collections/"):
            return GOOD_COLLECTIONS
        return page(path) if callable(page) else page

    return answer


JUNK: dict[str, tuple[Answer, str]] = {
    "collections not JSON": (lambda _: b"<html>login</html>", "not JSON"),
    "collections a list": (lambda _: b"[]", "collections"),
    "a collection without an id": (lambda _: b'{"collections": [{"title": "feed"}]}', "feed"),
    "page not JSON": (_pages(b"\x89PNG\r\n"), "not JSON"),
    "page a list": (_pages(b"[1, 2]"), "envelope"),
    "objects a string": (_pages(b'{"objects": "abc"}'), "objects"),
    "more without end": (
        _pages(json.dumps({"more": True, "next": "1", "objects": [INDICATOR]}).encode()),
        "next",
    ),
}


@pytest.mark.parametrize("case", sorted(JUNK))
def test_junk_from_a_tool_is_refused_naming_the_problem(
    tool: Callable[[Answer], str], case: str
) -> None:
    answer, named = JUNK[case]
    url = tool(answer)
    with pytest.raises(Error) as refused:
        for _ in taxii_pages(url, "feed"):
            pass
    assert isinstance(refused.value, InputError)
    assert named in refused.value.message
    assert url in refused.value.message or "the TAXII server" in refused.value.message


def test_a_tool_that_pages_properly_is_read_to_the_end(tool: Callable[[Answer], str]) -> None:
    def page(path: str) -> bytes:
        if "next=2" in path:
            return json.dumps({"more": False, "objects": [INDICATOR]}).encode()
        return json.dumps({"more": True, "next": "2", "objects": [INDICATOR]}).encode()

    assert list(taxii_pages(tool(_pages(page)), "feed")) == [[INDICATOR], [INDICATOR]]
