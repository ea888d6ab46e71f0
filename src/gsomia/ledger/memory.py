"""An in-memory log of leaf hashes: the reference `HashReader` for tests and small tools."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gsomia.errors import NotFound
from gsomia.ledger import merkle
from gsomia.ledger.frontier import Frontier
from gsomia.ledger.merkle import NodeId


class MemoryHashes:
    """Every perfect subtree hash in a dict, grown through the same `Frontier` as the store."""

    def __init__(self) -> None:
        self.frontier = Frontier(0)
        self._nodes: dict[NodeId, bytes] = {}

    def append(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes, storing the perfect subtrees they complete."""
        self.frontier, created = self.frontier.append(leaf_hashes)
        for level, index, h in created:
            self._nodes[(level, index)] = h

    def read_hashes(self, ids: Sequence[NodeId]) -> list[bytes]:
        try:
            return [self._nodes[node] for node in ids]
        except KeyError as exc:
            raise NotFound(f"no stored subtree {exc.args[0]}") from None

    def root(self, size: int) -> bytes:
        return merkle.root_at(self, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof(self, index, size)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return merkle.consistency_proof(self, old_size, new_size)
