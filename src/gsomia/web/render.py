"""How a page answers: a template rendered with the page's session and words, under the
headers every classified page carries, or a redirect; and the route class that turns a gsomia
error into a page with the status the API gives it (`gsomia.errors.http_status`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from gsomia.errors import Error, http_status
from gsomia.node import kept_alerts
from gsomia.web.auth import LoginRequired, Page, load_page, signer
from gsomia.web.session import COOKIE, LANGUAGE_COOKIE, Session

log = logging.getLogger("gsomia.web")

LANG_OF_NATION = {"KOR": "ko", "JPN": "ja"}
HEADERS = {
    # Classified pages must not be cached, framed or fetch anything from elsewhere.
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_env = Environment(loader=PackageLoader("gsomia.web", "templates"), autoescape=True)
_env.globals["lang_of"] = lambda nation: LANG_OF_NATION.get(nation, "en")
templates = Jinja2Templates(env=_env)


class PageRoute(APIRoute):
    """A route whose gsomia errors become a page (or a trip to the login form), not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return RedirectResponse("/login", status_code=303)
            except Error as error:
                status = http_status(error)  # the API's status for the same error
                log.info("page refused", extra={"path": request.url.path, "status": status})
                page = load_page(request)
                return render(page, "error.html", status=status, error=error)

        return guarded


async def refused_page(scope: Scope, error: Error) -> Response:
    """The error page for a page's request the gate refused before its route ran (a body over
    its door's cap, `gsomia.app.gate`): as `PageRoute` answers a route's error, in the
    reader's language and with the API's status (ADR 0135). The body is not read."""
    request = Request(scope)
    status = http_status(error)
    log.info("page refused at the gate", extra={"path": request.url.path, "status": status})

    def page() -> Response:  # the session and the reader are read from the database
        return render(load_page(request), "error.html", status=status, error=error)

    return await run_in_threadpool(page)


def set_cookie(response: Response, page: Page, session: Session) -> None:
    response.set_cookie(
        COOKIE,
        signer(page.request).dumps(session),
        max_age=signer(page.request).max_age,
        httponly=True,
        samesite="strict",
        secure=page.request.url.scheme == "https",
        path="/",
    )


def render(page: Page, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(
        page.request,
        template,
        {
            "page": page,
            "t": page.t,
            "user": page.user,
            "may": page.may,
            "csrf": page.csrf,
            "nation": page.node.nation,
            "node_name": page.node.card.name,
            # FLASH no partner has yet, on every officer's page until it goes (issue 16).
            "undelivered": list(page.node.undelivered.values()) if page.may.get("release") else [],
            # FLASH alerts kept until acknowledged: shown at sign-in, on every page (issue 16).
            "kept_alerts": kept_alerts.pending(page.node, page.user) if page.user else [],
            **context,
        },
        status_code=status,
        headers=HEADERS,
    )
    if page.new_cookie:
        set_cookie(response, page, page.session)
    if page.user is not None and page.request.cookies.get(LANGUAGE_COOKIE) != page.t.language:
        remember_language(response, page.t.language, secure=page.request.url.scheme == "https")
    return response


def remember_language(response: Response, language: str, *, secure: bool) -> None:
    """The reader's language, kept after sign-out so the sign-in page and a signed-out error
    speak it too; it says nothing a page does not (it is the page's own `lang`)."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


def redirect(page: Page, to: str, session: Session | None = None) -> RedirectResponse:
    response = RedirectResponse(to, status_code=303, headers=HEADERS)
    if session is not None:
        set_cookie(response, page, session)
    elif page.new_cookie:
        set_cookie(response, page, page.session)
    return response
