"""The user listener on httptools (ADR 0145), attacked from the network (ADR 0148): a request
smuggled inside another's body by disagreeing lengths is refused with 400 and never reaches
the node, and a keep-alive connection carries no caller from one request to the next (a
request without credentials after an admitted one, or with a token revoked meanwhile, is
refused). A real node process, real sockets."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select

from gsomia.devnet import DevNet
from gsomia.node.tokens import list_tokens, revoke_token
from gsomia.node.users import PersonDraft
from gsomia.store.tables import access_log

TAXII = "application/taxii+json;version=2.1"


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevNet]:
    with DevNet(tmp_path_factory.mktemp("http-attack"), ("KOR", "JPN")) as built:
        built.setup()
        built.start("JPN")
        yield built


def _address(net: DevNet) -> tuple[str, int]:
    host, port = net.nodes["JPN"].url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _answer(net: DevNet, raw: bytes) -> bytes:
    """Everything the node sends back to `raw` until it closes (bounded by the timeout)."""
    with socket.create_connection(_address(net)) as conn:
        conn.sendall(raw)
        conn.settimeout(10)
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pytest.fail(f"the node kept the connection open after {b''.join(chunks)[:200]!r}")
        return b"".join(chunks)


def _logged(net: DevNet) -> int:
    with net.node("JPN").engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(access_log)).scalar_one())


def _smuggling(token: str) -> dict[str, bytes]:
    """Requests whose body, as one parser or another reads its length, holds a second request
    (a TAXII read with a person's token) that the node must never answer."""
    inner = (
        f"GET /taxii2/ HTTP/1.1\r\nHost: node\r\nAccept: {TAXII}\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    ).encode()
    head = b"POST /taxii2/ HTTP/1.1\r\nHost: node\r\n"
    return {
        "CL then TE": head
        + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" % (5 + len(inner))
        + inner,
        "TE then CL": head
        + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"
        + inner,
        "two lengths": head
        + b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n" % len(inner)
        + inner,
        "TE not chunked": head
        + b"Transfer-Encoding: xchunked\r\nContent-Length: %d\r\n\r\n" % len(inner)
        + inner,
        "TE with a space": head + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + inner,
        "bare LF": head.replace(b"\r\n", b"\n") + b"Content-Length: 0\n\n" + inner,
        "folded TE": head
        + b"Transfer-Encoding: identity\r\n chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"
        + inner,
        "signed length": head + b"Content-Length: +%d\r\n\r\n" % len(inner) + inner,
    }


@pytest.mark.parametrize("shape", sorted(_smuggling("")))
def test_a_request_smuggled_in_a_body_is_refused_and_never_answered(
    net: DevNet, shape: str
) -> None:
    token = net.nodes["JPN"].tokens["sato"]
    before = _logged(net)
    answer = _answer(net, _smuggling(token)[shape])
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert answer.count(b"HTTP/1.1 ") == 1, answer  # one answer: the inner one never ran
    assert _logged(net) == before


def test_keep_alive_carries_no_caller_from_one_request_to_the_next(net: DevNet) -> None:
    host, port = _address(net)
    expires = date(net.node("JPN").clock().year + 2, 12, 31)
    draft = PersonDraft("ito", "JPN", "秘", expires, ("missile-warning",), "analyst")
    token = net.add_person("JPN", draft)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        asked = {"Accept": TAXII}

        def status(**headers: str) -> int:
            conn.request("GET", "/taxii2/", headers={**asked, **headers})
            answer = conn.getresponse()
            answer.read()
            assert not answer.will_close, "the node closed the connection: nothing reused"
            return answer.status

        assert status(Authorization=f"Bearer {token}") == 200
        sock = conn.sock
        assert status() == 401  # the same connection, no credentials: nobody
        assert status(Authorization="Bearer not-a-token") == 401
        assert status(Authorization=f"Bearer {token}") == 200
        [issued] = list_tokens(net.node("JPN"), "ito")
        revoke_token(net.node("JPN"), issued.id)
        assert status(Authorization=f"Bearer {token}") == 401  # revoked between two requests
        assert status() == 401
        assert conn.sock is sock  # all of it on the one connection
    finally:
        conn.close()
