"""Hub mode: forwarding under a configured multilateral arrangement (R47, TISA 2014).

A hub forwards an item it holds only under a rule a security officer configured: the
arrangement, its participants and its topics (item communities). It re-marks under its own
bilateral agreement with the recipient, and hands the item over like an onward release
(`handover`). The recipient's side, `accept_forwarded`, checks that the item reached the hub
under the hub's own agreement with the originator. Both sides also check that the originator
could have provided the item to the recipient itself (`treaty.reach`): a hub never delivers
more than the originator's own agreement with the recipient covers. Separate from `onward`
because a hub acts on an arrangement, not on the originator's consent for one item.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gsomia.errors import PolicyDenied
from gsomia.node import audit
from gsomia.node.authority import authorise
from gsomia.node.control import handover, messages
from gsomia.node.control.originator import agreement_between
from gsomia.node.read import holding_row, treaty_holding
from gsomia.node.runtime import Node
from gsomia.store import hub_rules
from gsomia.store.hub_rules import HubRuleRecord
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding, Item, receive
from gsomia.treaty.onward import (
    HUB_ARTICLE,
    HubRule,
    forward_via_hub,
    hub_rule_for,
    may_forward_via_hub,
)
from gsomia.treaty.reach import within_originator_reach
from gsomia.treaty.roles import Action


def _rule_json(row: HubRuleRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "arrangement": row.arrangement,
        "participants": list(row.participants),
        "topics": list(row.topics),
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
        "binding": False,
    }


def add_hub_rule(
    node: Node, officer: UserRecord, arrangement: str, participants: list[str], topics: list[str]
) -> dict[str, Any]:
    """A security officer configures a hub arrangement this node forwards under (R47)."""
    _, allowed = authorise(node, officer, Action.CONFIGURE_HUB, f"hub:{arrangement}")
    now = node.clock()
    rule = HubRule(
        hub=node.nation,
        participants=frozenset(p.strip().upper() for p in participants),
        topics=frozenset(t.strip() for t in topics if t.strip()),
        arrangement=arrangement.strip() or "TISA (non-binding)",
    )
    with node.engine.begin() as conn:
        row = hub_rules.add(
            conn,
            arrangement=rule.arrangement,
            participants=rule.participants,
            topics=rule.topics,
            created_by=officer.name,
            created_at=now,
        )
        audit.record(
            conn,
            actor=officer.name,
            action=Action.CONFIGURE_HUB.value,
            subject=f"hub:{rule.arrangement}",
            decision=allowed,
            now=now,
        )
    return _rule_json(row)


def list_hub_rules(node: Node, viewer: UserRecord) -> list[dict[str, Any]]:
    """The hub arrangements configured, for a person who may see them
    (`Action.VIEW_HUB_RULES`); PolicyDenied, logged, for anyone else."""
    authorise(node, viewer, Action.VIEW_HUB_RULES, "hub")
    return hub_rules_in_force(node)


def hub_rules_in_force(node: Node) -> list[dict[str, Any]]:
    """The hub arrangements configured, for the node's own use (forms' choices, forwarding)."""
    with node.reader.connect() as conn:
        return [_rule_json(r) for r in hub_rules.all_rules(conn)]


def forward(node: Node, officer: UserRecord, holding_id: str, to: str) -> dict[str, Any]:
    """The hub forwards a holding to the intended participant under a configured rule (R47)."""
    _, allowed = authorise(node, officer, Action.RELEASE_ONWARD, holding_id)
    now = node.clock()
    recipient = to.strip().upper()
    row = holding_row(node, holding_id)
    with node.reader.connect() as conn:
        rules = hub_rules.all_rules(conn)
    holding = treaty_holding(node, row)
    agreement = agreement_between(node, node.nation, recipient, now)
    subject = f"forward:{recipient}"
    configured = [
        HubRule(node.nation, frozenset(r.participants), frozenset(r.topics), r.arrangement)
        for r in rules
    ]
    chosen, decision = hub_rule_for(configured, holding, recipient, agreement, now)
    if chosen is not None:
        # The hub's own agreements are not the bound: the originator's with the recipient is.
        direct = agreement_between(node, holding.item.originator, recipient, now)
        reach = within_originator_reach(holding.item, recipient, direct, now)
        if not reach.allowed:
            chosen, decision = None, reach
    handover.refuse_unless_allowed(
        node, officer, row, allowed=allowed, subject=subject, decision=decision, now=now
    )
    assert chosen is not None
    assert agreement is not None
    result = forward_via_hub(chosen, holding, recipient, agreement, now)
    extra = {
        "hub": {"arrangement": chosen.arrangement, "hub": node.nation, "agreement": agreement.id}
    }
    return handover.hand_over(
        node,
        officer,
        row,
        transfer=result.transfer,
        decision=decision,
        allowed=allowed,
        extra=extra,
        agreement=agreement,
    )


def accept_forwarded(
    node: Node, sender: str, hub: Mapping[str, Any], item: Item, now: datetime
) -> tuple[Decision, Holding]:
    """May this node accept `item`, forwarded by the hub `sender` under the arrangement its
    header names (R47)? The decision and the holding; raises `PolicyDenied` otherwise.

    The originator's binding of label and content has been verified before this runs
    (`onward.check_binding`): a hub passes the item on as the originator bound it."""
    arrangement = messages.text(hub, "arrangement", limit=64)
    rule = HubRule(
        hub=sender,
        participants=frozenset({item.originator, node.nation}),
        topics=frozenset({item.community}),
        arrangement=arrangement,
    )
    origin = node.agreement(item.agreement_id)
    if set(origin.parties) != {item.originator, sender}:
        raise PolicyDenied(
            f"{item.id} did not reach the hub {sender} under its agreement with "
            f"{item.originator} (R47)",
            article=HUB_ARTICLE,
        )
    hub_holding = receive(item, sender, origin)
    agreement = agreement_between(node, sender, node.nation, now)
    decision = may_forward_via_hub(rule, hub_holding, node.nation, agreement, now)
    decision.enforce()
    direct = agreement_between(node, item.originator, node.nation, now)
    within_originator_reach(item, node.nation, direct, now).enforce()
    return decision, forward_via_hub(rule, hub_holding, node.nation, agreement, now).holding
