"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification (SHA-256).

Hashes: `leaf = SHA-256(0x00 || data)`, `node = SHA-256(0x01 || left || right)`, the empty tree
hashes to `SHA-256("")` (RFC 9162 §2.1.1).

Proofs are generated against a `HashReader` that knows the root of every *perfect* subtree
(`level`, `index`) = the subtree over leaves `[index * 2**level, (index + 1) * 2**level)`.
Every node an RFC 9162 proof needs is either such a perfect subtree or a node on the tree's
right edge, which folds O(log n) perfect subtrees. So a proof is first *planned* (a pure list
of the perfect subtrees it needs, `ProofPlan`), then all of them are read in one batch, then
folded: O(log n) stored hashes, one round trip, whatever the log's size.

Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from gsomia.errors import InputError, VerificationError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeId = tuple[int, int]
"""A perfect subtree: (level, index); level 0 is a leaf."""


def hash_leaf(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of a leaf entry."""
    return hashlib.sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class HashReader(Protocol):
    """Where proofs read stored hashes from: the roots of perfect subtrees."""

    def read_hashes(self, ids: Sequence[NodeId]) -> Sequence[bytes]:
        """The hash of each perfect subtree in `ids`, in order; NotFound if one is missing."""
        ...


def _largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (RFC 9162 §2.1.1), for n >= 2."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees that tile `[start, end)` when `start` is a multiple of the largest.

    Used for right-edge nodes of a tree: `[start, end)` with `start` aligned to a power of two
    at least `end - start`, so the tiling is the binary digits of `end - start`, largest first.
    """
    nodes: list[NodeId] = []
    size = end - start
    while size:
        level = size.bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
        size -= 1 << level
    return nodes


def _subtree(start: int, end: int) -> tuple[NodeId, ...]:
    """The MTH of `[start, end)` as the perfect subtrees to fold from the right."""
    return tuple(range_nodes(start, end))


@dataclass(frozen=True)
class ProofPlan:
    """A proof as the perfect subtrees each of its hashes folds (right fold, RFC 9162 MTH)."""

    terms: tuple[tuple[NodeId, ...], ...]

    def node_ids(self) -> list[NodeId]:
        """Every perfect subtree the proof needs, each once, in a stable order."""
        return list(dict.fromkeys(node for term in self.terms for node in term))

    def resolve(self, reader: HashReader) -> list[bytes]:
        """Read the needed hashes in one batch and fold each term into a proof hash."""
        ids = self.node_ids()
        known = dict(zip(ids, reader.read_hashes(ids), strict=True))
        proof = []
        for term in self.terms:
            acc = known[term[-1]]
            for node in reversed(term[:-1]):
                acc = hash_children(known[node], acc)
            proof.append(acc)
        return proof


def plan_inclusion(index: int, size: int) -> ProofPlan:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), as perfect subtrees (leaf first)."""
    if not 0 <= index < size:
        raise InputError(
            f"no leaf {index} in a tree of size {size}", hint="the index must be below the size"
        )
    terms: list[tuple[NodeId, ...]] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if m < k:
            terms.append(_subtree(start + k, end))
            end = start + k
        else:
            terms.append(_subtree(start, start + k))
            start, m = start + k, m - k
    terms.reverse()  # the recursion yields root-side hashes first; the proof is leaf first
    return ProofPlan(tuple(terms))


def plan_consistency(old_size: int, new_size: int) -> ProofPlan:
    """RFC 9162 §2.1.4.1 PROOF(old_size, D[0:new_size]), as perfect subtrees."""
    if not 0 <= old_size <= new_size:
        raise InputError(
            f"no consistency proof from size {old_size} to size {new_size}",
            hint="the old size must be between 0 and the new size",
        )
    if old_size in (0, new_size):
        return ProofPlan(())
    terms: list[tuple[NodeId, ...]] = []
    start, end, m, whole = 0, new_size, old_size, True
    while m != end - start:
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            terms.append(_subtree(start + k, end))
            end = start + k
        else:
            terms.append(_subtree(start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        terms.append(_subtree(start, end))
    terms.reverse()
    return ProofPlan(tuple(terms))


def plan_root(size: int) -> ProofPlan:
    """MTH(D[0:size]) as one term (no terms for the empty tree)."""
    if size < 0:
        raise InputError(f"no tree of size {size}")
    return ProofPlan((_subtree(0, size),) if size else ())


def inclusion_proof(reader: HashReader, index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of size `size`."""
    return plan_inclusion(index, size).resolve(reader)


def consistency_proof(reader: HashReader, old_size: int, new_size: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 consistency proof from `old_size` to `new_size`."""
    return plan_consistency(old_size, new_size).resolve(reader)


def root_at(reader: HashReader, size: int) -> bytes:
    """The root hash of the tree when it had `size` leaves (stored subtrees never change)."""
    hashes = plan_root(size).resolve(reader)
    return hashes[0] if hashes else EMPTY_ROOT


def root_from_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 9162 MTH over leaf hashes held in memory (tests, small trees)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationError(f"{name} is {len(value)} bytes, not a SHA-256 hash")


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """RFC 9162 §2.1.3.2 steps 1–6: the root the proof leads to (VerificationError if none)."""
    if not 0 <= index < size:
        raise VerificationError(f"leaf index {index} is not below tree size {size}")
    _check_hash("the leaf hash", leaf_hash)
    fn, sn, r = index, size - 1, leaf_hash
    for position, p in enumerate(proof):
        _check_hash(f"inclusion proof hash {position}", p)
        if sn == 0:
            raise VerificationError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("the inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: raise VerificationError unless `proof` puts the leaf under `root`."""
    _check_hash("the root hash", root)
    if root_from_inclusion_proof(index, size, leaf_hash, proof) != root:
        raise VerificationError(f"inclusion proof for leaf {index} does not match the root")


def _trivially_consistent(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """The cases RFC 9162 leaves to the caller: empty old tree, equal sizes, bad sizes."""
    if not 0 <= old_size <= new_size:
        raise VerificationError(f"tree size went from {old_size} down to {new_size}")
    if old_size == new_size:
        if proof:
            raise VerificationError("a consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise VerificationError(f"two different roots for the same size {old_size}")
        return True
    if old_size == 0:
        if proof:
            raise VerificationError("a consistency proof from the empty tree must be empty")
        return True
    return False


def _consistency_roots(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 1–6: the (old, new) roots the proof leads to."""
    if not proof:
        raise VerificationError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # step 2: an exact power of two is its own first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("the consistency proof is longer than needed")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("the consistency proof is shorter than needed")
    return fr, sr


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise VerificationError unless the old tree is a prefix of the new."""
    _check_hash("the old root hash", old_root)
    _check_hash("the new root hash", new_root)
    for position, p in enumerate(proof):
        _check_hash(f"consistency proof hash {position}", p)
    if _trivially_consistent(old_size, new_size, old_root, new_root, proof):
        return
    fr, sr = _consistency_roots(old_size, new_size, old_root, proof)
    if fr != old_root:
        raise VerificationError(
            f"the consistency proof does not lead to the old root (size {old_size})"
        )
    if sr != new_root:
        raise VerificationError(
            f"the consistency proof does not lead to the new root (size {new_size})"
        )
