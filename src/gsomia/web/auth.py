"""Who is asking: the session cookie, the signed-in user, the CSRF check, the role guard.

Routes declare what they need as dependencies (`SignedIn`, `Posted`, `requires(Action)`);
none of them checks a role inline. The role answer is always `may_perform`'s, asked through
`gsomia.node.overview`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from gsomia.errors import Error, PolicyDenied, Unauthenticated
from gsomia.node import overview, sessions
from gsomia.node.admission import Presented
from gsomia.node.runtime import Node
from gsomia.node.users import UserRecord
from gsomia.treaty.roles import Action
from gsomia.web.i18n import LANGUAGES, Translator, pick_language
from gsomia.web.session import (
    COOKIE,
    CSRF_FIELD,
    LANGUAGE_COOKIE,
    Session,
    SessionSigner,
    load_key,
)


class LoginRequired(Unauthenticated):
    """A page for signed-in users was asked for without a live session."""


class CsrfRefused(PolicyDenied):
    """A form was posted without this session's CSRF token: refused (403) by the node's own
    rule (ADR 0050), not by a treaty decision, so it cites no article."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, article="", hint=hint)

    def __str__(self) -> str:
        return Error.__str__(self)


def signer(request: Request) -> SessionSigner:
    """The app's session signer, keyed from the node home on first use."""
    state = request.app.state
    found: SessionSigner | None = getattr(state, "web_signer", None)
    if found is None:
        node: Node = state.node
        found = SessionSigner(load_key(node.home.path))
        state.web_signer = found
    return found


@dataclass
class Page:
    """One request's view of its session: the node, the user if any, their words."""

    request: Request
    node: Node
    session: Session
    user: UserRecord | None
    t: Translator
    may: dict[str, bool] = field(default_factory=dict)
    new_cookie: bool = False

    @property
    def csrf(self) -> str:
        return self.session.csrf

    @property
    def presented(self) -> Presented:
        """What admitted this page's request: its session, read again by a write (ADR 0154)."""
        assert self.user is not None  # only a signed-in page writes
        return Presented(session=self.session.sid, session_user=self.user.name)


def load_page(request: Request) -> Page:
    node: Node = request.app.state.node
    session = signer(request).loads(request.cookies.get(COOKIE))
    new = session is None
    if session is None:
        session = Session.fresh()
    user = None
    if session.user is not None:
        # Ended (logout, password, disabled), idle, expired clearance: the database says.
        user = sessions.resume(node, session.sid, session.user)
        if user is None:
            session, new = Session.fresh(), True
    # Signed out, a page speaks as its last reader did (`LANGUAGE_COOKIE`), else as the browser.
    remembered = request.cookies.get(LANGUAGE_COOKIE, "")
    if user:
        language = user.language
    elif remembered in LANGUAGES:
        language = remembered
    else:
        language = pick_language(request.headers.get("accept-language", ""))
    may = overview.permissions(node, user) if user else {}
    return Page(request, node, session, user, Translator(language), may, new)


AnyPage = Annotated[Page, Depends(load_page)]


def signed_in(page: AnyPage) -> Page:
    if page.user is None:
        raise LoginRequired("sign in first", hint="open /login")
    return page


SignedIn = Annotated[Page, Depends(signed_in)]


async def posted(request: Request, page: AnyPage) -> Page:
    """A POST whose form carries this session's CSRF token; refused (403) otherwise."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not page.session.csrf_matches(token if isinstance(token, str) else None):
        raise CsrfRefused(
            "this form was refused: it does not carry this session's security token (CSRF)",
            hint="reload the page and submit the form again",
        )
    return page


Posted = Annotated[Page, Depends(posted)]


def posted_signed_in(page: Posted) -> Page:
    return signed_in(page)


PostedSignedIn = Annotated[Page, Depends(posted_signed_in)]


def requires(action: Action) -> Callable[[Page], Awaitable[Page]]:
    """A dependency that opens a form only if `may_perform` allows `action`. Unlogged: opening
    a form is no request; the use case the form posts to decides again, and logs."""

    async def guard(page: SignedIn) -> Page:
        user = page.user
        assert user is not None  # signed_in made sure
        overview.role_decision(page.node, user, action).enforce()
        return page

    return guard


__all__ = [
    "AnyPage",
    "CsrfRefused",
    "LoginRequired",
    "Page",
    "Posted",
    "PostedSignedIn",
    "SignedIn",
    "load_page",
    "requires",
    "signer",
]
