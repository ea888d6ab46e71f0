"""Whether this node accepts an item a partner sent, and as what (R7, R12, R47, Art. 4.2).

The envelope is verified before this (`gsomia.exchange.incoming`); here its item header
becomes the treaty item it describes, which is checked against this node's own reading of the
agreement (or, for an item sent on by a holder or a hub, against the originator's consent and
binding) and re-marked in this nation's scheme. `gsomia.node.receive` stores what comes out.
An envelope in the classic (non-post-quantum) profile is accepted only where the agreement
with the sender allows it (R26), whichever way the item came.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gsomia.errors import Error, InputError, PolicyDenied, VerificationError
from gsomia.exchange.incoming import Verified
from gsomia.exchange.wire import WireMessage
from gsomia.labels import ConfidentialityLabel, label_from_obj, label_to_obj, national_policy
from gsomia.labels.labelset import make_alternative
from gsomia.labels.media import check_media_type
from gsomia.node.control import onward
from gsomia.node.release import classic_crypto
from gsomia.node.runtime import CHANNEL, Node
from gsomia.seal import IdentityCard, Opened, content_sha256, verify_binding
from gsomia.seal.held import held
from gsomia.seal.sealed import OpenedV2
from gsomia.stix.objects import StixItem, created_of, object_of, serialised
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding, Item, Precedence, receive
from gsomia.treaty.provision import classic_crypto_denial
from gsomia.treaty.receipt import may_accept

MAX_ID = 64  # the width of the id columns


@dataclass(frozen=True)
class Accepted:
    """A received item ready to store."""

    message: WireMessage
    holding_id: str
    item: Item
    title: str
    local_level: str
    original_label: dict[str, Any]
    local_label: dict[str, Any]
    media_type: str
    decision: Decision
    sender_card: dict[str, Any]
    consent_id: str = ""  # an onward release: the originator's consent it came under (R12)
    approved_purposes: tuple[str, ...] = ()
    binding: dict[str, Any] | None = None  # the originator's, verified (ADR 0061)
    # What the holding keeps: a v1 envelope (format 1) or the v2 message sealed at rest (2)
    envelope: bytes = b""
    format: int = 1
    stix: bytes | None = None  # its STIX object's JSON, made once here (ADR 0124)


@dataclass(frozen=True)
class Refused:
    """A refused message. Only a verified one (the sender's signature held) is remembered as
    answered and recorded; an unverified one (`gsomia.exchange.incoming.Refusal`, which says
    why) is only answered, logged by the process and counted (`gsomia_rejections_total`)."""

    message: WireMessage
    reason: str
    article: str
    verified: bool = False


def item_from_header(
    node: Node, opened: Opened | OpenedV2
) -> tuple[Item, str, ConfidentialityLabel]:
    """The treaty item an envelope's authenticated item header describes, its title, and the
    originator's label it was read from (parsed once: `examine` marks the item from it)."""
    header = opened.label
    meta = header.get("item")
    if not isinstance(meta, dict):
        raise InputError("the item header has no item member")
    item_id = meta.get("id")
    if not isinstance(item_id, str) or not 1 <= len(item_id) <= MAX_ID:
        raise InputError(f"an item id is a string of 1 to {MAX_ID} characters")
    label = label_from_obj(header.get("label"))
    originator = label.originator.nation
    if label.label_id != meta.get("id"):
        raise InputError("the label's id differs from the item's id")
    level = node.schemes.parse(originator, label.classification, at=label.created_at.date())
    purposes = sorted(label.purposes)
    if len(purposes) != 1:
        raise InputError("an item's label names exactly one purpose")
    try:
        precedence = Precedence[str(meta.get("precedence"))]
        version = int(meta["version"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError("the item header's precedence or version is malformed") from exc
    item = Item(
        id=str(meta["id"]),
        originator=originator,
        level=level,
        purpose=purposes[0],
        agreement_id=str(meta.get("agreement", "")),
        agreement_version=version,
        releasable_to=label.releasable_to,
        precedence=precedence,
        caveats=label.caveats,
        created_at=label.created_at,
        categories=label.policy_categories,
    )
    return item, _title(meta.get("title", "")), label


#: The longest title a partner's header may give, as this node's own API takes one.
MAX_TITLE = 500


def _title(title: object) -> str:
    """The header's title if a node could have written it: text, at most `MAX_TITLE`
    characters, that UTF-8 can carry. It was taken as it came (found by the attack, ADR
    0136): any length the batch carried, shown in every list row and TAXII object of it,
    any JSON value as Python writes it, or a lone surrogate no UTF-8 carries."""
    if isinstance(title, str) and len(title) <= MAX_TITLE:
        try:
            title.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            return title
    raise InputError(f"an item's title is text of at most {MAX_TITLE} characters")


def examine(
    node: Node, verified: Verified, now: datetime, channel: str = CHANNEL
) -> Accepted | Refused:
    """Whether this node accepts the item `verified` carries over `channel`, and as what."""
    message, card, opened = verified.message, verified.card, verified.opened
    try:
        item, title, original = item_from_header(node, opened)
        # A signed media type is still the partner's word, and every read serves it back as
        # a header: one outside the grammar (a CR/LF) is refused here, not met by a reader.
        check_media_type(opened.media_type)
        decision, holding = _decide(node, card, opened, item, now, channel=channel)
    except PolicyDenied as error:
        return Refused(message, error.message, error.article, verified=True)
    except Error as error:
        return Refused(message, error.message, "Art. 4", verified=True)
    if holding is None:
        article = f"{decision.article} {decision.requirement}"
        return Refused(message, decision.reason, article, verified=True)
    scheme = node.scheme(now.date())
    # Art. 4.2: the receiver marks the item with the originator's name and its own equivalent.
    local = make_alternative(
        original,
        policy=national_policy(node.nation, scheme.effective or now.date()),
        classification=holding.level.native,
        originator=node.nation,
        created_at=now,
    )
    local_obj = label_to_obj(local)
    holding_id = str(uuid.uuid4())
    envelope, form = (
        (held(node.keys, opened, holding_id), 2)
        if isinstance(opened, OpenedV2)
        else (message.body, 1)
    )
    return Accepted(
        message=message,
        holding_id=holding_id,
        item=item,
        title=title,
        local_level=holding.level.native,
        original_label=opened.label["label"],
        local_label=local_obj,
        media_type=opened.media_type,
        decision=decision,
        sender_card=opened.sender.to_json(),
        consent_id=holding.consent_id,
        approved_purposes=tuple(sorted(holding.approved_purposes)),
        binding=opened.label.get("binding"),  # verified above if present; onward: required
        envelope=envelope,
        format=form,
        stix=_stix(item, title, opened, local_obj),
    )


def _stix(
    item: Item, title: str, opened: Opened | OpenedV2, national: dict[str, Any]
) -> bytes | None:
    """The STIX object the holding is handed over as (ADR 0124), made once here from what was
    just verified, as `sharing.holding_item` makes it from the envelope on a read; None for
    content no object can be made of (a `stix+json` item that is not one JSON object): a read
    then rebuilds it, and fails, as before."""
    made = StixItem(
        item_id=item.id,
        title=title,
        originator=item.originator,
        created=created_of(opened.label["label"]),
        media_type=opened.media_type,
        content=opened.content,
        purpose=item.purpose,
        precedence=item.precedence.name,
        originator_label=opened.label["label"],
        national_label=national,
    )
    try:
        return serialised(object_of(made))
    except (ValueError, TypeError, KeyError, RecursionError):
        return None


def _decide(
    node: Node,
    card: IdentityCard,
    opened: Opened | OpenedV2,
    item: Item,
    now: datetime,
    *,
    channel: str = CHANNEL,
) -> tuple[Decision, Holding | None]:
    """The treaty's decision on `item` from `card`'s node, and the holding it becomes if
    allowed (R7, R12, R26, R47); the onward and hub decisions raise `PolicyDenied` themselves.

    An item a holder or a hub passed on came under this node's agreement with the sender, not
    the item's own: that agreement must allow a classic envelope (R26). Without one, the
    onward decision refuses the item anyway."""
    classic = classic_crypto(opened.profile)
    if item.originator != card.nation:  # onward, with the originator's consent (R12, R47)
        agreement = node.agreement_with(card.nation, now)
        denial = None if agreement is None else classic_crypto_denial(agreement, classic)
        if denial is not None:
            return denial, None
        return onward.accept(node, card.nation, opened, item, now)
    agreement = node.agreement(item.agreement_id)
    decision = may_accept(
        item, node.nation, card.nation, agreement, now, channel=channel, classic_crypto=classic
    )
    if not decision.allowed:
        return decision, None
    holding = receive(item, node.nation, agreement)
    _check_direct_binding(card, opened, item)
    return decision, holding


def _check_direct_binding(card: IdentityCard, opened: Opened | OpenedV2, item: Item) -> None:
    """An item straight from its originator: the envelope is already the originator's
    signature over label and content, so a binding is optional; one that is there must hold,
    since it is what this node will pass on with the item (ADR 0061)."""
    binding = opened.label.get("binding")
    if binding is None:
        return
    try:
        verify_binding(
            binding,
            card,
            item_id=item.id,
            label=opened.label["label"],
            digest=content_sha256(opened.content),
        )
    except VerificationError as error:
        raise PolicyDenied(error.message, article="Art. 9") from error
