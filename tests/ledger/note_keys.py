"""Ed25519 note keys for the ledger's tests: its pure signers and verifiers over the Ed25519
of `gsomia.seal.notes`, as a node puts them together (`gsomia.node.ledger`,
`gsomia.exchange.witness`)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gsomia.ledger import note_keys
from gsomia.ledger.note import VerifierKey
from gsomia.ledger.note_keys import CallableSigner, CosignatureV1Signer, NoteKeyVerifier
from gsomia.seal.notes import ed25519_key, ed25519_verify, seed_key


def ed25519_signer(name: str, private_key: Ed25519PrivateKey) -> CallableSigner:
    """A checkpoint signer (algorithm 0x01) from an Ed25519 private key."""
    key = ed25519_key(private_key)
    return CallableSigner(name, key.public_key, key.sign)


def cosigner(name: str, private_key: Ed25519PrivateKey) -> CosignatureV1Signer:
    """A witness's cosignature/v1 signer (algorithm 0x04) from an Ed25519 private key."""
    key = ed25519_key(private_key)
    return CosignatureV1Signer(name, key.public_key, key.sign)


def parse_signer_key(text: str) -> CallableSigner:
    """A Go-format `PRIVATE+KEY+...` test key as a signer."""
    return note_keys.parse_signer_key(text, seed_key)


def verifier_from_key(key: VerifierKey | str) -> NoteKeyVerifier:
    """The Ed25519 verifier a verifier key names."""
    return note_keys.verifier_from_key(key, ed25519_verify)
