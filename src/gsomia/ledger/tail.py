"""Inclusion proofs for the newest entries of a log, from its frontier and their leaf hashes.

A received batch is answered with a receipt for each entry it appended, all under one
checkpoint signed just after. Those entries are the log's tail: every hash their proofs need
is either a frontier subtree from before the batch or built from the batch's own leaves, so a
batch of n proofs costs about n hashes rather than n proof plans and store reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gsomia.errors import InputError
from gsomia.ledger import merkle
from gsomia.ledger.merkle import NodeId


class TailTree:
    """The tree of `start + len(leaves)` entries, known from the frontier at `start` (its perfect
    subtrees, `(level, index) -> hash`) and the leaf hashes from `start` on.

    Enough for the inclusion proof of any entry at or after `start`: every left sibling on its
    path that lies wholly before `start` is a frontier subtree, and everything else is built from
    the new leaves, once, however many proofs ask.
    """

    def __init__(self, start: int, frontier: Mapping[NodeId, bytes], leaves: Sequence[bytes]):
        self.start = start
        self.size = start + len(leaves)
        self._leaves = leaves
        self._memo = {((i << lv), (i + 1) << lv): h for (lv, i), h in frontier.items()}

    def mth(self, lo: int, hi: int) -> bytes:
        """RFC 9162 MTH of entries `[lo, hi)`."""
        known = self._memo.get((lo, hi))
        if known is not None:
            return known
        if hi - lo == 1 and lo >= self.start:
            value = self._leaves[lo - self.start]
        elif hi <= self.start:
            raise InputError(f"subtree [{lo}, {hi}) is before the known tail at {self.start}")
        else:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            value = merkle.hash_children(self.mth(lo, lo + k), self.mth(lo + k, hi))
        self._memo[(lo, hi)] = value
        return value

    def inclusion_proof(self, index: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf first."""
        if not self.start <= index < self.size:
            raise InputError(f"entry {index} is outside the tail [{self.start}, {self.size})")
        proof = []
        lo, hi = 0, self.size
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if index < lo + k:
                proof.append(self.mth(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.mth(lo, lo + k))
                lo += k
        proof.reverse()
        return proof
