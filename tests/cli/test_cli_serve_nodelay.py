"""The node's listeners hand out connections with Nagle's algorithm off: asyncio sets
TCP_NODELAY only on sockets made with proto IPPROTO_TCP, which `socket.create_server`'s are
not, and a keep-alive response then waited 40 ms for the client's delayed ACK (issue 17)."""

from __future__ import annotations

import socket

from gsomia.app.serving import Listener, _bind


def test_a_connection_the_user_listener_accepts_sends_without_delay() -> None:
    listener = _bind(Listener("127.0.0.1", 0), "the user API")
    with listener, socket.create_connection(listener.getsockname()) as _client:
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
