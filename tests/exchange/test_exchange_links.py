"""Links between nodes: real TLS 1.3 handshakes between the contexts the nodes use, in process.

The peer listener trusts exactly the partners pinned now; a client trusts exactly the partner it
calls; who is on the other end decides which claims a request may make."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import UsageError
from gsomia.exchange.links import (
    LinkRefused,
    PeerLinks,
    PeerTrust,
    check_endpoint,
    client_context,
    require_peer,
    tls_peer,
)
from gsomia.node.home import init_home
from gsomia.seal import IdentityCard, TlsFiles, certificate_pem


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(tmp_path_factory.mktemp("links"), ("KOR", "JPN", "USA"))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


def files(cast: Cast, nation: str) -> TlsFiles:
    found = cast[nation].keys.tls_files
    assert found is not None
    return found


def handshake(server: ssl.SSLContext, client: ssl.SSLContext) -> tuple[str, bytes | None]:
    """Run one handshake over a socket pair: what the client saw ("ok" or its error) and the
    certificate the server got from the client (None if the handshake failed)."""
    left, right = socket.socketpair()
    got: list[bytes | None] = [None]

    def serve() -> None:
        try:
            with server.wrap_socket(left, server_side=True) as tls:
                got[0] = tls.getpeercert(binary_form=True)
                tls.sendall(b"x")
        except (ssl.SSLError, OSError):
            left.close()

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with client.wrap_socket(right, server_hostname="jpn.invalid") as tls:
            tls.recv(1)  # in TLS 1.3 the server's verdict on the client arrives after
            outcome = tls.version() or "?"
    except (ssl.SSLError, OSError) as error:
        outcome = type(error).__name__ + ": " + str(error)
    thread.join(5)
    return outcome, got[0]


def test_a_pinned_partner_completes_a_tls_1_3_handshake(cast: Cast) -> None:
    jpn = PeerTrust(files(cast, "JPN"), cast["JPN"].peer_cards).context()
    outcome, presented = handshake(jpn, client_context(files(cast, "KOR"), cast["JPN"].card))
    assert outcome == "TLSv1.3"
    assert presented == cast["KOR"].card.tls_certificate


def test_a_client_with_an_unpinned_certificate_is_refused_at_the_handshake(
    cast: Cast, tmp_path: Path
) -> None:
    stranger = init_home(tmp_path / "fra", "FRA", "stranger", "pw-FRA-0123456789")
    assert stranger.keys.tls_files is not None
    jpn = PeerTrust(files(cast, "JPN"), cast["JPN"].peer_cards).context()
    outcome, presented = handshake(jpn, client_context(stranger.keys.tls_files, cast["JPN"].card))
    assert "unknown ca" in outcome.lower() or "alert" in outcome.lower(), outcome
    assert presented is None


def test_a_client_calling_pins_the_partners_card_not_any_certificate(cast: Cast) -> None:
    # KOR calls "JPN" but USA answers: USA's certificate is not on JPN's card.
    usa = PeerTrust(files(cast, "USA"), cast["USA"].peer_cards).context()
    outcome, _ = handshake(usa, client_context(files(cast, "KOR"), cast["JPN"].card))
    assert "CERTIFICATE_VERIFY_FAILED" in outcome


def test_the_listener_follows_the_partner_set(cast: Cast) -> None:
    partners: list[IdentityCard] = [cast["KOR"].card]
    trust = PeerTrust(files(cast, "JPN"), lambda: partners)
    listener = trust.context()  # built once, as the server's is
    usa = client_context(files(cast, "USA"), cast["JPN"].card)
    assert handshake(listener, usa)[1] is None
    partners.append(cast["USA"].card)  # USA pinned: trusted from the next handshake
    assert handshake(listener, usa)[1] == cast["USA"].card.tls_certificate
    partners.remove(cast["USA"].card)  # and no longer once it is gone
    assert handshake(listener, usa)[1] is None


def test_client_contexts_are_kept_per_card_and_rebuilt_for_a_new_one(cast: Cast) -> None:
    links = PeerLinks(files(cast, "KOR"))
    jpn = cast["JPN"].card
    first = links.context_for("https://jpn.invalid", jpn)
    assert first is links.context_for("https://jpn.invalid/", jpn)
    other = cast["USA"].card
    moved = IdentityCard(
        jpn.nation, jpn.name, jpn.created, jpn.endpoints, jpn.keys, other.tls_certificate
    )
    assert links.context_for("https://jpn.invalid", moved) is not first


@pytest.mark.parametrize(
    ("endpoint", "plain", "allowed"),
    [
        ("https://jpn.example:8401", False, True),
        ("http://jpn.example:8401", False, False),
        ("http://jpn.example:8401", True, True),
        ("ftp://jpn.example", True, False),
    ],
)
def test_plain_http_only_with_the_development_flag(
    endpoint: str, plain: bool, allowed: bool
) -> None:
    if allowed:
        check_endpoint("JPN", endpoint, plain_http=plain)
        return
    with pytest.raises(UsageError, match="not https") as refused:
        check_endpoint("JPN", endpoint, plain_http=plain)
    assert "--insecure-peer-http" in str(refused.value)


def _extension(card: IdentityCard) -> dict[str, object]:
    assert card.tls_certificate is not None
    return {"client_cert_chain": [certificate_pem(card.tls_certificate)], "tls_version": 0x0304}


def test_the_tls_peer_is_the_partner_whose_card_holds_the_certificate(cast: Cast) -> None:
    partners = cast["JPN"].peer_cards()
    assert tls_peer(_extension(cast["KOR"].card), partners).nation == "KOR"
    with pytest.raises(LinkRefused, match="not pinned"):
        tls_peer(_extension(cast["JPN"].card), partners)  # its own, no partner's
    with pytest.raises(LinkRefused, match="client certificate"):
        tls_peer(None, partners)
    with pytest.raises(LinkRefused, match="client certificate"):
        tls_peer({"client_cert_chain": []}, partners)


@pytest.mark.parametrize(
    ("peer", "claimed", "refused"),
    [("KOR", "KOR", False), ("KOR", "USA", True), (None, "USA", False)],
    ids=["itself", "another-partner", "plain-http-dev-flag"],
)
def test_a_node_may_claim_only_its_own_name(
    cast: Cast, peer: str | None, claimed: str, refused: bool
) -> None:
    card = cast[peer].card if peer else None
    if not refused:
        require_peer(card, claimed, "the batch")
        return
    with pytest.raises(LinkRefused, match="claims to come from USA, but the TLS peer is KOR"):
        require_peer(card, claimed, "the batch")


def supported_groups(record: bytes) -> list[int]:
    """The supported_groups extension of a TLS ClientHello record (RFC 8446 §4.1.2, §4.2.7)."""
    at = 5 + 4 + 2 + 32  # record and handshake headers, legacy_version, random
    at += 1 + record[at]  # legacy_session_id
    at += 2 + int.from_bytes(record[at : at + 2])  # cipher_suites
    at += 1 + record[at]  # legacy_compression_methods
    end = at + 2 + int.from_bytes(record[at : at + 2])
    at += 2
    while at < end:
        kind, size = int.from_bytes(record[at : at + 2]), int.from_bytes(record[at + 2 : at + 4])
        body = record[at + 4 : at + 4 + size]
        if kind == 0x000A:
            return [int.from_bytes(body[i : i + 2]) for i in range(2, len(body), 2)]
        at += 4 + size
    raise AssertionError("no supported_groups extension")


def test_a_cnsa2_link_exchanges_keys_over_p384(tmp_path: Path) -> None:
    kor = init_home(tmp_path / "kor", "KOR", "k", "pw-KOR-0123456789", "cnsa2")
    jpn = init_home(tmp_path / "jpn", "JPN", "j", "pw-JPN-0123456789", "cnsa2")
    assert kor.keys.tls_files is not None
    assert jpn.keys.tls_files is not None
    client = client_context(kor.keys.tls_files, jpn.card)
    hello = ssl.MemoryBIO()
    with pytest.raises(ssl.SSLWantReadError):
        client.wrap_bio(ssl.MemoryBIO(), hello, server_hostname="jpn.invalid").do_handshake()
    assert supported_groups(hello.read()) == [0x0018]  # secp384r1 only, no X25519
    server = PeerTrust(jpn.keys.tls_files, lambda: [kor.card]).context()
    assert handshake(server, client)[0] == "TLSv1.3"
