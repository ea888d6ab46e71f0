"""Envelope v2 (ADR 0070): batches sealed per message, signed once, each message provable.

The tamper and mix-and-match tests are the threat-model rows of issue 12: a message moved into
another batch, a proof from another batch, a leaf sent to another recipient, a batch root
re-signed by another node, a truncated proof, a swapped ciphertext. Each is refused with the
one `EnvelopeError` and opens nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError, VerificationError
from gsomia.seal import cbor, origin, padding, suite
from gsomia.seal.batch import proof_of, root_from_proof, root_of, tree_of
from gsomia.seal.evidence import verify_evidence
from gsomia.seal.opening import EnvelopeError
from gsomia.seal.sealed import MAX_MESSAGES, OpenedV2, Plain, open_batch, seal_batch, verify_batch
from gsomia.seal.storage import open_at_rest, seal_at_rest

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
TITLE = "DPRK launch track 0417"
HEADER = {"type": "gsomia-item/1", "label": {"classification": "군사II급비밀"}, "title": TITLE}


def plains(n: int, size: int = 1024) -> list[Plain]:
    return [Plain(f"m{i}", "item", HEADER, bytes([i % 256]) * size) for i in range(n)]


def sealed(nodes: Any, n: int = 3, *, sender: str = "KOR", to: str = "JPN") -> bytes:
    return seal_batch(
        plains(n),
        keys=nodes["pq", sender].keys,
        sender=sender,
        recipient=nodes["pq", to].card,
        now=NOW,
    )


def opened(nodes: Any, data: bytes, *, to: str = "JPN", sender: str = "KOR") -> list[Any]:
    return open_batch(data, keys=nodes["pq", to].keys, sender=nodes["pq", sender].card)[1]


def edit(data: bytes, change: Any) -> bytes:
    raw = cbor.loads(data, what="t", limit=1 << 30)
    change(raw)
    return cbor.dumps(raw)


def test_a_batch_opens_to_what_was_sealed_with_one_signature_pair(nodes: Any) -> None:
    before = dict(suite.COUNTS)
    data = sealed(nodes, 64)
    results = opened(nodes, data)
    assert [r.plain for r in results] == plains(64)
    assert all(isinstance(r, OpenedV2) and r.sender.nation == "KOR" for r in results)
    assert suite.COUNTS["sign"] - before.get("sign", 0) == 1
    assert suite.COUNTS["verify"] - before.get("verify", 0) == 1


def test_nothing_of_the_item_is_outside_the_encryption(nodes: Any) -> None:
    data = sealed(nodes, 2)
    for secret in (TITLE, "군사II급비밀", "item"):
        for encoded in (secret.encode(), secret.encode("utf-16-le"), secret.encode().hex()):
            assert (encoded if isinstance(encoded, bytes) else encoded.encode()) not in data


@pytest.mark.parametrize("size", [10, 900, 1500])
def test_small_messages_are_padded_to_one_size_class(nodes: Any, size: int) -> None:
    data = seal_batch(
        [Plain("m", "item", HEADER, b"x" * size)],
        keys=nodes["pq", "KOR"].keys,
        sender="KOR",
        recipient=nodes["pq", "JPN"].card,
        now=NOW,
    )
    [msg] = cbor.loads(data, what="t", limit=1 << 30)["msgs"]
    assert len(msg["ct"]) == 2048 + 16 + 1120  # class + GCM tag + ML-KEM-768/X25519 enc


def test_a_message_moved_into_another_batch_is_refused(nodes: Any) -> None:
    first, second = sealed(nodes), sealed(nodes)
    stolen = cbor.loads(first, what="t", limit=1 << 30)["msgs"][1]
    moved = edit(second, lambda raw: raw["msgs"].__setitem__(1, stolen))
    results = opened(nodes, moved)
    assert isinstance(results[1], EnvelopeError)
    assert isinstance(results[0], OpenedV2)


def test_a_proof_from_another_batch_is_refused(nodes: Any) -> None:
    first, second = sealed(nodes), sealed(nodes)
    other = cbor.loads(first, what="t", limit=1 << 30)["msgs"][0]["proof"]
    results = opened(nodes, edit(second, lambda raw: raw["msgs"][0].__setitem__("proof", other)))
    assert isinstance(results[0], EnvelopeError)


def test_a_truncated_proof_is_refused(nodes: Any) -> None:
    data = edit(sealed(nodes, 5), lambda raw: raw["msgs"][2]["proof"].pop())
    assert isinstance(opened(nodes, data)[2], EnvelopeError)


def test_swapped_ciphertexts_are_refused(nodes: Any) -> None:
    def swap(raw: dict[str, Any]) -> None:
        a, b = raw["msgs"][0], raw["msgs"][1]
        a["ct"], b["ct"] = b["ct"], a["ct"]

    results = opened(nodes, edit(sealed(nodes), swap))
    assert all(isinstance(r, EnvelopeError) for r in results[:2])


def test_a_batch_for_another_recipient_is_refused(nodes: Any) -> None:
    data = sealed(nodes, to="USA")
    with pytest.raises(EnvelopeError):
        opened(nodes, data, to="JPN")
    # Relabelled for JPN, the signature no longer holds; the leaves name USA's key anyway.
    jpn = nodes["pq", "JPN"].card
    relabelled = edit(data, lambda raw: raw["head"].update(to=jpn.key_id, recipient="JPN"))
    with pytest.raises(EnvelopeError):
        opened(nodes, relabelled)


def test_a_root_re_signed_by_another_node_is_refused(nodes: Any) -> None:
    usa = nodes["pq", "USA"].keys

    def resign(raw: dict[str, Any]) -> None:
        raw["sig"] = suite.sign(usa, cbor.dumps(raw["head"]))

    with pytest.raises(EnvelopeError):
        opened(nodes, edit(sealed(nodes), resign))

    # Nor does naming USA's key help: the batch claims KOR as its sender.
    def rename(raw: dict[str, Any]) -> None:
        raw["head"]["from"] = usa.key_id
        resign(raw)

    with pytest.raises(EnvelopeError):
        opened(nodes, edit(sealed(nodes), rename))


def test_a_malformed_batch_is_one_error(nodes: Any) -> None:
    for data in (b"", b"\xff", cbor.dumps({"head": {}}), sealed(nodes)[:-5]):
        with pytest.raises(EnvelopeError):
            verify_batch(data, keys=nodes["pq", "JPN"].keys, sender=nodes["pq", "KOR"].card)


def test_evidence_stands_alone_with_the_senders_card(nodes: Any) -> None:
    [first, *_] = opened(nodes, sealed(nodes))
    proven = verify_evidence(first.evidence, nodes["pq", "KOR"].card)
    assert (proven.message_id, proven.sender, proven.recipient) == ("m0", "KOR", "JPN")
    with pytest.raises(VerificationError):
        verify_evidence(first.evidence, nodes["pq", "USA"].card)
    with pytest.raises(VerificationError):
        verify_evidence(first.evidence, nodes["pq", "KOR"].card, plaintext=b"another")


@pytest.mark.parametrize("profile", ["cnsa2", "classic"])
def test_other_profiles_seal_and_open(nodes: Any, profile: str) -> None:
    data = seal_batch(
        plains(2),
        keys=nodes[profile, "KOR"].keys,
        sender="KOR",
        recipient=nodes[profile, "JPN"].card,
        now=NOW,
    )
    _, results = open_batch(
        data, keys=nodes[profile, "JPN"].keys, sender=nodes[profile, "KOR"].card
    )
    assert [r.plain for r in results if isinstance(r, OpenedV2)] == plains(2)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.data())
def test_every_proof_leads_to_the_root_and_no_other(size: int, data: st.DataObject) -> None:
    leaves = [bytes([i]) * 32 for i in range(size)]
    index = data.draw(st.integers(0, size - 1))
    proof = proof_of(index, leaves)
    assert root_from_proof(index, size, leaves[index], proof) == root_of(leaves)
    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
        try:
            got = root_from_proof(other, size, leaves[index], proof)
        except VerificationError:
            return
        assert got != root_of(leaves)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300))
def test_one_pass_tree_gives_each_leafs_own_proof(size: int) -> None:
    leaves = [hashlib.sha256(bytes([i % 256, i // 256])).digest() for i in range(size)]
    root, proofs = tree_of(leaves)
    assert root == root_of(leaves)
    assert proofs == [proof_of(i, leaves) for i in range(size)]


@given(st.binary(max_size=70_000))
def test_padding_round_trips_to_a_size_class(data: bytes) -> None:
    padded = padding.pad(data)
    assert padding.unpad(padded) == data
    assert len(padded) in padding.CLASSES or len(padded) % padding.STEP == 0


def test_bad_padding_is_refused() -> None:
    for bad in (b"", bytes(2048), b"\x80" + bytes(100)):
        with pytest.raises(InputError):
            padding.unpad(bad)


def test_rows_sealed_at_rest_open_only_in_their_place(nodes: Any) -> None:
    keys = nodes["pq", "KOR"].keys
    value = seal_at_rest(keys, TITLE.encode(), "outbox:7")
    assert TITLE.encode() not in value
    assert open_at_rest(keys, value, "outbox:7") == TITLE.encode()
    with pytest.raises(VerificationError):
        open_at_rest(keys, value, "outbox:8")
    with pytest.raises(VerificationError):
        open_at_rest(nodes["pq", "JPN"].keys, value, "outbox:7")


def test_cbor_is_strict() -> None:
    assert cbor.loads(cbor.dumps({"b": 1, "a": b"x"}), what="t", limit=100) == {"a": b"x", "b": 1}
    for bad in (b"\xa2\x61b\x01\x61a\x02", b"\xc1\x00", b"\x01\x02", b"\x18\x01"):
        with pytest.raises(InputError):
            cbor.loads(bad, what="t", limit=100)


def test_batched_bindings_stand_alone_with_the_originators_card(nodes: Any) -> None:
    """A third nation verifies one binding of a batch with KOR's card alone; the head is
    verified once for the whole batch."""
    kor, usa = nodes["pq", "KOR"], nodes["pq", "USA"]
    items = [(f"KOR-{i}", {"classification": "군사II급비밀", "n": i}, b"c%d" % i) for i in range(8)]
    before = suite.COUNTS["sign"]
    bound = origin.bind_all(kor.keys, items)
    assert suite.COUNTS["sign"] - before == 1
    checks = suite.COUNTS["verify"]
    for binding, (item_id, label, content) in zip(bound, items, strict=True):
        document = origin.verify_origin(json.loads(json.dumps(binding)), kor.card)
        assert (document["item"], document["label"]) == (item_id, label)
        assert document["content_sha256"] == hashlib.sha256(content).hexdigest()
    assert suite.COUNTS["verify"] - checks == 1
    other = origin.bind_all(kor.keys, items)
    forged = [
        {**bound[0], "label": {"classification": "군사III급비밀", "n": 0}},  # a swapped label
        {**bound[0], "content_sha256": hashlib.sha256(b"other").hexdigest()},
        {**bound[0], "proof": other[0]["proof"]},  # a proof from another batch
        {**bound[0], "item": "KOR-1"},  # moved to another item
        {**bound[1], "proof": bound[1]["proof"][:-1]},  # truncated
        {**bound[0], "i": 1},
    ]
    for binding in forged:
        with pytest.raises(VerificationError):
            origin.verify_origin(binding, kor.card)
    with pytest.raises(VerificationError):
        origin.verify_origin(bound[0], usa.card)  # not USA's
    resigned = origin.bind_all(usa.keys, items)[0]
    with pytest.raises(VerificationError):
        origin.verify_origin(resigned, kor.card)  # re-signed by another node


def test_a_batch_carries_the_shared_binding_signatures_once_and_restores_them(
    nodes: Any,
) -> None:
    kor, jpn = nodes["pq", "KOR"], nodes["pq", "JPN"]
    label = {"classification": "군사II급비밀"}
    bound = origin.bind_all(kor.keys, [(f"KOR-{i}", label, b"c") for i in range(4)])
    plains = [
        Plain(f"m{i}", "item", {"type": "gsomia-item/1", "label": label, "binding": b}, b"c")
        for i, b in enumerate(bound)
    ]
    data = seal_batch(plains, keys=kor.keys, sender="KOR", recipient=jpn.card, now=NOW)
    raw = cbor.loads(data, what="t", limit=1 << 30)
    assert all(len(m["ct"]) < 4096 for m in raw["msgs"])  # 4.5 KB of signatures each, before
    assert [r.plain for r in opened(nodes, data)] == plains
    other = seal_batch(
        [Plain("x", "item", {"binding": origin.bind_all(kor.keys, [("K", label, b"")])[0]}, b"")],
        keys=kor.keys,
        sender="KOR",
        recipient=jpn.card,
        now=NOW,
    )
    shared = cbor.loads(other, what="t", limit=1 << 30)["shared"]
    swapped = edit(data, lambda r: r.__setitem__("shared", shared))  # another batch's
    with pytest.raises(EnvelopeError):  # bound to its batch: the whole batch is refused
        opened(nodes, swapped)
    dropped = edit(data, lambda r: r.__setitem__("shared", b""))
    assert all(isinstance(r, EnvelopeError) for r in opened(nodes, dropped))


# Found by an attack on envelope v2 (issue 12): each failed before its fix.


@pytest.mark.parametrize(
    "data",
    [
        bytes.fromhex("c074323031332d30332d32315432303a30343a30305a"),  # tag 0: a date
        bytes.fromhex("d9010283010203"),  # tag 258: a set
        bytes.fromhex("d82550" + "00" * 16),  # tag 37: a UUID
        bytes.fromhex("d8236161"),  # tag 35: a regular expression
        bytes.fromhex("d81c81d81d00"),  # tags 28/29: an array that contains itself
        bytes.fromhex("82d81c80d81d00"),  # the same array twice by reference
    ],
)
def test_cbor_refuses_every_tag_including_the_ones_cbor2_knows(data: bytes) -> None:
    with pytest.raises(InputError):
        cbor.loads(data, what="t", limit=100)


def test_a_message_replaced_by_a_copy_of_another_refuses_the_batch(nodes: Any) -> None:
    def copy_first(raw: dict[str, Any]) -> None:
        raw["msgs"][1] = dict(raw["msgs"][0])

    for change in (copy_first, lambda raw: raw["msgs"].reverse()):
        with pytest.raises(EnvelopeError) as caught:
            opened(nodes, edit(sealed(nodes), change))
        assert "order" in caught.value.reason


def test_a_batch_naming_another_recipient_nation_is_refused(nodes: Any) -> None:
    # A hostile sender signs a batch for JPN's key that names USA as its recipient: the
    # evidence JPN would keep would then say the message was never sent to JPN.
    jpn = nodes["pq", "JPN"]
    misnamed = replace(jpn.card, nation="USA")
    data = seal_batch(
        plains(2), keys=nodes["pq", "KOR"].keys, sender="KOR", recipient=misnamed, now=NOW
    )
    card = nodes["pq", "KOR"].card
    with pytest.raises(EnvelopeError) as caught:
        open_batch(data, keys=jpn.keys, sender=card, recipient="JPN")
    assert "names USA" in caught.value.reason
    assert len(open_batch(sealed(nodes), keys=jpn.keys, sender=card, recipient="JPN")[1]) == 3


def _peak_while(work: Any) -> int:
    """The peak of memory Python allocated while `work` ran (tracemalloc: bytes, not time)."""
    tracemalloc.start()
    try:
        with contextlib.suppress(EnvelopeError, InputError):
            work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("what", "body"),
    [
        # 256 K empty maps in the messages' place: cbor2 builds a dict of 64+ bytes for each.
        ("many items", cbor.dumps({"head": {}, "msgs": [{}] * (1 << 18), "sig": []})),
        # 256 K arrays in one message's proof: a list of 56+ bytes for each.
        ("many in one proof", cbor.dumps({"msgs": [{"proof": [[]] * (1 << 18)}]})),
        # An array nested 100,000 deep.
        ("deep nesting", b"\x81" * 100_000 + b"\x00"),
        # A byte string declaring 2^62 bytes.
        ("a length past the end", b"\x5b" + (1 << 62).to_bytes(8, "big")),
    ],
)
def test_a_hostile_batch_is_refused_before_it_is_built(nodes: Any, what: str, body: bytes) -> None:
    # A partner's batch used to be decoded whole before its signature was checked: each byte
    # of an empty map became a Python dict, a node grew 72 times a body's size (ADR 0085).
    keys, card = nodes["pq", "JPN"].keys, nodes["pq", "KOR"].card
    with pytest.raises(EnvelopeError):
        verify_batch(body, keys=keys, sender=card)
    peak = _peak_while(lambda: verify_batch(body, keys=keys, sender=card))
    assert peak < max(len(body), 64 << 10), what


def test_decoding_bounds_items_and_nesting_and_keeps_what_is_within() -> None:
    value = {"a": [[1, 2], {"b": b"x" * 1000}], "c": 1.5}
    data = cbor.dumps(value)
    assert cbor.loads(data, what="t", limit=4096, items=11, depth=3) == value
    for items, depth in ((10, 3), (11, 2)):
        with pytest.raises(InputError):
            cbor.loads(data, what="t", limit=4096, items=items, depth=depth)
    for bad in (b"\x9f\x00\xff", b"\x82\x00", b"\x00\x00", b"\x5a\x00\x00\x00\x05ab"):
        with pytest.raises(InputError):
            cbor.loads(bad, what="t", limit=100)


def test_a_batch_is_never_sealed_larger_than_a_partner_accepts(nodes: Any) -> None:
    with pytest.raises(EnvelopeError):
        seal_batch(
            [Plain(f"m{i}", "item", {}, b"") for i in range(MAX_MESSAGES + 1)],
            keys=nodes["pq", "KOR"].keys,
            sender="KOR",
            recipient=nodes["pq", "JPN"].card,
            now=NOW,
        )
