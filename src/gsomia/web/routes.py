"""The pages: login, dashboard, items and holdings, publish and release, agreements, audit.

Thin: each route gathers what its page shows from `gsomia.node` (through `web.pages`) and
renders a template. Every action goes through the same use case the JSON API calls, so the
treaty's decision is taken and logged the same way whichever door a person uses.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.datastructures import UploadFile

from gsomia.errors import InputError, NotFound, PolicyDenied, RateLimited, http_status
from gsomia.labels import CAVEATS
from gsomia.labels.media import attachment_headers, shown_inline
from gsomia.node import (
    audit_trail,
    courier,
    kept_alerts,
    labels,
    listing,
    overview,
    read,
    sessions,
    standing,
    transfers,
)
from gsomia.node import publish as publishing
from gsomia.node import release as releasing
from gsomia.node.live import alert_events, open_alerts, session_standing
from gsomia.treaty.items import Precedence
from gsomia.treaty.listing import ListFilter
from gsomia.treaty.roles import Action
from gsomia.web import pages, paging
from gsomia.web.auth import AnyPage, Page, Posted, PostedSignedIn, SignedIn, requires
from gsomia.web.done import done_of
from gsomia.web.marking import marking
from gsomia.web.render import HEADERS, PageRoute, redirect, remember_language, render
from gsomia.web.session import COOKIE, Session

log = logging.getLogger("gsomia.web")

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Sign in and out ---------------------------------------------------------------------------


@router.get("/login")
def login_form(page: AnyPage) -> Response:
    if page.user is not None:
        return redirect(page, "/")
    return render(page, "login.html")


@router.post("/login")
async def login(page: Posted) -> Response:
    form = await page.request.form()
    name, password = str(form.get("name", ""))[:100], str(form.get("password", ""))
    fresh = Session.fresh()  # a new id at sign-in: no fixation
    try:
        source = page.request.client.host if page.request.client else ""
        user = sessions.sign_in(page.node, name, password, fresh.sid, source=source)
    except (PolicyDenied, RateLimited) as waiting:
        log.info("sign-in deferred", extra={"user": name})
        return render(page, "login.html", status=429, name=name, wait=waiting)
    if user is None:
        log.info("sign-in refused", extra={"user": name})
        return render(page, "login.html", status=401, failed=True, name=name)
    if page.user is not None:
        sessions.sign_out(page.node, page.session.sid)
        page.node.alerts.recheck({page.user.name})
    log.info("signed in", extra={"user": user.name})
    return redirect(page, "/", Session(fresh.sid, user.name, fresh.csrf))


@router.post("/logout")
def logout(page: Posted) -> Response:
    if page.user is not None:
        sessions.sign_out(page.node, page.session.sid)
        page.node.alerts.recheck({page.user.name})  # the session's open stream ends now
    response = RedirectResponse("/login", status_code=303, headers=HEADERS)
    response.delete_cookie(COOKIE, path="/")
    remember_language(response, page.t.language, secure=page.request.url.scheme == "https")
    return response


# Dashboard ---------------------------------------------------------------------------------


@router.get("/")
def dashboard(page: SignedIn) -> Response:
    node, user = page.node, page.user
    assert user is not None
    now = node.clock()
    params, url = page.request.query_params, page.request.url
    asked = paging.list_filter(params)
    # Only what the access decision lets this person see; a redacted row has no markings.
    held_page = listing.holdings_page(node, user, asked, paging.position(params, "held"), 50)
    own_page = listing.items_page(node, user, asked, paging.position(params, "own"), 50)
    # Transfers have a partner and a precedence of their own; the other filters are the
    # items' (ADR 0095). Only for roles that may view them (R17); the node checks it too.
    sent_page = (
        transfers.transfers_page(
            node,
            user,
            ListFilter(partner=asked.partner, precedence=asked.precedence),
            paging.position(params, "sent"),
            50,
        )
        if page.may["view_transfers"]
        else None
    )
    held = [
        (view, None if redacted else pages.holding_markings(node, view))
        for view, redacted in held_page.rows
    ]
    own = [
        (
            row,
            None
            if redacted
            else marking(node.schemes, node.nation, row["level"], row["created_at"].date()),
        )
        for row, redacted in own_page.rows
    ]
    return render(
        page,
        "dashboard.html",
        agreements=pages.agreement_lines(node, now.date()),
        holdings=held,
        items=own,
        asked=paging.wanted(params),
        held_pages=paging.links(url, "held", held_page),
        own_pages=paging.links(url, "own", own_page),
        export_query=paging.kept(params, paging.FILTERS),
        outbox=sent_page.rows if sent_page else [],
        sent_pages=paging.links(url, "sent", sent_page) if sent_page else {},
        drafts=overview.drafts(node, user) if page.may["release"] else [],
        # R27: a courier dispatch whose receipt is late alerts the officers who handle them.
        overdue=courier.overdue(node) if page.may["courier"] else [],
        flash=set(overview.flash_for(node, user, now)),
        today=now.date(),
    )


# Publish and release -----------------------------------------------------------------------


def _form_context(page: Page) -> dict[str, Any]:
    node = page.node
    today = node.clock().date()
    return {
        "levels": node.scheme(today).levels,
        "partners": pages.partners(node, today),
        "precedences": [p.name for p in sorted(Precedence, reverse=True)],
        "caveats": CAVEATS,
        "communities": page.user.communities if page.user else (),
    }


@router.get("/items/new", dependencies=[Depends(requires(Action.PUBLISH))])
def publish_form(page: SignedIn) -> Response:
    return render(page, "publish.html", values={"precedence": "ROUTINE"}, **_form_context(page))


@router.post("/items")
async def publish(page: PostedSignedIn) -> Response:
    assert page.user is not None
    form = await page.request.form()
    upload = form.get("file")
    text = str(form.get("text", ""))
    content, media_type = text.encode(), "text/plain; charset=utf-8"
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read()
        media_type = upload.content_type or "application/octet-stream"
    values = {key: form.get(key, "") for key in ("title", "level", "purpose", "precedence")}
    draft = publishing.Draft(
        title=str(values["title"]),
        level=str(values["level"]),
        releasable_to=tuple(str(v) for v in form.getlist("releasable_to")),
        purpose=str(values["purpose"]),
        precedence=str(values["precedence"] or "ROUTINE"),
        caveats=tuple(str(v) for v in form.getlist("caveats")),
        media_type=media_type,
        content=content,
    )
    try:
        item_id = publishing.publish(page.node, page.user, draft, presented=page.presented)
    except InputError as error:
        return render(
            page,
            "publish.html",
            status=http_status(error),
            error=error,
            values={**values, "text": text, "releasable_to": draft.releasable_to},
            **_form_context(page),
        )
    return redirect(page, f"/items/{item_id}")


def show_item(page: Page, item_id: str, *, status: int = 200, **extra: Any) -> Response:
    node, user = page.node, page.user
    assert user is not None
    row = listing.item_listing(node, user, item_id)
    level = marking(node.schemes, row["originator"], row["level"], row["created_at"].date())
    return render(
        page,
        "item.html",
        status=status,
        item=row,
        marking=level,
        category_marking=labels.category_marking(node, row["label"], user.language),
        label=pages.label_fields(row["label"]),
        **pages.item_journeys(node, user, item_id),
        decisions=overview.decisions_on(node, [item_id]),
        done=done_of(page),
        **pages.item_control(node, user, row, page.t),
        **extra,
    )


@router.get("/items/{item_id}")
def item_page(item_id: str, page: SignedIn) -> Response:
    return show_item(page, item_id)


@router.post("/items/{item_id}/release")
def release(item_id: str, page: PostedSignedIn) -> Response:
    assert page.user is not None
    releasing.release(page.node, page.user, item_id, presented=page.presented)
    return redirect(page, f"/items/{item_id}")


# Alerts kept until acknowledged (issue 16) ----------------------------------------------------


@router.post("/alerts/{holding_id}/ack")
def acknowledge_alert(holding_id: str, page: PostedSignedIn) -> Response:
    """The page's "acknowledge" on a FLASH alert: logged, and the alert is not shown again."""
    assert page.user is not None
    kept_alerts.acknowledge(page.node, page.user, holding_id)
    return Response(status_code=204, headers=HEADERS)


