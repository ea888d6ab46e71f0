"""One message of a v2 batch as standalone evidence: the signed head, its proof, its salt.

The recipient keeps, for each message it verified, `{"head", "sig", "id", "i", "proof",
"salt", "digest"}`: with the sender's card alone, anyone shown the message's plaintext can
check that the sender's node signed exactly that message, in that batch, for that recipient
(a receipt, a dispute, an onward release). No one else can, without the plaintext and salt.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from gsomia.errors import Error, VerificationError
from gsomia.seal import batch, cbor
from gsomia.seal.identity import IdentityCard

_MEMBERS = frozenset({"head", "sig", "id", "i", "proof", "salt", "digest"})


@dataclass(frozen=True)
class Proven:
    """What verified evidence proves: who signed which message, to whom, in which batch."""

    message_id: str
    sender: str
    recipient: str
    batch_id: bytes
    digest: bytes


def verify_evidence(
    evidence: bytes, card: IdentityCard, *, plaintext: bytes | None = None
) -> Proven:
    """What `evidence` proves once `card`'s node is shown to have signed it; with `plaintext`
    (the sealed part as opened), also that it is that message. VerificationError otherwise."""
    try:
        raw = cbor.fields(
            cbor.loads(evidence, what="evidence", limit=1 << 20), _MEMBERS, what="evidence"
        )
        head = batch.check_head(raw["head"])
        batch.verify_head(head, raw["sig"], card.keys)
        digest = cbor.typed(raw["digest"], bytes, what="digest")
        salt = cbor.typed(raw["salt"], bytes, what="salt")
        mid = cbor.typed(raw["id"], str, what="id")
        proof = cbor.typed(raw["proof"], list, what="proof")
        if not all(isinstance(p, bytes) for p in proof):
            raise VerificationError("the proof is malformed")
        leaf = batch.leaf_hash(batch.leaf_data(head, mid, salt, digest))
        batch.verify_leaf(head, cbor.typed(raw["i"], int, what="index"), proof, leaf)
    except VerificationError:
        raise
    except Error as error:
        raise VerificationError(f"the evidence is malformed: {error.message}") from error
    if plaintext is not None and hashlib.sha256(plaintext).digest() != digest:
        raise VerificationError("the evidence is of another message")
    return Proven(mid, head["sender"], head["recipient"], head["batch"], digest)


def evidence_head(evidence: bytes) -> dict[str, Any]:
    """The (unverified) head of `evidence`, to say which batch and nodes it names."""
    raw = cbor.loads(evidence, what="evidence", limit=1 << 20)
    return batch.check_head(cbor.fields(raw, _MEMBERS, what="evidence")["head"])
