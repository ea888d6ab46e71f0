"""Request dependencies: the node, and the authenticated user behind a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gsomia.errors import Unauthenticated
from gsomia.node.runtime import Node
from gsomia.node.users import UserRecord, user_for_token


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def current_user(request: Request, node: Annotated[Node, Depends(get_node)]) -> UserRecord:
    """The user whose token the request carries (header, or `?token=` for EventSource)."""
    header = request.headers.get("authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    token = token or request.query_params.get("token", "")
    if token:
        user = user_for_token(node, token)
        if user is not None:
            return user
    raise Unauthenticated(
        "a valid API token is required",
        hint="send `Authorization: Bearer <token>`; "
        "an operator issues one with `gsomia user token`",
    )


NodeDep = Annotated[Node, Depends(get_node)]
UserDep = Annotated[UserRecord, Depends(current_user)]
