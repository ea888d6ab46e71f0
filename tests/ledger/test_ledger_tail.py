"""Receipt proofs from the frontier and the batch's leaves equal RFC 9162 proofs from the tree."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.ledger.frontier import Frontier, frontier_nodes
from gsomia.ledger.memory import MemoryHashes
from gsomia.ledger.merkle import hash_leaf, root_from_hashes, verify_inclusion
from gsomia.ledger.tail import TailTree


def _leaves(n: int) -> list[bytes]:
    return [hash_leaf(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


def _tail(leaves: list[bytes], start: int) -> TailTree:
    tree = MemoryHashes()
    tree.append(leaves[:start])
    ids = frontier_nodes(start)
    return TailTree(start, dict(zip(ids, tree.read_hashes(ids), strict=True)), leaves[start:])


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.data())
def test_tail_proofs_are_the_rfc_9162_proofs(size: int, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, size - 1))
    leaves = _leaves(size)
    reference = MemoryHashes()
    reference.append(leaves)
    tail = _tail(leaves, start)
    root = root_from_hashes(leaves)
    for index in range(start, size):
        proof = tail.inclusion_proof(index)
        assert proof == reference.inclusion_proof(index, size)
        verify_inclusion(index, size, leaves[index], proof, root)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 5, 8, 13, 64, 1000, 2**20 + 7])
def test_frontier_nodes_are_the_frontiers(size: int) -> None:
    frontier = Frontier(size, tuple(b"\0" * 32 for _ in range(size.bit_count())))
    assert frontier_nodes(size) == frontier.nodes


@pytest.mark.parametrize(("start", "index"), [(5, 4), (5, 10), (0, -1)])
def test_entries_outside_the_tail_have_no_proof_here(start: int, index: int) -> None:
    with pytest.raises(InputError):
        _tail(_leaves(10), start).inclusion_proof(index)
