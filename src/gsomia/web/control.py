"""Pages where the originator stays in control (issue 5): consent and onward release,
classification changes, copies, destruction and return, compromise cases, visits.

Each form calls the same `gsomia.node` function the JSON API calls (`api/consent.py`,
`api/notices.py`, `api/custody.py`, `api/compromise.py`, `api/visits.py`): the role gate and
the treaty's decision are the node's, logged there. A refusal comes back to the page it came
from, in place, with its reason and article (`role="alert"`); a success redirects back with a
short confirmation (`?done=`), so reloading never repeats an act.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from starlette.datastructures import FormData

from gsomia.errors import InputError
from gsomia.node.control import (
    consent,
    consent_decisions,
    copies,
    disposal,
    investigation,
    loss_report,
    notices,
    onward,
    visit_host,
)
from gsomia.web import pages
from gsomia.web.auth import Page, PostedSignedIn, SignedIn
from gsomia.web.done import done_of
from gsomia.web.forms import act, day_end, field, names, user_of
from gsomia.web.render import PageRoute, redirect, render
from gsomia.web.routes import show_holding, show_item

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# Holding actions ------------------------------------------------------------------------------


async def holding_act(
    page: Page, holding_id: str, action: str, done: str, call: Callable[[FormData], object]
) -> Response:
    form = await page.request.form()
    return act(
        lambda: call(form),
        lambda status, error: show_holding(
            page, holding_id, status=status, action_error=error, failed_action=action, values=form
        ),
        lambda: redirect(page, f"/holdings/{holding_id}?done={done}#h-actions"),
    )


@router.post("/holdings/{holding_id}/consent")
async def ask_consent(holding_id: str, page: PostedSignedIn) -> Response:
    """The holder's officer asks the originator's consent for a third nation (R12)."""
    return await holding_act(
        page,
        holding_id,
        "consent",
        "consent_requested",
        lambda form: consent.request_consent(
            page.node,
            user_of(page),
            holding_id,
            field(form, "recipient"),
            field(form, "purpose"),
            day_end(form, "until"),
        ),
    )


@router.post("/holdings/{holding_id}/onward")
async def pass_on(holding_id: str, page: PostedSignedIn) -> Response:
    """Pass the holding on with a granted consent; without one the node refuses (Art. 5 or
    6(a)–(c), UNCONFIRMED)."""
    return await holding_act(
        page,
        holding_id,
        "onward",
        "onward_sent",
        lambda form: onward.release_onward_to(
            page.node, user_of(page), holding_id, field(form, "to"), field(form, "consent_id")
        ),
    )


@router.post("/holdings/{holding_id}/compromise")
async def report_holding(holding_id: str, page: PostedSignedIn) -> Response:
    """Anyone reports a possible or actual loss; the originator is told at FLASH (R37)."""
    form = await page.request.form()
    return act(
        lambda: loss_report.report(
            page.node,
            user_of(page),
            holding_id,
            field(form, "description"),
            actual=field(form, "actual") == "yes",
        ),
        lambda status, error: show_holding(
            page, holding_id, status=status, action_error=error, failed_action="compromise"
        ),
        lambda: redirect(page, "/control?done=compromise_reported#h-compromises"),
    )


@router.post("/holdings/{holding_id}/copies")
async def make_copies(holding_id: str, page: PostedSignedIn) -> Response:
    def call(form: FormData) -> object:
        try:
            count = int(field(form, "count") or "1")
        except ValueError:
            raise InputError("the number of copies is a whole number") from None
        if not 1 <= count <= copies.MAX_COPIES:
            raise InputError(f"make 1 to {copies.MAX_COPIES} copies at a time")
        return copies.make_copies(page.node, user_of(page), holding_id, count)

    return await holding_act(page, holding_id, "copies", "copies_made", call)


@router.post("/holdings/{holding_id}/destroy")
async def destroy(holding_id: str, page: PostedSignedIn) -> Response:
    """Record a destruction: method, executing officials, witnesses (R31, R32)."""
    return await holding_act(
        page,
        holding_id,
        "destroy",
        "destroyed",
        lambda form: disposal.destroy(
            page.node,
            user_of(page),
            holding_id,
            method=field(form, "method"),
            officials=names(form, "officials"),
            witnesses=names(form, "witnesses"),
            dispose_dependants=field(form, "dispose_dependants") == "yes",
        ),
    )


@router.post("/holdings/{holding_id}/return")
async def give_back(holding_id: str, page: PostedSignedIn) -> Response:
    """Return the holding to its originator at the end of the purpose (R18)."""
    return await holding_act(
        page,
        holding_id,
        "return",
        "returned",
        lambda form: disposal.return_holding(
            page.node,
            user_of(page),
            holding_id,
            dispose_dependants=field(form, "dispose_dependants") == "yes",
        ),
    )


# Own items: classification changes ------------------------------------------------------------


@router.post("/items/{item_id}/classification")
async def reclassify(item_id: str, page: PostedSignedIn) -> Response:
    """The originator's officer downgrades, upgrades or declassifies (R14)."""
    form = await page.request.form()
    change = field(form, "change")
    level = field(form, "level") or None
    return act(
        lambda: notices.reclassify(
            page.node,
            user_of(page),
            item_id,
            change=change,
            level=None if change == "declassify" else level,
        ),
        lambda status, error: show_item(page, item_id, status=status, action_error=error),
        lambda: redirect(page, f"/items/{item_id}?done=reclassified#h-notices"),
    )


