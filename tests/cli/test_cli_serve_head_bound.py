"""The user listener's HTTP parser (httptools, ADR 0145) keeps h11's bound on a request's head:
past 16 KiB of request line and headers it answers 431 and closes, however the head arrives;
a head under it, a body of any size after it, and keep-alive requests one after another are
served. Without the bound, uvicorn's httptools protocol buffers a head of any length."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from gsomia.app.http_parsing import MAX_HEAD, BoundedHttpTools
from gsomia.app.serving import Listener, _bind


async def _app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = str(size).encode()
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    sock = _bind(Listener("127.0.0.1", 0), "the test")
    config = uvicorn.Config(_app, http=BoundedHttpTools, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):  # bounded by polls, not the clock
        if server.started:
            break
        threading.Event().wait(0.01)
    else:
        pytest.fail("the test server did not start")
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)
    sock.close()


def _answer(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    conn.settimeout(10)
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _head(padding: int, *, close: bool = True, body: int = 0) -> bytes:
    method = b"POST" if body else b"GET"
    lines = [method + b" / HTTP/1.1", b"Host: node", b"X-Pad: " + b"a" * padding]
    if body:
        lines.append(b"Content-Length: %d" % body)
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def test_a_head_under_the_bound_is_served(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(_head(MAX_HEAD - 200))
        assert _answer(conn).startswith(b"HTTP/1.1 200")


def test_a_head_over_the_bound_at_once_is_refused_and_closed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(_head(4 * MAX_HEAD))
        assert _answer(conn).startswith(b"HTTP/1.1 431")


def test_a_head_dribbled_past_the_bound_is_refused_before_it_ends(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: node\r\nX-Pad: ")
        sent = 0
        try:
            for _ in range(4096):  # up to 4 MiB of one header value, never ended
                conn.sendall(b"a" * 1024)
                sent += 1024
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _answer(conn)
    assert answer.startswith(b"HTTP/1.1 431")
    assert sent < 4096 * 1024  # closed on the sender, not waited out


def test_a_body_after_a_small_head_is_not_counted(port: int) -> None:
    body = 8 * MAX_HEAD
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(_head(100, body=body) + b"b" * body)
        assert _answer(conn).endswith(b"\r\n\r\n%d" % body)


def test_each_keep_alive_request_has_its_own_bound(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"".join(_head(MAX_HEAD // 2, close=False) for _ in range(5)))
        conn.sendall(_head(MAX_HEAD // 2))
        assert _answer(conn).count(b"HTTP/1.1 200") == 6
