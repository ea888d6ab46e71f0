"""The contractors page (R33–R36): facilities with their clearance, security officer, register,
briefings and inspections, their contracts and the partner's assurance; and the two acts an
officer does most, a briefing acknowledged and a holding released to a contract. Each form
calls the same `gsomia.node.contractors` function the JSON API calls; a refusal comes back in
place with its reason and article. Beside it, the host's report for a security visit (R38)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from gsomia.node import contractors, security_visits
from gsomia.treaty.roles import Action
from gsomia.web.auth import PostedSignedIn, SignedIn, requires
from gsomia.web.done import done_of
from gsomia.web.forms import act, field, user_of
from gsomia.web.render import PageRoute, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OFFICERS = [Depends(requires(Action.MANAGE_CONTRACTORS))]


def show(page: SignedIn, *, status: int = 200, **extra: Any) -> Response:
    node, user = page.node, user_of(page)
    facilities = contractors.list_facilities(node, user)
    contracts = [
        contractors.get_contract(node, user, c) for f in facilities for c in f["contracts"]
    ]
    return render(
        page, "contractors.html", status=status, done=done_of(page),
        facilities=facilities, contracts=contracts, **extra,
    )  # fmt: skip


@router.get("/contractors", dependencies=OFFICERS)
def contractors_page(page: SignedIn) -> Response:
    return show(page)


async def _act(page: PostedSignedIn, done: str, call: Any) -> Response:
    form = await page.request.form()
    return act(
        lambda: call(form),
        lambda status, error: show(page, status=status, action_error=error, values=form),
        lambda: redirect(page, f"/contractors?done={done}"),
    )


@router.post("/contractors/briefings", dependencies=OFFICERS)
async def brief(page: PostedSignedIn) -> Response:
    return await _act(
        page,
        "briefing_recorded",
        lambda form: contractors.record_briefing(
            page.node, user_of(page), field(form, "person"), page.node.clock()
        ),
    )


@router.post("/contractors/releases", dependencies=OFFICERS)
async def release(page: PostedSignedIn) -> Response:
    return await _act(
        page,
        "released_to_contractor",
        lambda form: contractors.release_to_contractor(
            page.node, user_of(page), field(form, "holding"), field(form, "contract")
        ),
    )


# Security representatives' visits (Art. 18, R38): the host's report, as a page ---------------


@router.get(
    "/security-visits/{visit_id}/report",
    dependencies=[Depends(requires(Action.SECURITY_VISIT))],
)
def protection_report(visit_id: str, page: SignedIn) -> Response:
    """How what the visiting party provided is protected here; refused unless this node hosts
    an agreed visit (the node decides and logs)."""
    report = security_visits.protection_report(page.node, user_of(page), visit_id)
    return render(page, "security_report.html", report=report)
