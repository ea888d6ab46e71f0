"""The user API: analysts publish and read, officers release, the roles entitled to (R17) see
transfers."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from gsomia.api.deps import NodeDep, UserDep, admitted_by, presented
from gsomia.api.models.lists import Listed, link_pages
from gsomia.api.models.problems import AUTHENTICATED
from gsomia.api.models.users import (
    AssuranceRequest,
    DecisionOut,
    HandOverRequest,
    HoldingOut,
    ItemOut,
    PublishRequest,
    ReleaseOutcomeOut,
    ReleaseRuleRequest,
    TransferOut,
)
from gsomia.labels.media import attachment_headers
from gsomia.node import labels, listing, read, transfers
from gsomia.node import publish as publishing
from gsomia.node import release as releasing
from gsomia.node.control import assurances
from gsomia.node.live import alert_events, open_alerts, token_standing
from gsomia.node.release import RuleDraft
from gsomia.treaty.custody import IpUse

router = APIRouter(prefix="/api/v1", tags=["users"], responses=AUTHENTICATED)


@router.get("/me")
def me(user: UserDep, node: NodeDep) -> dict[str, Any]:
    """Who the token belongs to, on which node."""
    return {
        "name": user.name,
        "nationality": user.nationality,
        "clearance": user.clearance,
        "clearance_expires": user.clearance_expires.isoformat(),
        "communities": list(user.communities),
        "roles": list(user.roles),
        "node": {"nation": node.nation, "name": node.card.name},
    }


@router.post("/items", status_code=201)
def publish_item(
    body: PublishRequest, request: Request, user: UserDep, node: NodeDep
) -> dict[str, str]:
    """Submit an item; it waits as a draft until an officer releases it (R50), unless its feed
    has a standing release rule. The token and the person's terms are read again in the
    write (ADR 0154)."""
    [published] = publishing.publish_batch(
        node, user, [body.draft()], presented=admitted_by(request, user)
    )
    return {"id": published.id, "state": published.state}


@router.post("/items:batch", status_code=201)
def publish_items(
    body: list[PublishRequest], request: Request, user: UserDep, node: NodeDep
) -> list[dict[str, str]]:
    """Submit up to 1,000 items in one transaction (a sensor feed's burst), held to the token
    and the person's terms as one item is."""
    published = publishing.publish_batch(
        node, user, [each.draft() for each in body], presented=admitted_by(request, user)
    )
    return [{"id": p.id, "state": p.state} for p in published]


@router.post("/release-rules", status_code=201)
def set_release_rule(
    body: ReleaseRuleRequest, request: Request, user: UserDep, node: NodeDep
) -> dict[str, int]:
    """An officer sets a standing release rule for a feed: its items go out on publication."""
    rule = RuleDraft(
        feed=body.feed,
        to_nations=tuple(body.to_nations),
        ceiling=body.ceiling,
        purpose=body.purpose,
        valid_until=body.valid_until,
    )
    presented = admitted_by(request, user)
    return {"id": releasing.set_release_rule(node, user, rule, presented=presented)}


@router.post("/items/{item_id}/release")
def release_item(
    item_id: str, request: Request, user: UserDep, node: NodeDep
) -> list[ReleaseOutcomeOut]:
    """Release an item to every partner it is releasable to; one decision per partner."""
    outcomes = releasing.release(node, user, item_id, presented=admitted_by(request, user))
    return [
        ReleaseOutcomeOut(
            nation=o.nation,
            decision=DecisionOut(
                allowed=o.decision.allowed,
                reason=o.decision.reason,
                article=o.decision.article,
                requirement=o.decision.requirement,
            ),
            message_id=o.message_id,
        )
        for o in outcomes
    ]


def _transfer_out(t: transfers.Transfer) -> TransferOut:
    return TransferOut(**t.__dict__)


@router.get("/items")
def list_items(
    query: Listed, request: Request, response: Response, user: UserDep, node: NodeDep
) -> list[ItemOut]:
    """A page of this node's own items the caller may see, newest first: in full if the
    access decision would let them read it (or they wrote it), redacted for an officer or
    auditor whose duty needs to know it exists, not at all otherwise. Filters apply to the
    row as shown; the next and previous pages are in the `Link` header."""
    page = listing.items_page(node, user, query.wanted(), query.position(), query.limit)
    link_pages(request, response, page)
    return [ItemOut(**_item_fields(row), redacted=redacted) for row, redacted in page.rows]


def _item_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ItemOut.model_fields if k in row}


@router.get("/items/{item_id}")
def show_item(item_id: str, user: UserDep, node: NodeDep) -> ItemOut:
    """One own item with its transfers: for the roles that may view transfers (R17), and
    only an item the caller may see in full."""
    journeys = [_transfer_out(t) for t in transfers.list_transfers(node, user, item_id)]
    row = listing.item_listing(node, user, item_id)
    shown = labels.category_marking(node, row["label"], user.language)
    return ItemOut(**_item_fields(row), transfers=journeys, category_marking=shown)


