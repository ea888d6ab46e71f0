"""The TLS client certificate in each request's ASGI scope (the ASGI TLS extension).

uvicorn 0.55 does not fill `scope["extensions"]["tls"]`
(https://asgi.readthedocs.io/en/latest/specs/tls.html); the pull request that adds
`client_cert_chain` is still open (https://github.com/Kludex/uvicorn/pull/3133, "Expose
verified client certificate chains in ASGI scopes"). Until it lands, the peer
listener uses this h11 protocol: on each connection it wraps the application so every scope
gets `client_cert_chain` (PEM strings, the leaf only: Python 3.11's `ssl` does not give the
verified chain, and a pinned self-signed certificate is its own chain), `tls_version` and
`cipher_suite` as the extension defines them. Remove this module when uvicorn does it.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def tls_extension(connection: ssl.SSLObject) -> dict[str, Any]:
    """The ASGI TLS extension for an established connection."""
    leaf = connection.getpeercert(binary_form=True)
    cipher = connection.cipher()
    ids = {c["name"]: c["id"] & 0xFFFF for c in connection.context.get_ciphers()}
    return {
        "server_cert": None,
        "client_cert_chain": [ssl.DER_cert_to_PEM_cert(leaf)] if leaf else [],
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": _VERSIONS.get(connection.version() or ""),
        "cipher_suite": ids.get(cipher[0]) if cipher else None,
    }


def with_tls(app: Any, extension: dict[str, Any]) -> Any:
    """`app` with `extension` put into the scope of every request it serves."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "extensions": {**(scope.get("extensions") or {}), "tls": extension}}
        await app(scope, receive, send)

    return asgi


class TlsScopeProtocol(H11Protocol):
    """uvicorn's h11 protocol, with the ASGI TLS extension in each scope of a TLS connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        connection = transport.get_extra_info("ssl_object")
        if connection is not None:
            self.app = with_tls(self.app, tls_extension(connection))
