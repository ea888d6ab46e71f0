"""Ed25519 note keys: the one ledger module that touches a crypto library.

The ledger core signs and verifies through `NoteSigner` / `NoteVerifier`. This module gives
the Ed25519 implementations of both, for log checkpoints (algorithm 0x01) and witness
cosignatures (cosignature/v1, algorithm 0x04). A node whose key lives elsewhere (gsomia.seal,
an HSM) builds a signer from its public key and a `sign` callable with `CallableSigner`, so the
private key never has to reach the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gsomia.errors import InputError
from gsomia.ledger.cosignature import Cosignature, cosigned_message, pack
from gsomia.ledger.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    NoteSignature,
    VerifierKey,
    b64decode,
    check_key_name,
    key_hash,
)


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class CallableSigner:
    """A note signer over any Ed25519 `sign(message) -> signature` the caller owns."""

    name: str
    public_key: bytes
    sign_message: Callable[[bytes], bytes] = field(repr=False)
    alg: int = ALG_ED25519

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, self.alg, self.public_key)

    def sign(self, text: bytes) -> bytes:
        return self.sign_message(text)

    def verifier_key(self) -> VerifierKey:
        return VerifierKey(self.name, self.alg, self.public_key)


def ed25519_signer(name: str, private_key: Ed25519PrivateKey) -> CallableSigner:
    """A checkpoint signer (algorithm 0x01) from an Ed25519 private key."""
    return CallableSigner(name, _raw_public(private_key), private_key.sign)


def parse_signer_key(text: str) -> CallableSigner:
    """Parse a Go-format `PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>` (test keys)."""
    parts = text.split("+", 4)  # base64 may hold '+'; the name may not
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise InputError("a signer key is 'PRIVATE+KEY+<name>+<key hash>+<base64 key>'")
    name, hash_hex, blob64 = parts[2:]
    blob = b64decode(blob64, "signer key")
    if len(blob) != 33 or blob[0] != ALG_ED25519:
        raise InputError("signer key is not an Ed25519 seed")
    signer = ed25519_signer(name, Ed25519PrivateKey.from_private_bytes(blob[1:]))
    if signer.key_hash.hex() != hash_hex:
        raise InputError(f"signer key hash {hash_hex} does not match the key")
    return signer


@dataclass(frozen=True)
class Ed25519NoteVerifier:
    """Verifies plain Ed25519 note signatures (algorithm 0x01)."""

    name: str
    public_key: bytes

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, ALG_ED25519, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        return _ed25519_verify(self.public_key, text, signature)


@dataclass(frozen=True)
class CosignatureV1Signer:
    """A witness key; `at(timestamp)` gives the note signer for one cosigning instant."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def public_key(self) -> bytes:
        return _raw_public(self.private_key)

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, ALG_COSIGNATURE_V1, self.public_key)

    def cosign(self, text: bytes, timestamp: int) -> NoteSignature:
        """The cosignature/v1 line over checkpoint `text` at `timestamp` (Unix seconds)."""
        signature = self.private_key.sign(cosigned_message(text, timestamp))
        return NoteSignature(self.name, self.key_hash, pack(timestamp, signature))

    def verifier_key(self) -> VerifierKey:
        return VerifierKey(self.name, ALG_COSIGNATURE_V1, self.public_key)


@dataclass(frozen=True)
class CosignatureV1Verifier:
    """Verifies cosignature/v1 lines (algorithm 0x04) over a checkpoint's text."""

    name: str
    public_key: bytes

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, ALG_COSIGNATURE_V1, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            cosig = Cosignature.from_note_signature(NoteSignature(self.name, b"", signature))
        except InputError:
            return False
        return _ed25519_verify(
            self.public_key, cosigned_message(text, cosig.timestamp), cosig.signature
        )


NoteKeyVerifier = Ed25519NoteVerifier | CosignatureV1Verifier


def verifier_from_key(key: VerifierKey | str) -> NoteKeyVerifier:
    """The verifier a verifier key string names, by its algorithm byte."""
    parsed = VerifierKey.parse(key) if isinstance(key, str) else key
    if parsed.alg == ALG_COSIGNATURE_V1:
        return CosignatureV1Verifier(parsed.name, parsed.public_key)
    return Ed25519NoteVerifier(parsed.name, parsed.public_key)
