"""Envelope v2 messages at rest: queued in the outbox, and kept with a holding (ADR 0070).

Before it is sent, an outbox row holds its message sealed under the node's own storage key
(`queued`); the delivery worker opens it and seals it for the partner per send. A holding
received in v2 keeps the opened message and its evidence, sealed the same way (`held`), so a
stolen database shows no content, and a read opens it with `open_held` (v1 holdings keep their
envelope and open as before). The row's identity is the associated data: a sealed value
copied into another row does not open there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gsomia.errors import Error, VerificationError
from gsomia.seal import cbor
from gsomia.seal.envelope import Opened, open_envelope
from gsomia.seal.identity import IdentityCard
from gsomia.seal.keys import NodeKeys
from gsomia.seal.sealed import OpenedV2, Plain
from gsomia.seal.storage import open_at_rest, seal_at_rest


def _plain(plain: Plain) -> dict[str, Any]:
    return {
        "id": plain.id,
        "kind": plain.kind,
        "header": plain.header,
        "content": plain.content,
        "media_type": plain.media_type,
    }


def _unplain(raw: dict[str, Any]) -> Plain:
    return Plain(raw["id"], raw["kind"], raw["header"], raw["content"], raw["media_type"])


def _load(keys: NodeKeys, value: bytes, context: str) -> dict[str, Any]:
    data = open_at_rest(keys, value, context)  # authenticated: this node sealed it (cbor.py)
    try:
        raw = cbor.loads_sealed(data, what="a stored message")
    except Error as error:
        raise VerificationError(error.message) from error
    if not isinstance(raw, dict):
        raise VerificationError("a stored message is malformed")
    return raw


def _queued_for(message_id: str, peer: str) -> str:
    # The peer is bound with the id: the row's `peer` column is what the worker seals for, and
    # whoever may write the database could otherwise readdress a message (ADR 0121).
    return f"outbox:{message_id}:to:{peer}"


def queued(keys: NodeKeys, plain: Plain, peer: str) -> bytes:
    """`plain` sealed at rest for the outbox row of its message id, to `peer` only."""
    return seal_at_rest(keys, cbor.dumps_sealed(_plain(plain)), _queued_for(plain.id, peer))


def unqueued(keys: NodeKeys, message_id: str, body: bytes, peer: str) -> Plain:
    """The message an outbox row sealed with `queued` for `peer`; VerificationError
    otherwise, for one queued for another peer too."""
    raw = _load(keys, body, _queued_for(message_id, peer))
    return _unplain(raw)


def bound_to_peer(keys: NodeKeys, message_id: str, body: bytes, peer: str) -> bytes | None:
    """A body queued before the peer was bound (sealed for its id alone), sealed again for
    `peer`; None if it is bound already. Only for the node's one pass (`node.at_rest`)."""
    try:
        _load(keys, body, _queued_for(message_id, peer))
    except VerificationError:
        raw = _load(keys, body, f"outbox:{message_id}")
        return seal_at_rest(keys, cbor.dumps_sealed(raw), _queued_for(message_id, peer))
    return None


def held(keys: NodeKeys, opened: OpenedV2, holding_id: str) -> bytes:
    """What a holding keeps of a v2 message: the message and its evidence, sealed at rest."""
    record = {
        **_plain(opened.plain),
        "profile": opened.profile,
        "at": int(opened.sealed_at.timestamp() * 1000),
        "evidence": opened.evidence,
    }
    return seal_at_rest(keys, cbor.dumps_sealed(record), f"holding:{holding_id}")


def open_held(keys: NodeKeys, holding_id: str, value: bytes, sender: IdentityCard) -> OpenedV2:
    """The message a v2 holding keeps; VerificationError if it is not this holding's."""
    raw = _load(keys, value, f"holding:{holding_id}")
    plain = _unplain(raw)
    at = datetime.fromtimestamp(raw["at"] / 1000, UTC)
    return OpenedV2(plain, sender, raw["profile"], at, raw["evidence"])


def open_holding(
    keys: NodeKeys, holding_id: str, envelope: bytes, form: int, sender: IdentityCard
) -> OpenedV2 | Opened:
    """What a holding keeps, opened: a v2 record (`form` 2) from rest, a v1 envelope by
    verifying it again against the card it came with, as before (nothing held is lost)."""
    if form == 2:
        return open_held(keys, holding_id, envelope, sender)
    return open_envelope(envelope, keys=keys, senders=[sender])
