"""RFC 6962/9162 hashing and proofs, against published vectors and as properties."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError, VerificationError
from gsomia.ledger.frontier import Frontier, subtree_row
from gsomia.ledger.memory import MemoryHashes
from gsomia.ledger.merkle import (
    EMPTY_ROOT,
    hash_children,
    hash_leaf,
    plan_consistency,
    plan_inclusion,
    root_from_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parents[1] / "vectors" / "ledger"
HASHES: dict[str, Any] = json.loads((VECTORS / "rfc6962_hashes.json").read_text())
PROOFS: dict[str, Any] = json.loads((VECTORS / "rfc6962_proofs.json").read_text())
LEAVES = [hash_leaf(bytes.fromhex(d)) for d in PROOFS["leaves"]]
ROOTS = [bytes.fromhex(r) for r in PROOFS["roots"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hexes(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _tree(leaf_hashes: Sequence[bytes]) -> MemoryHashes:
    store = MemoryHashes()
    store.append(leaf_hashes)
    return store


def test_hasher_vectors() -> None:
    assert bytes.fromhex(HASHES["empty_root"]) == EMPTY_ROOT == root_from_hashes([])
    for leaf in HASHES["leaves"]:
        assert hash_leaf(bytes.fromhex(leaf["data_hex"])).hex() == leaf["hash"]
    for node in HASHES["nodes"]:
        got = hash_children(bytes.fromhex(node["left_hex"]), bytes.fromhex(node["right_hex"]))
        assert got.hex() == node["hash"]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_vectors(size: int) -> None:
    assert root_from_hashes(LEAVES[:size]) == ROOTS[size - 1]
    assert _tree(LEAVES[:size]).frontier.root() == ROOTS[size - 1]


@pytest.mark.parametrize("case", PROOFS["inclusion"], ids=lambda c: f"{c['index']}@{c['size']}")
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    index, size, proof = case["index"], case["size"], _hexes(case["proof"])
    tree = _tree(LEAVES[:size])
    assert tree.inclusion_proof(index, size) == proof
    verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size - 1])


def _inclusion_probes(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[int, int, bytes, list[bytes], bytes]]:
    """The corruptions the source test applies, each of which must fail."""
    probes = [
        (index - 1, size, leaf, proof, root),
        (index + 1, size, leaf, proof, root),
        (index ^ 2, size, leaf, proof, root),
        (index, size * 2, leaf, proof, root),
        (index, size // 2, leaf, proof, root),
        (index, size, hash_leaf(b"WrongLeaf"), proof, root),
        (index, size, leaf, proof, EMPTY_ROOT),
        (index, size, leaf, proof, SOME_HASH),
        (index, size, leaf, [*proof, root], root),
        (index, size, leaf, [root, *proof], root),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, leaf, flipped, root))
    if proof:
        probes.append((index, size, leaf, proof[:-1], root))
    if len(proof) > 1:
        probes.append((index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], root))
    return probes


@pytest.mark.parametrize("case", PROOFS["inclusion"], ids=lambda c: f"{c['index']}@{c['size']}")
def test_inclusion_corruptions_fail(case: dict[str, Any]) -> None:
    index, size, proof = case["index"], case["size"], _hexes(case["proof"])
    for probe in _inclusion_probes(index, size, proof, ROOTS[size - 1], LEAVES[index]):
        with pytest.raises(VerificationError):
            verify_inclusion(*probe)


def test_invalid_inclusion_requests() -> None:
    for case in PROOFS["invalid_inclusion"]:
        with pytest.raises(InputError):
            plan_inclusion(case["index"], case["size"])
        with pytest.raises(VerificationError):
            verify_inclusion(case["index"], case["size"], SOME_HASH, [], EMPTY_ROOT)


@pytest.mark.parametrize("case", PROOFS["consistency"], ids=lambda c: f"{c['size1']}-{c['size2']}")
def test_consistency_vectors(case: dict[str, Any]) -> None:
    size1, size2, proof = case["size1"], case["size2"], _hexes(case["proof"])
    assert _tree(LEAVES[:size2]).consistency_proof(size1, size2) == proof
    verify_consistency(size1, size2, ROOTS[size1 - 1], ROOTS[size2 - 1], proof)


@pytest.mark.parametrize("case", PROOFS["consistency"], ids=lambda c: f"{c['size1']}-{c['size2']}")
def test_consistency_corruptions_fail(case: dict[str, Any]) -> None:
    size1, size2, proof = case["size1"], case["size2"], _hexes(case["proof"])
    if not proof:
        return
    r1, r2 = ROOTS[size1 - 1], ROOTS[size2 - 1]
    probes = [
        (size1 - 1, size2, r1, r2, proof),
        (size1 + 1, size2, r1, r2, proof),
        (size1 ^ 2, size2, r1, r2, proof),
        (size1, size2 * 2, r1, r2, proof),
        (size1, size2 // 2, r1, r2, proof),
        (size1, size2, SOME_HASH, r2, proof),
        (size1, size2, r1, SOME_HASH, proof),
        (size1, size2, r2, r1, proof),
        (size1, size2, r1, r2, []),
        (size1, size2, r1, r2, [*proof, r1]),
        (size1, size2, r1, r2, [*proof, r2]),
        (size1, size2, r1, r2, [r1, *proof]),
        (size1, size2, r1, r2, [r2, *proof]),
        (size1, size2, r1, r2, [proof[0], *proof]),
        (size1, size2, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((size1, size2, r1, r2, flipped))
    for probe in probes:
        with pytest.raises(VerificationError):
            verify_consistency(*probe)


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "ok"),
    [
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
        (0, 1, EMPTY_ROOT, SOME_HASH, [], True),
        (1, 1, SOME_HASH, SOME_HASH, [], True),
        (1, 1, SOME_HASH, EMPTY_ROOT, [], False),
        (1, 0, SOME_HASH, EMPTY_ROOT, [], False),
        (2, 1, SOME_HASH, EMPTY_ROOT, [], False),
        (1, 2, SOME_HASH, EMPTY_ROOT, [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    ],
)
def test_consistency_edge_cases(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes], ok: bool
) -> None:
    """The source's TestVerifyConsistency table (its 'don't care' roots made 32 bytes)."""
    if ok:
        verify_consistency(size1, size2, root1, root2, proof)
    else:
        with pytest.raises(VerificationError):
            verify_consistency(size1, size2, root1, root2, proof)


def test_wrong_length_hashes_are_refused() -> None:
    with pytest.raises(VerificationError, match="not a SHA-256"):
        verify_inclusion(0, 1, b"short", [], b"short")
    with pytest.raises(VerificationError, match="not a SHA-256"):
        verify_consistency(0, 0, b"x", b"x", [])


def test_plan_rejects_bad_sizes() -> None:
    with pytest.raises(InputError):
        plan_consistency(3, 2)
    with pytest.raises(InputError):
        plan_inclusion(5, 5)


def test_proof_plan_reads_logarithmically_many_hashes() -> None:
    size = 10_000_000
    assert len(plan_inclusion(4_321_987, size).node_ids()) <= 2 * size.bit_length()
    assert len(plan_consistency(3_333_333, size).node_ids()) <= 3 * size.bit_length()


@st.composite
def _sizes(draw: st.DrawFn) -> tuple[int, int, int]:
    size = draw(st.integers(1, 140))
    return size, draw(st.integers(0, size - 1)), draw(st.integers(0, size))


@given(_sizes())
def test_generated_proofs_verify(params: tuple[int, int, int]) -> None:
    size, index, old = params
    leaves = [hash_leaf(i.to_bytes(4, "big")) for i in range(size)]
    tree = _tree(leaves)
    root = root_from_hashes(leaves)
    assert tree.root(size) == root
    verify_inclusion(index, size, leaves[index], tree.inclusion_proof(index, size), root)
    old_root = root_from_hashes(leaves[:old])
    assert tree.root(old) == old_root
    verify_consistency(old, size, old_root, root, tree.consistency_proof(old, size))


@given(st.lists(st.integers(0, 7), min_size=0, max_size=12))
def test_frontier_appends_in_any_batches(batches: list[int]) -> None:
    frontier = Frontier(0)
    all_leaves: list[bytes] = []
    for n in batches:
        new = [hash_leaf(len(all_leaves).to_bytes(4, "big") + bytes([k])) for k in range(n)]
        frontier, _ = frontier.append(new)
        all_leaves.extend(new)
        assert frontier.root() == root_from_hashes(all_leaves)
    assert Frontier.from_bytes(frontier.size, frontier.to_bytes()) == frontier


def test_damaged_frontier_is_refused() -> None:
    with pytest.raises(InputError, match="needs 2 hashes"):
        Frontier(3, (SOME_HASH,))
    with pytest.raises(InputError, match="whole number"):
        Frontier.from_bytes(1, b"abc")


@given(st.integers(0, 70), st.integers(1, 70))
def test_append_rows_stores_every_subtree_where_subtree_row_finds_it(first: int, more: int) -> None:
    leaves = [hash_leaf(i.to_bytes(2, "big")) for i in range(first + more)]
    reference = _tree(leaves)
    head, rows_a = Frontier(0).append_rows(leaves[:first])
    tail, rows_b = head.append_rows(leaves[first:])
    rows = rows_a + rows_b
    assert tail == reference.frontier
    for level in range(1, (first + more).bit_length()):
        for index in range((first + more) >> level):
            row, offset = subtree_row(level, index)
            assert rows[row][offset : offset + 32] == reference.read_hashes([(level, index)])[0]
    assert sum(len(r) for r in rows) // 32 == sum((first + more) >> lv for lv in range(1, 8))
