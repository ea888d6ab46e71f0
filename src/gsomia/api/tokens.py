"""A person's own API tokens: which exist, a short-lived stream token, revoking one.

Only `stream` tokens are issued here: a token presented to this route cannot extend itself
into a longer-lived one (an operator issues API tokens, `gsomia user token`). A stream token is
what a browser's EventSource puts in `?token=` for `/api/v1/alerts`, the one route that takes
a token in the query string (ADR 0081).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from gsomia.api.deps import NodeDep, UserDep, presented
from gsomia.api.models.base import Body
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.node import tokens
from gsomia.node.live import open_alerts
from gsomia.treaty.credentials import MAX_LIVE_TOKENS, Scope

router = APIRouter(prefix="/api/v1", tags=["tokens"], responses=AUTHENTICATED)

STREAM_HOURS = 1.0


class TokenOut(BaseModel):
    id: str
    scope: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenRequest(Body):
    scope: Literal["stream"] = "stream"
    hours: float = Field(STREAM_HOURS, gt=0, le=STREAM_HOURS, strict=False)


class IssuedToken(BaseModel):
    token: str = Field(description="shown once; only its hash is kept")
    id: str
    scope: str
    retired: list[str] = Field(
        default_factory=list,
        description="ids of the caller's oldest tokens revoked to keep at most "
        f"{MAX_LIVE_TOKENS} in force",
    )


@router.get("/tokens")
def list_tokens(user: UserDep, node: NodeDep) -> list[TokenOut]:
    """The caller's own tokens, newest first, revoked and expired included."""
    return [TokenOut(**row.__dict__) for row in tokens.list_tokens(node, user.name)]


@router.post("/tokens", status_code=201)
def issue_stream_token(
    body: TokenRequest, request: Request, user: UserDep, node: NodeDep
) -> IssuedToken:
    """A stream token for the caller, for `GET /api/v1/alerts?token=…` (an hour at most). It
    stands only while the token that asked for it does: revoking that one ends it too."""
    open_alerts(node, user)  # a stream token serves the alerts only: a clearance in force
    hours = min(body.hours, node.home.config.token_hours)
    parent, _ = presented(request)
    issued = tokens.issue(
        node, user.name, actor=user.name, scope=Scope.STREAM, hours=hours, parent=parent
    )
    node.alerts.recheck({user.name})  # a stream of a retired token ends now
    return IssuedToken(
        token=issued.token,
        id=tokens.token_id(issued.token),
        scope=Scope.STREAM.value,
        retired=issued.retired,
    )


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, user: UserDep, node: NodeDep) -> Response:
    """Revoke one of the caller's own tokens (the one presenting this request included)."""
    tokens.revoke_token(node, token_id, actor=user.name, owner=user.name)
    node.alerts.recheck({user.name})  # an open stream of it, or of a token it issued, ends now
    return Response(status_code=204)
