"""What the pages show, gathered from the node's use cases and tables; no HTTP here.

Everything a page displays about an item's protection comes from the node: the markings as
stored, the transfers as the outbox records them, the decisions as the access log holds them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from gsomia.errors import Error, PolicyDenied
from gsomia.labels import label_from_obj, render_banner
from gsomia.node import overview, read, security_visits, standing, transfers
from gsomia.node.control import (
    compromise,
    consent_cases,
    custody_chain,
    disputes,
    hub,
    inventory,
    notice_case,
    purposes,
    visits,
)
from gsomia.node.runtime import Node
from gsomia.node.users import UserRecord, list_users
from gsomia.treaty.classification import DECLASSIFIED
from gsomia.treaty.derivatives import DerivativeKind
from gsomia.treaty.destruction import DestructionMethod
from gsomia.treaty.roles import Action
from gsomia.treaty.visits import VisitKind
from gsomia.web.chain import render_svg
from gsomia.web.marking import Marking, marking, tier_of

T = TypeVar("T")


@dataclass(frozen=True)
class AgreementLine:
    id: str
    title: str
    partner: str
    state: str
    in_force: bool
    next_anniversary: date | None
    notice_deadline: date | None
    #: The day a notice of termination given takes effect (None while none is).
    ends: date | None = None


def agreement_lines(node: Node, day: date) -> list[AgreementLine]:
    """The dashboard's agreements, each as `node.standing` says it stands: the same state the
    agreement page and the API give, a notice of termination included (issue 16)."""
    return [
        AgreementLine(
            s.id,
            s.title,
            s.partner,
            s.state.value,
            s.in_force,
            s.next_anniversary,
            s.notice_deadline,
            s.termination_effective if s.ending else None,
        )
        for s in standing.standings(node, day)
    ]


def partners(node: Node, day: date) -> list[str]:
    """Nations this node has an agreement with: the releasable-to choices of the publish form."""
    return sorted({line.partner for line in agreement_lines(node, day)})


@dataclass(frozen=True)
class LabelField:
    """A row of a label's table: the message key of its name (a category's own tag name when
    no key names it), the category's type key, and the value as the label holds it."""

    name: str
    value: str
    kind: str | None = None


def label_fields(obj: dict[str, Any]) -> list[LabelField]:
    """A STANAG 4774 label (JSON form) as rows of field and value, in document order; the
    names are message keys, so the table is in the reader's language and the values as
    stored (a marking, a nation, a purpose is not translated)."""
    info = obj.get("ConfidentialityInformation", {})
    fields = [
        LabelField("label_field_policy", str(info.get("PolicyIdentifier", ""))),
        LabelField("label_field_classification", str(info.get("Classification", ""))),
    ]
    for category in info.get("Category", []):
        values = ", ".join(str(v) for v in category.get("GenericValues", []))
        tag, kind = str(category.get("TagName", "?")), str(category.get("Type", "?"))
        fields.append(LabelField(f"label_tag.{tag}", values, f"label_type.{kind.lower()}"))
    fields.append(
        LabelField("label_field_originator", str(obj.get("OriginatorID", {}).get("Value", "")))
    )
    fields.append(LabelField("label_field_created", str(obj.get("CreationTime", ""))))
    if obj.get("ReviewDateTime"):  # set by the node on what it marks (ADR 0105)
        fields.append(LabelField("label_field_review", str(obj["ReviewDateTime"])))
    fields.append(LabelField("label_field_id", str(obj.get("Id", ""))))
    return fields


def us_banner(label_obj: dict[str, Any], english: str) -> str | None:
    """The CAPCO banner line of a label at the agreement's English level, if it has one."""
    words = english.upper()
    for word in ("TOP SECRET", "SECRET", "CONFIDENTIAL"):
        if word in words:
            try:
                return render_banner(label_from_obj(label_obj), word)
            except Error:
                return None
    return None


@dataclass(frozen=True)
class Markings:
    """The reader's marking first, the originator's beside it (Art. 4.2)."""

    local: Marking
    original: Marking | None
    shared_english: str


def holding_markings(node: Node, view: read.HoldingView) -> Markings:
    received = view.received_at.date()
    local = marking(node.schemes, node.nation, view.marking, received)
    original = marking(node.schemes, view.originator, view.original_marking)
    english = ""
    agreement_id = view.agreement.rsplit(" v", 1)[0]
    try:
        agreement = node.agreement(agreement_id)
        level = node.schemes.parse(node.nation, view.marking, received)
        row = agreement.version_at(received).row_for(level)
        english = row.english if row else ""
    except Error:
        english = ""
    if english:
        # Both banners take the colour of the level they share under the agreement's table.
        local = Marking(local.nation, local.native, local.english, tier_of(english))
        original = Marking(original.nation, original.native, original.english, tier_of(english))
    return Markings(local, original, english)


# The originator stays in control (issue 5) ---------------------------------------------------


def refused_or(call: Callable[[], T]) -> tuple[T | None, PolicyDenied | None]:
    """`call()`, or the refusal it raised: a page shows the refusal in place of the section."""
    try:
        return call(), None
    except PolicyDenied as denial:
        return None, denial


