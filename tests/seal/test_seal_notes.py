"""Ed25519 for the log's notes: the node's own key, seeds, and verification that never raises."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gsomia.errors import InputError
from gsomia.seal import ed25519_key, ed25519_verify, generate_node_keys, make_card, node_note_key
from gsomia.seal.encoding import b64u_decode
from gsomia.seal.notes import seed_key

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("profile", ["pq", "classic"])
def test_the_node_signs_its_log_with_the_ed25519_key_its_card_shows(profile: str) -> None:
    keys = generate_node_keys(profile)
    card = make_card(keys, nation="KOR", name="ROK MND", created=NOW)
    [jwk] = [k for k in card.keys.jwks["sig"] if k.get("crv") == "Ed25519"]
    key = node_note_key(keys)
    assert key is not None
    assert key.public_key == b64u_decode(jwk["x"], what="x")
    assert ed25519_verify(key.public_key, b"checkpoint\n", key.sign(b"checkpoint\n"))


def test_a_cnsa2_node_has_no_note_key() -> None:
    assert node_note_key(generate_node_keys("cnsa2")) is None


def test_verification_says_false_for_what_does_not_verify() -> None:
    key = ed25519_key(Ed25519PrivateKey.generate())
    signature = key.sign(b"text\n")
    assert ed25519_verify(key.public_key, b"text\n", signature)
    assert not ed25519_verify(key.public_key, b"other\n", signature)
    assert not ed25519_verify(
        key.public_key, b"text\n", signature[:-1] + bytes([signature[-1] ^ 1])
    )
    assert not ed25519_verify(key.public_key[:31], b"text\n", signature)  # malformed key
    assert not ed25519_verify(key.public_key, b"text\n", signature[:10])  # malformed signature


def test_a_seed_is_32_bytes() -> None:
    seed = bytes(range(32))
    key = seed_key(seed)
    assert key.public_key == ed25519_key(Ed25519PrivateKey.from_private_bytes(seed)).public_key
    with pytest.raises(InputError, match="32 bytes"):
        seed_key(seed[:31])
