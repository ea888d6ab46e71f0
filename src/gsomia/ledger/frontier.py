"""The right edge of a growing Merkle tree: enough to append leaves and compute the root.

A tree of size n is the fold of at most ⌈log2 n⌉ + 1 perfect subtrees, one per set bit of n
(largest first); that list is the *frontier* (a "compact range" [0, n) in transparency-dev's
words). Appending a leaf pushes its hash and merges equal-level neighbours, which completes
new perfect subtrees: those are exactly the hashes to store for later proofs. So appends never
read the tree, store an amortised one interior hash per leaf, and the frontier stays at most
64 hashes whatever the size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gsomia.errors import InputError
from gsomia.ledger.merkle import EMPTY_ROOT, HASH_SIZE, NodeId, hash_children


def subtree_row(level: int, index: int) -> tuple[int, int]:
    """Where `append_rows` put subtree (level, index): (leaf row, byte offset in its blob).

    Level 0 is the leaf's own hash, kept beside the blob rather than in it.
    """
    return ((index + 1) << level) - 1, (level - 1) * HASH_SIZE


def frontier_nodes(size: int) -> list[NodeId]:
    """The perfect subtrees `(level, index)` that tile `[0, size)`, largest first."""
    nodes: list[NodeId] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


@dataclass(frozen=True)
class Frontier:
    """The perfect subtrees covering `[0, size)`, largest first, as their hashes."""

    size: int
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if self.size < 0 or len(self.hashes) != self.size.bit_count():
            raise InputError(
                f"a frontier of size {self.size} needs {max(self.size, 0).bit_count()} hashes, "
                f"has {len(self.hashes)}",
                hint="the stored log state is damaged; run the audit verification",
            )

    @property
    def nodes(self) -> list[NodeId]:
        """The (level, index) of each frontier hash, largest first."""
        return frontier_nodes(self.size)

    def root(self) -> bytes:
        """RFC 9162 MTH of the whole tree: the frontier folded from the right."""
        if not self.hashes:
            return EMPTY_ROOT
        acc = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            acc = hash_children(h, acc)
        return acc

    def append(self, leaf_hashes: Iterable[bytes]) -> tuple[Frontier, list[tuple[int, int, bytes]]]:
        """Append leaves; return the new frontier and every perfect subtree they completed.

        Each completed subtree is `(level, index, hash)`; level 0 entries are the leaves.
        """
        size = self.size
        stack = list(self.hashes)
        levels = [level for level, _ in self.nodes]
        created: list[tuple[int, int, bytes]] = []
        for leaf in leaf_hashes:
            if len(leaf) != HASH_SIZE:
                raise InputError(f"leaf hash {size} is {len(leaf)} bytes, not 32")
            created.append((0, size, leaf))
            h, level, index = leaf, 0, size
            while levels and levels[-1] == level:
                h = hash_children(stack.pop(), h)
                levels.pop()
                level += 1
                index >>= 1
                created.append((level, index, h))
            stack.append(h)
            levels.append(level)
            size += 1
        return Frontier(size, tuple(stack)), created

    def append_rows(self, leaf_hashes: Iterable[bytes]) -> tuple[Frontier, list[bytes]]:
        """Append leaves; for each, the subtrees it completed (levels 1, 2, …) concatenated.

        Leaf i completes the subtrees (L, i >> L) for L = 1 … (trailing one bits of i), so each
        perfect subtree above level 0 is stored exactly once, beside the leaf that closed it:
        `subtree_row` finds it again.
        """
        size = self.size
        stack = list(self.hashes)
        levels = [level for level, _ in self.nodes]
        rows: list[bytes] = []
        for leaf in leaf_hashes:
            if len(leaf) != HASH_SIZE:
                raise InputError(f"leaf hash {size} is {len(leaf)} bytes, not 32")
            h, level, completed = leaf, 0, []
            while levels and levels[-1] == level:
                h = hash_children(stack.pop(), h)
                levels.pop()
                level += 1
                completed.append(h)
            stack.append(h)
            levels.append(level)
            rows.append(b"".join(completed))
            size += 1
        return Frontier(size, tuple(stack)), rows

    def to_bytes(self) -> bytes:
        """The hashes concatenated, for storage beside `size`."""
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, blob: bytes) -> Frontier:
        """Inverse of `to_bytes` (InputError if the blob does not fit the size)."""
        if len(blob) % HASH_SIZE:
            raise InputError(
                "the stored frontier is not a whole number of hashes",
                hint="the stored log state is damaged; run the audit verification",
            )
        hashes = tuple(blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE))
        return cls(size, hashes)
