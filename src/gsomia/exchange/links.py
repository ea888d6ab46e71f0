"""Links between nodes: mutual TLS 1.3, each end pinned to the certificate on a partner's card.

No CA is involved (ADR 0071). A partner's identity card carries its self-signed TLS
certificate, and that certificate is the only trust anchor for a link to it: a client
context trusts exactly the one partner it calls, and the peer listener trusts exactly the
partners pinned on this node. The whole certificate is the pin, so host names are not checked.

Past the handshake, a peer route knows which partner is on the other end (`tls_peer`) and
refuses a message that claims to come from another nation (`require_peer`): one error,
`LinkRefused`, for every such refusal.

Plain HTTP between nodes exists only behind the development flag `--insecure-peer-http`
(`PeerLinks.allow_plain_http`); without it an `http://` partner endpoint is refused, saying
what to do.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from gsomia.errors import Unauthenticated, UsageError
from gsomia.seal import IdentityCard, TlsFiles, certificate_der, certificate_pem, tls_pin

log = logging.getLogger("gsomia.links")

INSECURE_FLAG = "--insecure-peer-http"
#: ASGI TLS extension (https://asgi.readthedocs.io/en/latest/specs/tls.html): `tls_version`.
TLS_1_3 = 0x0304


class LinkRefused(Unauthenticated):
    """The TLS peer of a peer-API request is not who the request claims to come from."""

    code = "link_refused"


def check_endpoint(nation: str, endpoint: str, *, plain_http: bool) -> None:
    """UsageError for a partner endpoint this node may not call (plain HTTP without the flag)."""
    scheme = endpoint.split("://", 1)[0].lower()
    if scheme == "https" or (scheme == "http" and plain_http):
        return
    raise UsageError(
        f"{nation}'s endpoint {endpoint} is not https: nodes talk mutual TLS to each other",
        hint=f"ask {nation}'s operator for the https:// endpoint of its peer listener "
        f"(`gsomia serve --peer-listen`); plain HTTP is for development only "
        f"(`gsomia serve {INSECURE_FLAG}` and `gsomia peer add {INSECURE_FLAG}`)",
    )


def _own(files: TlsFiles | None) -> TlsFiles:
    if files is None:
        raise UsageError(
            "this node's TLS key is not on disk", hint="load the node from its home directory"
        )
    return files


def _base(purpose: ssl.Purpose, own: TlsFiles) -> ssl.SSLContext:
    side = (
        ssl.PROTOCOL_TLS_CLIENT if purpose is ssl.Purpose.SERVER_AUTH else ssl.PROTOCOL_TLS_SERVER
    )
    context = ssl.SSLContext(side)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.check_hostname = False  # the pin is the whole certificate, not a name in it
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(own.certificate, own.key, password=own.password)
    if own.curve == "secp384r1":  # cnsa2: key exchange over P-384 too, not OpenSSL's X25519
        context.set_ecdh_curve("secp384r1")
    return context


def _anchors(cards: Iterable[IdentityCard]) -> str:
    return "".join(certificate_pem(c.tls_certificate) for c in cards if c.tls_certificate)


def client_context(own: TlsFiles, partner: IdentityCard) -> ssl.SSLContext:
    """A context to call `partner`: TLS 1.3, its card's certificate the only trust anchor,
    and this node's certificate for client authentication."""
    context = _base(ssl.Purpose.SERVER_AUTH, own)
    context.load_verify_locations(cadata=_anchors([partner]))
    return context


def server_context(own: TlsFiles, partners: Iterable[IdentityCard]) -> ssl.SSLContext:
    """A context for the peer listener: a client certificate required, and trusted only if
    it is one on the cards of `partners`."""
    context = _base(ssl.Purpose.CLIENT_AUTH, own)
    anchors = _anchors(partners)
    if anchors:  # with none, no client can complete the handshake, as it should be
        context.load_verify_locations(cadata=anchors)
    return context