# Holdings ----------------------------------------------------------------------------------


def show_holding(page: Page, holding_id: str, *, status: int = 200, **extra: Any) -> Response:
    node, user = page.node, page.user
    assert user is not None
    view = listing.holding_listing(node, user, holding_id)
    marks = pages.holding_markings(node, view)
    # One refused its content is offered no way to copy, translate or derive it: each of
    # those reads the content (R29, R30, R8), and the node would refuse them the same.
    refused = extra.get("refused")
    return render(
        page,
        "holding.html",
        status=status,
        holding=view,
        marks=marks,
        category_marking=labels.category_marking(node, view.original_label, user.language),
        local_label=pages.label_fields(view.local_label),
        original_label=pages.label_fields(view.original_label),
        capco=pages.us_banner(view.original_label, marks.shared_english),
        decisions=overview.decisions_on(node, [view.id, view.item_id]),
        done=done_of(page),
        today=node.clock().date(),
        reproducible=bool(page.may.get("reproduce")) and refused is None and view.state == "held",
        **pages.holding_control(node, user, view),
        **extra,
    )


@router.get("/holdings/{holding_id}")
def holding_page(holding_id: str, page: SignedIn) -> Response:
    return show_holding(page, holding_id)


#: The purpose a reader names on the read form; empty for the item's own (R13).
ReadPurpose = Annotated[str, Form(alias="purpose")]


