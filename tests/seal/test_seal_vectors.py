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
