"""One signature per batch: an RFC 9162 Merkle tree over salted leaves, its root signed once.

A leaf binds what must never be lifted elsewhere: the batch, the signer and recipient keys,
the message id, a 16-byte salt and the digest of what the message says. The salt travels only
inside the sealed part, so nobody but the recipient can recompute a leaf or confirm a guess
of a message's content from the proofs of its neighbours. Each message keeps its inclusion
proof, so one message with the signed head is standalone evidence (`Evidence`).

Hashes follow RFC 9162 §2.1.1 (`0x00` leaf prefix, `0x01` node prefix, SHA-256), written out
here because `seal` and `ledger` are sibling layers that do not import each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gsomia.errors import InputError, VerificationError
from gsomia.seal import cbor, suite
from gsomia.seal.keys import NodeKeys, PublicKeys

HEAD_TYPE = "gsomia-batch/2"
LEAF_TYPE = "gsomia-leaf/2"
HEAD_MEMBERS = frozenset(
    {"t", "batch", "from", "to", "sender", "recipient", "profile", "size", "root"}
)
MAX_SIZE = 1 << 16


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 MTH over leaf hashes (at least one)."""
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(root_of(leaves[:k]), root_of(leaves[k:]))


def proof_of(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 inclusion proof of leaf `index`, bottom-up."""
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*proof_of(index, leaves[:k]), root_of(leaves[k:])]
    return [*proof_of(index - k, leaves[k:]), root_of(leaves[:k])]


def tree_of(leaves: Sequence[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """The root over `leaves` and every leaf's inclusion proof, each node hashed once.

    `proof_of` for each index in turn rehashes the sibling subtrees every time: n² hashes, which
    was 14 % of a sender's CPU for its bursts of 250 bindings and batches of 64 (issue 14).
    """
    if len(leaves) == 1:
        return leaves[0], [[]]
    k = _split(len(leaves))
    left, left_proofs = tree_of(leaves[:k])
    right, right_proofs = tree_of(leaves[k:])
    for proof in left_proofs:
        proof.append(right)
    for proof in right_proofs:
        proof.append(left)
    return _node(left, right), left_proofs + right_proofs


def root_from_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root a proof leads to; VerificationError if it is malformed."""
    if not 0 <= index < size or any(len(p) != 32 for p in proof):
        raise VerificationError("the inclusion proof is malformed")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("the inclusion proof is too short")
    return r


def leaf_data(head: dict[str, Any], message_id: str, salt: bytes, digest: bytes) -> bytes:
    """What a leaf hashes: the batch, both keys, the message id, its salt and digest."""
    return cbor.dumps(
        [LEAF_TYPE, head["batch"], head["from"], head["to"], message_id, salt, digest]
    )


@dataclass(frozen=True)
class Signed:
    """A signed batch head and each leaf's proof, in order."""

    head: dict[str, Any]
    signatures: list[bytes]
    proofs: list[list[bytes]]


def sign_batch(keys: NodeKeys, head: dict[str, Any], leaves: Sequence[bytes]) -> Signed:
    """Sign the root over `leaves` (leaf hashes) once; `head` is completed with size and root."""
    if not 1 <= len(leaves) <= MAX_SIZE:
        raise InputError(f"a batch holds 1 to {MAX_SIZE} messages")
    root, proofs = tree_of(leaves)
    head = {**head, "t": HEAD_TYPE, "size": len(leaves), "root": root}
    signatures = suite.sign(keys, cbor.dumps(head))
    return Signed(head, signatures, proofs)


def check_head(value: Any) -> dict[str, Any]:
    """`value` as a structurally valid head; InputError otherwise."""
    head = cbor.fields(value, HEAD_MEMBERS, what="batch head")
    if head["t"] != HEAD_TYPE:
        raise InputError("not a v2 batch head")
    for name in ("from", "to", "sender", "recipient", "profile"):
        cbor.typed(head[name], str, what=f"batch head {name}")
    cbor.typed(head["batch"], bytes, what="batch id")
    size = cbor.typed(head["size"], int, what="batch size")
    if not 1 <= size <= MAX_SIZE or len(cbor.typed(head["root"], bytes, what="root")) != 32:
        raise InputError("batch size or root is out of range")
    return head


def verify_head(head: dict[str, Any], signatures: Any, public: PublicKeys) -> None:
    """VerificationError unless `public`'s keys signed `head` (already `check_head`ed)."""
    if head["from"] != public.key_id or head["profile"] != public.profile:
        raise VerificationError("the batch names another signer")
    if not isinstance(signatures, list) or not all(isinstance(s, bytes) for s in signatures):
        raise VerificationError("the batch signatures are malformed")
    suite.verify(public, cbor.dumps(head), signatures)


def verify_leaf(head: dict[str, Any], index: int, proof: Sequence[bytes], leaf: bytes) -> None:
    """VerificationError unless `leaf` is at `index` under the signed `head`'s root."""
    if root_from_proof(index, head["size"], leaf, proof) != head["root"]:
        raise VerificationError("the message is not in the signed batch")
