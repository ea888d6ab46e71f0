"""The originator's word: what it provided to whom under which agreement, and what it signs
(R12, R13).

A consent to onward release and an approval of a new purpose are documents signed (JWS) with
the originator's node key, so that a holder and a third nation can verify them against the
originator's identity card long after the message that carried them. They are checked against
what the originator provided: an item it never sent a holder cannot be consented for. Consent,
purpose approvals and onward release all rely on these, hence their own module.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from gsomia.errors import Error, NotFound, PolicyDenied, VerificationError
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard, canonical_json, jose
from gsomia.seal.encoding import b64u_decode
from gsomia.seal.profiles import profile
from gsomia.store.tables import items, outbox
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.items import Item, Precedence

CONSENT_DOC = "gsomia-consent/1"
PURPOSE_DOC = "gsomia-purpose-approval/1"
BINDING_DOC = "gsomia-binding/1"
THIRD_PARTY = "Art. 5"


def agreement_between(node: Node, first: str, second: str, now: datetime) -> Agreement | None:
    """The agreement between two nations as this node knows it: in force now, else the newest."""
    found = [node.agreement(a.id) for a in node.agreements.between(first, second)]
    for agreement in found:
        if agreement.status_at(now.date()).state.in_force:
            return agreement
    return found[-1] if found else None


def sign_document(node: Node, document: Mapping[str, Any]) -> dict[str, Any]:
    """A JWS by this node's key over the canonical JSON of `document`."""
    return jose.sign_jws(canonical_json(dict(document)), node.keys, profile(node.keys.profile))


def verify_document(
    jws: Any, card: IdentityCard, kind: str, types: tuple[str, ...] = (CONSENT_DOC, PURPOSE_DOC)
) -> dict[str, Any]:
    """The document `card`'s node signed, of one of `types`; `VerificationError` otherwise."""
    try:
        payload = jose.verify_jws(jws, card.keys, profile(card.profile))
        document = json.loads(payload)
    except VerificationError as error:
        raise VerificationError(
            f"the {kind} is not signed by {card.nation}'s node: {error.message}"
        ) from error
    except (ValueError, TypeError, KeyError) as error:
        raise VerificationError(f"the {kind} is not a signed document: {error}") from error
    if not isinstance(document, dict) or document.get("type") not in types:
        raise VerificationError(f"the {kind} is not a gsomia {kind} document")
    return document


# The originator's binding of label and content (STANAG 4778, ADR 0061) ------------------------


def content_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def bind(node: Node, item_id: str, label: Mapping[str, Any], content: bytes) -> dict[str, Any]:
    """This originator's signed binding of an item's label to its content.

    It travels with the item wherever it goes, so that a nation receiving the item from a
    holder can tell the label and content are the ones the originator released.
    """
    document = {
        "type": BINDING_DOC,
        "item": item_id,
        "label": dict(label),
        "content_sha256": content_sha256(content),
    }
    return sign_document(node, document)


def verify_binding(
    binding: Any,
    card: IdentityCard,
    *,
    item_id: str,
    label: Mapping[str, Any],
    digest: str,
) -> None:
    """`VerificationError`, naming what differs, unless `card`'s node bound `label` and the
    content whose SHA-256 is `digest` (hex) for `item_id`."""
    if binding is None:
        raise VerificationError(f"{item_id} carries no binding of its label by {card.nation}")
    document = verify_document(binding, card, "binding", (BINDING_DOC,))
    if document.get("item") != item_id:
        raise VerificationError(f"{card.nation}'s binding names another item than {item_id}")
    bound = document.get("label")
    try:
        same = isinstance(bound, dict) and canonical_json(bound) == canonical_json(dict(label))
    except Error:  # a label that is not plain JSON cannot be the one bound
        same = False
    if not same:
        raise VerificationError(
            f"the label of {item_id} differs from the label {card.nation} bound to it"
        )
    if document.get("content_sha256") != digest:
        raise VerificationError(
            f"the content of {item_id} differs from the content {card.nation} bound to it"
        )


def bound_digest(stored: str | None) -> str | None:
    """The content SHA-256 in a binding this node verified before it stored it (holdings
    .binding); not verified again, so that it outlives a rekey of the originator."""
    if not stored:
        return None
    try:
        document = json.loads(b64u_decode(json.loads(stored)["payload"], what="binding"))
        digest = document["content_sha256"]
    except (Error, ValueError, TypeError, KeyError):
        return None
    return digest if isinstance(digest, str) else None


def provided_items(
    conn: Connection, node: Node, item_ids: Sequence[str], holder: str
) -> list[Item]:
    """This originator's items as provided to `holder` (the agreement of that provision)."""
    found = []
    for item_id in item_ids:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
        sent = conn.execute(
            select(outbox.c.agreement_id, outbox.c.agreement_version)
            .where(
                outbox.c.item_id == item_id,
                outbox.c.peer == holder,
                outbox.c.kind == "item",
                outbox.c.state != "rejected",
            )
            .order_by(outbox.c.id)
        ).first()
        if row is None or row["originator"] != node.nation:
            raise NotFound(f"{node.nation} is not the originator of an item {item_id}")
        if sent is None or not sent.agreement_id:
            raise PolicyDenied(
                f"{node.nation} never provided {item_id} to {holder} (R12)", article=THIRD_PARTY
            )
        created = row["created_at"]
        found.append(
            Item(
                id=row["id"],
                originator=node.nation,
                level=node.schemes.parse(node.nation, row["level"], at=created.date()),
                purpose=row["purpose"],
                agreement_id=sent.agreement_id,
                agreement_version=int(sent.agreement_version or 1),
                releasable_to=frozenset(row["releasable_to"]),
                precedence=Precedence[row["precedence"]],
                caveats=frozenset(row["caveats"]),
                created_at=created,
            )
        )
    return found
