"""Onward release with the originator's consent, and the third nation's acceptance (R12).

The holder's officer releases a holding to a third nation only when `treaty.onward` allows it:
a consent of the originator that verifies, names the item, the third nation and the purpose,
has neither expired nor been revoked; the holder's own agreement with the third nation in
force, covering the level; and no further than the originator could provide to the third nation
itself (`treaty.reach`: its own agreement with it, or what its consent names). The item is then
handed over (`handover`) with a header carrying the original label and the originator's signed
consent, which the third nation verifies against the originator's identity card before it
re-marks and stores it (`accept`). The header also carries the originator's own binding of label
and content (ADR 0061): the third nation believes the label and content only if that binding
holds (`check_binding`).

Custody passes on receipt (R28, `receipt`); the chain of custody is read in `custody_chain`. A
hub's forwarding (R47) is the other way an item reaches a nation that is not a party to its
agreement: it lives in `hub`, and `accept` hands such items to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gsomia.errors import InputError, PolicyDenied, VerificationError
from gsomia.node.authority import authorise, refusals_logged
from gsomia.node.control import handover, hub
from gsomia.node.control.consent_cases import consent_from_document, held_consent
from gsomia.node.control.originator import THIRD_PARTY, agreement_between
from gsomia.node.read import holding_row, treaty_holding
from gsomia.node.runtime import Node
from gsomia.seal import Opened, content_sha256, under_any, verify_binding, verify_document
from gsomia.seal.sealed import OpenedV2
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_release_onward
from gsomia.treaty.items import Holding, Item, receive
from gsomia.treaty.onward import release_onward
from gsomia.treaty.reach import within_originator_reach
from gsomia.treaty.roles import Action


def release_onward_to(
    node: Node, officer: UserRecord, holding_id: str, to: str, consent_id: str
) -> dict[str, Any]:
    """The holder's officer passes a holding on to a third nation with the originator's consent."""
    _, allowed = authorise(node, officer, Action.RELEASE_ONWARD, holding_id)
    now = node.clock()
    third = to.strip().upper()
    row = holding_row(node, holding_id)
    holding = treaty_holding(node, row)
    subject = f"release_onward:{third}"
    with refusals_logged(
        node,
        actor=officer.name,
        action=subject,
        subject=row.item_id,
        article=THIRD_PARTY,
        requirement="R12",
    ):
        consent, jws = held_consent(node, consent_id)
    agreement = agreement_between(node, node.nation, third, now)
    decision = may_release_onward(holding, third, consent, agreement, now)
    if decision.allowed:  # and no further than the originator could reach itself
        direct = agreement_between(node, holding.item.originator, third, now)
        reach = within_originator_reach(holding.item, third, direct, now, consent=consent)
        decision = decision if reach.allowed else reach
    handover.refuse_unless_allowed(
        node, officer, row, allowed=allowed, subject=subject, decision=decision, now=now
    )
    assert consent is not None
    assert agreement is not None
    result = release_onward(holding, third, consent, agreement, now)
    extra = {"onward": {"consent": jws, "consent_id": consent.id, "agreement": agreement.id}}
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


#: What the receiving node keeps of an onward or forwarded item, and the decision that let it.
Received = tuple[Decision, Holding]


def accept(
    node: Node, sender: str, opened: Opened | OpenedV2, item: Item, now: datetime
) -> Received:
    """May this node accept `item`, sent by `sender` who is not its originator (R12, R47)?

    An onward release carries the originator's consent, signed by the originator's node; a hub
    forwarding names the arrangement. Raises `PolicyDenied` with the reason otherwise.
    """
    header = opened.label
    onward, forwarded = header.get("onward"), header.get("hub")
    if isinstance(onward, dict):
        check_binding(node, opened, item)
        return _accept_onward(node, sender, onward, item, now)
    if isinstance(forwarded, dict):
        check_binding(node, opened, item)
        return hub.accept_forwarded(node, sender, forwarded, item, now)
    raise PolicyDenied(
        f"{sender} sent {item.id}, an item of {item.originator}, without {item.originator}'s "
        "consent (R12)",
        article=THIRD_PARTY,
    )


def check_binding(node: Node, opened: Opened | OpenedV2, item: Item) -> None:
    """The label and content a holder passed on are the ones the originator bound (ADR 0061).

    The holder signed the envelope, but only the originator may say what the item is: its
    binding, verified against the originator's identity card, must name this item, this label
    and the SHA-256 of the content as opened. `PolicyDenied` naming what failed otherwise.
    """
    cards = node.known_cards(item.originator)  # bound before a key rotation: still its word
    if not cards:
        raise PolicyDenied(
            f"no identity card of {item.originator} is registered here: its binding of "
            f"{item.id}'s label and content cannot be verified (R12)",
            article=THIRD_PARTY,
        )
    digest = content_sha256(opened.content)
    try:
        under_any(
            cards,
            lambda card: verify_binding(
                opened.label.get("binding"),
                card,
                item_id=item.id,
                label=opened.label["label"],
                digest=digest,
            ),
        )
    except VerificationError as error:
        raise PolicyDenied(f"{error.message} (R12)", article=THIRD_PARTY) from error


def _accept_onward(
    node: Node, sender: str, onward: Mapping[str, Any], item: Item, now: datetime
) -> Received:
    cards = node.known_cards(item.originator)
    if not cards:
        raise PolicyDenied(
            f"no identity card of {item.originator} is registered here: its consent cannot be "
            "verified (R12)",
            article=THIRD_PARTY,
        )
    try:
        jws = onward.get("consent")
        signed = under_any(cards, lambda card: verify_document(jws, card, "consent"))
        consent = consent_from_document(node, signed, verified=True)
    except (VerificationError, InputError) as error:
        raise PolicyDenied(f"{error.message} (R12)", article=THIRD_PARTY) from error
    origin = node.agreement(item.agreement_id)
    if set(origin.parties) != {item.originator, sender}:
        raise PolicyDenied(
            f"{item.id} was not provided to {sender} under {origin.id} (R12)", article=THIRD_PARTY
        )
    held = receive(item, sender, origin)  # the holder's holding, as the treaty sets it
    agreement = agreement_between(node, sender, node.nation, now)
    decision = may_release_onward(held, node.nation, consent, agreement, now)
    decision.enforce()
    direct = agreement_between(node, item.originator, node.nation, now)
    within_originator_reach(item, node.nation, direct, now, consent=consent).enforce()
    assert agreement is not None
    return decision, release_onward(held, node.nation, consent, agreement, now).holding
