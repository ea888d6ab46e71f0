"""The peer router's body: a partner node saying it is up (`/peer/v1/hello`)."""

from __future__ import annotations

from pydantic import Field

from gsomia.api.models.base import Body


class HelloRequest(Body):
    # Absent, it names no partner, and the node answers so (400), as for a stranger.
    sender: str = Field("", max_length=4, description="the partner's nation, alpha-3")