@router.post("/holdings/{holding_id}/read")
def read_content(
    holding_id: str, page: PostedSignedIn, purpose_field: ReadPurpose = ""
) -> Response:
    """Read through `node.read.read_holding`: the decision is taken and logged first. A
    purpose other than the item's own passes only once the originator approved it (R13)."""
    assert page.user is not None
    purpose = purpose_field.strip() or None
    try:
        view, content, decision = read.read_holding(
            page.node, page.user, holding_id, purpose=purpose
        )
    except PolicyDenied as denial:
        try:
            return show_holding(page, holding_id, status=403, refused=denial, read_purpose=purpose)
        except NotFound:
            raise denial from None  # the refusal alone: its page is not theirs to see
    text = None
    if shown_inline(view.media_type):  # escaped in the page; anything else is a download
        text = content.decode("utf-8", errors="replace")
    return show_holding(
        page,
        holding_id,
        content=text,
        size=len(content),
        decision=decision,
        read_purpose=purpose,
    )


@router.post("/holdings/{holding_id}/download")
def download(holding_id: str, page: PostedSignedIn, purpose_field: ReadPurpose = "") -> Response:
    assert page.user is not None
    purpose = purpose_field.strip() or None
    view, content, _ = read.read_holding(page.node, page.user, holding_id, purpose=purpose)
    return Response(
        content,
        media_type=view.media_type,
        headers={**HEADERS, **attachment_headers(view.id)},
    )


# Agreements and audit ----------------------------------------------------------------------


@router.get("/agreements/{agreement_id}")
def agreement_page(agreement_id: str, page: SignedIn) -> Response:
    node = page.node
    agreement = node.agreement(agreement_id)
    today = node.clock().date()
    return render(
        page,
        "agreement.html",
        agreement=agreement,
        lifecycle=standing.standing(node, agreement_id, today),  # as the dashboard says it
        today=today,
    )


@router.get("/audit")
def audit_page(page: SignedIn) -> Response:
    """The decisions, newest first, a page at a time, filtered on the row as the log says it
    is; `node.audit_trail` decides who may read it, and logs it."""
    assert page.user is not None
    params = page.request.query_params
    asked = paging.wanted(params, paging.AUDIT_FILTERS)
    wanted = paging.decision_filter(params)
    found = audit_trail.decisions_page(
        page.node, page.user, wanted, paging.position(params, "cursor")
    )
    pager = paging.links(page.request.url, "cursor", found)
    return render(
        page,
        "audit.html",
        rows=found.rows,
        asked=asked,
        pages=pager,
        export_query=paging.kept(params, paging.AUDIT_FILTERS),
    )


# Live alerts -------------------------------------------------------------------------------


@router.get("/events")
async def events(page: SignedIn) -> StreamingResponse:
    """Server-Sent Events for this session's user: FLASH items the node decided they may read.

    The decision is `node.live.push_flash`'s (the treaty's access decision per user); this
    stream only carries it to the screen, as `/api/v1/alerts` does for token holders.
    """
    assert page.user is not None
    open_alerts(page.node, page.user)
    # The stream ends with the session (logout, password change, disabling; ADR 0086).
    stands = session_standing(page.node, page.user.name, page.session.sid)
    events = alert_events(page.node, page.user.name, page.request.is_disconnected, stands)
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
