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
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Response
from starlette.datastructures import FormData

from gsomia.errors import Error, InputError, PolicyDenied
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
from gsomia.web.routes import PageRoute, _holding, _item, _redirect, _status_of, done_of, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _status(error: Error) -> int:
    return 403 if isinstance(error, PolicyDenied) else _status_of(error)


def _act(
    call: Callable[[], object],
    refused: Callable[[int, Error], Response],
    success: Callable[[], Response],
) -> Response:
    """Do `call`; on a gsomia error show it in place (403 with the article for a refusal)."""
    try:
        call()
    except Error as error:
        return refused(_status(error), error)
    return success()


def _field(form: FormData, key: str) -> str:
    value = form.get(key, "")
    return value if isinstance(value, str) else ""


def _names(form: FormData, key: str) -> list[str]:
    """Names typed one per line or separated by commas."""
    raw = _field(form, key).replace("\n", ",")
    return [name.strip() for name in raw.split(",") if name.strip()]


def _day_end(form: FormData, key: str) -> datetime:
    """A date field (YYYY-MM-DD) as the last second of that day, UTC."""
    raw = _field(form, key).strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{key!r} is not a date", hint="e.g. 2027-01-01") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _user(page: Page) -> Any:
    assert page.user is not None  # PostedSignedIn made sure
    return page.user


# Holding actions ------------------------------------------------------------------------------


async def _holding_act(
    page: Page, holding_id: str, action: str, done: str, call: Callable[[FormData], object]
) -> Response:
    form = await page.request.form()
    return _act(
        lambda: call(form),
        lambda status, error: _holding(
            page, holding_id, status=status, action_error=error, failed_action=action
        ),
        lambda: _redirect(page, f"/holdings/{holding_id}?done={done}#h-actions"),
    )


@router.post("/holdings/{holding_id}/consent")
async def ask_consent(holding_id: str, page: PostedSignedIn) -> Response:
    """The holder's officer asks the originator's consent for a third nation (R12)."""
    return await _holding_act(
        page,
        holding_id,
        "consent",
        "consent_requested",
        lambda form: consent.request_consent(
            page.node,
            _user(page),
            holding_id,
            _field(form, "recipient"),
            _field(form, "purpose"),
            _day_end(form, "until"),
        ),
    )


@router.post("/holdings/{holding_id}/onward")
async def pass_on(holding_id: str, page: PostedSignedIn) -> Response:
    """Pass the holding on with a granted consent; without one the node refuses (Art. 5)."""
    return await _holding_act(
        page,
        holding_id,
        "onward",
        "onward_sent",
        lambda form: onward.release_onward_to(
            page.node, _user(page), holding_id, _field(form, "to"), _field(form, "consent_id")
        ),
    )


@router.post("/holdings/{holding_id}/compromise")
async def report_holding(holding_id: str, page: PostedSignedIn) -> Response:
    """Anyone reports a possible or actual loss; the originator is told at FLASH (R37)."""
    form = await page.request.form()
    return _act(
        lambda: loss_report.report(
            page.node,
            _user(page),
            holding_id,
            _field(form, "description"),
            actual=_field(form, "actual") == "yes",
        ),
        lambda status, error: _holding(
            page, holding_id, status=status, action_error=error, failed_action="compromise"
        ),
        lambda: _redirect(page, "/control?done=compromise_reported#h-compromises"),
    )


@router.post("/holdings/{holding_id}/copies")
async def make_copies(holding_id: str, page: PostedSignedIn) -> Response:
    def call(form: FormData) -> object:
        try:
            count = int(_field(form, "count") or "1")
        except ValueError:
            raise InputError("the number of copies is a whole number") from None
        if not 1 <= count <= copies.MAX_COPIES:
            raise InputError(f"make 1 to {copies.MAX_COPIES} copies at a time")
        return copies.make_copies(page.node, _user(page), holding_id, count)

    return await _holding_act(page, holding_id, "copies", "copies_made", call)


@router.post("/holdings/{holding_id}/destroy")
async def destroy(holding_id: str, page: PostedSignedIn) -> Response:
    """Record a destruction: method, executing officials, witnesses (R31, R32)."""
    return await _holding_act(
        page,
        holding_id,
        "destroy",
        "destroyed",
        lambda form: disposal.destroy(
            page.node,
            _user(page),
            holding_id,
            method=_field(form, "method"),
            officials=_names(form, "officials"),
            witnesses=_names(form, "witnesses"),
            dispose_dependants=_field(form, "dispose_dependants") == "yes",
        ),
    )


