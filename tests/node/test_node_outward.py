"""Alerts sent outward (issue 16): an undelivered FLASH and a FLASH received reach a webhook
(JSON) and a syslog collector (RFC 5424 over UDP), with identifiers only — no title."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from tests.node.node_fixtures import Cast, build_cast
from tests.node.test_node_watch import fail_once

from gsomia.errors import UsageError
from gsomia.node.live import push_flash
from gsomia.node.outward import Outward, rfc5424
from gsomia.node.watch import look


class Collector:
    """A syslog collector on UDP and a webhook receiver on HTTP, on free loopback ports."""

    def __init__(self) -> None:
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(5)
        self.posted: list[dict[str, str]] = []
        posted = self.posted

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.http = HTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def outward(self, nation: str) -> Outward:
        return Outward(
            nation,
            webhook=f"http://127.0.0.1:{self.http.server_port}/alerts",
            syslog=f"udp://127.0.0.1:{self.udp.getsockname()[1]}",
        )

    def datagram(self) -> str:
        return self.udp.recv(65536).decode()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.udp.close()


@pytest.fixture
def collector() -> Iterator[Collector]:
    found = Collector()
    yield found
    found.close()


@pytest.fixture
def pair(tmp_path: Path) -> Cast:
    return build_cast(tmp_path, ("KOR", "JPN"))


def test_an_undelivered_flash_goes_to_the_webhook_and_syslog(
    pair: Cast, collector: Collector
) -> None:
    kor = pair["KOR"]
    kor.outward = collector.outward("KOR")
    item = pair.publish("KOR", "kim", title="secret launch track")
    pair.release("KOR", "park", item)
    fail_once(kor)
    look(kor)
    kor.outward.flush()
    message = collector.datagram()
    assert message.startswith("<129>1 ")  # local0, severity alert
    assert f'[gsomia@32473 alert="flash-undelivered" nation="KOR" partner="JPN" item="{item}"' in (
        message
    )
    [posted] = collector.posted
    assert (posted["alert"], posted["partner"], posted["item"]) == (
        "flash-undelivered",
        "JPN",
        item,
    )
    assert "secret launch track" not in message + json.dumps(posted)


def test_a_flash_received_goes_outward_without_its_title(pair: Cast, collector: Collector) -> None:
    jpn = pair["JPN"]
    jpn.outward = collector.outward("JPN")
    outcomes = pair.release("KOR", "park", pair.publish("KOR", "kim", title="secret launch track"))
    _, accepted = pair.send("KOR", "JPN", outcomes)
    push_flash(jpn, accepted)  # as the peer route does with what it accepted
    jpn.outward.flush()
    message = collector.datagram()
    assert 'alert="flash" nation="JPN" partner="KOR"' in message
    assert "secret launch track" not in message + json.dumps(collector.posted)


def test_the_syslog_line_escapes_structured_data() -> None:
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    line = rfc5424({"alert": "log-fork", "nation": "KOR", "partner": 'J"P]N'}, now, "h", 7)
    assert line.decode().startswith("<132>1 2026-12-03T08:00:00.000Z h gsomia 7 log-fork ")
    assert b'partner="J\\"P\\]N"' in line


def test_a_syslog_address_that_is_not_udp_or_tcp_is_refused() -> None:
    with pytest.raises(UsageError, match="udp://HOST:PORT"):
        Outward("KOR", syslog="syslog.example:514")
