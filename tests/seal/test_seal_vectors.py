"""Test vectors in tests/vectors/seal/envelopes.json (made by make_vectors.py beside them):
cards from fixed seeds keep their fingerprints, each stored envelope still opens, and the
content encryption under the fixed CEK and IV is reproduced byte for byte."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gsomia.seal import ALL_PROFILES, make_card, open_envelope, parse_card, seal_envelope
from gsomia.seal.jose import recipient_structure

VECTORS = Path(__file__).parents[1] / "vectors" / "seal"
_SPEC = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
assert _SPEC is not None
assert _SPEC.loader is not None
_MAKER = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_MAKER)
keys_from_seeds: Any = _MAKER.keys_from_seeds  # the same derivation the vectors were made with

DATA: dict[str, Any] = json.loads((VECTORS / "envelopes.json").read_text(encoding="utf-8"))
NOW = datetime.fromisoformat(DATA["sealed_at"])


def test_recipient_structure_matches_the_draft_layout() -> None:
    assert DATA["recipient_structure_A256GCM"] == recipient_structure("A256GCM").hex()
    assert bytes.fromhex(DATA["recipient_structure_A256GCM"]) == b"JOSE-HPKE rcpt\xffA256GCM\xff"


@pytest.mark.parametrize("profile", ["pq", "cnsa2", "classic"])
def test_cards_from_seeds_keep_their_fingerprints(profile: str) -> None:
    for role in ("sender", "recipient"):
        node = DATA["profiles"][profile][role]
        keys = keys_from_seeds(profile, node["seeds"])
        card = make_card(
            keys, nation=node["card"]["nation"], name=node["card"]["name"], created=NOW
        )
        assert card.to_json() == node["card"]
        assert parse_card(json.dumps(node["card"])).fingerprint == node["card"]["fingerprint"]


@pytest.mark.parametrize("profile", ["pq", "cnsa2", "classic"])
def test_stored_envelope_opens(profile: str) -> None:
    vector = DATA["profiles"][profile]
    opened = open_envelope(
        json.dumps(vector["envelope"]).encode(),
        keys=keys_from_seeds(profile, vector["recipient"]["seeds"]),
        senders=[parse_card(json.dumps(vector["sender"]["card"]))],
        allowed_profiles=ALL_PROFILES,
    )
    assert opened.content == bytes.fromhex(DATA["content"])
    assert opened.label == DATA["label"]
    assert opened.envelope_id == f"vector-{profile}"


@pytest.mark.parametrize("profile", ["pq", "cnsa2"])
def test_content_encryption_is_reproduced(profile: str) -> None:
    vector = DATA["profiles"][profile]
    again = seal_envelope(
        bytes.fromhex(DATA["content"]),
        label=DATA["label"],
        keys=keys_from_seeds(profile, vector["sender"]["seeds"]),
        recipients=[parse_card(json.dumps(vector["recipient"]["card"]))],
        now=NOW,
        media_type="text/plain",
        envelope_id=f"vector-{profile}",
        _cek=bytes.fromhex(DATA["cek"]),
        _iv=bytes.fromhex(DATA["iv"]),
    )
    jwe, stored = json.loads(again)["jwe"], vector["envelope"]["jwe"]
    for member in ("protected", "iv", "ciphertext", "tag"):
        assert jwe[member] == stored[member]


# Envelope v2 (ADR 0070): tests/vectors/seal/batches_v2.json, made by make_vectors_v2.py.
V2: dict[str, Any] = json.loads((VECTORS / "batches_v2.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("profile", ["pq", "cnsa2", "classic"])
def test_stored_v2_batch_opens_and_keeps_its_root(profile: str) -> None:
    from gsomia.seal import cbor  # noqa: PLC0415
    from gsomia.seal.sealed import OpenedV2, open_batch  # noqa: PLC0415

    vector, old = V2["profiles"][profile], DATA["profiles"][profile]
    data = bytes.fromhex(vector["batch"])
    _, results = open_batch(
        data,
        keys=keys_from_seeds(profile, old["recipient"]["seeds"]),
        sender=parse_card(json.dumps(old["sender"]["card"])),
    )
    got = [
        {"id": r.plain.id, "kind": r.plain.kind, "header": r.plain.header,
         "content": r.plain.content.hex(), "media_type": r.plain.media_type}
        for r in results
        if isinstance(r, OpenedV2)
    ]  # fmt: skip
    assert got == V2["messages"]
    assert cbor.loads(data, what="batch", limit=1 << 24)["head"]["root"].hex() == vector["root"]


# Stream envelopes (ADR 0022): tests/vectors/seal/stream-<profile>.bin, made by
# make_vectors_stream.py. A faster stream (ADR 0125) must still open these and write the same
# chunk frames.
_STREAM_SPEC = importlib.util.spec_from_file_location(
    "make_vectors_stream", VECTORS / "make_vectors_stream.py"
)
assert _STREAM_SPEC is not None
assert _STREAM_SPEC.loader is not None
_STREAM_MAKER = importlib.util.module_from_spec(_STREAM_SPEC)
_STREAM_SPEC.loader.exec_module(_STREAM_MAKER)


def _stream_frames(data: bytes) -> list[tuple[bytes, bytes]]:
    from gsomia.seal.stream import MAGIC  # noqa: PLC0415

    frames, pos = [], len(MAGIC)
    while pos < len(data):
        kind, size = data[pos : pos + 1], int.from_bytes(data[pos + 1 : pos + 5])
        frames.append((kind, data[pos + 5 : pos + 5 + size]))
        pos += 5 + size
    return frames


@pytest.mark.parametrize("profile", ["pq", "cnsa2", "classic"])
def test_stored_stream_opens_from_memory_and_from_a_file(profile: str, tmp_path: Path) -> None:
    import io  # noqa: PLC0415

    from gsomia.seal.stream import open_file, open_stream  # noqa: PLC0415

    vector = DATA["profiles"][profile]
    stored = _STREAM_MAKER.path(profile)
    where = {
        "keys": keys_from_seeds(profile, vector["recipient"]["seeds"]),
        "senders": [parse_card(json.dumps(vector["sender"]["card"]))],
        "allowed_profiles": ALL_PROFILES,
    }
    out = io.BytesIO()
    opened = open_stream(io.BytesIO(stored.read_bytes()), out, **where)
    assert out.getvalue() == _STREAM_MAKER.CONTENT
    assert (opened.label, opened.envelope_id) == (DATA["label"], f"stream-vector-{profile}")
    assert opened.length == len(_STREAM_MAKER.CONTENT)
    open_file(stored, tmp_path / "content", **where)
    assert (tmp_path / "content").read_bytes() == _STREAM_MAKER.CONTENT


@pytest.mark.parametrize("profile", ["pq", "cnsa2", "classic"])
def test_stream_chunks_are_reproduced(profile: str) -> None:
    again = _STREAM_MAKER.seal(profile, DATA["profiles"][profile])
    stored = _STREAM_MAKER.path(profile).read_bytes()
    chunks = [f for f in _stream_frames(again) if f[0] in (b"C", b"F")]
    assert chunks == [f for f in _stream_frames(stored) if f[0] in (b"C", b"F")]
    assert [k for k, _ in _stream_frames(again)] == [b"H", b"C", b"F", b"S"]
