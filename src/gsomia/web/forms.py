"""What every control form does with a post: read its fields, call the node, answer.

Shared by `control` and `casework`. A form calls one `gsomia.node` function (the same one the
JSON API calls); a gsomia error comes back to the page in place, with the status the API answers
it with (`gsomia.errors.http_status`: 403 with the article for a refusal, 409 for an act already
done, 400 for bad input), a success redirects with a `?done=` confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import Response
from starlette.datastructures import FormData

from gsomia.errors import Error, InputError, http_status
from gsomia.web.auth import Page


def act(
    call: Callable[[], object],
    refused: Callable[[int, Error], Response],
    success: Callable[[], Response],
) -> Response:
    """Do `call`; on a gsomia error show it in place, with its `http_status`."""
    try:
        call()
    except Error as error:
        return refused(http_status(error), error)
    return success()


def field(form: FormData, key: str) -> str:
    value = form.get(key, "")
    return value if isinstance(value, str) else ""


def names(form: FormData, key: str) -> list[str]:
    """Names typed one per line or separated by commas."""
    raw = field(form, key).replace("\n", ",")
    return [name.strip() for name in raw.split(",") if name.strip()]


def _day(form: FormData, key: str) -> date:
    raw = field(form, key).strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{key!r} is not a date", hint="e.g. 2027-01-01") from None


def day_start(form: FormData, key: str) -> datetime:
    """A date field (YYYY-MM-DD) as the first second of that day, UTC."""
    return datetime.combine(_day(form, key), time(0, 0, 0), tzinfo=UTC)


def day_end(form: FormData, key: str) -> datetime:
    """A date field (YYYY-MM-DD) as the last second of that day, UTC."""
    return datetime.combine(_day(form, key), time(23, 59, 59), tzinfo=UTC)


def user_of(page: Page) -> Any:
    assert page.user is not None  # PostedSignedIn made sure
    return page.user
