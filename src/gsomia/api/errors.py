"""The one place a gsomia `Error` becomes an HTTP answer."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from gsomia.errors import Error, InputError, PolicyDenied, RateLimited, http_status

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


def _taxii_error(error: Error, status: int) -> JSONResponse:
    """A TAXII 2.1 error message (section 3.6.1), as a partner tool expects it."""
    body = {"title": error.code, "description": error.message, "http_status": str(status)}
    if error.hint:
        body["details"] = {"hint": error.hint}  # type: ignore[assignment]
    headers = {"WWW-Authenticate": 'Basic realm="gsomia"'} if status == 401 else None
    return JSONResponse(
        body,
        status_code=status,
        media_type="application/taxii+json;version=2.1",
        headers=headers,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        # The same error body as every other refusal, naming the fields that are wrong.
        body = problem(
            InputError(
                f"the request is not valid: {_field_problems(error)}",
                hint=f"see /docs for the shape of {request.url.path}",
            )
        )
        log.info(
            "request refused",
            extra={
                "path": request.url.path,
                "status": 422,
                "error": "bad_input",
                "reason": body["message"],
            },
        )
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
        if request.url.path.startswith("/taxii2/"):
            answer = _taxii_error(error, status)
        else:
            answer = JSONResponse(problem(error), status_code=status)
        if isinstance(error, RateLimited):  # as the gate says it (`gsomia.app.gate`)
            answer.headers["Retry-After"] = str(max(1, round(error.retry_after)))
        return answer