@router.post("/holdings/{holding_id}/return")
async def give_back(holding_id: str, page: PostedSignedIn) -> Response:
    """Return the holding to its originator at the end of the purpose (R18)."""
    return await _holding_act(
        page,
        holding_id,
        "return",
        "returned",
        lambda form: disposal.return_holding(
            page.node,
            _user(page),
            holding_id,
            dispose_dependants=_field(form, "dispose_dependants") == "yes",
        ),
    )


# Own items: classification changes ------------------------------------------------------------


@router.post("/items/{item_id}/classification")
async def reclassify(item_id: str, page: PostedSignedIn) -> Response:
    """The originator's officer downgrades, upgrades or declassifies (R14)."""
    form = await page.request.form()
    change = _field(form, "change")
    level = _field(form, "level") or None
    return _act(
        lambda: notices.reclassify(
            page.node,
            _user(page),
            item_id,
            change=change,
            level=None if change == "declassify" else level,
        ),
        lambda status, error: _item(page, item_id, status=status, action_error=error),
        lambda: _redirect(page, f"/items/{item_id}?done=reclassified#h-notices"),
    )


@router.post("/items/{item_id}/compromise")
async def report_item(item_id: str, page: PostedSignedIn) -> Response:
    form = await page.request.form()
    return _act(
        lambda: loss_report.report(
            page.node,
            _user(page),
            item_id,
            _field(form, "description"),
            actual=_field(form, "actual") == "yes",
        ),
        lambda status, error: _item(page, item_id, status=status, action_error=error),
        lambda: _redirect(page, "/control?done=compromise_reported#h-compromises"),
    )


# The control page -----------------------------------------------------------------------------


def _control(page: Page, *, status: int = 200, **extra: Any) -> Response:
    user = _user(page)
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
    return _control(page)


async def _control_act(
    page: Page, subject: str, done: str, call: Callable[[FormData], object]
) -> Response:
    form = await page.request.form()
    return _act(
        lambda: call(form),
        lambda status, error: _control(page, status=status, action_error=error, subject=subject),
        lambda: _redirect(page, f"/control?done={done}#case-{subject}"),
    )


@router.post("/consents/{case_id}/grant")
async def grant(case_id: str, page: PostedSignedIn) -> Response:
    return await _control_act(
        page,
        case_id,
        "consent_granted",
        lambda _: consent_decisions.grant(page.node, _user(page), case_id),
    )


@router.post("/consents/{case_id}/refuse")
async def refuse(case_id: str, page: PostedSignedIn) -> Response:
    return await _control_act(
        page,
        case_id,
        "consent_refused",
        lambda form: consent_decisions.refuse(
            page.node, _user(page), case_id, _field(form, "reason")
        ),
    )


@router.post("/consents/{case_id}/revoke")
async def revoke(case_id: str, page: PostedSignedIn) -> Response:
    return await _control_act(
        page,
        case_id,
        "consent_revoked",
        lambda form: consent_decisions.revoke(
            page.node, _user(page), case_id, _field(form, "reason")
        ),
    )


@router.post("/compromises/{case_id}/findings")
async def findings(case_id: str, page: PostedSignedIn) -> Response:
    return await _control_act(
        page,
        case_id,
        "findings_sent",
        lambda form: investigation.record_findings(
            page.node,
            _user(page),
            case_id,
            result=_field(form, "result"),
            measures=_field(form, "measures"),
        ),
    )


@router.post("/compromises/{case_id}/close")
async def close(case_id: str, page: PostedSignedIn) -> Response:
    return await _control_act(
        page, case_id, "case_closed", lambda _: investigation.close(page.node, _user(page), case_id)
    )


@router.post("/visits/{visit_id}/approve")
async def approve_visit(visit_id: str, page: PostedSignedIn) -> Response:
    return await _control_act(
        page,
        visit_id,
        "visit_approved",
        lambda form: visit_host.approve(
            page.node, _user(page), visit_id, _field(form, "max_level") or None
        ),
    )


@router.post("/visits/{visit_id}/refuse")
async def refuse_visit(visit_id: str, page: PostedSignedIn) -> Response:
    return await _control_act(
        page,
        visit_id,
        "visit_refused",
        lambda form: visit_host.refuse(page.node, _user(page), visit_id, _field(form, "reason")),
    )
