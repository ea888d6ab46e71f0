"""Issue 12's wire test: what a listener on the link between two real nodes learns.

Two node processes talk through a TCP relay that records every byte both ways, over mutual
TLS and over the development flag's plain HTTP. Neither way may show the item's title, its
markings (the originator's and the receiver's), its nation list, purpose or agreement, in any
encoding: envelope v2 seals all of them inside HPKE (ADR 0070), so even plain HTTP shows only
routing. The rows the nodes keep for the exchange are checked the same way: the outbox's
message (sealed at rest until sent) and the inbox's answer (sealed at rest once given).
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import pytest
from sqlalchemy import select, update
from tests.integration.conftest import MakeNet

from gsomia.devnet import DevNet, free_port
from gsomia.exchange import outbox as queue
from gsomia.store.tables import inbox, outbox, peers

pytestmark = pytest.mark.integration

TITLE = "Hwasong trajectory 0417 apogee 6248 km"
PURPOSE = "missile-warning"
AGREEMENT = "KOR-JPN-2016"
LEVEL = "군사II급비밀"


class Relay:
    """A TCP relay from a local port to `target`, recording what passes both ways."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self.seen = bytearray()
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:  # the node behind is not up yet: as if it were down
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    self.seen += data
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
            source.close()  # each end is the source of one pipe: closed once

    def close(self) -> None:
        self._server.close()


@contextmanager
def relayed(net: DevNet) -> Iterator[list[Relay]]:
    """Every partner endpoint each node holds, pointed at a relay in front of that partner."""
    relays = {nation: Relay(proc.peer_port) for nation, proc in net.nodes.items()}
    scheme = "http" if net.insecure_peer_http else "https"
    for nation in net.nodes:
        node = net.node(nation)
        with node.engine.begin() as conn:
            for other, relay in relays.items():
                endpoint = f"{scheme}://127.0.0.1:{relay.port}"
                conn.execute(update(peers).where(peers.c.nation == other).values(endpoint=endpoint))
    try:
        yield list(relays.values())
    finally:
        for relay in relays.values():
            relay.close()


def encodings(secret: str) -> list[bytes]:
    """`secret` as a listener might find it: UTF-8, UTF-16 both ways, hex, and base64 (std and
    url-safe) at each of the three alignments it can start at inside a longer encoding."""
    raw = secret.encode()
    found = [raw, secret.encode("utf-16-le"), secret.encode("utf-16-be")]
    found += [raw.hex().encode(), raw.hex().upper().encode()]
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * pad + raw).rstrip(b"=")
            skip = (pad * 4 + 2) // 3  # characters that still depend on the padding
            found.append(text[skip:-2])  # the last characters depend on what follows
    return [f for f in found if len(f) >= 6]  # shorter ones occur by chance in ciphertext


def leaks(data: bytes, secrets: list[str]) -> list[str]:
    return [s for s in secrets for e in encodings(s) if e in data]


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.parametrize("plain_http", [False, True], ids=["tls", "plain-http-dev-flag"])
def test_nothing_of_the_item_crosses_the_link_or_rests_in_the_exchange_rows(
    make_net: MakeNet, plain_http: bool
) -> None:
    net = make_net(("KOR", "JPN"), insecure_peer_http=plain_http)
    with relayed(net) as relays:
        net.start_all()
        kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
        item_id = kim.publish(
            title=TITLE,
            level=LEVEL,
            releasable_to=["JPN"],
            purpose=PURPOSE,
            precedence="ROUTINE",
            text="apogee 6248 km, range 1002 km, " * 30,
        )
        [outcome] = park.release(item_id)
        assert outcome["decision"]["allowed"], outcome
        kor, jpn = net.node("KOR"), net.node("JPN")

        def settled() -> bool:
            with kor.engine.connect() as conn:
                return bool(conn.execute(select(outbox.c.state)).scalar_one() != "queued")

        _wait(settled, 90, "JPN's answer to the item")
        with kor.engine.connect() as conn:
            row = conn.execute(select(outbox.c.id, outbox.c.body, outbox.c.answer)).one()
        with jpn.engine.connect() as conn:
            answers = [
                json.dumps(a).encode() for a in conn.execute(select(inbox.c.answer)).scalars()
            ]
        seen = b"".join(bytes(r.seen) for r in relays)
    opened = queue.opened_answer(kor.keys, row.id, row.answer) or {}
    marked = opened["answer"]["marked"]  # JPN's marking of it, from KOR's side
    assert opened["answer"]["status"] == "received"
    secrets = [TITLE, LEVEL, marked, PURPOSE, AGREEMENT, json.dumps(["JPN"]), '["JPN","KOR"]']
    secrets += [json.dumps([LEVEL], ensure_ascii=False), "apogee 6248 km, range"]
    assert len(seen) > 4000  # the relay carried the batch and its answer
    if plain_http:  # the check can see what is in clear: the routing it must see
        assert b"POST /peer/v2/batches" in seen
    assert leaks(seen, secrets) == []
    assert leaks(row.body, secrets) == []  # the outbox's message, sealed at rest
    assert leaks(json.dumps(row.answer).encode(), secrets) == []  # its answer, sealed at rest
    assert answers
    assert all(leaks(a, secrets) == [] for a in answers)  # the inbox's answer, sealed at rest


def test_the_checks_would_see_a_leak() -> None:
    """The encodings the wire test looks for do occur when the secret is there in them."""
    for carrier in (
        TITLE.encode(),
        base64.b64encode(b"x" + TITLE.encode()),
        base64.urlsafe_b64encode(b"xy" + LEVEL.encode()),
        TITLE.encode("utf-16-le"),
        LEVEL.encode().hex().encode(),
    ):
        assert leaks(b"<" + carrier + b">", [TITLE, LEVEL]), carrier
