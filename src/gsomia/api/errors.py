"""The one place a gsomia `Error` becomes an HTTP answer."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gsomia.errors import Error, PolicyDenied, http_status

log = logging.getLogger("gsomia.api")


def problem(error: Error) -> dict[str, str]:
    """The JSON body of an error answer: machine code, message, what to do, treaty article."""
    body = {"error": error.code, "message": error.message}
    if error.hint:
        body["hint"] = error.hint
    if isinstance(error, PolicyDenied):
        body["article"] = error.article
    return body


def install(app: FastAPI) -> None:
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
        return JSONResponse(problem(error), status_code=status)
