"""The node's applications and how they are served.

* `apps` — the user application (user API, pages, operations, with the worker alongside) and
  the peer application (the peer API and the log's peer routes), each a FastAPI app over the
  same node;
* `serving` — both on one event loop, the peer API on its own listener with mutual TLS;
* `tls_scope` — the TLS client certificate put into each request's ASGI scope.
"""

from __future__ import annotations

from gsomia.app.apps import create_app, create_peer_app, create_user_app

__all__ = ["create_app", "create_peer_app", "create_user_app"]