@router.get("/items/{item_id}/label")
def item_label(
    item_id: str,
    user: UserDep,
    node: NodeDep,
    format: Literal["xml", "json", "ism"] = "xml",
) -> Response:
    """The label of an own item, or the label set of a holding, as partners' tools read it:
    ADatP-4774 XML (`format=xml`), its JSON form (`json`) or US ISM attributes with the CAPCO
    banner (`ism`); only for a person who may see the item in full (R9, R11)."""
    out = labels.item_label(node, user, item_id, format)
    return Response(out.content, media_type=out.media_type)


@router.post("/items/{item_id}/assurances", status_code=201)
def record_assurance(
    item_id: str, body: AssuranceRequest, user: UserDep, node: NodeDep
) -> dict[str, str]:
    """An officer records the other party's written assurance for a hand-over (R22)."""
    case_id = assurances.record_assurance(node, user, item_id, body.note_of())
    return {"id": case_id}


@router.post("/items/{item_id}/hand-over")
def hand_over(item_id: str, body: HandOverRequest, user: UserDep, node: NodeDep) -> DecisionOut:
    """Hand the item to the other party's representative: allowed only under an assurance on
    record that covers it (Art. 7.5; R22), logged either way."""
    decision = assurances.hand_over(
        node, user, item_id, party=body.party, representative=body.representative
    )
    return DecisionOut(
        allowed=decision.allowed,
        reason=decision.reason,
        article=decision.article,
        requirement=decision.requirement,
    )


@router.get("/transfers")
def list_transfers(
    query: Listed, request: Request, response: Response, user: UserDep, node: NodeDep
) -> list[TransferOut]:
    """A page of transfers, newest first: queued, received (with the partner's marking) or
    rejected; for the roles that may view transfers (R17). Filters: partner, state,
    precedence; the next and previous pages are in the `Link` header."""
    page = transfers.transfers_page(node, user, query.wanted(), query.position(), query.limit)
    link_pages(request, response, page)
    return [_transfer_out(t) for t in page.rows]


@router.get("/holdings")
def list_holdings(
    query: Listed, request: Request, response: Response, user: UserDep, node: NodeDep
) -> list[HoldingOut]:
    """A page of what partners sent that the caller may see, the latest first, with both
    markings (redacted rows for an officer or auditor whose duty needs to know it is held);
    never an envelope. Filters apply to the row as shown (`partner`: the originator or the
    sender); the next and previous pages are in the `Link` header."""
    page = listing.holdings_page(node, user, query.wanted(), query.position(), query.limit)
    link_pages(request, response, page)
    return [HoldingOut(**_holding_fields(view), redacted=redacted) for view, redacted in page.rows]


def _holding_fields(view: read.HoldingView) -> dict[str, Any]:
    return {k: getattr(view, k) for k in HoldingOut.model_fields if hasattr(view, k)}


@router.get("/holdings/{holding_id}")
def show_holding(holding_id: str, user: UserDep, node: NodeDep) -> dict[str, Any]:
    view = listing.holding_listing(node, user, holding_id)
    return {
        **_holding_fields(view),
        "category_marking": labels.category_marking(node, view.original_label, user.language),
        "original_label": view.original_label,
        "local_label": view.local_label,
    }


@router.get("/holdings/{holding_id}/content")
def read_holding(
    holding_id: str,
    user: UserDep,
    node: NodeDep,
    purpose: str | None = None,
    use: IpUse = IpUse.OFFICIAL,
) -> Response:
    """The content, if the access decision allows this user for `purpose` (the item's own
    when absent; another one only once the originator approved it, R13); every answer is
    logged. `use` beyond official use is refused under an intellectual-property caveat (R15).
    A partner's content is served as a sandboxed attachment, whatever its type: in
    this origin a partner's `text/html` would run with the reader's credentials."""
    view, content, decision = read.read_holding(node, user, holding_id, purpose=purpose, use=use)
    return Response(
        content,
        media_type=view.media_type,
        headers={
            **attachment_headers(view.id),
            "X-Gsomia-Marking": view.marking.encode().hex(),
            "X-Gsomia-Decision": f"{decision.article} {decision.requirement}",
        },
    )


@router.get("/alerts")
async def alerts(request: Request, user: UserDep, node: NodeDep) -> StreamingResponse:
    """Server-Sent Events: FLASH items this user may read, the moment they arrive."""
    token, _ = presented(request)
    open_alerts(node, user)  # a clearance in force, as for every other act (R19)
    stands = token_standing(node, user.name, token)
    events = alert_events(node, user.name, request.is_disconnected, stands)
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
