"""Documents a node signs in its own name, to be verified long after the message that carried
them: the originator's consent to onward release, its approval of a new purpose (R12, R13), and
its binding of an item's label to the item's content (STANAG 4778, ADR 0061).

Each is a JWS, by every signature algorithm of the node's profile, over the canonical JSON of a
document whose `type` names what it is. A holder and a third nation verify it against the
signer's identity card alone.

The originator's binding is not the envelope's binding (`gsomia.seal.binding`): that one is
what a sending node signs about one envelope (`typ`, recipients, JWE digest); this one is what
the originator says of the item wherever it travels (`type`, item id, label, content digest).
They have distinct names and disjoint member sets, so neither can be passed off as the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from gsomia.errors import Error, VerificationError
from gsomia.seal import jose
from gsomia.seal.encoding import b64u_decode, canonical_json
from gsomia.seal.identity import IdentityCard
from gsomia.seal.keys import NodeKeys
from gsomia.seal.origin import is_origin, verify_origin
from gsomia.seal.profiles import profile

CONSENT_DOC = "gsomia-consent/1"
PURPOSE_DOC = "gsomia-purpose-approval/1"
ORIGINATOR_BINDING_DOC = "gsomia-originator-binding/1"
#: What originator bindings were called before they had their own name: the name the envelope
#: binding still carries. Holdings stored since (`holdings.binding`) keep bindings of that name
#: and pass them on, so it is still accepted here, for originator bindings only and only with
#: their own member set, which no envelope binding has (`typ`, not `type`; no `item`).
LEGACY_BINDING_DOC = "gsomia-binding/1"
_BINDING_MEMBERS = frozenset({"type", "item", "label", "content_sha256"})
_T = TypeVar("_T")


def under_any(cards: Sequence[IdentityCard], check: Callable[[IdentityCard], _T]) -> _T:
    """`check` under the first of a partner's cards it passes with: its pinned card first,
    then each card a rotation replaced (ADR 0093), so what it signed before stays verifiable.
    The pinned card's `VerificationError` if none passes."""
    if not cards:
        raise VerificationError("no identity card is known to verify it against")
    first: VerificationError | None = None
    for card in cards:
        try:
            return check(card)
        except VerificationError as error:
            first = first or error
    assert first is not None
    raise first


def sign_payload(keys: NodeKeys, payload: bytes) -> dict[str, Any]:
    """A JWS by `keys` over `payload`, with every signature algorithm of their profile."""
    return jose.sign_jws(payload, keys, profile(keys.profile))


def verified_payload(jws: Any, card: IdentityCard) -> bytes:
    """The payload of `jws` once every signature verified under `card`'s keys;
    `VerificationError` otherwise (or any Python error for a malformed `jws`)."""
    return jose.verify_jws(jws, card.keys, profile(card.profile))


def sign_document(keys: NodeKeys, document: Mapping[str, Any]) -> dict[str, Any]:
    """A JWS by `keys` over the canonical JSON of `document`."""
    return sign_payload(keys, canonical_json(dict(document)))


def verify_document(
    jws: Any, card: IdentityCard, kind: str, types: tuple[str, ...] = (CONSENT_DOC, PURPOSE_DOC)
) -> dict[str, Any]:
    """The document `card`'s node signed, of one of `types`; `VerificationError` otherwise."""
    try:
        document = json.loads(verified_payload(jws, card))
    except VerificationError as error:
        raise VerificationError(
            f"the {kind} is not signed by {card.nation}'s node: {error.message}"
        ) from error
    except (ValueError, TypeError, KeyError) as error:
        raise VerificationError(f"the {kind} is not a signed document: {error}") from error
    if not isinstance(document, dict) or document.get("type") not in types:
        raise VerificationError(f"the {kind} is not a gsomia {kind} document")
    return document


# The originator's binding of label and content ------------------------------------------------


def content_sha256(content: bytes) -> str:
    """The hex SHA-256 of `content`, as an originator's binding names it."""
    return hashlib.sha256(content).hexdigest()


def bind(keys: NodeKeys, item_id: str, label: Mapping[str, Any], content: bytes) -> dict[str, Any]:
    """The originator's signed binding of an item's label to its content.

    It travels with the item wherever it goes, so that a nation receiving the item from a
    holder can tell the label and content are the ones the originator released.
    """
    document = {
        "type": ORIGINATOR_BINDING_DOC,
        "item": item_id,
        "label": dict(label),
        "content_sha256": content_sha256(content),
    }
    return sign_document(keys, document)


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
    if is_origin(binding):  # batched at release (v2): the root's signature and a proof
        document = verify_origin(binding, card)
    else:
        names = (ORIGINATOR_BINDING_DOC, LEGACY_BINDING_DOC)
        document = verify_document(binding, card, "binding", names)
    if set(document) != _BINDING_MEMBERS:
        raise VerificationError(f"{card.nation}'s binding of {item_id} has the wrong members")
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
        kept = json.loads(stored)
        if is_origin(kept):
            document = kept
        else:
            document = json.loads(b64u_decode(kept["payload"], what="binding"))
        digest = document["content_sha256"]
    except (Error, ValueError, TypeError, KeyError):
        return None
    return digest if isinstance(digest, str) else None
