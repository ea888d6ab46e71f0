"""The one place a gsomia `Error` becomes an HTTP answer."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from gsomia.errors import Error, InputError, NotFound, PolicyDenied, RateLimited, http_status

log = logging.getLogger("gsomia.api")


def problem(error: Error) -> dict[str, str]:
    """The JSON body of an error answer: machine code, message, what to do, treaty article."""
    body = {"error": error.code, "message": error.message}
    if error.hint:
        body["hint"] = error.hint
    if isinstance(error, PolicyDenied):
        body["article"] = error.article
    return body


def _field_problems(error: RequestValidationError) -> str:
    problems = []
    for problem in error.errors()[:5]:
        where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {problem.get('msg', 'invalid')}")
    return "; ".join(problems)


TAXII_PREFIX = "/taxii2/"
TAXII_ERROR_MEDIA_TYPE = "application/taxii+json;version=2.1"


def taxii_problem(error: Error, status: int) -> dict[str, object]:
    """The body of a TAXII 2.1 error message (section 3.6.1), as a partner tool reads it: for
    every refusal under `/taxii2/`, the gate's too (ADR 0138)."""
    body: dict[str, object] = {
        "title": error.code,
        "description": error.message,
        "http_status": str(status),
    }
    if error.hint:
        body["details"] = {"hint": error.hint}
    return body


def taxii_headers(status: int) -> dict[str, str]:
    """A 401 names the schemes a tool may answer with (RFC 9110 section 11.6.1)."""
    return {"WWW-Authenticate": 'Basic realm="gsomia"'} if status == 401 else {}


def _taxii_error(error: Error, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        taxii_problem(error, status),
        status_code=status,
        media_type=TAXII_ERROR_MEDIA_TYPE,
        headers={**taxii_headers(status), **(headers or {})},
    )


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


def install(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def _routing(request: Request, error: HTTPException) -> Response:
        # A tool reads a TAXII error message for a path or method TAXII has not (ADR 0138).
        if not request.url.path.startswith(TAXII_PREFIX):
            return await http_exception_handler(request, error)
        said = _routing_error(error, request.url.path)
        return _taxii_error(said, error.status_code, dict(error.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        # The same error body as every other refusal, naming the fields that are wrong.
        invalid = InputError(
            f"the request is not valid: {_field_problems(error)}",
            hint=f"see /docs for the shape of {request.url.path}",
        )
        body = problem(invalid)
        log.info(
            "request refused",
            extra={
                "path": request.url.path,
                "status": 422,
                "error": "bad_input",
                "reason": body["message"],
            },
        )
        if request.url.path.startswith(TAXII_PREFIX):
            return _taxii_error(invalid, 422)
        return JSONResponse(body, status_code=422)

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
        if request.url.path.startswith(TAXII_PREFIX):
            answer = _taxii_error(error, status)
        else:
            answer = JSONResponse(problem(error), status_code=status)
        if isinstance(error, RateLimited):  # as the gate says it (`gsomia.app.gate`)
            answer.headers["Retry-After"] = str(max(1, round(error.retry_after)))
        return answer
