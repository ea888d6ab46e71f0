"""Request dependencies: the node, and the authenticated user behind a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gsomia.node.admission import Presented
from gsomia.node.runtime import Node
from gsomia.node.tokens import authenticate
from gsomia.node.users import UserRecord
from gsomia.treaty.credentials import Carrier


async def get_node(request: Request) -> Node:
    # On the event loop: a plain function dependency is run in the thread pool, a hop (a
    # queue, a wake-up, a switch) on every request for an attribute read (ADR 0137).
    node: Node = request.app.state.node
    return node


#: The one route a browser's EventSource reaches, which cannot send a header: only here is a
#: token taken from the query string, and only a `stream` token (ADR 0081).
STREAM_ROUTE = "/api/v1/alerts"


def presented(request: Request) -> tuple[str, Carrier]:
    """The token the request carries and how: the `Authorization` header, else `?token=`."""
    header = request.headers.get("authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip(), Carrier.HEADER
    return request.query_params.get("token", ""), Carrier.QUERY


def admitted_by(request: Request, user: UserRecord) -> Presented:
    """What admitted `user` on this request, for its write to check again (ADR 0154): the name
    HTTP Basic credentials named, else the token `presented` takes."""
    if request.headers.get("authorization", "").startswith("Basic "):
        return Presented(basic_name=user.name)
    token, carrier = presented(request)
    return Presented(token=token, carrier=carrier)


#: The scope key under which the gate leaves whom it admitted a body from (`app.admission`):
#: (the check it asked, the user). The route's own check of the same request takes it
#: rather than asking again: the token was looked up in the node's record and decided (its
#: revocation, expiry, issuer) for this request a moment before; asked twice, a POST paid
#: two lookups and a thread-pool hop (ADR 0137), and a Basic password two hash checks.
ADMITTED = "gsomia.admitted"


def admitted(request: Request, check: str) -> UserRecord | None:
    """Whom the gate admitted this request's body from by `check`, if it did."""
    found = request.scope.get(ADMITTED)
    if found is None or found[0] != check:
        return None
    user: UserRecord = found[1]
    return user


def current_user(request: Request, node: Annotated[Node, Depends(get_node)]) -> UserRecord:
    """The user whose token the request carries: in the `Authorization` header, or, on the
    alerts stream alone, a stream token in `?token=`."""
    known = admitted(request, "token")
    if known is not None:
        return known
    token, carrier = presented(request)
    stream_route = request.scope["path"] == STREAM_ROUTE  # `request.url` builds the whole URL
    user = authenticate(node, token, carrier=carrier, stream_route=stream_route)
    request.state.language = user.language  # an error is said in it (`api.errors`, ADR 0141)
    return user


NodeDep = Annotated[Node, Depends(get_node)]
UserDep = Annotated[UserRecord, Depends(current_user)]
