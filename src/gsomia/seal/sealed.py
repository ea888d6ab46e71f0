"""Envelope v2: a delivery batch of sealed messages for one partner node, signed once.

```
batch   = {"head": head, "sig": [sig, …], "msgs": [msg, …]}                  (canonical CBOR)
head    = {"t": "gsomia-batch/2", "batch": 16 bytes, "sender": "KOR", "recipient": "JPN",
           "from": sender key id, "to": recipient key id, "profile": "pq", "size": n,
           "root": Merkle root over the leaves}                              (signed once)
msg     = {"id": message id, "i": leaf index, "proof": [hash, …], "ct": HPKE enc ‖ ciphertext}
sealed  = pad(CBOR {"kind", "header", "media_type", "content", "salt", "at"})
```

Outside the encryption is only what routing and verification need: the two nodes, their
key ids, the batch and message ids, the algorithms and the proof. Everything about an item
(title, label, purpose, agreement, precedence, the originator's binding, the content) and
the kind of message are inside `ct`: HPKE (RFC 9180, base mode) to the recipient's keys, with
`info` binding the batch, both key ids and the message id, so a ciphertext moved to another
message, batch or recipient does not decrypt. The leaf binds the same plus the salt and the
digest of the plaintext, so a message is standalone evidence (`Evidence`) with its proof.

A batch is decoded once, its data items and nesting bounded before anything is built, and its
signature verified before any per-message work (ADR 0085). Opening then checks each message:
decryption, padding, leaf and proof. A batch that fails as a whole raises `EnvelopeError`; a
message that fails on its own comes back as an `EnvelopeError` in its place, so its neighbours
still count (ADR 0070).
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from gsomia.errors import Error
from gsomia.seal import batch, cbor, origin, padding
from gsomia.seal.identity import IdentityCard
from gsomia.seal.keys import NodeKeys
from gsomia.seal.opening import EnvelopeError, reject
from gsomia.seal.suite import SUITES

FORMAT = 2
MAX_BATCH_BYTES = 96 << 20
MAX_MESSAGES = 1024  # a sending worker puts 256 in a batch (exchange.wire.MAX_BATCH)
# A batch's CBOR data items at most: the outer map, head and signatures, then per message its
# map, four keys, four values and a proof of one hash per level of the tree.
_BATCH_ITEMS = 64 + MAX_MESSAGES * (9 + MAX_MESSAGES.bit_length())
_BATCH_DEPTH = 4  # batch → msgs → message → proof
_MSG = frozenset({"id", "i", "proof", "ct"})
_PLAIN = frozenset({"kind", "header", "media_type", "content", "salt", "at"})
INFO_TYPE = "gsomia-sealed/2"
SHARED_INFO = "gsomia-shared/2"


@dataclass(frozen=True)
class Plain:
    """One message before sealing / after opening: what only the two nodes may read."""

    id: str
    kind: str
    header: dict[str, Any]
    content: bytes
    media_type: str = "application/octet-stream"


@dataclass(frozen=True)
class OpenedV2:
    """A verified message of a v2 batch: what it said, who sent it, and its evidence."""

    plain: Plain
    sender: IdentityCard
    profile: str
    sealed_at: datetime
    evidence: bytes  # canonical CBOR of `Evidence`, for the holder's records

    # The names of v1's `Opened`, so receiving code reads both alike.
    @property
    def content(self) -> bytes:
        return self.plain.content

    @property
    def label(self) -> dict[str, Any]:
        return self.plain.header

    @property
    def media_type(self) -> str:
        return self.plain.media_type

    @property
    def envelope_id(self) -> str:
        return self.plain.id


def _info(head: Mapping[str, Any], message_id: str) -> bytes:
    return cbor.dumps([INFO_TYPE, head["batch"], head["from"], head["to"], message_id])


def _encode_plain(plain: Plain, salt: bytes, at: datetime) -> bytes:
    return cbor.dumps(
        {
            "kind": plain.kind,
            "header": plain.header,
            "media_type": plain.media_type,
            "content": plain.content,
            "salt": salt,
            "at": int(at.timestamp() * 1000),
        }
    )


def seal_batch(
    messages: Sequence[Plain],
    *,
    keys: NodeKeys,
    sender: str,
    recipient: IdentityCard,
    now: datetime,
    batch_id: bytes | None = None,
    _random: Any = os.urandom,
) -> bytes:
    """Seal `messages` for `recipient`'s node and sign the batch once; the batch's bytes.

    `_random` is a private hook for deterministic test vectors (salts and batch id only: HPKE
    draws its own randomness); never pass it.
    """
    if keys.profile != recipient.profile:
        raise EnvelopeError(f"profile {keys.profile} cannot seal for a {recipient.profile} node")
    if len(messages) > MAX_MESSAGES:
        raise EnvelopeError(f"a batch holds at most {MAX_MESSAGES} messages")
    head = {
        "batch": batch_id or _random(16),
        "sender": sender,
        "recipient": recipient.nation,
        "from": keys.key_id,
        "to": recipient.key_id,
        "profile": keys.profile,
    }
    suite = SUITES[keys.profile]
    sealed, leaves = [], []
    shared: dict[bytes, Any] = {}
    for plain in messages:
        salt = _random(16)
        header, carried = origin.hoist(plain.header)
        shared |= carried
        data = _encode_plain(replace(plain, header=header), salt, now)
        digest = hashlib.sha256(data).digest()
        leaves.append(batch.leaf_hash(batch.leaf_data(head, plain.id, salt, digest)))
        ct = suite.encrypt(padding.pad(data), recipient.keys.kem, info=_info(head, plain.id))
        sealed.append((plain.id, ct))
    signed = batch.sign_batch(keys, head, leaves)
    msgs = [
        {"id": mid, "i": i, "proof": proof, "ct": ct}
        for i, ((mid, ct), proof) in enumerate(zip(sealed, signed.proofs, strict=True))
    ]
    info = _shared_info(head)
    shared_ct = suite.encrypt(cbor.dumps(shared), recipient.keys.kem, info=info) if shared else b""
    return cbor.dumps(
        {"head": signed.head, "sig": signed.signatures, "msgs": msgs, "shared": shared_ct}
    )


def _shared_info(head: Mapping[str, Any]) -> bytes:
    return cbor.dumps([SHARED_INFO, head["batch"], head["from"], head["to"]])


@dataclass(frozen=True)
class Parsed:
    """A batch whose signature verified: its head, signatures and messages still sealed."""

    head: dict[str, Any]
    signatures: list[bytes]
    messages: list[Any]
    shared: dict[bytes, Any]  # what the messages share (`origin.hoist`), opened


@dataclass(frozen=True)
class Unverified:
    """A batch decoded (once) and checked for shape, its signature not yet verified."""

    head: dict[str, Any]
    signatures: Any
    messages: list[Any]
    shared: Any


def parse_batch(data: bytes | bytearray) -> Unverified:
    """The batch's structure (unverified): `head` checked, `msgs` a list of the size the head
    says. Decoded within `_BATCH_ITEMS` data items and `_BATCH_DEPTH` levels, refused before
    anything is built otherwise (ADR 0085). EnvelopeError."""
    try:
        raw = cbor.fields(
            cbor.loads(
                data, what="batch", limit=MAX_BATCH_BYTES, items=_BATCH_ITEMS, depth=_BATCH_DEPTH
            ),
            frozenset({"head", "sig", "msgs", "shared"}),
            what="batch",
        )
        head = batch.check_head(raw["head"])
    except Error as error:
        reject(error.message, error)
    msgs = raw["msgs"]
    if not isinstance(msgs, list) or len(msgs) != head["size"] or len(msgs) > MAX_MESSAGES:
        reject("the batch's messages do not match its size")
    return Unverified(head, raw["sig"], msgs, raw["shared"])


def verify_batch(
    data: bytes | bytearray | Unverified,
    *,
    keys: NodeKeys,
    sender: IdentityCard,
    recipient: str | None = None,
) -> Parsed:
    """The batch once `sender`'s node signed it for `keys`' node (of nation `recipient`, when
    given: the evidence a holder keeps names it); EnvelopeError otherwise. `data` may be the
    batch already parsed, so a body is decoded once."""
    raw = data if isinstance(data, Unverified) else parse_batch(data)
    head = raw.head
    # Sealed to keys this node retired (a partner that sealed it before it pinned the new
    # card): those keys still open it (ADR 0093).
    own = keys.addressed(head["to"]) if isinstance(head["to"], str) else None
    if own is None or head["sender"] != sender.nation:
        reject("the batch is not from this sender to this node")
    keys = own
    if recipient is not None and head["recipient"] != recipient:
        reject(f"the batch names {head['recipient']} as its recipient, not {recipient}")
    try:
        batch.verify_head(head, raw.signatures, sender.keys)
    except Error as error:
        reject(error.message, error)
    # The list of messages is outside the signature: each must stand where its sender put it,
    # or a copy of one message could take another's place and that one vanish unanswered.
    for position, msg in enumerate(raw.messages):
        if isinstance(msg, dict) and msg.get("i") != position:
            reject("the batch's messages are not in the order its sender signed")
    return Parsed(head, raw.signatures, raw.messages, _open_shared(raw, keys))


def _open_shared(raw: Unverified, keys: NodeKeys) -> dict[bytes, Any]:
    """The part a verified batch's messages share (`origin.hoist`), opened; EnvelopeError."""
    try:
        shared: Any = {}
        if raw.shared:
            sealed = cbor.typed(raw.shared, bytes, what="shared part")
            info = _shared_info(raw.head)
            data = keys.hpke_decrypt(SUITES[raw.head["profile"]], sealed, info)
            shared = cbor.loads(data, what="shared part", limit=MAX_BATCH_BYTES)
        if not isinstance(shared, dict):
            reject("the shared part is malformed")
        return shared
    except EnvelopeError:
        raise
    except Error as error:
        reject(error.message, error)
    except Exception as error:  # HPKE's own errors
        reject(f"the shared part did not open ({type(error).__name__})", error)


