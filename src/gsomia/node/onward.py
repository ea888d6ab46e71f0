"""(filled in by its workflow)."""

from __future__ import annotations

from gsomia.node.messages import Handler

HANDLERS: dict[str, Handler] = {}