@router.post("/items/{item_id}/compromise")
async def report_item(item_id: str, page: PostedSignedIn) -> Response:
    form = await page.request.form()
    return act(
        lambda: loss_report.report(
            page.node,
            user_of(page),
            item_id,
            field(form, "description"),
            actual=field(form, "actual") == "yes",
        ),
        lambda status, error: show_item(page, item_id, status=status, action_error=error),
        lambda: redirect(page, "/control?done=compromise_reported#h-compromises"),
    )


# The control page -----------------------------------------------------------------------------


def show_control(page: Page, *, status: int = 200, **extra: Any) -> Response:
    user = user_of(page)
    return render(
        page,
        "control.html",
        status=status,
        done=done_of(page),
        **pages.control_lists(page.node, user),
        **extra,
    )


@router.get("/control")
def control_page(page: SignedIn) -> Response:
    return show_control(page)


async def control_act(
    page: Page,
    subject: str,
    done: str,
    call: Callable[[FormData], object],
    *,
    anchor: str | None = None,
) -> Response:
    """Do a control-page act; back to the page with the refusal, or to `anchor` when done."""
    form = await page.request.form()
    return act(
        lambda: call(form),
        lambda status, error: show_control(
            page, status=status, action_error=error, subject=subject, values=form
        ),
        lambda: redirect(page, f"/control?done={done}#{anchor or 'case-' + subject}"),
    )


@router.post("/consents/{case_id}/grant")
async def grant(case_id: str, page: PostedSignedIn) -> Response:
    return await control_act(
        page,
        case_id,
        "consent_granted",
        lambda _: consent_decisions.grant(page.node, user_of(page), case_id),
    )


@router.post("/consents/{case_id}/refuse")
async def refuse(case_id: str, page: PostedSignedIn) -> Response:
    return await control_act(
        page,
        case_id,
        "consent_refused",
        lambda form: consent_decisions.refuse(
            page.node, user_of(page), case_id, field(form, "reason")
        ),
    )


@router.post("/consents/{case_id}/revoke")
async def revoke(case_id: str, page: PostedSignedIn) -> Response:
    return await control_act(
        page,
        case_id,
        "consent_revoked",
        lambda form: consent_decisions.revoke(
            page.node, user_of(page), case_id, field(form, "reason")
        ),
    )


@router.post("/compromises/{case_id}/findings")
async def findings(case_id: str, page: PostedSignedIn) -> Response:
    return await control_act(
        page,
        case_id,
        "findings_sent",
        lambda form: investigation.record_findings(
            page.node,
            user_of(page),
            case_id,
            result=field(form, "result"),
            measures=field(form, "measures"),
        ),
    )


@router.post("/compromises/{case_id}/close")
async def close(case_id: str, page: PostedSignedIn) -> Response:
    return await control_act(
        page,
        case_id,
        "case_closed",
        lambda _: investigation.close(page.node, user_of(page), case_id),
    )


@router.post("/visits/{visit_id}/approve")
async def approve_visit(visit_id: str, page: PostedSignedIn) -> Response:
    return await control_act(
        page,
        visit_id,
        "visit_approved",
        lambda form: visit_host.approve(
            page.node, user_of(page), visit_id, field(form, "max_level") or None
        ),
    )


@router.post("/visits/{visit_id}/refuse")
async def refuse_visit(visit_id: str, page: PostedSignedIn) -> Response:
    return await control_act(
        page,
        visit_id,
        "visit_refused",
        lambda form: visit_host.refuse(page.node, user_of(page), visit_id, field(form, "reason")),
    )