def holding_control(node: Node, user: UserRecord, view: read.HoldingView) -> dict[str, Any]:
    """What the holding page shows beside the content: consents asked for it, its custody."""
    consents, _ = gated(
        node, user, Action.VIEW_CONSENTS, lambda: consent_cases.list_consents(node, user)
    )
    asked = [c for c in consents or [] if c["holding_id"] == view.id]
    stock, stock_refused = refused_or(lambda: inventory.inventory(node, user, view.id).to_json())
    today = node.clock().date()
    return {
        "consents": asked,
        "granted": [c for c in asked if c["status"] == "granted"],
        "inventory": stock,
        "inventory_refused": stock_refused,
        "third_nations": [n for n in partners(node, today) if n != view.originator],
        "methods": [m.value for m in DestructionMethod],
        "gone": view.state in ("destroyed", "returned"),
        **holding_casework(node, user, view),
    }


def holding_casework(node: Node, user: UserRecord, view: read.HoldingView) -> dict[str, Any]:
    """The holding page's translation, derivative, new-purpose and hub forms: their choices,
    and the purposes asked for it to those who may see the originator's control."""
    # The forward form's choices, for those who may forward (R47): a rule's participants are
    # not for every reader of the holding.
    may_forward = overview.role_decision(node, user, Action.RELEASE_ONWARD).allowed
    rules = hub.hub_rules_in_force(node) if may_forward else []
    asked, _ = gated(node, user, Action.VIEW_CONSENTS, lambda: purposes.list_purposes(node, user))
    # Whom a configured rule could forward to; the node decides whether it may (R47).
    hub_to = {p for r in rules if view.originator in r["participants"] for p in r["participants"]}
    people = sorted(u.name for u in list_users(node))
    return {
        "purposes_asked": [p for p in asked or [] if p["holding_id"] == view.id],
        "hub_to": sorted(hub_to - {node.nation, view.originator}),
        "people": people,
        "levels": node.scheme(node.clock().date()).levels,
        "derivative_kinds": [k.value for k in DerivativeKind],
    }


def item_control(node: Node, user: UserRecord, row: Mapping[str, Any], t: Any) -> dict[str, Any]:
    """What the item page shows of an own item's control: notices, custody as a picture."""
    sent = [n for n in notice_case.list_notices(node) if n.item_id == row["id"]]
    chain, chain_refused = refused_or(lambda: custody_chain.custody(node, user, str(row["id"])))
    picture = None
    if chain is not None:
        picture = render_svg(chain, title=t("chain_title"), consent_word=t("consent_short"))
    return {
        "notices": sent,
        "chain": chain,
        "chain_refused": chain_refused,
        "chain_svg": picture,
        "changes": ("downgrade", "upgrade", "declassify"),
        "levels": node.scheme(node.clock().date()).levels,
        "declassified": row["level"] == DECLASSIFIED,
    }


def gated(
    node: Node, user: UserRecord, action: Action, call: Callable[[], T]
) -> tuple[T | None, PolicyDenied | None]:
    """`refused_or(call)` for a section only some roles see. The role is asked first, without
    logging: merely opening a page is not a request, and an analyst's every visit to the
    control page would otherwise put a refusal in the log."""
    decision = overview.role_decision(node, user, action)
    if not decision.allowed:
        return None, PolicyDenied(
            f"{decision.reason} ({decision.requirement})", article=decision.article
        )
    return refused_or(call)


def item_journeys(node: Node, user: UserRecord, item_id: str) -> dict[str, Any]:
    """The item page's transfers, or the refusal in their place for a role that may not see
    them (R17)."""
    journeys, refused = gated(
        node, user, Action.VIEW_TRANSFERS, lambda: transfers.list_transfers(node, user, item_id)
    )
    return {"journeys": journeys or [], "journeys_refused": refused}


def control_lists(node: Node, user: UserRecord) -> dict[str, Any]:
    """The control page: consents, classification notices, compromise cases, visits."""
    cases, cases_refused = gated(
        node, user, Action.REPORT_COMPROMISE, lambda: compromise.list_cases(node, user)
    )
    found_visits, visits_refused = gated(
        node, user, Action.REQUEST_VISIT, lambda: visits.list_visits(node, user)
    )
    found_disputes, disputes_refused = gated(
        node, user, Action.RECORD_DISPUTE, lambda: disputes.list_cases(node, user)
    )
    consents, _ = gated(
        node, user, Action.VIEW_CONSENTS, lambda: consent_cases.list_consents(node, user)
    )
    asked, _ = gated(node, user, Action.VIEW_CONSENTS, lambda: purposes.list_purposes(node, user))
    rules, _ = gated(node, user, Action.VIEW_HUB_RULES, lambda: hub.list_hub_rules(node, user))
    notices, _ = gated(
        node, user, Action.VIEW_NOTICES, lambda: notice_case.viewable_notices(node, user)
    )
    representatives, _ = gated(
        node, user, Action.SECURITY_VISIT, lambda: security_visits.list_visits(node, user)
    )
    return {
        "consents": consents or [],
        "notices": notices or [],
        "compromises": cases or [],
        "compromises_refused": cases_refused,
        "visits": found_visits or [],
        "visits_refused": visits_refused,
        "purposes": asked or [],
        "hub_rules": rules or [],
        "disputes": found_disputes or [],
        "disputes_refused": disputes_refused,
        "security_visits": representatives or [],
        **control_choices(node),
    }


def control_choices(node: Node) -> dict[str, Any]:
    """The choices of the control page's forms: hosts and their levels, agreements."""
    today = node.clock().date()
    lines = agreement_lines(node, today)
    hosts = sorted({line.partner for line in lines if line.in_force})
    return {
        "today": today,
        "hosts": hosts,
        "host_levels": {n: node.schemes.scheme(n, at=today).levels for n in hosts},
        "visit_kinds": [k.value for k in VisitKind],
        "dispute_agreements": lines,
    }