class PeerLinks:
    """The node's outgoing links: one pinned client context per partner card, kept while
    that card is pinned (connections through it are reused) and rebuilt for a new card."""

    def __init__(self, own: TlsFiles | None, *, plain_http: bool = False) -> None:
        self._own = own
        self._plain_http = plain_http
        self._contexts: dict[tuple[str, str, str], ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @property
    def plain_http(self) -> bool:
        return self._plain_http

    def allow_plain_http(self) -> None:
        """The development flag: partners may be called over plain HTTP."""
        self._plain_http = True

    def context_for(
        self, endpoint: str, card: IdentityCard, own: TlsFiles | None = None
    ) -> ssl.SSLContext | None:
        """The context to call `card`'s node at `endpoint`; None for plain HTTP (allowed only
        with the development flag; UsageError otherwise). `own`: this node's retired TLS key
        instead of its current one, for a partner not yet told of a key rotation (ADR 0093)."""
        check_endpoint(card.nation, endpoint, plain_http=self._plain_http)
        if endpoint.lower().startswith("http://"):
            return None
        files = _own(own or self._own)
        key = (card.nation, card.tls_pin, str(files.certificate))
        with self._lock:
            context = self._contexts.get(key)
            if context is None:
                stale = [k for k in self._contexts if k[0] == card.nation and k[1] != key[1]]
                for old in stale:  # the partner's card changed: its old pin is trusted no more
                    del self._contexts[old]
                context = self._contexts[key] = client_context(files, card)
        return context


class PeerTrust:
    """The peer listener's TLS context, its trust anchors exactly the partners pinned now.

    An `ssl` server context is fixed once a listener starts, so the listener gets a base
    context whose SNI callback (which OpenSSL runs on every ClientHello, with or without a
    server name) hands the connection the context for the current partner set, built once per
    set. So a partner pinned or replaced is trusted, or no longer, from the next handshake.
    """

    def __init__(self, own: TlsFiles | None, partners: Callable[[], Sequence[IdentityCard]]):
        self._own = _own(own)
        self._partners = partners
        self._current: tuple[tuple[str, ...], ssl.SSLContext] | None = None
        self._lock = threading.Lock()

    def context(self) -> ssl.SSLContext:
        """The context to give the listener."""
        base = server_context(self._own, ())
        base.sni_callback = self._choose
        return base

    def current(self) -> ssl.SSLContext:
        """The context trusting exactly the partners pinned now."""
        cards = [c for c in self._partners() if c.tls_certificate is not None]
        pins = tuple(sorted(c.tls_pin for c in cards))
        with self._lock:
            if self._current is None or self._current[0] != pins:
                self._current = (pins, server_context(self._own, cards))
            return self._current[1]

    def _choose(self, connection: ssl.SSLObject, _name: str | None, _ctx: ssl.SSLContext) -> None:
        try:
            connection.context = self.current()
        except Exception:  # a callback that raises leaves OpenSSL's answer undefined: refuse
            log.exception("cannot build the peer listener's trust anchors")
            return
        return


# --- who is on the other end ----------------------------------------------------------------


def tls_peer(extension: Mapping[str, Any] | None, partners: Iterable[IdentityCard]) -> IdentityCard:
    """The partner whose pinned certificate the TLS client presented (ASGI TLS extension);
    LinkRefused if there is none or it is no partner's."""
    chain = (extension or {}).get("client_cert_chain") or ()
    if not chain:
        raise LinkRefused(
            "the peer API needs a client certificate over TLS",
            hint="connect with the node's own TLS key (mutual TLS)",
        )
    pin = tls_pin(certificate_der(chain[0]))
    for card in partners:
        if card.tls_certificate is not None and card.tls_pin == pin:
            return card
    raise LinkRefused("the TLS client certificate is not pinned to any partner's card")


def require_peer(peer: IdentityCard | None, claimed: str, what: str) -> None:
    """LinkRefused unless the TLS peer is `claimed` (None: plain HTTP, the development flag)."""
    if peer is not None and peer.nation != claimed:
        raise LinkRefused(
            f"{what} claims to come from {claimed}, but the TLS peer is {peer.nation}",
            hint="a node may send only in its own name",
        )
