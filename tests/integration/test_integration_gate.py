"""The gate against a real node process (issue 13): a 1 GB chunked body, to the peer API over
a pinned partner's mutual TLS link and to the user API without credentials, is refused while
the node's resident memory stays where it was. Before the gate, the peer body was read whole
(2.2 GB resident) and the user API's body before its token (three 500 MB posts: 3.5 GB)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from gsomia.devnet import DevNet
from gsomia.exchange.wire import V2_PATH
from gsomia.store.tables import holdings, inbox, items, rejections

GB = 1 << 30
MB = 1 << 20
#: What the node may grow by while it refuses (the goal of `peer_chunked_1g_peak_mb`).
GROWTH_MB = 64


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")  # pragma: no cover - Linux always says


class Peak:
    """The largest resident size of a process while the block runs, sampled every 10 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.before, self.peak = pid, resident_mb(pid), 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, resident_mb(self.pid))

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, resident_mb(self.pid))

    @property
    def growth(self) -> float:
        return self.peak - self.before


def one_gigabyte() -> Iterator[bytes]:
    chunk = b"{" * MB
    for _ in range(GB // MB):
        yield chunk


def post_refused(client: httpx.Client, path: str, **headers: str) -> int | None:
    """POST 1 GB chunked; the status, or None if the node closed the connection first (a 413
    sent while the client is still sending may reach it as a reset)."""
    try:
        return client.post(path, content=one_gigabyte(), headers=headers).status_code
    except httpx.TransportError:
        return None


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevNet]:
    with DevNet(tmp_path_factory.mktemp("gate"), ("KOR", "JPN")) as built:
        built.setup()
        built.start("JPN")
        yield built


def _count(net: DevNet, table: object) -> int:
    with net.node("JPN").engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_1gb_chunked_body_is_refused_without_growing_the_node(net: DevNet) -> None:
    process = net.nodes["JPN"].process
    assert process is not None
    before = [_count(net, t) for t in (holdings, inbox, rejections)]
    with net.peer_http("KOR", "JPN") as kor, Peak(process.pid) as peak:
        status = post_refused(kor, V2_PATH)
    assert status in (413, None)
    assert peak.growth <= GROWTH_MB, f"grew by {peak.growth:.1f} MB"
    assert [_count(net, t) for t in (holdings, inbox, rejections)] == before
    with net.peer_http("KOR", "JPN") as kor:  # the node still serves its partner
        assert kor.get("/peer/v1/card").status_code == 200


def test_a_1gb_body_without_a_token_or_session_is_refused_unread(net: DevNet) -> None:
    process = net.nodes["JPN"].process
    assert process is not None
    before = _count(net, items)
    client = httpx.Client(base_url=net.nodes["JPN"].url, timeout=60)
    with client, Peak(process.pid) as peak:
        statuses = [post_refused(client, "/api/v1/items") for _ in range(3)]
        # The publish form without a session: sent to sign in, nothing spooled first.
        form = post_refused(client, "/items")
    assert set(statuses) <= {401, None}
    assert form in (303, None)
    assert peak.growth <= GROWTH_MB, f"grew by {peak.growth:.1f} MB"
    assert _count(net, items) == before


def test_a_request_head_without_end_is_refused_at_16_kib(net: DevNet) -> None:
    """The user listener parses with httptools (ADR 0145), which alone keeps a head of any
    length: the node's protocol refuses it past h11's 16 KiB, with 431, and closes."""
    process = net.nodes["JPN"].process
    assert process is not None
    host, port = net.nodes["JPN"].url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port))) as conn, Peak(process.pid) as peak:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: node\r\nX-Pad: ")
        try:
            for _ in range(64 * 1024):  # up to 64 MiB of one header, never ended
                conn.sendall(b"a" * 1024)
        except (BrokenPipeError, ConnectionResetError):
            pass
        conn.settimeout(30)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 431")
    assert peak.growth <= GROWTH_MB, f"grew by {peak.growth:.1f} MB"
    assert httpx.get(f"{net.nodes['JPN'].url}/healthz").status_code == 200
