"""More control forms: translations, derivatives, new purposes, the hub, visit requests and
disputes (R30, R8, R13, R47, R23, R46).

As in `control`, each form calls the `gsomia.node` function the JSON API calls
(`api/custody.py`, `api/consent.py`, `api/visits.py`, `api/compromise.py`): the role gate and
the treaty's decision are the node's, logged there. A refusal comes back to the page in place,
with its reason and article and what was typed; a success redirects with `?done=`.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.datastructures import FormData

from gsomia.node.control import copies, derivatives, disputes, hub, purposes, visits
from gsomia.web.auth import PostedSignedIn
from gsomia.web.control import control_act, holding_act
from gsomia.web.forms import day_end, day_start, field, names, user_of
from gsomia.web.render import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# The holding page ---------------------------------------------------------------------------


@router.post("/holdings/{holding_id}/translations")
async def translate(holding_id: str, page: PostedSignedIn) -> Response:
    """Assign a translation to a person of this node cleared for the holding (R30)."""
    return await holding_act(
        page,
        holding_id,
        "translate",
        "translated",
        lambda form: copies.translate(
            page.node,
            user_of(page),
            holding_id,
            translator=field(form, "translator").strip(),
            language=field(form, "language").strip(),
            source_language=field(form, "source_language").strip(),
            content=field(form, "text"),
        ),
    )


@router.post("/holdings/{holding_id}/derivatives")
async def derive(holding_id: str, page: PostedSignedIn) -> Response:
    """An extract, summary or compilation of this holding and any further sources, marked at
    least at the highest of their levels (R8)."""

    def call(form: FormData) -> object:
        more = [s for s in names(form, "sources") if s != holding_id]
        return derivatives.derive(
            page.node,
            user_of(page),
            [holding_id, *more],
            kind=field(form, "kind"),
            title=field(form, "title").strip(),
            content=field(form, "text"),
            level=field(form, "level").strip() or None,
        )

    return await holding_act(page, holding_id, "derive", "derived", call)


@router.post("/holdings/{holding_id}/purposes")
async def ask_purpose(holding_id: str, page: PostedSignedIn) -> Response:
    """The holder's officer asks the originator to approve a new purpose (R13)."""
    return await holding_act(
        page,
        holding_id,
        "purpose",
        "purpose_requested",
        lambda form: purposes.request_purpose(
            page.node, user_of(page), holding_id, field(form, "purpose")
        ),
    )


@router.post("/holdings/{holding_id}/forward")
async def forward(holding_id: str, page: PostedSignedIn) -> Response:
    """Forward the holding under a configured hub rule (R47); refused without one."""
    return await holding_act(
        page,
        holding_id,
        "forward",
        "forwarded",
        lambda form: hub.forward(page.node, user_of(page), holding_id, field(form, "to")),
    )


# The control page: new purposes ----------------------------------------------------------------


@router.post("/purposes/{case_id}/approve")
async def approve_purpose(case_id: str, page: PostedSignedIn) -> Response:
    """Only the originator's officer approves; the approval is signed and sent (R13)."""
    return await control_act(
        page,
        case_id,
        "purpose_approved",
        lambda _: purposes.approve_purpose(page.node, user_of(page), case_id),
    )


@router.post("/purposes/{case_id}/refuse")
async def refuse_purpose(case_id: str, page: PostedSignedIn) -> Response:
    return await control_act(
        page,
        case_id,
        "purpose_refused",
        lambda form: purposes.refuse_purpose(
            page.node, user_of(page), case_id, field(form, "reason")
        ),
    )


# Visit requests ---------------------------------------------------------------------------------


@router.post("/visits")
async def request_visit(page: PostedSignedIn) -> Response:
    """This nation's security officer asks a partner for a visit (R23); the dates are whole
    days, UTC, from the first second of the first to the last second of the last."""
    return await control_act(
        page,
        "visit-request",
        "visit_requested",
        lambda form: visits.request_visit(
            page.node,
            user_of(page),
            host=field(form, "host").strip().upper(),
            visitors=names(form, "visitors"),
            facility=field(form, "facility").strip(),
            subject=field(form, "subject").strip(),
            scope=field(form, "scope").strip(),
            start=day_start(form, "start"),
            end=day_end(form, "end"),
            max_level=field(form, "max_level"),
            kind=field(form, "kind") or "one-time",
        ),
        anchor="h-visits",
    )


# Hub rules --------------------------------------------------------------------------------------


@router.post("/hub/rules")
async def add_hub_rule(page: PostedSignedIn) -> Response:
    """A security officer configures a (non-binding) hub arrangement (R47)."""
    return await control_act(
        page,
        "hub-rule",
        "hub_rule_added",
        lambda form: hub.add_hub_rule(
            page.node,
            user_of(page),
            field(form, "arrangement"),
            names(form, "participants"),
            names(form, "topics"),
        ),
        anchor="h-hub",
    )


# Disputes ---------------------------------------------------------------------------------------


@router.post("/disputes")
async def open_dispute(page: PostedSignedIn) -> Response:
    """An officer opens consultations with the partner over an agreement (Art. 20, R46)."""
    return await control_act(
        page,
        "dispute",
        "dispute_opened",
        lambda form: disputes.open_case(
            page.node, user_of(page), field(form, "agreement_id"), field(form, "subject")
        ),
        anchor="h-disputes",
    )


@router.post("/disputes/{case_id}/consult")
async def consult(case_id: str, page: PostedSignedIn) -> Response:
    return await control_act(
        page,
        case_id,
        "dispute_consulted",
        lambda form: disputes.consult(page.node, user_of(page), case_id, field(form, "note")),
    )


@router.post("/disputes/{case_id}/settle")
async def settle(case_id: str, page: PostedSignedIn) -> Response:
    """Settled by consultation between the parties; the core refuses it before any (R46)."""
    return await control_act(
        page,
        case_id,
        "dispute_settled",
        lambda form: disputes.settle(page.node, user_of(page), case_id, field(form, "note")),
    )