def open_message(parsed: Parsed, msg: Any, *, keys: NodeKeys, sender: IdentityCard) -> OpenedV2:
    """One message of a verified batch, opened and proven in it; EnvelopeError otherwise."""
    head = parsed.head
    try:
        msg = cbor.fields(msg, _MSG, what="message")
        mid = cbor.typed(msg["id"], str, what="message id")
        index = cbor.typed(msg["i"], int, what="message index")
        ct = cbor.typed(msg["ct"], bytes, what="ciphertext")
        proof = cbor.typed(msg["proof"], list, what="proof")
        if not 1 <= len(mid) <= 64 or not all(isinstance(p, bytes) for p in proof):
            reject("message id or proof is malformed")
        own = keys.addressed(head["to"]) or keys  # verify_batch refused any other
        data = padding.unpad(own.hpke_decrypt(SUITES[head["profile"]], ct, _info(head, mid)))
        plain = cbor.fields(
            cbor.loads(data, what="sealed part", limit=MAX_BATCH_BYTES), _PLAIN, what="sealed"
        )
        salt = cbor.typed(plain["salt"], bytes, what="salt")
        digest = hashlib.sha256(data).digest()
        batch.verify_leaf(
            head, index, proof, batch.leaf_hash(batch.leaf_data(head, mid, salt, digest))
        )
        opened = Plain(
            id=mid,
            kind=cbor.typed(plain["kind"], str, what="kind"),
            header=origin.restore(cbor.typed(plain["header"], dict, what="header"), parsed.shared),
            content=cbor.typed(plain["content"], bytes, what="content"),
            media_type=cbor.typed(plain["media_type"], str, what="media type"),
        )
        at = datetime.fromtimestamp(cbor.typed(plain["at"], int, what="time") / 1000, UTC)
    except EnvelopeError:
        raise
    except Error as error:
        reject(error.message, error)
    except Exception as error:  # HPKE's own errors: the message is not for us, or altered
        reject(f"the message did not open ({type(error).__name__})", error)
    evidence = cbor.dumps(
        {"head": head, "sig": parsed.signatures, "id": mid, "i": index, "proof": proof,
         "salt": salt, "digest": digest}
    )  # fmt: skip
    return OpenedV2(opened, sender, head["profile"], at, evidence)


