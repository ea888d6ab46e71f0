"""The error body every refusal shares, and the statuses a route declares it may answer.

A route's `responses=` names what it can answer besides success, so the OpenAPI document says
every status the API gives (Schemathesis checks that it does, issue 13).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_WHY = {
    400: "bad input",
    401: "no valid credential",
    403: "refused by a rule, with its article",
    404: "not found",
    409: "conflicts with the current state",
    413: "the body is over this route's cap",
    422: "the body does not fit its schema, or did not verify",
    429: "over the sender's allowance",
    503: "a dependency is unavailable; retry later",
}


class Problem(BaseModel):
    """What went wrong: a machine code, a message, what to do, and the treaty article."""

    error: str
    message: str
    hint: str | None = None
    article: str | None = None


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that may answer `statuses` with a `Problem`."""
    return {status: {"model": Problem, "description": _WHY[status]} for status in statuses}


#: What any route behind a token may answer: no credential, a refusal, a body over its cap.
AUTHENTICATED = errors(400, 401, 403, 404, 409, 413, 422, 503)
