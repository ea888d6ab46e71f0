"""The one place a gsomia `Error` becomes an HTTP answer.

An answer is an RFC 9457 problem (`type`, `title`, `status`, `detail`) with the message's
stable `code` (its reason's code, `treaty.reasons`, else its error class's), said in the
reader's language: the one `Accept-Language` names, else the one the node keeps for the
person, else English (ADR 0141). The English stays beside it as it always was (`error`,
`message`, `hint`, `article`): what the log keeps and existing clients read. TAXII's error
message (section 3.6.1) carries the same title, words and code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from gsomia.errors import (
    Conflict,
    DamagedBundle,
    Error,
    InputError,
    NotFound,
    PolicyDenied,
    RateLimited,
    StoreDamaged,
    TooLarge,
    Unauthenticated,
    Unavailable,
    UsageError,
    VerificationError,
    http_status,
)
from gsomia.treaty.names import LANGUAGES
from gsomia.treaty.reasons import explain

log = logging.getLogger("gsomia.api")

DEFAULT = "en"
PROBLEM_JSON = "application/problem+json"
#: The problem type of each branch of the error hierarchy: its English title (RFC 9457: the
#: same for every problem of the type); a page catalogue says it as `problem.<code>`.
TITLES: dict[type[Error], str] = {
    Error: "Cannot be done",
    InputError: "Bad input",
    NotFound: "Not found",
    Conflict: "Conflict with the current state",
    TooLarge: "Too large",
    DamagedBundle: "Damaged bundle",
    Unauthenticated: "Not authenticated",
    VerificationError: "Verification failed",
    PolicyDenied: "Refused under the agreement",
    UsageError: "Wrong usage",
    Unavailable: "Unavailable",
    RateLimited: "Too many requests",
    StoreDamaged: "Database damaged",
}


class Reason(Protocol):
    """A message said in one language, and its code (`web.i18n.Said`)."""

    @property
    def text(self) -> str: ...

    @property
    def code(self) -> str | None: ...


class Words(Protocol):
    """The words of one language (`web.i18n.Translator`): a catalogue key, a coded message."""

    def __call__(self, key: str) -> str: ...

    def reason(self, sentence: str) -> Reason: ...


#: Words for a language: the app wires in the pages' catalogue (`install`), which the API may
#: not import (they are layers side by side).
WordsOf = Callable[[str], Words]


def _kind(error: Error) -> type[Error]:
    """The branch of the hierarchy `error` belongs to, for its title."""
    return next(cls for cls in type(error).__mro__ if cls in TITLES)  # Error is there


def problem(
    error: Error,
    language: str = DEFAULT,
    words: WordsOf | None = None,
    *,
    status: int | None = None,
) -> dict[str, Any]:
    """The JSON body of an error answer, in `language` when `words` (the catalogue of each
    language) are given; `status` when the answer's is not the error's own (a body FastAPI
    refused is 422).

    Costs an error only, and the same sentence once: its code and words are kept per
    language (`_said`), as the gate refuses the same few sentences again and again."""
    kind = _kind(error)
    spoken = words is not None and language != DEFAULT
    detail, found = _said(words, language, error.message) if spoken else _english(error.message)
    body: dict[str, Any] = {
        "type": f"urn:gsomia:error:{error.code}",
        "title": TITLES[kind],
        "status": status or http_status(error),
        "detail": detail,
        "code": found or error.code,
        "error": error.code,
        "message": error.message,
    }
    if spoken and words is not None:
        key = f"problem.{kind.code}"
        title = words(language)(key)
        body["title"] = title if title != key else TITLES[kind]
    if error.hint:
        body["hint"] = error.hint
    if isinstance(error, PolicyDenied):
        body["article"] = error.article
    return body


@lru_cache(maxsize=1024)
def _english(message: str) -> tuple[str, str | None]:
    # Pure, and the same few sentences come again and again (every request without a token
    # is "a valid API token is required", refused by the gate): found once, not each time.
    found = explain(message)
    return message, found.code if found else None


@lru_cache(maxsize=1024)
def _said(words: WordsOf, language: str, message: str) -> tuple[str, str | None]:
    said = words(language).reason(message)
    return said.text, said.code


def accepted_language(header: str) -> str | None:
    """The language of ours an `Accept-Language` header prefers most (RFC 9110 §12.5.4:
    quality values, `q=0` meaning not wanted); None when it names none of ours."""
    best: tuple[float, int, str] | None = None
    for at, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue  # a malformed weight names nothing
        if quality <= 0 or quality > 1:
            continue
        if best is None or (-quality, at) < (-best[0], best[1]):
            best = (quality, at, primary)
    return best[2] if best else None


def reader_language(request: Request) -> str:
    """The language an error is said in: `Accept-Language`, else the person's own (recorded
    by `deps.current_user` once the token is known), else English."""
    named = accepted_language(request.headers.get("accept-language", ""))
    kept = getattr(request.state, "language", None)
    return named or (kept if kept in LANGUAGES else DEFAULT)


def _field_problems(error: RequestValidationError) -> str:
    problems = []
    for problem in error.errors()[:5]:
        where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {problem.get('msg', 'invalid')}")
    return "; ".join(problems)


TAXII_PREFIX = "/taxii2/"
TAXII_ERROR_MEDIA_TYPE = "application/taxii+json;version=2.1"


def taxii_problem(
    error: Error, status: int, language: str = DEFAULT, words: WordsOf | None = None
) -> dict[str, object]:
    """The body of a TAXII 2.1 error message (section 3.6.1), as a partner tool reads it: for
    every refusal under `/taxii2/`, the gate's too (ADR 0138); the problem's title, words and
    code (ADR 0141)."""
    said = problem(error, language, words, status=status)
    body: dict[str, object] = {
        "title": said["title"],
        "description": said["detail"],
        "error_code": said["code"],
        "http_status": str(status),
    }
    if error.hint:
        body["details"] = {"hint": error.hint}
    return body


def taxii_headers(status: int) -> dict[str, str]:
    """A 401 names the schemes a tool may answer with (RFC 9110 section 11.6.1)."""
    return {"WWW-Authenticate": 'Basic realm="gsomia"'} if status == 401 else {}


def _routing_error(error: HTTPException, path: str) -> Error:
    """A refusal Starlette's routing made (no route, no method), as a gsomia error."""
    if error.status_code == 404:
        return NotFound(
            f"no TAXII resource at {path}", hint="GET /taxii2/ lists this node's API roots"
        )
    return InputError(
        f"the TAXII resource at {path} does not take this method",
        hint="TAXII 2.1 reads with GET and adds objects with POST",
    )