def open_batch(
    data: bytes, *, keys: NodeKeys, sender: IdentityCard, recipient: str | None = None
) -> tuple[Parsed, list[OpenedV2 | EnvelopeError]]:
    """Verify a batch once and open each message; per message, what it held or why not."""
    parsed = verify_batch(data, keys=keys, sender=sender, recipient=recipient)
    results: list[OpenedV2 | EnvelopeError] = []
    for msg in parsed.messages:
        try:
            results.append(open_message(parsed, msg, keys=keys, sender=sender))
        except EnvelopeError as error:
            results.append(error)
    return parsed, results


def message_ids(parsed: Parsed) -> list[str]:
    """The id each message of `parsed` claims (or "" where it has none), in order."""
    ids = [m.get("id") if isinstance(m, dict) else None for m in parsed.messages]
    return [i if isinstance(i, str) else "" for i in ids]


# Answers go back sealed to the sender, as messages do -----------------------------------------

ANSWERS_INFO = "gsomia-answers/2"


def seal_to(card: IdentityCard, data: bytes, context: bytes) -> bytes:
    """`data` compressed, padded and HPKE-sealed to `card`'s node, bound to `context` (a batch
    id). Compressed because a batch's answers repeat their log checkpoint and proofs; no one
    who sees the length chose any of what is compressed (ADR 0070)."""
    info = cbor.dumps([ANSWERS_INFO, card.key_id, context])
    packed = padding.pad(zlib.compress(data, 6))
    return SUITES[card.profile].encrypt(packed, card.keys.kem, info=info)


def open_sealed(keys: NodeKeys, data: bytes, context: bytes) -> bytes:
    """What `seal_to` sealed for `keys`' node under `context`; EnvelopeError otherwise."""
    info = cbor.dumps([ANSWERS_INFO, keys.key_id, context])
    try:
        packed = padding.unpad(keys.hpke_decrypt(SUITES[keys.profile], data, info))
        inflate = zlib.decompressobj()
        opened = inflate.decompress(packed, MAX_BATCH_BYTES)
        if inflate.unconsumed_tail or not inflate.eof:
            reject("the answers are malformed or too large")
        return opened
    except EnvelopeError:
        raise
    except Error as error:
        reject(error.message, error)
    except Exception as error:  # HPKE's own errors
        reject(f"the answers did not open ({type(error).__name__})", error)
