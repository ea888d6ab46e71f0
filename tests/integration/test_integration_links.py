"""Mutual TLS between real node processes: the peer port speaks only to pinned partners, the
user API can be served over TLS, and the development flag says loudly what it gives up."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tests.integration.conftest import MakeNet

from gsomia.client import NodeClient
from gsomia.devnet import DevNet
from gsomia.errors import Unavailable
from gsomia.exchange.links import client_context
from gsomia.exchange.wire import V2_PATH
from gsomia.node.home import init_home
from gsomia.store.tables import access_log, inbox, outbox

pytestmark = pytest.mark.integration


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _count(net: DevNet, nation: str, table: object) -> int:
    with net.node(nation).engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_the_peer_port_talks_only_to_pinned_partners(make_net: MakeNet, tmp_path: Path) -> None:
    net = make_net()
    net.start("JPN")
    jpn = net.nodes["JPN"]
    before = _count(net, "JPN", inbox), _count(net, "JPN", access_log)
    # A stranger with a well-formed certificate of its own: refused in the handshake.
    stranger = init_home(tmp_path / "fra", "FRA", "stranger", "pw-FRA-0123456789")
    assert stranger.keys.tls_files is not None
    context = client_context(stranger.keys.tls_files, net.node("JPN").card)
    with httpx.Client(verify=context, timeout=10) as client, pytest.raises(httpx.HTTPError):
        client.post(jpn.peer_url + V2_PATH, content=b"")
    # Plain HTTP to the peer port: no HTTP answer at all.
    with socket.create_connection(("127.0.0.1", jpn.peer_port), timeout=5) as sock:
        sock.sendall(b"GET /peer/v1/card HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            answer = sock.recv(4096)
        except (ConnectionResetError, TimeoutError):
            answer = b""
    assert not answer.startswith(b"HTTP/")
    # A client that does not speak TLS 1.3 is refused too.
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    with httpx.Client(verify=old, timeout=10) as client, pytest.raises(httpx.HTTPError):
        client.get(jpn.peer_url + "/peer/v1/card")
    # Nothing reached the application: nothing stored, nothing refused in its log.
    assert (_count(net, "JPN", inbox), _count(net, "JPN", access_log)) == before
    assert "peer request refused" not in jpn.log.read_text()
    # KOR, pinned, gets through on its own link.
    with net.peer_http("KOR", "JPN") as kor_link:
        response = kor_link.get("/peer/v1/card")
    assert response.status_code == 200
    assert response.json()["nation"] == "JPN"


def test_the_user_api_served_over_tls_is_trusted_by_the_nodes_certificate(
    make_net: MakeNet,
) -> None:
    net = make_net(("KOR",), user_tls=True)
    net.start("KOR")
    kor = net.nodes["KOR"]
    assert kor.url.startswith("https://")
    assert net.client("KOR", "kim").me()["name"] == "kim"
    with NodeClient(kor.url, kor.tokens["kim"]) as untrusting, pytest.raises(Unavailable):
        untrusting.me()  # the system's CAs do not know the node's certificate


def test_the_development_flag_says_what_it_gives_up_and_still_delivers(
    make_net: MakeNet,
) -> None:
    net = make_net(insecure_peer_http=True)
    net.start_all()
    kor = net.nodes["KOR"]
    assert kor.peer_url.startswith("http://")
    text = kor.log.read_text()
    assert '"level": "warning"' in text
    assert "--insecure-peer-http" in text
    assert "link confidentiality then rests on the envelope alone" in text
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    item_id = kim.publish(
        title="plain link",
        level="군사III급비밀",
        releasable_to=["JPN"],
        purpose="missile-warning",
        precedence="FLASH",
        text="x",
    )
    assert park.release(item_id)[0]["decision"]["allowed"]

    def settled() -> bool:
        with net.node("KOR").engine.connect() as conn:
            return bool(conn.execute(select(outbox.c.state)).scalar_one() == "received")

    _wait(settled, 60, "JPN's answer over plain HTTP")