def install(app: FastAPI, words: WordsOf | None = None) -> None:
    """Answer every gsomia `Error` (and a body FastAPI refuses, and under `/taxii2/` a path or
    method routing refuses) as a problem, in the reader's language when `words` gives that
    language's catalogue."""

    def answer(
        request: Request, error: Error, status: int, headers: dict[str, str] | None = None
    ) -> JSONResponse:
        language = reader_language(request) if words is not None else DEFAULT
        if request.url.path.startswith(TAXII_PREFIX):
            response = JSONResponse(
                taxii_problem(error, status, language, words),
                status_code=status,
                media_type=TAXII_ERROR_MEDIA_TYPE,
                headers={**taxii_headers(status), **(headers or {})},
            )
        else:
            body = problem(error, language, words, status=status)
            response = JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)
        response.headers["Content-Language"] = language
        response.headers["Vary"] = "Accept-Language"
        return response

    @app.exception_handler(HTTPException)
    async def _routing(request: Request, error: HTTPException) -> Response:
        # A tool reads a TAXII error message for a path or method TAXII has not (ADR 0138).
        if not request.url.path.startswith(TAXII_PREFIX):
            return await http_exception_handler(request, error)
        said = _routing_error(error, request.url.path)
        return answer(request, said, error.status_code, dict(error.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        # The same error body as every other refusal, naming the fields that are wrong.
        refused = InputError(
            f"the request is not valid: {_field_problems(error)}",
            hint=f"see /docs for the shape of {request.url.path}",
        )
        log.info(
            "request refused",
            extra={
                "path": request.url.path,
                "status": 422,
                "error": "bad_input",
                "reason": refused.message,
            },
        )
        return answer(request, refused, 422)

    @app.exception_handler(Error)
    async def _handle(request: Request, error: Error) -> JSONResponse:
        status = http_status(error)
        log.info(
            "request refused",
            extra={
                "path": request.url.path,
                "status": status,
                "error": error.code,
                "reason": error.message,
            },
        )
        response = answer(request, error, status)
        if isinstance(error, RateLimited):  # as the gate says it (`gsomia.app.gate`)
            response.headers["Retry-After"] = str(max(1, round(error.retry_after)))
        return response
